// The store's key layouts as an outsider sees them on disk (records.h):
// the history index in buckets, read the same whatever the commits' batches
// were, and a store of the old layout read and rewritten once; a command's
// digest kept in its `commands` row, across a rebuild, and read from `meta`
// in a store made before; the retired by_status index neither written nor
// compared, and emptied in an older store by its next writer.
#include <gtest/gtest.h>
#include <rocksdb/write_batch.h>

#include "duban/engine_bench.h"
#include "store_util.h"

namespace duban {
namespace {

using namespace duban::testing;
using namespace duban::schemas;

constexpr uint32_t kHistoryCfId = 9;  // column_families.h: ids are written to disk and never change
constexpr int kBlockBits = 6;         // records.h: kHistoryBlockBits

// (task, position) per event, decoded from a bucket of format 2 as records.h describes it.
std::vector<std::pair<int32_t, uint64_t>> DecodeBucket(std::string_view key, std::string_view value) {
  const size_t z = key.find('\0');
  EXPECT_EQ(key.size(), z + 9) << "a bucket key is stream \\0 block u64";
  const uint64_t base = DecodeFixed64BE(key.data() + z + 1) << kBlockBits;
  std::vector<std::pair<int32_t, uint64_t>> out;
  for (size_t i = 0; i < value.size();) {
    const uint64_t pos = base + static_cast<uint8_t>(value[i++]);
    uint32_t task = 0;
    for (int shift = 0; i < value.size(); shift += 7) {
      const auto b = static_cast<uint8_t>(value[i++]);
      task |= static_cast<uint32_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    out.emplace_back(static_cast<int32_t>(task), pos);
  }
  return out;
}

std::vector<uint64_t> Positions(Engine& e, const std::string& plan, int32_t task) {
  auto h = e.History(plan, task);
  EXPECT_TRUE(h.ok()) << h.status().ToString();
  std::vector<uint64_t> out;
  if (h.ok())
    for (const auto& entry : *h) out.push_back(entry.position);
  return out;
}

// Counts the puts into `history` of the batches an engine commits.
struct HistoryPuts : rocksdb::WriteBatch::Handler {
  uint64_t puts = 0;
  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice&, const rocksdb::Slice&) override {
    if (cf == kHistoryCfId) ++puts;
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t, const rocksdb::Slice&) override { return rocksdb::Status::OK(); }
};

class KeyLayoutTest : public EngineFixture {
 public:
  // The sample plan's assignments (test_support.h).
  const std::vector<std::pair<int32_t, std::string>> assignments = {
      {1, kFinance}, {1, kEducation}, {2, kPolice}, {3, kFinance}};
  // Progress reports on every assignment of p1, `rounds` times over.
  std::vector<Command> Reports(int rounds) {
    std::vector<Command> out;
    for (int r = 0; r < rounds; ++r)
      for (const auto& [task, unit] : assignments)
        out.push_back(
            Cmd(ReportProgress{task, unit, 10 + r, "进展 " + std::to_string(r), "", "", ""}, UnitActor(unit)));
    return out;
  }
  std::vector<Command> Accepts() {
    std::vector<Command> out;
    for (const auto& [task, unit] : assignments) out.push_back(Cmd(Accept{task, unit}, UnitActor(unit)));
    return out;
  }
  void AcceptAll() {
    for (const auto& c : Accepts()) {
      Outcome o = engine->Submit(c);
      ASSERT_TRUE(o.status.ok()) << o.status.ToString();
    }
  }
};

TEST_F(KeyLayoutTest, ATaskHistoryAndEveryProjectionAreTheSameWhetherCommittedOneByOneOrInOneBatch) {
  Do(SamplePlan(), Supervisor());
  AcceptAll();
  const std::vector<Command> reports = Reports(30);
  for (const auto& c : reports) ASSERT_TRUE(engine->Submit(c).status.ok());

  TempDir other_dir;
  EngineOptions o;
  o.data_dir = other_dir.path();
  auto other = Engine::Open(o);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  // The same commands, ids and times, but the reports in one batch.
  std::vector<Command> first;
  next_id = 1;
  first.push_back(Cmd(SamplePlan(), Supervisor()));
  for (const auto& c : Accepts()) first.push_back(c);
  for (const auto& c : first) ASSERT_TRUE((*other)->Submit(c).status.ok());
  for (const auto& out : (*other)->SubmitBatch(reports)) ASSERT_TRUE(out.status.ok()) << out.status.ToString();

  ASSERT_EQ((*other)->LogEnd(), engine->LogEnd());
  for (int32_t task = 0; task <= 3; ++task) {
    const std::vector<uint64_t> one_by_one = Positions(*engine, "p1", task);
    EXPECT_EQ(Positions(**other, "p1", task), one_by_one) << "task " << task;
    if (task > 0) {
      EXPECT_GE(one_by_one.size(), 30u) << "task " << task;
    }
  }
  EXPECT_EQ(*(*other)->ProjectionDigest(), Digest()) << "the buckets hold the same bytes however the batches fell";
  auto v = engine->Verify();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->ok()) << v->problems.front();
}

TEST_F(KeyLayoutTest, ABusyBatchWritesAHistoryBucketPerBlockNotAKeyPerEvent) {
  Do(SamplePlan(), Supervisor());
  AcceptAll();
  HistoryPuts counter;
  bench::SetWriteObserver(*engine, [&](std::string_view rep) {
    rocksdb::WriteBatch wb{std::string(rep)};
    ASSERT_TRUE(wb.Iterate(&counter).ok());
  });
  const size_t before = Positions(*engine, "p1", 2).size();
  const std::vector<Command> reports = Reports(75);  // 300 events, one stream
  for (const auto& out : engine->SubmitBatch(reports)) ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  bench::SetWriteObserver(*engine, nullptr);
  // 300 positions in a row span at most 300 / 64 + 2 blocks.
  EXPECT_LE(counter.puts, 300u / (1u << kBlockBits) + 2) << "history keys written for 300 events";
  EXPECT_GE(counter.puts, 1u);
  EXPECT_EQ(Positions(*engine, "p1", 2).size(), before + 75u) << "task 2: 75 reports more";
}

// Rewrites a store's history index into the old layout (one key per event,
// plan \0 task u32 pos u64, empty value) and forgets that it had buckets.
void ToOldHistoryLayout(const std::string& dir) {
  WithRawStore(dir, [&](rocksdb::DB* db, auto& cf) {
    rocksdb::WriteBatch wb;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf.at("history")));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view key = it->key().ToStringView();
      const std::string stream(key.substr(0, key.find('\0')));
      for (const auto& [task, pos] : DecodeBucket(key, it->value().ToStringView())) {
        std::string old = stream;
        old.push_back('\0');
        PutFixed32BE(&old, static_cast<uint32_t>(task));
        PutFixed64BE(&old, pos);
        wb.Put(cf.at("history"), old, "");
      }
      wb.Delete(cf.at("history"), it->key());
    }
    wb.Delete(cf.at("meta"), "history.buckets");
    ASSERT_TRUE(db->Write(rocksdb::WriteOptions(), &wb).ok());
  });
}

TEST_F(KeyLayoutTest, AStoreWithTheOldHistoryLayoutIsReadAsItIsAndRewrittenByTheNextWriter) {
  Do(SamplePlan(), Supervisor());
  AcceptAll();
  for (const auto& c : Reports(3)) ASSERT_TRUE(engine->Submit(c).status.ok());
  std::map<int32_t, std::vector<uint64_t>> before;
  for (int32_t task = 0; task <= 3; ++task) before[task] = Positions(*engine, "p1", task);
  const core::PlanState plan = *engine->Plan("p1");
  Close();
  ToOldHistoryLayout(dir.path());
  {
    EngineOptions o;
    o.data_dir = dir.path();
    o.read_only = true;
    auto reader = Engine::Open(o);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    for (int32_t task = 0; task <= 3; ++task) EXPECT_EQ(Positions(**reader, "p1", task), before[task]);
    EXPECT_EQ((*reader)->Plan("p1")->version, plan.version);
    auto v = (*reader)->Verify();
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_TRUE(v->ok()) << v->problems.front();
    ASSERT_EQ(v->notes.size(), 1u);
    EXPECT_NE(v->notes[0].find("old layout"), std::string::npos) << v->notes[0];
  }
  Open();  // a writer: rewrites the index once
  size_t buckets = 0, old_keys = 0;
  Close();
  WithRawStore(dir.path(), [&](rocksdb::DB* db, auto& cf) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf.at("history")));
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++(it->value().empty() ? old_keys : buckets);
  });
  EXPECT_EQ(old_keys, 0u);
  EXPECT_GT(buckets, 0u);
  Open();
  for (int32_t task = 0; task <= 3; ++task) EXPECT_EQ(Positions(*engine, "p1", task), before[task]);
  Do(ReportProgress{1, kFinance, 90, "快完成了", "", "", ""}, UnitActor(kFinance));  // an accepted assignment
  EXPECT_EQ(Positions(*engine, "p1", 1).size(), before[1].size() + 1);
  auto v = engine->Verify();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->ok()) << v->problems.front();
  EXPECT_TRUE(v->notes.empty()) << v->notes.front();
}

// Puts into or deletes from `by_status` in the batches an engine commits.
struct ByStatusWrites : rocksdb::WriteBatch::Handler {
  static constexpr uint32_t kByStatusCfId = 8;  // column_families.h
  uint64_t writes = 0, all = 0;
  rocksdb::Status PutCF(uint32_t cf, const rocksdb::Slice&, const rocksdb::Slice&) override {
    writes += cf == kByStatusCfId;
    ++all;
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t cf, const rocksdb::Slice&) override {
    writes += cf == kByStatusCfId;
    ++all;
    return rocksdb::Status::OK();
  }
};

size_t ByStatusKeys(const std::string& dir) {
  size_t n = 0;
  WithRawStore(dir, [&](rocksdb::DB* db, auto& cf) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf.at("by_status")));
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  });
  return n;
}

TEST_F(KeyLayoutTest, TheRetiredByStatusIndexIsNeitherWrittenNorComparedAndAnOldStoresIsEmptiedByTheNextWriter) {
  Do(SamplePlan(), Supervisor());
  ByStatusWrites seen;
  bench::SetWriteObserver(*engine, [&](std::string_view rep) {
    rocksdb::WriteBatch wb{std::string(rep)};
    ASSERT_TRUE(wb.Iterate(&seen).ok());
  });
  AcceptAll();
  for (const auto& c : Reports(2)) ASSERT_TRUE(engine->Submit(c).status.ok());
  bench::SetWriteObserver(*engine, nullptr);
  EXPECT_GT(seen.all, 0u);
  EXPECT_EQ(seen.writes, 0u) << "status changes cost no index key";
  const std::string digest = Digest();
  Close();
  EXPECT_EQ(ByStatusKeys(dir.path()), 0u);
  // A store an older duban kept: one key per row, status u8 then the row's key.
  WithRawStore(dir.path(), [&](rocksdb::DB* db, auto& cf) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf.at("assignments")));
    for (it->SeekToFirst(); it->Valid(); it->Next())
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), cf.at("by_status"), "\x03" + it->key().ToString(), "").ok());
  });
  ASSERT_EQ(ByStatusKeys(dir.path()), assignments.size());
  {
    EngineOptions o;
    o.data_dir = dir.path();
    o.read_only = true;
    auto reader = Engine::Open(o);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    auto v = (*reader)->Verify();
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_TRUE(v->ok()) << v->problems.front();
    EXPECT_TRUE(v->notes.empty()) << v->notes.front();
    EXPECT_EQ(*(*reader)->ProjectionDigest(), digest) << "the stale keys are not part of the projections";
    auto rows = (*reader)->Assignments({"", "", core::AssignmentStatus::kInProgress, false});
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    EXPECT_EQ(rows->size(), assignments.size());
  }
  ASSERT_EQ(ByStatusKeys(dir.path()), assignments.size()) << "a reader leaves the store as it is";
  Open();  // a writer
  EXPECT_EQ(Digest(), digest);
  Do(ReportProgress{1, kFinance, 90, "快完成了", "", "", ""}, UnitActor(kFinance));
  auto v = engine->Verify();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->ok()) << v->problems.front();
  Close();
  EXPECT_EQ(ByStatusKeys(dir.path()), 0u) << "the writer's open emptied it";
}

TEST_F(KeyLayoutTest, ADamagedHistoryBucketIsReportedNotMisread) {
  Do(SamplePlan(), Supervisor());
  Close();
  WithRawStore(dir.path(), [&](rocksdb::DB* db, auto& cf) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf.at("history")));
    it->Seek(std::string("p1") + '\0');
    ASSERT_TRUE(it->Valid());
    std::string v = it->value().ToString();
    v += v.substr(0, 2);  // an entry again: positions must only grow within a bucket
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), cf.at("history"), it->key(), v).ok());
  });
  Open();
  auto h = engine->History("p1", 1);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), Status::Code::kCorruption) << h.status().ToString();
  auto v = engine->Verify();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_FALSE(v->ok());
  EXPECT_NE(v->problems.front().find("history"), std::string::npos) << v->problems.front();
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_TRUE(engine->History("p1", 1).ok());
}

TEST_F(KeyLayoutTest, ACommandDigestIsKeptInItsRowAndSurvivesARebuildSoAReusedIdStaysAConflict) {
  Do(SamplePlan(), Supervisor());
  const Command accept = Cmd(Accept{1, kFinance}, UnitActor(kFinance));
  ASSERT_TRUE(engine->Submit(accept).status.ok());
  ASSERT_TRUE(engine->Rebuild().ok());
  Command other = accept;  // the same id for another request
  other.body = Accept{2, kFinance};
  EXPECT_EQ(engine->Submit(other).status.code(), Status::Code::kConflict);
  Outcome again = engine->Submit(accept);
  EXPECT_TRUE(again.status.ok()) << again.status.ToString();
  EXPECT_TRUE(again.duplicate);
  Close();
  size_t meta_digests = 0;
  WithRawStore(dir.path(), [&](rocksdb::DB* db, auto& cf) {
    std::string row;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), cf.at("commands"), accept.command_id, &row).ok());
    EXPECT_EQ(row.size(), 12u + 32u) << "position, count and the 32-hex-digit digest";
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf.at("meta")));
    for (it->Seek("command/"); it->Valid() && it->key().starts_with("command/"); it->Next()) ++meta_digests;
  });
  EXPECT_EQ(meta_digests, 0u) << "no key of its own per command";
  Open();
  auto v = engine->Verify();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok()) << v->problems.front();
}

TEST_F(KeyLayoutTest, AStoreThatKeptDigestsInMetaStillTellsAReusedIdApartBeforeAndAfterARebuild) {
  Do(SamplePlan(), Supervisor());
  const Command accept = Cmd(Accept{1, kFinance}, UnitActor(kFinance));
  ASSERT_TRUE(engine->Submit(accept).status.ok());
  Close();
  // As format 1 kept it: the row without its digest, the digest in meta.
  WithRawStore(dir.path(), [&](rocksdb::DB* db, auto& cf) {
    std::string row;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), cf.at("commands"), accept.command_id, &row).ok());
    ASSERT_EQ(row.size(), 44u);
    rocksdb::WriteBatch wb;
    wb.Put(cf.at("commands"), accept.command_id, row.substr(0, 12));
    wb.Put(cf.at("meta"), "command/" + accept.command_id, row.substr(12));
    ASSERT_TRUE(db->Write(rocksdb::WriteOptions(), &wb).ok());
  });
  Open();
  Command other = accept;
  other.body = Accept{2, kFinance};
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(engine->Submit(other).status.code(), Status::Code::kConflict) << "round " << round;
    EXPECT_TRUE(engine->Submit(accept).duplicate) << "round " << round;
    ASSERT_TRUE(engine->Rebuild().ok());
  }
}

}  // namespace
}  // namespace duban

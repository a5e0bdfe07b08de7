// Anchored tamper evidence: a forger with write access to the data directory
// but not the signing key rewrites history (re-hashing the rest of the chain),
// removes the tail, appends a forged event, or edits a projection, with or
// without `rebuild` afterwards, and with or without also deleting the store's
// own checkpoints. Each forgery must be detected by Verify with the anchor an
// auditor exported before, and rebuild must refuse rather than hide it
// (leaving the log as the forger left it). Also: the key's own guards.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "duban/anchor.h"
#include "duban/coding.h"
#include "duban/engine.h"
#include "duban/schemas/codec.h"
#include "store_util.h"

namespace duban::testing {
namespace {

std::string PosKey(uint64_t pos) {
  std::string k;
  PutFixed64BE(&k, pos);
  return k;
}

Event DecodeRecord(const std::string& record) {
  std::string_view payload;
  size_t used = 0;
  EXPECT_TRUE(UnframeRecord(record, &payload, &used).ok());
  auto e = schemas::DecodeEvent(payload);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return e.ok() ? *e : Event{};
}

std::string Record(Event& e) { return FrameRecord(schemas::EncodeEventWithHash(e)); }

enum class Forgery { kRewriteAndRehash, kTruncateTail, kAppendForged, kEditProjection };

const char* Name(Forgery f) {
  switch (f) {
    case Forgery::kRewriteAndRehash:
      return "rewrite+rehash";
    case Forgery::kTruncateTail:
      return "truncate";
    case Forgery::kAppendForged:
      return "append";
    case Forgery::kEditProjection:
      return "edit projection";
  }
  return "?";
}

// Applies a forgery as someone with the raw RocksDB (and no key) would.
void Forge(const std::string& dir, Forgery f) {
  WithRawStore(dir, [&](rocksdb::DB* db, auto& cf) {
    rocksdb::ColumnFamilyHandle* log = cf.at("log");
    std::map<uint64_t, std::string> records;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), log));
    for (it->SeekToFirst(); it->Valid(); it->Next())
      records[DecodeFixed64BE(it->key().data())] = it->value().ToString();
    ASSERT_GE(records.size(), 5u);
    const uint64_t last = records.rbegin()->first;
    switch (f) {
      case Forgery::kRewriteAndRehash: {
        // The accept at position 5 now says it happened a year earlier, and
        // every later event of its stream is re-chained and re-hashed.
        Event target = DecodeRecord(records.at(5));
        ASSERT_EQ(target.stream, "p1");
        target.occurred_at -= 365LL * 86'400'000;
        target.recorded_at = target.occurred_at;
        std::string prev_hash;
        ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), log, PosKey(5), Record(target)).ok());
        prev_hash = target.hash;
        for (uint64_t p = 6; p <= last; ++p) {
          Event e = DecodeRecord(records.at(p));
          if (e.stream != target.stream) continue;
          e.prev_hash = prev_hash;
          ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), log, PosKey(p), Record(e)).ok());
          prev_hash = e.hash;
        }
        break;
      }
      case Forgery::kTruncateTail:
        ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), log, PosKey(last)).ok());
        break;
      case Forgery::kAppendForged: {
        // A well-formed continuation of p1's chain: a second progress report.
        Event tail;
        for (auto r = records.rbegin(); r != records.rend(); ++r)
          if (tail = DecodeRecord(r->second); tail.stream == "p1") break;
        ASSERT_EQ(tail.stream, "p1");
        Event forged = tail;
        forged.command_id = "forged-1";
        forged.event_id = schemas::DeriveEventId(forged.command_id, 0);
        forged.stream_seq = tail.stream_seq + 1;
        forged.prev_hash = tail.hash;
        ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), log, PosKey(last + 1), Record(forged)).ok());
        break;
      }
      case Forgery::kEditProjection: {
        std::unique_ptr<rocksdb::Iterator> a(db->NewIterator(rocksdb::ReadOptions(), cf.at("assignments")));
        a->SeekToFirst();
        ASSERT_TRUE(a->Valid());
        std::string v = a->value().ToString();
        v.back() ^= 1;
        ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), cf.at("assignments"), a->key(), v).ok());
        break;
      }
    }
  });
}

// Removes every checkpoint the store holds, as a forger covering tracks would.
void DeleteStoredCheckpoints(const std::string& dir) {
  WithRawStore(dir, [&](rocksdb::DB* db, auto& cf) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf.at("meta")));
    std::vector<std::string> keys;
    for (it->Seek("anchor"); it->Valid() && it->key().starts_with("anchor"); it->Next())
      keys.push_back(it->key().ToString());
    ASSERT_FALSE(keys.empty());
    for (const auto& k : keys) ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), cf.at("meta"), k).ok());
  });
}

std::string Joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

class AnchorTest : public ::testing::Test {
 protected:
  TempDir data, keys;
  std::string key_path;
  std::shared_ptr<const anchor::AnchorKey> key;

  void SetUp() override {
    key_path = keys.path() + "/anchor.pem";
    auto pub = anchor::AnchorKey::Generate(key_path);
    ASSERT_TRUE(pub.ok()) << pub.status().ToString();
    auto k = anchor::AnchorKey::Load(key_path, data.path());
    ASSERT_TRUE(k.ok()) << k.status().ToString();
    key = *k;
    EXPECT_EQ(key->public_key(), *pub);
  }

  Result<std::unique_ptr<Engine>> Open(bool with_key = true, bool read_only = false) {
    EngineOptions o;
    o.data_dir = data.path();
    o.read_only = read_only;
    if (with_key) o.anchor_key = key;
    return Engine::Open(o);
  }

  // A signed store with MixedCommands' events; returns the anchor exported at its end.
  anchor::Checkpoint MakeAnchoredStore() {
    auto e = Open();
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    for (const auto& c : MixedCommands()) (*e)->Submit(c);
    auto cp = (*e)->LatestCheckpoint();
    EXPECT_TRUE(cp.ok() && cp->has_value());
    EXPECT_EQ((*cp)->log_end, (*e)->LogEnd() - 1);  // every commit is signed
    EXPECT_TRUE((*cp)->SignatureValid());
    return **cp;
  }

  VerifyReport VerifyWith(const std::vector<anchor::Checkpoint>& anchors) {
    auto e = Open(false, true);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    auto r = (*e)->Verify(anchors);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : VerifyReport{};
  }
};

TEST_F(AnchorTest, ASignedStoreVerifiesWithItsAnchor) {
  const anchor::Checkpoint a = MakeAnchoredStore();
  VerifyReport r = VerifyWith({a});
  EXPECT_TRUE(r.ok()) << Joined(r.problems);
  EXPECT_EQ(r.events, a.log_end);
  // Verify reports the head it computed: the signed one, at the log's end.
  EXPECT_EQ(r.log_end, a.log_end);
  EXPECT_EQ(r.log_head, a.log_head);
  // The anchor survives a round trip through its file form.
  auto back = anchor::Checkpoint::FromJson(a.ToJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->Message(), a.Message());
  EXPECT_TRUE(back->SignatureValid());
  // One changed byte of what is signed breaks the signature.
  anchor::Checkpoint moved = a;
  moved.log_end += 1;
  EXPECT_FALSE(moved.SignatureValid());
}

struct Row {
  Forgery forgery;
  bool rebuild;             // the forger runs rebuild afterwards
  bool delete_checkpoints;  // ... and removes the store's own checkpoints first
  const char* expect;       // a phrase the verify report must hold
};

TEST_F(AnchorTest, EveryForgeryIsDetectedAndRebuildNeverHidesIt) {
  const Row rows[] = {
      {Forgery::kRewriteAndRehash, false, false, "were changed after they were signed"},
      {Forgery::kRewriteAndRehash, true, false, "were changed after they were signed"},
      {Forgery::kRewriteAndRehash, true, true, "were changed after they were signed"},
      {Forgery::kTruncateTail, false, false, "signed event(s) were removed"},
      {Forgery::kTruncateTail, true, false, "signed event(s) were removed"},
      {Forgery::kTruncateTail, true, true, "signed event(s) were removed"},
      {Forgery::kAppendForged, false, false, "appended without the signing key"},
      {Forgery::kAppendForged, true, false, "appended without the signing key"},
      {Forgery::kAppendForged, true, true, "appended without the signing key"},
      {Forgery::kEditProjection, false, false, "differs from a rebuild"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(std::string(Name(row.forgery)) + (row.rebuild ? " + rebuild" : "") +
                 (row.delete_checkpoints ? " + checkpoints deleted" : ""));
    std::filesystem::remove_all(data.path());
    std::filesystem::create_directories(data.path());
    const anchor::Checkpoint exported = MakeAnchoredStore();
    const StoreDump original = DumpStore(data.path());
    Forge(data.path(), row.forgery);
    if (row.delete_checkpoints) DeleteStoredCheckpoints(data.path());
    const StoreDump forged = DumpStore(data.path());
    ASSERT_NE(DiffStores(original, forged).size(), 0u);
    if (row.rebuild) {
      // The forger's rebuild, without the key (they do not have it).
      auto e = Open(false);
      ASSERT_TRUE(e.ok()) << e.status().ToString();
      Status st = (*e)->Rebuild();
      if (!row.delete_checkpoints) {
        // The store's own last signature contradicts the log: refused, nothing changed.
        EXPECT_EQ(st.code(), Status::Code::kCorruption) << st.ToString();
        EXPECT_NE(st.message().find("rebuild refused"), std::string::npos) << st.ToString();
      }
      e->reset();
      // Whatever the rebuild did, it did not touch the log.
      EXPECT_EQ(DumpStore(data.path()).at("log"), forged.at("log"));
      if (!row.delete_checkpoints) {
        EXPECT_EQ(DumpStore(data.path()), forged);
      }
    }
    // With the auditor's anchor, always detected.
    VerifyReport with_anchor = VerifyWith({exported});
    EXPECT_FALSE(with_anchor.ok());
    std::printf("[%s%s%s] %s", Name(row.forgery), row.rebuild ? " + rebuild" : "",
                row.delete_checkpoints ? " + checkpoints deleted" : "",
                with_anchor.problems.empty() ? "(none)\n" : (with_anchor.problems.front() + "\n").c_str());
    EXPECT_NE(Joined(with_anchor.problems).find(row.expect), std::string::npos) << Joined(with_anchor.problems);
    // Without it, the store's own checkpoints still catch it, unless deleted.
    if (!row.delete_checkpoints) {
      VerifyReport own = VerifyWith({});
      EXPECT_FALSE(own.ok());
    }
    // The rightful writer (with the key) refuses to extend a forged log
    // (a projection edit is not a forged log: it opens).
    if (row.forgery == Forgery::kTruncateTail || row.forgery == Forgery::kAppendForged) {
      if (!row.delete_checkpoints) {
        auto w = Open(true);
        EXPECT_FALSE(w.ok());
        if (!w.ok()) {
          EXPECT_EQ(w.status().code(), Status::Code::kCorruption) << w.status().ToString();
        }
      }
    }
    EXPECT_EQ(DumpStore(data.path()).at("log"), forged.at("log"));
  }
}

TEST_F(AnchorTest, AnEditedProjectionIsRepairedByRebuildAndTheLogStaysAsSigned) {
  const anchor::Checkpoint exported = MakeAnchoredStore();
  const StoreDump original = DumpStore(data.path());
  Forge(data.path(), Forgery::kEditProjection);
  {
    auto e = Open(false);
    ASSERT_TRUE(e.ok());
    ASSERT_TRUE((*e)->Rebuild().ok());  // the log is sound: a rebuild is the repair
  }
  EXPECT_TRUE(VerifyWith({exported}).ok());
  EXPECT_EQ(DumpStore(data.path()).at("log"), original.at("log"));
  EXPECT_EQ(DumpStore(data.path()).at("assignments"), original.at("assignments"));
}

TEST_F(AnchorTest, AStoresCheckpointResignedWithAnotherKeyIsNotTrusted) {
  const anchor::Checkpoint exported = MakeAnchoredStore();
  Forge(data.path(), Forgery::kAppendForged);
  // The forger signs the forged log with a key of their own.
  TempDir other;
  ASSERT_TRUE(anchor::AnchorKey::Generate(other.path() + "/k.pem").ok());
  auto forger_key = anchor::AnchorKey::Load(other.path() + "/k.pem", data.path());
  ASSERT_TRUE(forger_key.ok());
  WithRawStore(data.path(), [&](rocksdb::DB* db, auto& cf) {
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), cf.at("meta"), "anchor.last").ok());
  });
  {
    EngineOptions o;
    o.data_dir = data.path();
    o.anchor_key = *forger_key;
    // Removing anchor.last alone does not let another key in: the kept ones stay.
    auto e = Engine::Open(o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    ASSERT_TRUE((*e)->SignCheckpoint().ok());
  }
  VerifyReport r = VerifyWith({exported});
  EXPECT_FALSE(r.ok());
  EXPECT_NE(Joined(r.problems).find("not by the anchor's key"), std::string::npos) << Joined(r.problems);
  // Without the pinned anchor, two keys in one store are still a finding.
  EXPECT_FALSE(VerifyWith({}).ok());
}

TEST_F(AnchorTest, AnAnchoredStoreRefusesWritersWithoutItsKey) {
  MakeAnchoredStore();
  const StoreDump before = DumpStore(data.path());
  {
    auto e = Open(false);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    Outcome o = (*e)->Submit(Cmd("c9", Role::kUnit, "市公安局", Accept{1, "市公安局"}));
    EXPECT_EQ(o.status.code(), Status::Code::kInvalidArgument) << o.status.ToString();
    EXPECT_NE(o.status.message().find("--anchor-key"), std::string::npos);
  }
  EXPECT_EQ(DumpStore(data.path()).at("log"), before.at("log"));
  // With the key, the same command is taken and signed.
  auto e = Open(true);
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE((*e)->Submit(Cmd("c9", Role::kUnit, "市公安局", Accept{1, "市公安局"})).status.ok());
  EXPECT_EQ((*(*e)->LatestCheckpoint())->log_end, (*e)->LogEnd() - 1);
}

// Every kind of write is signed, not only Submit's: a calendar notice (here
// refused, which is still a record in the log) and an account change. An
// unsigned one would leave the store refusing its own key's writer.
TEST_F(AnchorTest, CalendarNoticesAndAccountChangesAreSignedToo) {
  MakeAnchoredStore();
  {
    auto e = Open();
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    Engine::CalendarNoticeRequest n;
    n.command_id = "notice-1";
    n.actor = Actor{"office", Role::kSupervisor, "office"};
    n.issued_at = 1'700'000'000'000;
    n.text = "calendar: cn-mainland\n";
    n.source = "n.yaml";
    const Outcome o = (*e)->AddCalendarNotice(n);
    EXPECT_EQ(o.status.code(), Status::Code::kRejected) << o.status.ToString();
    EXPECT_EQ((*(*e)->LatestCheckpoint())->log_end, (*e)->LogEnd() - 1);
    Engine::AccountChangeRequest a;
    a.command_id = "account-1";
    a.actor = Actor{"local:root", Role::kAdmin, "local:root"};
    a.issued_at = 1'700'000'000'000;
    a.change.account = "czj";
    a.change.change = "created";
    ASSERT_TRUE((*e)->RecordAccountChange(a).status.ok());
    EXPECT_EQ((*(*e)->LatestCheckpoint())->log_end, (*e)->LogEnd() - 1);
  }
  {
    auto again = Open();
    ASSERT_TRUE(again.ok()) << again.status().ToString();  // the writer with the key still opens
  }
  EXPECT_TRUE(VerifyWith({}).ok());
  {
    auto without = Open(false);
    ASSERT_TRUE(without.ok());
    Engine::AccountChangeRequest a;
    a.command_id = "account-2";
    a.change.account = "x";
    EXPECT_EQ((*without)->RecordAccountChange(a).status.code(), Status::Code::kInvalidArgument);
  }
}

TEST_F(AnchorTest, CheckpointsAreKeptPeriodicallyAndOnRequest) {
  EngineOptions o;
  o.data_dir = data.path();
  o.anchor_key = key;
  o.anchor_every_events = 3;
  auto e = Engine::Open(o);
  ASSERT_TRUE(e.ok());
  for (const auto& c : MixedCommands()) (*e)->Submit(c);
  ASSERT_TRUE((*e)->SignCheckpoint().ok());
  e->reset();
  std::vector<uint64_t> kept;
  // Held in a variable: a range-for over a member of a temporary dump would
  // read it after it was destroyed (C++20 extends only the outer temporary).
  const StoreDump dump = DumpStore(data.path());
  for (const auto& [k, v] : dump.at("meta"))
    if (k.rfind("anchor/", 0) == 0) kept.push_back(DecodeFixed64BE(k.data() + 7));
  // The first signed commit, each crossing of a multiple of 3, and the requested one at the end.
  ASSERT_GE(kept.size(), 3u);
  EXPECT_EQ(kept.back(), VerifyWith({}).events);
  EXPECT_TRUE(VerifyWith({}).ok());
}

TEST_F(AnchorTest, TheKeyIsRefusedWhenOthersMayReadItOrItLivesInTheDataDirectory) {
  ASSERT_EQ(::chmod(key_path.c_str(), 0640), 0);
  auto open_to_group = anchor::AnchorKey::Load(key_path, data.path());
  EXPECT_FALSE(open_to_group.ok());
  EXPECT_NE(open_to_group.status().message().find("chmod 600"), std::string::npos);
  ASSERT_EQ(::chmod(key_path.c_str(), 0600), 0);
  const std::string inside = data.path() + "/sub/key.pem";
  std::filesystem::create_directories(data.path() + "/sub");
  ASSERT_TRUE(anchor::AnchorKey::Generate(inside).ok());
  auto in_data = anchor::AnchorKey::Load(inside, data.path());
  EXPECT_FALSE(in_data.ok());
  EXPECT_NE(in_data.status().message().find("inside the data directory"), std::string::npos);
  // Never written over an existing key; a file that is no Ed25519 key is refused.
  EXPECT_FALSE(anchor::AnchorKey::Generate(key_path).ok());
  const std::string junk = keys.path() + "/junk.pem";
  std::ofstream(junk) << "not a key\n";
  ASSERT_EQ(::chmod(junk.c_str(), 0600), 0);
  EXPECT_FALSE(anchor::AnchorKey::Load(junk, data.path()).ok());
  struct stat st {};
  ASSERT_EQ(::stat(key_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

}  // namespace
}  // namespace duban::testing

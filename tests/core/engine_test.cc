// The embedded engine on a real RocksDB in a temporary directory: idempotency,
// logged rejections, group commit, restart, history and as-of queries, status
// filters, rebuild, verify (and what it finds after tampering). Timers and the
// engine's two times are in engine_time_test.cc.
#include <gtest/gtest.h>

#include <functional>

#include "duban/coding.h"
#include "duban/schemas/codec.h"
#include "store_util.h"

namespace duban {
namespace {

using namespace duban::testing;
using namespace duban::schemas;
using core::AssignmentStatus;

class EngineTest : public EngineFixture {};

std::string Bytes(const Event& e) { return EncodeEvent(e); }

// ---- submitting -----------------------------------------------------------------

TEST_F(EngineTest, AnAcceptedCommandAppendsItsEventsChainedByHash) {
  Outcome o = Do(SamplePlan(), Supervisor());
  ASSERT_EQ(o.events.size(), 8u);
  EXPECT_FALSE(o.duplicate);
  EXPECT_EQ(o.first_position, 1u);
  EXPECT_EQ(engine->LogEnd(), 9u);
  std::string prev;
  for (size_t i = 0; i < o.events.size(); ++i) {
    const Event& e = o.events[i];
    EXPECT_EQ(e.stream, "p1");
    EXPECT_EQ(e.stream_seq, i + 1);
    EXPECT_EQ(e.prev_hash, prev);
    EXPECT_EQ(e.hash, ComputeHash(e));
    EXPECT_EQ(e.event_id, DeriveEventId(o.command_id, static_cast<uint32_t>(i)));
    EXPECT_EQ(e.occurred_at, now);
    prev = e.hash;
  }
  const auto log = Log();
  ASSERT_EQ(log.size(), 8u);
  for (size_t i = 0; i < log.size(); ++i) EXPECT_EQ(Bytes(log[i]), Bytes(o.events[i]));
}

TEST_F(EngineTest, ARepeatedCommandIdReturnsTheFirstOutcomeAndWritesNothing) {
  Command import = Cmd(SamplePlan(), Supervisor());
  Outcome first = engine->Submit(import);
  ASSERT_TRUE(first.status.ok());
  const uint64_t end = engine->LogEnd();
  const std::string digest = Digest();

  Outcome again = engine->Submit(import);
  EXPECT_TRUE(again.duplicate);
  EXPECT_TRUE(again.status.ok());
  EXPECT_EQ(again.first_position, first.first_position);
  ASSERT_EQ(again.events.size(), first.events.size());
  for (size_t i = 0; i < first.events.size(); ++i) EXPECT_EQ(Bytes(again.events[i]), Bytes(first.events[i]));
  EXPECT_EQ(engine->LogEnd(), end);
  EXPECT_EQ(Digest(), digest);

  Command different = import;  // same id, another request: a conflict, never "already done"
  different.body = WithdrawPlan{"废止"};
  Outcome third = engine->Submit(different);
  EXPECT_EQ(third.status.code(), Status::Code::kConflict) << third.status.ToString();
  EXPECT_FALSE(third.duplicate);
  EXPECT_TRUE(third.events.empty());
  EXPECT_EQ(engine->LogEnd(), end);
  EXPECT_FALSE(engine->Plan("p1")->withdrawn);
}

TEST_F(EngineTest, ARepeatedRejectedCommandReturnsTheSameRejectionAndWritesNothing) {
  GivenPlan();
  Command bad = Cmd(Accept{1, kFinance}, UnitActor(kEducation));
  Outcome first = engine->Submit(bad);
  EXPECT_TRUE(IsRejection(first.status, core::reason::kNotAssignee));
  const uint64_t end = engine->LogEnd();
  const std::string digest = Digest();
  Outcome again = engine->Submit(bad);
  EXPECT_TRUE(again.duplicate);
  EXPECT_TRUE(IsRejection(again.status, core::reason::kNotAssignee));
  EXPECT_EQ(again.status.message(), first.status.message());
  EXPECT_EQ(again.first_position, first.first_position);
  EXPECT_TRUE(again.events.empty());
  EXPECT_EQ(engine->LogEnd(), end);
  EXPECT_EQ(Digest(), digest);
  auto stored = engine->OutcomeOf(bad.command_id);
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(IsRejection(stored->status, core::reason::kNotAssignee));
}

TEST_F(EngineTest, ARejectionIsLoggedInTheRejectedStreamAndChangesNoPlan) {
  GivenPlan();
  const auto plan_before = *engine->Plan("p1");
  auto history_before = engine->History("p1", 1);
  ASSERT_TRUE(history_before.ok());
  const uint64_t end = engine->LogEnd();

  Outcome o = Submit(Approve{1, kFinance}, Supervisor());
  EXPECT_TRUE(IsRejection(o.status, core::reason::kInvalidTransition));
  EXPECT_TRUE(o.events.empty());
  EXPECT_EQ(o.first_position, end);
  EXPECT_EQ(engine->LogEnd(), end + 1);

  const Event last = Log().back();
  EXPECT_EQ(last.stream, "!rejected");
  EXPECT_EQ(last.stream_seq, 1u);
  EXPECT_EQ(last.prev_hash, "");
  EXPECT_EQ(last.type, static_cast<uint16_t>(EventType::kCommandRejected));
  EXPECT_EQ(last.command_id, o.command_id);
  EXPECT_EQ(last.actor, Supervisor());
  EXPECT_EQ(std::get<CommandRejected>(last.body),
            (CommandRejected{"approve", core::reason::kInvalidTransition, o.status.message()}));

  EXPECT_EQ(*engine->Plan("p1"), plan_before);
  EXPECT_EQ(engine->History("p1", 1)->size(), history_before->size());

  Outcome second = Submit(Accept{1, kFinance}, UnitActor(kPolice));
  EXPECT_FALSE(second.status.ok());
  const Event next = Log().back();
  EXPECT_EQ(next.stream_seq, 2u);
  EXPECT_EQ(next.prev_hash, last.hash) << "rejections are chained too";
}

TEST_F(EngineTest, SubmitBatchGivesTheSameOutcomesLogAndProjectionsAsOneByOne) {
  std::vector<Command> cmds;
  auto add = [&](CommandBody b, Actor a) { cmds.push_back(Cmd(std::move(b), std::move(a))); };
  add(SamplePlan(), Supervisor());
  add(Accept{1, kFinance}, UnitActor(kFinance));
  add(Accept{1, kFinance}, UnitActor(kEducation));  // rejected: not_assignee
  add(ReportProgress{1, kFinance, 30, "进展"}, UnitActor(kFinance));
  cmds.push_back(cmds[1]);  // duplicate inside the batch
  add(schemas::Submit{1, kFinance, "完成"}, UnitActor(kFinance));
  add(Approve{1, kFinance}, Supervisor());
  add(Assign{2, kHealth}, Supervisor());
  add(Approve{2, kPolice}, Supervisor());  // rejected: invalid_transition

  std::vector<Outcome> one_by_one;
  for (const auto& c : cmds) one_by_one.push_back(engine->Submit(c));
  const std::vector<Event> log_a = Log();
  const std::string digest_a = Digest();

  TempDir other;
  EngineOptions o;
  o.data_dir = other.path();
  auto batch_engine = Engine::Open(o);
  ASSERT_TRUE(batch_engine.ok());
  std::vector<Outcome> batched = (*batch_engine)->SubmitBatch(cmds);

  ASSERT_EQ(batched.size(), one_by_one.size());
  for (size_t i = 0; i < cmds.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(batched[i].status.code(), one_by_one[i].status.code());
    EXPECT_EQ(batched[i].status.reason(), one_by_one[i].status.reason());
    EXPECT_EQ(batched[i].duplicate, one_by_one[i].duplicate);
    EXPECT_EQ(batched[i].first_position, one_by_one[i].first_position);
    ASSERT_EQ(batched[i].events.size(), one_by_one[i].events.size());
    for (size_t k = 0; k < batched[i].events.size(); ++k)
      EXPECT_EQ(Bytes(batched[i].events[k]), Bytes(one_by_one[i].events[k]));
  }
  std::vector<Event> log_b;
  ASSERT_TRUE((*batch_engine)
                  ->ScanLog(1,
                            [&](uint64_t, const Event& e) {
                              log_b.push_back(e);
                              return true;
                            })
                  .ok());
  ASSERT_EQ(log_b.size(), log_a.size());
  for (size_t i = 0; i < log_a.size(); ++i) EXPECT_EQ(Bytes(log_b[i]), Bytes(log_a[i])) << i;
  EXPECT_EQ(*(*batch_engine)->ProjectionDigest(), digest_a);
}

// ---- restart ------------------------------------------------------------------------

TEST_F(EngineTest, AReopenedStoreReplaysItsStateAndContinuesLogChainsAndDedupe) {
  GivenPlan();
  Command accept = Cmd(Accept{1, kFinance}, UnitActor(kFinance));
  ASSERT_TRUE(engine->Submit(accept).status.ok());
  Outcome rejected = Submit(Approve{1, kFinance}, Supervisor());
  ASSERT_FALSE(rejected.status.ok());
  const auto plan = *engine->Plan("p1");
  const uint64_t end = engine->LogEnd();
  const std::string digest = Digest();
  const std::string last_rejected_hash = Log().back().hash;

  Reopen();
  EXPECT_EQ(engine->LogEnd(), end);
  EXPECT_EQ(Digest(), digest);
  EXPECT_EQ(*engine->Plan("p1"), plan);
  EXPECT_TRUE(engine->Submit(accept).duplicate) << "dedupe survives a restart";
  EXPECT_EQ(engine->LogEnd(), end);

  Outcome progress = Do(ReportProgress{1, kFinance, 20, "进展"}, UnitActor(kFinance));
  ASSERT_EQ(progress.events.size(), 1u);
  EXPECT_EQ(progress.first_position, end);
  EXPECT_EQ(progress.events[0].stream_seq, plan.version + 1);
  EXPECT_EQ(progress.events[0].prev_hash, plan.last_hash);
  Submit(Accept{2, kPolice}, UnitActor(kFinance));
  const Event rej = Log().back();
  EXPECT_EQ(rej.stream, "!rejected");
  EXPECT_EQ(rej.stream_seq, 2u);
  EXPECT_EQ(rej.prev_hash, last_rejected_hash);
  auto report = engine->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << report->problems.front();
}

// ---- queries --------------------------------------------------------------------------

TEST_F(EngineTest, HistoryListsATasksEventsInLogOrder) {
  GivenPlan();
  now = At("2021-04-01");
  GivenSubmitted(1, kFinance);
  Do(Reject{1, kFinance, "材料不全"}, Supervisor());
  Submit(Approve{1, kFinance}, Supervisor());  // rejected: not in the task's history
  auto h = engine->History("p1", 1);
  ASSERT_TRUE(h.ok());
  std::vector<std::string> types;
  uint64_t last = 0;
  for (const auto& entry : *h) {
    EXPECT_GT(entry.position, last);
    last = entry.position;
    EXPECT_EQ(TaskOf(entry.event.body), 1);
    types.push_back(EventTypeName(entry.event.type));
  }
  EXPECT_EQ(types,
            (std::vector<std::string>{"TaskAdded", "AssignmentCreated", "AssignmentCreated", "AssignmentAccepted",
                                      "ProgressReported", "CompletionSubmitted", "CompletionRejected"}));
  auto plan_level = engine->History("p1", 0);
  ASSERT_TRUE(plan_level.ok());
  ASSERT_EQ(plan_level->size(), 1u);
  EXPECT_EQ(plan_level->front().event.type, static_cast<uint16_t>(EventType::kPlanImported));
  EXPECT_TRUE(engine->History("p1", 99)->empty());
}

TEST_F(EngineTest, PlanAsOfGivesTheStateAtAPastInstant) {
  now = At("2021-03-20");
  GivenPlan();
  now = At("2021-04-01");
  Do(Accept{1, kFinance}, UnitActor(kFinance));
  now = At("2021-05-01");
  Do(ReportProgress{1, kFinance, 60, "进展"}, UnitActor(kFinance));
  now = At("2021-06-01");
  Do(schemas::Submit{1, kFinance, "完成"}, UnitActor(kFinance));

  auto before_import = engine->PlanAsOf("p1", At("2021-03-19"));
  EXPECT_EQ(before_import.status().code(), Status::Code::kNotFound);
  auto at_import = engine->PlanAsOf("p1", At("2021-03-20"));
  ASSERT_TRUE(at_import.ok());
  EXPECT_EQ(at_import->assignments.at({1, kFinance}).status, AssignmentStatus::kAssigned);
  auto april = engine->PlanAsOf("p1", At("2021-04-15"));
  EXPECT_EQ(april->assignments.at({1, kFinance}).status, AssignmentStatus::kAccepted);
  auto may = engine->PlanAsOf("p1", At("2021-05-31", 23));
  EXPECT_EQ(may->assignments.at({1, kFinance}).status, AssignmentStatus::kInProgress);
  EXPECT_EQ(may->assignments.at({1, kFinance}).percent, 60);
  auto today = engine->PlanAsOf("p1", At("2021-12-31"));
  EXPECT_EQ(*today, *engine->Plan("p1")) << "as of now is the current state";
}

TEST_F(EngineTest, AssignmentsAreFilteredByPlanUnitStatusAndOverdue) {
  GivenPlan("p1");
  GivenPlan("p2");
  Do(Accept{1, kFinance}, UnitActor(kFinance), "p2");
  Do(Accept{2, kPolice}, UnitActor(kPolice), "p1");
  now = At("2021-11-02");
  ASSERT_TRUE(engine->Tick(now).ok());  // task 1 (due 10-31) is now overdue in both plans

  auto count = [&](StatusFilter f) {
    auto r = engine->Assignments(f);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->size() : size_t{999};
  };
  EXPECT_EQ(count({}), 8u);
  EXPECT_EQ(count({"p1", "", std::nullopt, false}), 4u);
  EXPECT_EQ(count({"", kFinance, std::nullopt, false}), 4u);
  EXPECT_EQ(count({"p2", kFinance, std::nullopt, false}), 2u);
  EXPECT_EQ(count({"", "", AssignmentStatus::kAccepted, false}), 2u);
  EXPECT_EQ(count({"p2", "", AssignmentStatus::kAccepted, false}), 1u);
  EXPECT_EQ(count({"", kFinance, AssignmentStatus::kAccepted, false}), 1u);
  EXPECT_EQ(count({"", "", std::nullopt, true}), 4u);
  EXPECT_EQ(count({"p1", "", std::nullopt, true}), 2u);
  EXPECT_EQ(count({"", kPolice, std::nullopt, true}), 0u);
  EXPECT_EQ(count({"p3", "", std::nullopt, false}), 0u);
  EXPECT_EQ(count({"", "市外单位", std::nullopt, false}), 0u);

  auto rows = engine->Assignments({"p2", kFinance, AssignmentStatus::kAccepted, true});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  const AssignmentRow& r = rows->front();
  EXPECT_EQ(r.plan_id, "p2");
  EXPECT_EQ(r.task, 1);
  EXPECT_EQ(r.task_title, "推进决策公开");
  EXPECT_EQ(r.deadline_text, "10月底前");
  EXPECT_EQ(r.a.unit, kFinance);
  EXPECT_TRUE(r.a.overdue);
}

TEST_F(EngineTest, ThePlanOfAnUnknownIdIsNotFoundEvenAfterACommandToItWasRejected) {
  EXPECT_EQ(engine->Plan("nope").status().code(), Status::Code::kNotFound);
  Outcome o = Submit(Accept{1, kFinance}, UnitActor(kFinance), "nope");
  EXPECT_TRUE(IsRejection(o.status, core::reason::kPlanNotFound));
  EXPECT_EQ(engine->Plan("nope").status().code(), Status::Code::kNotFound)
      << "the same question must get the same answer before and after";
  auto ids = engine->PlanIds();
  ASSERT_TRUE(ids.ok());
  EXPECT_TRUE(ids->empty());
}

// ---- rebuild and verify ------------------------------------------------------------

// A workload touching every projection: two plans, the whole lifecycle,
// rejections, a return, a reassignment, an extension, a cycle, timers.
void Workload(EngineFixture& f) {
  f.GivenPlan("p1");
  f.GivenPlan("p2");
  f.GivenCompleted(2, kPolice, "p1");
  f.Do(Return{1, kEducation, "不属本单位职责"}, UnitActor(kEducation), "p1");
  f.Do(Reassign{1, kEducation, kHealth, "调整"}, Supervisor(), "p1");
  f.Do(Accept{1, kFinance}, UnitActor(kFinance), "p2");
  f.Do(RequestExtension{1, kFinance, "2021-12-15", "需批复"}, UnitActor(kFinance), "p2");
  f.Do(GrantExtension{1, kFinance}, Supervisor(), "p2");
  f.Do(StartReviewCycle{"Q2", "", "quarterly", "2021-06-30", ""}, Supervisor(), "p2");
  f.Submit(Approve{1, kFinance}, Supervisor(), "p1");
  f.Submit(Accept{1, kFinance}, Auditor(), "p2");
  f.now = At("2021-11-05");
  ASSERT_TRUE(f.engine->Tick(f.now).ok());
  f.Do(CloseReviewCycle{"Q2"}, Supervisor(), "p2");
  f.Do(CancelTask{3, "合并"}, Supervisor(), "p1");
}

TEST_F(EngineTest, RebuildReproducesTheProjectionsExactly) {
  Workload(*this);
  const std::string digest = Digest();
  const uint64_t end = engine->LogEnd();
  const auto plan = *engine->Plan("p2");
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_EQ(Digest(), digest);
  EXPECT_EQ(engine->LogEnd(), end);
  EXPECT_EQ(*engine->Plan("p2"), plan);
  Close();
  const StoreDump rebuilt = DumpStore(dir.path());
  Open();
  ASSERT_TRUE(engine->Rebuild().ok());
  Close();
  EXPECT_TRUE(DiffStores(rebuilt, DumpStore(dir.path())).empty()) << "rebuild is byte-identical, key by key";
  Open();
  Do(Accept{1, kHealth}, UnitActor(kHealth));  // and the store works on after a rebuild
}

TEST_F(EngineTest, VerifyFindsNothingWrongWithAHealthyStore) {
  Workload(*this);
  auto report = engine->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok()) << report->problems.front();
  EXPECT_EQ(report->events, engine->LogEnd() - 1);
  EXPECT_EQ(report->streams, 3u);  // p1, p2, !rejected
  EXPECT_GT(report->projection_keys, 0u);
}

TEST_F(EngineTest, VerifyNamesATamperedProjectionValue) {
  Workload(*this);
  Close();
  std::string tampered_key;
  WithRawStore(dir.path(), [&](rocksdb::DB* db, auto& cf) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf.at("assignments")));
    it->SeekToFirst();
    ASSERT_TRUE(it->Valid());
    tampered_key = it->key().ToString();
    std::string v = it->value().ToString();
    v[v.size() - 1 - 4 - 4] ^= 0x01;  // reminders (before the parent's length and the count of returns)
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), cf.at("assignments"), tampered_key, v).ok());
  });
  Open();
  auto report = engine->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_FALSE(report->ok());
  EXPECT_NE(report->problems.front().find("assignments"), std::string::npos) << report->problems.front();
  EXPECT_NE(report->problems.front().find("differs from a rebuild"), std::string::npos) << report->problems.front();
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_TRUE(engine->Verify()->ok()) << "a rebuild repairs a projection";
}

TEST_F(EngineTest, RowsProjectedBeforeRemindersWereCountedSayUnknownUntilARebuild) {
  Workload(*this);
  Close();
  int rows = 0;
  // Every assignment row back to format 3: the same fields without the count.
  WithRawStore(dir.path(), [&](rocksdb::DB* db, auto& cf) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf.at("assignments")));
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++rows) {
      std::string v = it->value().ToString();
      ASSERT_EQ(v[0], 7) << "rows are written in format 7";
      v[0] = 3;
      // The count, format 5's parent (empty: its u32 length) and format 7's returns (none: their u32 count).
      v.resize(v.size() - 4 - 4 - 4);
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), cf.at("assignments"), it->key(), v).ok());
    }
  });
  ASSERT_GT(rows, 0);
  Open();
  auto old = engine->Assignments({});
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  ASSERT_EQ(static_cast<int>(old->size()), rows);
  for (const auto& r : *old) EXPECT_EQ(r.a.reminders, -1) << r.plan_id << " " << r.task << " " << r.a.unit;
  ASSERT_TRUE(engine->Rebuild().ok());
  auto rebuilt = engine->Assignments({});
  ASSERT_TRUE(rebuilt.ok());
  for (const auto& r : *rebuilt) EXPECT_GE(r.a.reminders, 0) << r.plan_id << " " << r.task << " " << r.a.unit;
  EXPECT_TRUE(engine->Verify()->ok());
}

// Format 6 (written by one day's builds) kept a single time the work came
// back (0: never), after the parent; it reads as one return handed in at
// submitted_at.
TEST_F(EngineTest, AFormatSixRowReadsItsTimeOfComingBackAsOneReturn) {
  Workload(*this);
  Close();
  constexpr Instant kBack = 1'636'000'000'000'000;
  int rows = 0;
  WithRawStore(dir.path(), [&](rocksdb::DB* db, auto& cf) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf.at("assignments")));
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++rows) {
      std::string v = it->value().ToString();
      ASSERT_EQ(v[0], 7) << "rows are written in format 7";
      ASSERT_EQ(v.substr(v.size() - 4), std::string(4, '\0')) << "the workload sends nothing back";
      v[0] = 6;
      v.resize(v.size() - 4);
      PutFixed64BE(&v, rows == 1 ? 0 : static_cast<uint64_t>(kBack));  // all but the second row came back
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), cf.at("assignments"), it->key(), v).ok());
    }
  });
  ASSERT_GT(rows, 1);
  Open();
  auto old = engine->Assignments({});
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  ASSERT_EQ(static_cast<int>(old->size()), rows);
  int came_back = 0, handed_in = 0;
  for (const auto& r : *old) {
    if (r.a.returns.empty()) continue;
    ++came_back;
    ASSERT_EQ(r.a.returns.size(), 1u);
    EXPECT_EQ(r.a.returns[0].back, kBack);
    EXPECT_EQ(r.a.returns[0].handed_in, r.a.submitted_at);
    if (r.a.submitted_at != 0) ++handed_in;
  }
  EXPECT_EQ(came_back, rows - 1);
  ASSERT_GT(handed_in, 0) << "the check needs a row that was handed in";
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_TRUE(engine->Verify()->ok()) << "a rebuild writes format 7 from the log";
}
// Rewrites the event at `pos` of a closed store with `change`, re-framed so the
// frame's checksum passes; with `rehash` its hash is recomputed too, so only
// the chain (seq, prev_hash) can give it away.
void RewriteEvent(const std::string& dir, uint64_t pos, bool rehash, const std::function<void(Event&)>& change) {
  WithRawStore(dir, [&](rocksdb::DB* db, auto& cf) {
    std::string key, framed;
    PutFixed64BE(&key, pos);
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), cf.at("log"), key, &framed).ok());
    std::string_view payload;
    size_t used = 0;
    ASSERT_TRUE(UnframeRecord(framed, &payload, &used).ok());
    auto e = DecodeEvent(payload);
    ASSERT_TRUE(e.ok());
    change(*e);
    if (rehash) e->hash = ComputeHash(*e);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), cf.at("log"), key, FrameRecord(EncodeEvent(*e))).ok());
  });
}

TEST_F(EngineTest, VerifyNamesAnEventWhoseBytesWereChangedBehindTheChecksum) {
  Workload(*this);
  // Find a ProgressReported event and raise its percent, re-framed so the CRC passes.
  uint64_t target = 0;
  ASSERT_TRUE(engine
                  ->ScanLog(1,
                            [&](uint64_t pos, const Event& e) {
                              if (std::holds_alternative<ProgressReported>(e.body)) target = pos;
                              return target == 0;
                            })
                  .ok());
  ASSERT_GT(target, 0u);
  Close();
  RewriteEvent(dir.path(), target, false, [](Event& e) { std::get<ProgressReported>(e.body).percent = 100; });
  Open();
  auto report = engine->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_FALSE(report->ok());
  const std::string& first = report->problems.front();
  EXPECT_NE(first.find("log position " + std::to_string(target)), std::string::npos) << first;
  EXPECT_NE(first.find("hash"), std::string::npos) << first;
}

void ExpectFirstProblem(Engine& engine, const std::string& where, const std::string& what) {
  auto report = engine.Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_FALSE(report->ok());
  const std::string& first = report->problems.front();
  EXPECT_NE(first.find(where + " "), std::string::npos) << first;
  EXPECT_NE(first.find(what), std::string::npos) << first;
  for (const auto& p : report->problems)
    EXPECT_EQ(p.find("hash does not match the event's bytes"), std::string::npos) << "its own hash is valid: " << p;
}

// A broken chain, not broken bytes: the event at position 5 names the event at
// position 3 as its predecessor and carries a valid hash of what it now says.
TEST_F(EngineTest, VerifyNamesAnEventWhosePrevHashNamesAnotherEvent) {
  GivenPlan();  // p1 at positions 1..8, seq 1..8
  const Event third = Log()[2];
  Close();
  RewriteEvent(dir.path(), 5, true, [&](Event& e) {
    ASSERT_EQ(e.stream_seq, 5u);
    ASSERT_NE(e.prev_hash, third.hash);
    e.prev_hash = third.hash;
  });
  Open();
  ExpectFirstProblem(*engine, "log position 5", "prev_hash");
}

// The chain's other half: the event at position 5 claims seq 6.
TEST_F(EngineTest, VerifyNamesAnEventWhoseSeqIsOutOfPlace) {
  GivenPlan();
  Close();
  RewriteEvent(dir.path(), 5, true, [&](Event& e) { e.stream_seq = 6; });
  Open();
  ExpectFirstProblem(*engine, "log position 5", "expected seq 5");
}

TEST_F(EngineTest, VerifyNamesAnEventWhoseFrameIsDamaged) {
  GivenPlan();
  Close();
  WithRawStore(dir.path(), [&](rocksdb::DB* db, auto& cf) {
    std::string key, framed;
    PutFixed64BE(&key, 3);
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), cf.at("log"), key, &framed).ok());
    framed[framed.size() / 2] ^= 0x20;
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), cf.at("log"), key, framed).ok());
  });
  Open();
  auto report = engine->Verify();
  ASSERT_TRUE(report.ok());
  ASSERT_FALSE(report->ok());
  EXPECT_NE(report->problems.front().find("log position 3"), std::string::npos) << report->problems.front();
}

// A stream of more than 16,384 events is read on two threads (half each):
// the state and history are those of one reader, and a damaged record in
// either half is named by its position, the earlier one first.
TEST_F(EngineTest, ALongStreamReadOnTwoThreadsGivesOneReadersAnswerAndNamesADamagedRecord) {
  GivenPlan();
  now = At("2021-04-01");
  Do(Accept{1, kFinance}, UnitActor(kFinance));
  std::vector<Command> batch;
  for (int i = 0; i < 17000; ++i) {
    batch.push_back(Cmd(ReportProgress{1, kFinance, i % 100, "进展" + std::to_string(i)}, UnitActor(kFinance)));
    if (batch.size() == 2000 || i + 1 == 17000) {
      for (const auto& out : engine->SubmitBatch(batch)) ASSERT_TRUE(out.status.ok()) << out.status.ToString();
      batch.clear();
    }
  }
  auto history = engine->History("p1", 1);
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  ASSERT_GT(history->size(), 17000u);
  for (size_t i = 1; i < history->size(); ++i) ASSERT_LT((*history)[i - 1].position, (*history)[i].position);
  const Event& last = history->back().event;
  ASSERT_TRUE(std::holds_alternative<ProgressReported>(last.body));
  EXPECT_EQ(std::get<ProgressReported>(last.body).text, "进展16999");
  auto replayed = engine->PlanAsOf("p1", At("2021-12-31"));
  ASSERT_TRUE(replayed.ok()) << replayed.status().ToString();
  EXPECT_EQ(*replayed, *engine->Plan("p1"));

  const uint64_t early = (*history)[100].position, late = (*history)[history->size() - 100].position;
  Close();
  auto damage = [&](uint64_t pos) {
    WithRawStore(dir.path(), [&](rocksdb::DB* db, auto& cf) {
      std::string key, framed;
      PutFixed64BE(&key, pos);
      ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), cf.at("log"), key, &framed).ok());
      framed[framed.size() / 2] ^= 0x20;
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), cf.at("log"), key, framed).ok());
    });
  };
  damage(late);
  Open();
  // The whole stream, read on two threads: asking for the events replays
  // from the start (a plain as-of would start at the newest snapshot).
  std::vector<Event> events;
  auto one = engine->PlanAsOf("p1", At("2021-12-31"), Engine::AsOf::kEffective, &events);
  ASSERT_EQ(one.status().code(), Status::Code::kCorruption) << one.status().ToString();
  EXPECT_NE(one.status().message().find("log position " + std::to_string(late)), std::string::npos)
      << one.status().ToString();
  Close();
  damage(early);
  Open();
  auto two = engine->History("p1", 1);
  ASSERT_EQ(two.status().code(), Status::Code::kCorruption) << two.status().ToString();
  EXPECT_NE(two.status().message().find("log position " + std::to_string(early)), std::string::npos)
      << two.status().ToString();
}

}  // namespace
}  // namespace duban

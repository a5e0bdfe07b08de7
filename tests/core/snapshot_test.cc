// Plan snapshots: a plan loaded from its latest snapshot plus the events after
// it, and a plan as of a date from the newest snapshot all of whose events
// happened by then, are the same states as its whole stream replayed.
#include <gtest/gtest.h>

#include <map>

#include "duban/engine.h"
#include "store_util.h"

namespace duban {
namespace {

using namespace schemas;
using testing::TempDir;

Command Cmd(uint64_t n, Role role, const std::string& actor, CommandBody body) {
  Command c;
  c.command_id = "s" + std::to_string(n);
  c.plan_id = "p1";
  c.actor = Actor{actor, role, actor};
  c.issued_at = 1'620'000'000'000LL + static_cast<Instant>(n) * 60'000;
  c.body = std::move(body);
  return c;
}

// Log positions [from, to] deleted behind the engine's back, then the store
// opened read-only: what a replay reads shows in what it can still answer.
Result<std::unique_ptr<Engine>> DeleteLogAndOpenReadOnly(const EngineOptions& o, uint64_t from, uint64_t to) {
  testing::WithRawStore(o.data_dir, [&](rocksdb::DB* db, auto& cf) {
    for (uint64_t pos = from; pos <= to; ++pos) {
      std::string key;
      PutFixed64BE(&key, pos);
      ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), cf.at("log"), key).ok());
    }
  });
  EngineOptions ro = o;
  ro.read_only = true;
  return Engine::Open(ro);
}

TEST(SnapshotTest, APlanLoadedFromItsSnapshotEqualsItsStreamReplayed) {
  TempDir dir;
  EngineOptions o;
  o.data_dir = dir.path();
  {
    auto e = Engine::Open(o);
    ASSERT_TRUE(e.ok());
    const ImportPlan imp = testing::TestPlan(20, {"甲局", "乙局"});
    uint64_t n = 0;
    std::vector<Command> cmds{Cmd(n++, Role::kSupervisor, "office", imp)};
    for (int t = 1; t <= 20; ++t)
      for (const char* u : {"甲局", "乙局"}) cmds.push_back(Cmd(n++, Role::kUnit, u, Accept{t, u}));
    cmds.push_back(Cmd(n++, Role::kSupervisor, "office", StartReviewCycle{"Q2", "", "quarterly", "2021-06-30", ""}));
    for (int i = 0; i < 2600; ++i) {
      const int t = 1 + i % 20;
      const std::string u = i % 2 ? "甲局" : "乙局";
      cmds.push_back(Cmd(n++, Role::kUnit, u, ReportProgress{t, u, i % 100, "进展" + std::to_string(i), "", "", ""}));
    }
    cmds.push_back(Cmd(n++, Role::kUnit, "甲局", Submit{3, "甲局", "完成", ""}));
    for (size_t i = 0; i < cmds.size(); i += 100) {
      std::vector<Command> chunk(cmds.begin() + i, cmds.begin() + std::min(cmds.size(), i + 100));
      for (const auto& out : (*e)->SubmitBatch(chunk)) ASSERT_TRUE(out.status.ok()) << out.status.ToString();
    }
  }
  // The stream outgrew the snapshot interval twice: two snapshots are kept.
  size_t snapshots = 0;
  auto dump = testing::DumpStore(dir.path());
  for (const auto& [key, value] : dump["snapshots"])
    if (key.rfind(std::string("p1") + '\0', 0) == 0) ++snapshots;
  EXPECT_EQ(snapshots, 2u);
  auto e = Engine::Open(o);
  ASSERT_TRUE(e.ok());
  // The whole stream replayed: asking for the events reads them all, no snapshot.
  auto whole = [&](Instant at, Engine::AsOf basis) {
    std::vector<Event> events;
    auto s = (*e)->PlanAsOf("p1", at, basis, &events);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : core::PlanState{};
  };
  auto from_snapshot = (*e)->Plan("p1");  // snapshot + the events after it
  ASSERT_TRUE(from_snapshot.ok());
  const core::PlanState replayed = whole(4'000'000'000'000LL, Engine::AsOf::kEffective);
  EXPECT_GT(from_snapshot->version, 2000u);
  EXPECT_TRUE(*from_snapshot == replayed);
  EXPECT_EQ(from_snapshot->cycles.at("Q2").answered.size(), replayed.cycles.at("Q2").answered.size());
  // As of times before, between and after the snapshots, by either basis.
  for (uint64_t n : {10u, 600u, 1100u, 1500u, 2200u, 2640u})
    for (auto basis : {Engine::AsOf::kEffective, Engine::AsOf::kRecorded}) {
      const Instant at = 1'620'000'000'000LL + static_cast<Instant>(n) * 60'000;
      auto as_of = (*e)->PlanAsOf("p1", at, basis);
      ASSERT_TRUE(as_of.ok()) << as_of.status().ToString();
      EXPECT_TRUE(*as_of == whole(at, basis)) << "as of command " << n;
    }
  // A rebuild makes the snapshots afresh, from the log: the plan loads the
  // same and reads the same as of every date.
  ASSERT_TRUE((*e)->Rebuild().ok());
  auto after_rebuild = (*e)->Plan("p1");
  ASSERT_TRUE(after_rebuild.ok());
  EXPECT_TRUE(*after_rebuild == replayed);
  EXPECT_TRUE((*e)->Verify()->ok());
  for (uint64_t n : {10u, 600u, 1100u, 1500u, 2200u, 2640u})
    for (auto basis : {Engine::AsOf::kEffective, Engine::AsOf::kRecorded}) {
      const Instant at = 1'620'000'000'000LL + static_cast<Instant>(n) * 60'000;
      auto as_of = (*e)->PlanAsOf("p1", at, basis);
      ASSERT_TRUE(as_of.ok()) << as_of.status().ToString();
      EXPECT_TRUE(*as_of == whole(at, basis)) << "as of command " << n << ", after the rebuild";
    }
  e->reset();
  size_t rebuilt = 0;
  dump = testing::DumpStore(dir.path());
  for (const auto& [key, value] : dump["snapshots"])
    if (key.rfind(std::string("p1") + '\0', 0) == 0) ++rebuilt;
  // Every 1,000 events, and a parting one at the end: the plan grew by more
  // than a quarter of that since the second.
  EXPECT_EQ(rebuilt, 3u) << "snapshots made by the rebuild";
}

// As of a late date the replay starts at a snapshot: with early events
// events gone, a late date is still answered and an early one is not.
TEST(SnapshotTest, AsOfALateDateReplaysOnlyTheEventsAfterItsSnapshot) {
  TempDir dir;
  EngineOptions o;
  o.data_dir = dir.path();
  uint64_t n = 0;
  core::PlanState late;
  const Instant late_at = 1'620'000'000'000LL + 1190LL * 60'000;
  {
    auto e = Engine::Open(o);
    ASSERT_TRUE(e.ok());
    const ImportPlan imp = testing::TestPlan(1, {"甲局"});
    ASSERT_TRUE((*e)->Submit(Cmd(n++, Role::kSupervisor, "office", imp)).status.ok());
    ASSERT_TRUE((*e)->Submit(Cmd(n++, Role::kUnit, "甲局", Accept{1, "甲局"})).status.ok());
    std::vector<Command> reports;
    reports.reserve(1200);
    for (int i = 0; i < 1200; ++i)
      reports.push_back(Cmd(n++, Role::kUnit, "甲局", ReportProgress{1, "甲局", i % 100, "进展", "", "", ""}));
    for (size_t i = 0; i < reports.size(); i += 100) {  // a snapshot is taken at the end of a batch
      std::vector<Command> chunk(reports.begin() + i, reports.begin() + std::min(reports.size(), i + 100));
      for (const auto& out : (*e)->SubmitBatch(chunk)) ASSERT_TRUE(out.status.ok());
    }
    auto s = (*e)->PlanAsOf("p1", late_at);
    ASSERT_TRUE(s.ok());
    late = *s;
  }
  auto e = DeleteLogAndOpenReadOnly(o, 2, 100);  // the first stays: a store must begin at 1
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  auto s = (*e)->PlanAsOf("p1", late_at);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(*s == late);
  EXPECT_FALSE((*e)->PlanAsOf("p1", 1'620'000'000'000LL + 500LL * 60'000).ok())
      << "before the snapshot: the whole stream";
}

// A back-entry (the office's paper record of an earlier date) sits in the log
// among late events. As of a date, the replay reads every stretch between two
// snapshots that holds an event of that date or earlier, and no other: with
// a later stretch gone from the log the early date is still answered, the
// back-entry counted, and a date inside the missing stretch is not.
TEST(SnapshotTest, AsOfReadsTheStretchesWithEarlierEventsAndSkipsTheRest) {
  TempDir dir;
  EngineOptions o;
  o.data_dir = dir.path();
  auto at = [](uint64_t n) { return 1'620'000'000'000LL + static_cast<Instant>(n) * 60'000; };
  std::map<std::pair<uint64_t, int>, core::PlanState> expected;  // (command n, basis) -> the whole replay's
  const std::vector<uint64_t> times{300, 400, 500, 1200, 2500, 3700};
  {
    auto e = Engine::Open(o);
    ASSERT_TRUE(e.ok());
    const ImportPlan imp = testing::TestPlan(2, {"甲局"});
    uint64_t n = 0;
    std::vector<Command> cmds{Cmd(n++, Role::kSupervisor, "office", imp)};
    for (int t = 1; t <= 2; ++t) cmds.push_back(Cmd(n++, Role::kUnit, "甲局", Accept{t, "甲局"}));
    while (n < 3600) {
      if (n == 1500) {  // entered at command 1500, effective at command 400's time
        Command back = Cmd(n++, Role::kSupervisor, "office", schemas::Submit{1, "甲局", "完成", ""});
        back.effective_at = at(400);
        back.back_entry_reason = "纸质报送件";
        cmds.push_back(back);
        continue;
      }
      cmds.push_back(
          Cmd(n, Role::kUnit, "甲局", ReportProgress{2, "甲局", static_cast<int>(n % 100), "进展", "", "", ""}));
      ++n;
    }
    for (size_t i = 0; i < cmds.size(); i += 100) {
      std::vector<Command> chunk(cmds.begin() + i, cmds.begin() + std::min(cmds.size(), i + 100));
      for (const auto& out : (*e)->SubmitBatch(chunk)) ASSERT_TRUE(out.status.ok()) << out.status.ToString();
    }
    for (uint64_t t : times)
      for (auto basis : {Engine::AsOf::kEffective, Engine::AsOf::kRecorded}) {
        std::vector<Event> events;  // asking for the events replays the whole stream
        auto whole = (*e)->PlanAsOf("p1", at(t), basis, &events);
        ASSERT_TRUE(whole.ok());
        auto as_of = (*e)->PlanAsOf("p1", at(t), basis);
        ASSERT_TRUE(as_of.ok()) << as_of.status().ToString();
        EXPECT_TRUE(*as_of == *whole) << "as of command " << t << (basis == Engine::AsOf::kRecorded ? " recorded" : "");
        expected[{t, static_cast<int>(basis)}] = *whole;
      }
    EXPECT_EQ((expected[{500, 0}].assignments.at({1, "甲局"}).status), core::AssignmentStatus::kSubmitted)
        << "effective by command 500's time: the back-entry";
    EXPECT_NE((expected[{500, 1}].assignments.at({1, "甲局"}).status), core::AssignmentStatus::kSubmitted)
        << "recorded at command 1500";
  }
  // The snapshots' log positions, from their values (u8 format | u64 log_pos ...).
  std::vector<uint64_t> cuts;
  auto dump = testing::DumpStore(dir.path());
  for (const auto& [key, value] : dump["snapshots"]) {
    ASSERT_EQ(value[0], 3) << "snapshot format";
    cuts.push_back(DecodeFixed64BE(value.data() + 1));
  }
  ASSERT_EQ(cuts.size(), 3u);
  ASSERT_LT(cuts[0], 1500u);  // the back-entry is in the second stretch, (cuts[0], cuts[1]]
  ASSERT_GT(cuts[1], 1500u);
  ASSERT_GT(cuts[2] - cuts[1], 500u);
  auto e = DeleteLogAndOpenReadOnly(o, cuts[1] + 1, cuts[2]);  // the third stretch: commands ~2000-3000
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  for (uint64_t t : {300u, 400u, 500u, 1200u, 3700u})
    for (auto basis : {Engine::AsOf::kEffective, Engine::AsOf::kRecorded}) {
      auto as_of = (*e)->PlanAsOf("p1", at(t), basis);
      ASSERT_TRUE(as_of.ok()) << "as of command " << t << ": " << as_of.status().ToString();
      EXPECT_TRUE(*as_of == expected.at({t, static_cast<int>(basis)})) << "as of command " << t;
    }
  EXPECT_FALSE((*e)->PlanAsOf("p1", at(2500)).ok()) << "inside the missing stretch";
}

}  // namespace
}  // namespace duban

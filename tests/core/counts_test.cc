// The `counts` projection (records.h): the dashboard's assignments counted by
// AssignmentGroup, kept by every commit. Whatever happens to the rows, the
// counts must say what counting the rows says, and the queries by status
// that go through them find exactly the rows they name; a rebuild and verify
// agree; a store made before counts gets them when a writer opens it.
#include <gtest/gtest.h>

#include <random>
#include <tuple>

#include "duban/core/workflow_timer_policy.h"
#include "store_util.h"

namespace duban {
namespace {

using namespace duban::testing;
using namespace duban::schemas;

struct Tally {
  int64_t count = 0, reminders = 0, unknown = 0;
  bool operator==(const Tally&) const = default;
};
using Counted = std::map<std::pair<std::string, core::AssignmentGroup>, Tally>;
using LastUpdate = std::map<std::pair<std::string, std::string>, Instant>;

std::string Show(const std::pair<std::string, core::AssignmentGroup>& k, const Tally& t) {
  const auto& g = k.second;
  return k.first + " " + g.unit + " " + core::StatusName(g.status) + " due=" + g.due_on +
         " flags=" + std::to_string(g.overdue) + std::to_string(g.acceptance_overdue) +
         std::to_string(g.review_overdue) + std::to_string(g.extension_pending) +
         " level=" + std::to_string(g.escalation_level) + " -> " + std::to_string(t.count) + "/" +
         std::to_string(t.reminders) + "/" + std::to_string(t.unknown);
}

// What counting every row gives; a unit's last update is the time of its row
// changed last in the stream (the clock's events may carry an earlier time
// than the act before them: a timer fires as of its due day).
void FromRows(Engine& e, Counted* counted, LastUpdate* last) {
  auto rows = e.Assignments({});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  std::map<std::pair<std::string, std::string>, uint64_t> seq;
  for (const auto& r : *rows) {
    Tally& t = (*counted)[{r.plan_id, core::GroupOf(r.a)}];
    ++t.count;
    if (r.a.reminders < 0)
      ++t.unknown;
    else
      t.reminders += r.a.reminders;
    uint64_t& s = seq[{r.plan_id, r.a.unit}];
    if (r.a.updated_seq > s) s = r.a.updated_seq, (*last)[{r.plan_id, r.a.unit}] = r.a.updated_at;
  }
}

// What the projection says.
void FromCounts(Engine& e, const std::string& plan, Counted* counted, LastUpdate* last) {
  auto c = e.CountAssignments(plan);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  for (const auto& g : c->groups) {
    EXPECT_GT(g.count, 0) << "a group that holds nothing is deleted";
    auto [it, fresh] = counted->try_emplace({g.plan_id, g.group}, Tally{g.count, g.reminders, g.reminders_unknown});
    EXPECT_TRUE(fresh) << "one key per group";
  }
  *last = c->last_update;
}

void ExpectCountsMatchRows(Engine& e, const std::string& when) {
  Counted rows, counts;
  LastUpdate rows_last, counts_last;
  FromRows(e, &rows, &rows_last);
  FromCounts(e, "", &counts, &counts_last);
  for (const auto& [k, t] : rows)
    if (!counts.count(k) || !(counts.at(k) == t))
      ADD_FAILURE() << when << ": rows say " << Show(k, t) << ", counts say "
                    << (counts.count(k) ? Show(k, counts.at(k)) : "nothing");
  for (const auto& [k, t] : counts)
    if (!rows.count(k)) ADD_FAILURE() << when << ": counts hold " << Show(k, t) << ", no row does";
  EXPECT_EQ(counts_last, rows_last) << when;
}

// What the queries by status and overdue give (through the counts,
// queries.cc), against every row filtered: the same rows in the same order,
// within a plan and across plans.
void ExpectStatusQueriesMatchRows(Engine& e, const std::string& when) {
  auto all = e.Assignments({});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  auto id = [](const AssignmentRow& r) { return r.plan_id + "/" + std::to_string(r.task) + "/" + r.a.unit; };
  std::map<std::string, core::AssignmentState> state;
  for (const auto& r : *all) state[id(r)] = r.a;
  for (const std::string plan : {"", "p1", "p2"})
    for (int s = 0; s <= 7; ++s)
      for (const bool overdue : {false, true}) {
        if (s == 0 && !overdue) continue;  // no condition: the rows themselves
        const StatusFilter f{plan, "", s ? std::optional(static_cast<core::AssignmentStatus>(s)) : std::nullopt,
                             overdue};
        std::vector<std::string> want, got;
        for (const auto& r : *all)
          if ((plan.empty() || r.plan_id == plan) && f.Matches(r.a)) want.push_back(id(r));
        auto rows = e.Assignments(f);
        ASSERT_TRUE(rows.ok()) << rows.status().ToString();
        for (const auto& r : *rows) {
          got.push_back(id(r));
          EXPECT_TRUE(state.count(id(r)) && state.at(id(r)) == r.a) << when << ": " << id(r) << " read differently";
        }
        EXPECT_EQ(got, want) << when << ": plan '" << plan << "', status " << s << ", overdue only " << overdue;
      }
}

class CountsTest : public EngineFixture {
 public:
  void SetUp() override {
    auto p = WorkflowTimerPolicy::Default();
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    policy = *p;
    Open(policy);
  }
  std::shared_ptr<WorkflowTimerPolicy> policy;
};

// Every kind of change a row goes through, in random order, over two plans:
// after each command the counts say what the rows say.
class CountsRandomTest : public CountsTest, public ::testing::WithParamInterface<int> {};

TEST_P(CountsRandomTest, CountsAndTheQueriesByStatusSayWhatTheRowsSayAfterEveryCommandAndARebuild) {
  std::mt19937 rng(static_cast<uint32_t>(GetParam()));
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
  const std::vector<std::string> plans = {"p1", "p2"};
  const std::vector<std::string> units = {kFinance, kEducation, kPolice, kHealth};
  now = At("2021-03-20");
  for (const auto& p : plans) Do(SamplePlan(), Supervisor(), p);
  ExpectCountsMatchRows(*engine, "after import");
  int cycle = 0;
  for (int step = 0; step < 160 && !HasFailure(); ++step) {
    const std::string plan = plans[static_cast<size_t>(pick(2))];
    const int32_t task = 1 + pick(3);
    const std::string unit = units[static_cast<size_t>(pick(4))];
    const std::string other = units[static_cast<size_t>(pick(4))];
    const Date day = DayOf(now);
    const std::string later = day.AddDays(10 + pick(60)).ToString();
    now += 3'600'000LL * (1 + pick(30));
    switch (pick(14)) {
      case 0:
        Submit(Accept{task, unit}, UnitActor(unit), plan);
        break;
      case 1:
        Submit(ReportProgress{task, unit, 10 * (1 + pick(9)), "进展"}, UnitActor(unit), plan);
        break;
      case 2:
        Submit(schemas::Submit{task, unit, "完成"}, UnitActor(unit), plan);
        break;
      case 3:
        Submit(Approve{task, unit, "同意"}, Supervisor(), plan);
        break;
      case 4:
        Submit(Reject{task, unit, "补充材料"}, Supervisor(), plan);
        break;
      case 5:
        Submit(Return{task, unit, "不属本单位职责"}, UnitActor(unit), plan);
        break;
      case 6:
        Submit(Reassign{task, unit, other, "调整"}, Supervisor(), plan);
        break;
      case 7:
        Submit(RequestExtension{task, unit, later, "需批复"}, UnitActor(unit), plan);
        break;
      case 8:
        Submit(GrantExtension{task, unit, ""}, Supervisor(), plan);
        break;
      case 9:
        Submit(DenyExtension{task, unit, "不同意"}, Supervisor(), plan);
        break;
      case 10:
        if (pick(4) == 0) Submit(CancelTask{task, "合并"}, Supervisor(), plan);
        break;
      case 11:
        Submit(StartReviewCycle{"c" + std::to_string(++cycle), "", "quarterly", later, ""}, Supervisor(), plan);
        break;
      default: {
        // The clock: days to weeks on, firing reminders, misses and escalations.
        now += 86'400'000LL * (1 + pick(20));
        auto r = engine->Tick(now);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
      }
    }
    ExpectCountsMatchRows(*engine, "step " + std::to_string(step));
    ExpectStatusQueriesMatchRows(*engine, "step " + std::to_string(step));
  }
  // A year-end tick: everything still open is missed and escalates.
  now = At("2022-03-01");
  ASSERT_TRUE(engine->Tick(now).ok());
  ExpectCountsMatchRows(*engine, "after the year");
  ExpectStatusQueriesMatchRows(*engine, "after the year");

  const std::string digest = Digest();
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_EQ(Digest(), digest) << "the counts a rebuild makes are the ones the commits kept";
  auto v = engine->Verify();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->ok()) << v->problems.front();
  EXPECT_TRUE(v->notes.empty());
}

INSTANTIATE_TEST_SUITE_P(Seeds, CountsRandomTest, ::testing::Range(1, 9));

TEST_F(CountsTest, OnePlansCountsAreThatPlansOnly) {
  Do(SamplePlan(), Supervisor(), "p1");
  Do(SamplePlan(), Supervisor(), "p10");  // a plan id that p1 is a prefix of
  Do(Accept{1, kFinance}, UnitActor(kFinance), "p10");
  Counted p1, all;
  LastUpdate l1, la;
  FromCounts(*engine, "p1", &p1, &l1);
  FromCounts(*engine, "", &all, &la);
  ASSERT_FALSE(p1.empty());
  for (const auto& [k, _] : p1) EXPECT_EQ(k.first, "p1");
  int64_t n1 = 0, n = 0;
  for (const auto& [_, t] : p1) n1 += t.count;
  for (const auto& [_, t] : all) n += t.count;
  EXPECT_EQ(n1 * 2, n);
}

TEST_F(CountsTest, VerifyFindsADamagedCountAndARebuildRepairsIt) {
  GivenPlan();
  Do(Accept{1, kFinance}, UnitActor(kFinance));
  Close();
  WithRawStore(dir.path(), [&](rocksdb::DB* db, auto& cf) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf.at("counts")));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().ToStringView().back() == 'a') continue;  // a unit's last update
      std::string v = it->value().ToString();
      v[8] ^= 0x01;  // the count, one more or one less
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), cf.at("counts"), it->key(), v).ok());
      break;
    }
  });
  Open(policy);
  auto report = engine->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_FALSE(report->ok());
  EXPECT_NE(report->problems.front().find("counts"), std::string::npos) << report->problems.front();
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_TRUE(engine->Verify()->ok());
  ExpectCountsMatchRows(*engine, "after the rebuild");
}

// A store from before this projection: no `counts` keys and no marker.
void ForgetCounts(const std::string& dir) {
  WithRawStore(dir, [&](rocksdb::DB* db, auto& cf) {
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), cf.at("meta"), "counts.built").ok());
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf.at("counts")));
    for (it->SeekToFirst(); it->Valid(); it->Next())
      ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), cf.at("counts"), it->key()).ok());
  });
}

TEST_F(CountsTest, AStoreMadeBeforeCountsIsCountedByTheNextWriterAndSaysSoUntilThen) {
  GivenPlan();
  GivenCompleted(2, kPolice);
  Do(Accept{1, kFinance}, UnitActor(kFinance));
  Close();
  ForgetCounts(dir.path());
  {
    // A reader cannot build them: the dashboard says what to do, verify says
    // what it did not compare, and finds nothing wrong.
    EngineOptions o;
    o.data_dir = dir.path();
    o.read_only = true;
    auto reader = Engine::Open(o, policy);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    auto c = (*reader)->CountAssignments("");
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.status().message().find("duban rebuild"), std::string::npos) << c.status().ToString();
    // Queries by status, which go through the counts, read the rows instead.
    ExpectStatusQueriesMatchRows(**reader, "a reader without counts");
    auto done = (*reader)->Assignments({"", "", core::AssignmentStatus::kCompleted, false});
    ASSERT_TRUE(done.ok()) << done.status().ToString();
    ASSERT_EQ(done->size(), 1u);
    EXPECT_EQ(done->front().a.unit, kPolice);
    auto v = (*reader)->Verify();
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_TRUE(v->ok()) << v->problems.front();
    ASSERT_EQ(v->notes.size(), 1u);
    EXPECT_NE(v->notes[0].find("not compared"), std::string::npos) << v->notes[0];
  }
  Open(policy);  // a writer: counts them once
  ExpectCountsMatchRows(*engine, "after the writer's open");
  Do(schemas::Submit{1, kFinance, "完成"}, UnitActor(kFinance));
  ExpectCountsMatchRows(*engine, "after a commit");
  auto v = engine->Verify();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok()) << v->problems.front();
  EXPECT_TRUE(v->notes.empty());
}

}  // namespace
}  // namespace duban

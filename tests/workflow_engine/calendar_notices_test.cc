// Calendar notices recorded in the store: the next year's notice recounts
// open deadlines, a covered year is refused unless amended, command ids, and
// notices dated in the future.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "core/store_util.h"  // WithRawStore
#include "workflow_engine_fixture.h"

namespace duban::wf_test {
namespace {

// The 2027 notice the tests record: a fixture with an invented schedule
// (tests/workflow_engine/data/, labelled as such), not the published notice.
std::string Notice2027() {
  std::ifstream in(DUBAN_TEST_NOTICE_2027, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (ss.str().empty()) throw std::runtime_error("cannot read " + std::string(DUBAN_TEST_NOTICE_2027));
  return ss.str();
}
constexpr const char* kVersion2027 = "cn-mainland/2026-11-10";  // the fixture's version

// A plan of these tests: issued on `issued_on` for `year`, `units` in its
// directory; its tasks are added with TaskDue.
ImportPlan PlanFor(const std::string& issued_on, int32_t year, std::vector<std::string> units) {
  ImportPlan p;
  p.plan = PlanImported{"工作要点", "市政府办公室", "府办〔2026〕9号", issued_on, year, "digest", std::move(units), {}};
  return p;
}
// Task `number`, led by `leads`, whose deadline `words` the import counted
// to `due` on calendar `version`.
ImportTask TaskDue(int32_t number, const std::string& words, const std::string& due, const std::string& version,
                   std::vector<std::string> leads) {
  return ImportTask{number,           {"一"}, words, words + "完成", Deadline{words, due, "", false, version},
                    std::move(leads), {}};
}

Outcome AddNotice(Engine& engine, const std::string& id, const Actor& who, const std::string& day,
                  const std::string& text, const std::string& source = "notice-2027.yaml") {
  Engine::CalendarNoticeRequest r;
  r.command_id = id;
  r.actor = who;
  r.issued_at = At(day);
  r.text = text;
  r.source = source;
  return engine.AddCalendarNotice(r);
}

// Issue 11, item 2: the ladders that ran into 2027 fired provisionally; then
// the office records 2027's notice and what is still open is recounted on it
// at once (no rebuild, no new build): one DeadlineRecounted saying what moved,
// the timers re-armed on the new version. What fired keeps its calendar.
TEST_F(WorkflowEngineTest, ANoticeRecordedForTheNextYearRecountsOpenDeadlinesAndFiredOnesKeepTheirCalendar) {
  const std::string v = policy->latest_calendar().version();
  ASSERT_TRUE(policy->latest_calendar().Covers(2026));
  ASSERT_FALSE(policy->latest_calendar().Covers(2027)) << "this test is about the year after the last covered one";
  ImportPlan p;
  p.plan = PlanImported{"2026年政务公开工作要点分工方案",
                        "市政府办公室",
                        "府办〔2026〕9号",
                        "2026-12-01",
                        2026,
                        "digest",
                        {kFinance, kEducation, kPolice},
                        {}};
  p.tasks.push_back(ImportTask{
      1, {"一"}, "12月中旬", "12月15日前完成", Deadline{"12月15日前", "2026-12-15", "", false, v}, {kEducation}, {}});
  p.tasks.push_back(
      ImportTask{2, {"一"}, "年底前", "年底前完成", Deadline{"年底前", "2026-12-31", "", false, v}, {kPolice}, {}});
  p.tasks.push_back(ImportTask{3,
                               {"二"},
                               "劳动节后",
                               "2027年5月10日前完成",
                               Deadline{"2027年5月10日前", "2027-05-10", "", false, v + "+provisional"},
                               {kFinance},
                               {}});
  Ok(Do(Supervisor(), "2026-12-01", p));
  for (const auto& [task, unit] :
       std::vector<std::pair<int, std::string>>{{1, kEducation}, {2, kPolice}, {3, kFinance}})
    Ok(Do(UnitActor(unit), "2026-12-01", Accept{task, unit}, 10));

  const auto fired = TickDays("2026-12-01", "2027-03-31");
  EXPECT_EQ(For(fired, 1, kEducation),
            (std::vector<Fired>{{"2026-12-10", "DeadlineApproaching", 1, kEducation, 3},
                                {"2026-12-14", "DeadlineApproaching", 1, kEducation, 1},
                                {"2026-12-16", "DeadlineMissed", 1, kEducation, 0},
                                {"2026-12-17", "EscalationRaised", 1, kEducation, 1},
                                {"2026-12-24", "EscalationRaised", 1, kEducation, 2},
                                {"2027-01-08", "EscalationRaised", 1, kEducation, 3, true}}));
  EXPECT_EQ(For(fired, 2, kPolice), (std::vector<Fired>{{"2026-12-17", "DeadlineApproaching", 2, kPolice, 10},
                                                        {"2026-12-28", "DeadlineApproaching", 2, kPolice, 3},
                                                        {"2026-12-30", "DeadlineApproaching", 2, kPolice, 1},
                                                        {"2027-01-04", "DeadlineMissed", 2, kPolice, 0, true},
                                                        {"2027-01-05", "EscalationRaised", 2, kPolice, 1, true},
                                                        {"2027-01-12", "EscalationRaised", 2, kPolice, 2, true},
                                                        {"2027-01-26", "EscalationRaised", 2, kPolice, 3, true}}));
  EXPECT_TRUE(For(fired, 3, kFinance).empty());
  // Task 3's timers wait on the provisional rule: weekdays minus 元旦 and 05-01
  // (its ladder is armed once it is missed).
  std::map<std::string, std::string> before;
  for (const auto& t : PendingOf(3, kFinance)) {
    EXPECT_TRUE(t.timer.provisional) << TimerKindName(t.timer.kind);
    EXPECT_EQ(t.timer.calendar_version, v + "+provisional");
    before[std::string(TimerKindName(t.timer.kind)) + std::to_string(t.timer.working_days_left + t.timer.level)] =
        Day(t.due);
  }
  EXPECT_EQ(before, (std::map<std::string, std::string>{{"reminder10", "2027-04-26"},
                                                        {"reminder3", "2027-05-05"},
                                                        {"reminder1", "2027-05-07"},
                                                        {"missed0", "2027-05-11"}}));

  // A unit may not record a notice; the office may.
  const Outcome refused = AddNotice(*engine, "notice-by-unit", UnitActor(kFinance), "2027-04-01", Notice2027());
  EXPECT_EQ(refused.status.reason(), "forbidden_role") << refused.status.ToString();
  const Outcome added = AddNotice(*engine, "notice-2027", Supervisor(), "2027-04-01", Notice2027());
  ASSERT_TRUE(added.status.ok()) << added.status.ToString();
  // The notice; every open assignment (tasks 1 and 2 have nothing armed, so
  // nothing moved, but what they arm later counts on the notice); the tasks.
  ASSERT_EQ(added.events.size(), 7u);
  const auto* notice = std::get_if<CalendarNoticeAdded>(&added.events[0].body);
  ASSERT_NE(notice, nullptr);
  EXPECT_EQ(added.events[0].stream, "!calendar");
  EXPECT_EQ(notice->year, 2027);
  EXPECT_FALSE(notice->amends);
  std::vector<std::string> recounts;
  const DeadlineRecounted* rc = nullptr;
  for (size_t i = 1; i < added.events.size(); ++i) {
    const auto* r = std::get_if<DeadlineRecounted>(&added.events[i].body);
    ASSERT_NE(r, nullptr) << i;
    EXPECT_EQ(added.events[i].stream, "p");
    EXPECT_EQ(added.events[i].actor.role, Role::kSystem) << "the engine's recount, not the office's act";
    EXPECT_EQ(r->calendar_version, kVersion2027) << "nothing here is due beyond 2027";
    recounts.push_back(std::to_string(r->task) + " " + r->unit + " from " + r->old_calendar_version + ", " +
                       std::to_string(r->changes.size()) + " moved");
    if (r->task == 3 && r->unit == kFinance) rc = r;
  }
  EXPECT_EQ(recounts, (std::vector<std::string>{"1 " + std::string(kEducation) + " from " + v + ", 0 moved",
                                                "2 " + std::string(kPolice) + " from " + v + ", 0 moved",
                                                "3 " + std::string(kFinance) + " from " + v + "+provisional, 3 moved",
                                                "1  from " + v + ", 0 moved", "2  from " + v + ", 0 moved",
                                                "3  from " + v + "+provisional, 0 moved"}));
  ASSERT_NE(rc, nullptr);
  EXPECT_EQ(rc->old_calendar_version, v + "+provisional");
  EXPECT_EQ(rc->calendar_version, kVersion2027);
  EXPECT_FALSE(rc->provisional);
  // 劳动节 05-01..05 and the worked Sunday 04-25 / Saturday 05-08 move the reminders.
  EXPECT_EQ(rc->changes,
            (std::vector<std::string>{"reminder 1 2027-05-07 -> 2027-05-08", "reminder 10 2027-04-26 -> 2027-04-23",
                                      "reminder 3 2027-05-05 -> 2027-05-06"}));
  EXPECT_EQ(engine->timer_policy()->CalendarVersion(), kVersion2027);
  for (const auto& t : PendingOf(3, kFinance)) {
    EXPECT_FALSE(t.timer.provisional) << TimerKindName(t.timer.kind);
    EXPECT_EQ(t.timer.calendar_version, kVersion2027);
  }
  // The same command again is the first outcome, nothing new.
  const Outcome again = AddNotice(*engine, "notice-2027", Supervisor(), "2027-04-02", Notice2027());
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.first_position, added.first_position);
  // A fresh open counts on the recorded notice (from the log, not from this
  // process): verify re-arms task 3's timers on it and finds them equal.
  engine.reset();
  Open();
  EXPECT_EQ(engine->timer_policy()->CalendarVersion(), kVersion2027);
  ASSERT_EQ(engine->CalendarNotices().size(), 1u);
  EXPECT_EQ(engine->CalendarNotices()[0], *notice);
  auto reopened = engine->Verify();
  ASSERT_TRUE(reopened.ok());
  EXPECT_TRUE(reopened->ok()) << (reopened->problems.empty() ? "" : reopened->problems.front());

  const auto after = TickDays("2027-04-01", "2027-06-30");
  EXPECT_EQ(For(after, 3, kFinance), (std::vector<Fired>{{"2027-04-23", "DeadlineApproaching", 3, kFinance, 10},
                                                         {"2027-05-06", "DeadlineApproaching", 3, kFinance, 3},
                                                         {"2027-05-08", "DeadlineApproaching", 3, kFinance, 1},
                                                         {"2027-05-11", "DeadlineMissed", 3, kFinance, 0},
                                                         {"2027-05-12", "EscalationRaised", 3, kFinance, 1},
                                                         {"2027-05-19", "EscalationRaised", 3, kFinance, 2},
                                                         {"2027-06-02", "EscalationRaised", 3, kFinance, 3}}));
  // What fired before the notice keeps the calendar it was judged by.
  auto h = engine->History("p", 2);
  ASSERT_TRUE(h.ok());
  int provisional_escalations = 0;
  for (const auto& entry : *h)
    if (const auto* e = std::get_if<EscalationRaised>(&entry.event.body)) {
      EXPECT_EQ(e->calendar_version, v + "+provisional");
      provisional_escalations += e->provisional;
    }
  EXPECT_EQ(provisional_escalations, 3);

  // The log alone gives the same state: verify and rebuild.
  auto verify = engine->Verify();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok()) << (verify->problems.empty() ? "" : verify->problems.front());
  const auto live = engine->ProjectionDigest();
  ASSERT_TRUE(live.ok());
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_EQ(*engine->ProjectionDigest(), *live);
}

// Recounting happens while work is open too: a rebuild in the middle of the
// ladder (timers armed on the notice) equals the live store, and a notice
// that conflicts with a recorded year is refused with its file and line,
// while a stated correction (amends) is taken.
TEST_F(WorkflowEngineTest, ANoticeForAYearAlreadyCoveredIsRefusedUnlessItAmendsIt) {
  const std::string v = policy->latest_calendar().version();
  ImportPlan p = PlanFor("2026-12-01", 2027, {kFinance});
  p.tasks.push_back(TaskDue(1, "2027年5月10日前", "2027-05-10", v + "+provisional", {kFinance}));
  Ok(Do(Supervisor(), "2026-12-01", p));
  Ok(Do(UnitActor(kFinance), "2026-12-01", Accept{1, kFinance}, 10));
  // A year's notice cut short (no 春节, 清明节, 端午节, 中秋节) would count
  // those holidays as working days: refused, naming what it lacks.
  std::string short_notice = Notice2027();
  for (const char* drop : {"春节", "清明节", "端午节", "中秋节"}) {
    const size_t at = short_notice.find(std::string("{name: ") + drop);
    ASSERT_NE(at, std::string::npos) << drop;
    short_notice.erase(short_notice.rfind('\n', at) + 1, short_notice.find('\n', at) - short_notice.rfind('\n', at));
  }
  const Outcome cut = AddNotice(*engine, "n-short", Supervisor(), "2026-12-02", short_notice, "short.yaml");
  EXPECT_EQ(cut.status.reason(), "invalid_argument") << cut.status.ToString();
  EXPECT_NE(cut.status.message().find("short.yaml: a year's notice gives the rest days of all seven public holidays"),
            std::string::npos)
      << cut.status.message();
  EXPECT_NE(cut.status.message().find("names no 春节、清明节、端午节、中秋节"), std::string::npos)
      << cut.status.message();
  ASSERT_TRUE(AddNotice(*engine, "n1", Supervisor(), "2026-12-02", Notice2027()).status.ok());

  const std::string twice =
      "calendar: cn-mainland\nnotices:\n  - version: 2026-12-01\n    covers: 2027\n"
      "    holidays:\n      - {name: 端午节, from: 2027-06-09, to: 2027-06-11}\n";
  // A year far from the notice's date is a typo, refused before it can claim
  // the years between as covered.
  const Outcome far = AddNotice(
      *engine, "n-far", Supervisor(), "2026-12-02",
      "calendar: cn-mainland\nnotices:\n  - version: 2026-12-02\n    covers: 2072\n    holidays: []\n", "far.yaml");
  EXPECT_EQ(far.status.reason(), "invalid_argument") << far.status.ToString();
  EXPECT_NE(far.status.message().find("far.yaml: the notice is dated 2026-12-02 but covers 2072"), std::string::npos)
      << far.status.message();
  const Outcome dup = AddNotice(*engine, "n2", Supervisor(), "2026-12-02", twice, "again.yaml");
  EXPECT_EQ(dup.status.reason(), "invalid_argument");
  EXPECT_NE(dup.status.message().find("again.yaml:4"), std::string::npos) << dup.status.message();
  EXPECT_NE(dup.status.message().find("covered twice"), std::string::npos) << dup.status.message();

  // Labour Day moved in a correction: the reminder 3 working days before 05-10 moves with it.
  const std::string amend =
      "calendar: cn-mainland\nnotices:\n  - version: 2026-12-01\n    source: correction (test)\n"
      "    amends: 2027\n    holidays:\n      - {name: 劳动节, from: 2027-05-01, to: 2027-05-06}\n";
  const Outcome fixed = AddNotice(*engine, "n3", Supervisor(), "2026-12-03", amend, "amend.yaml");
  ASSERT_TRUE(fixed.status.ok()) << fixed.status.ToString();
  ASSERT_EQ(fixed.events.size(), 3u) << "the notice, the assignment, the task";
  const auto* rc = std::get_if<DeadlineRecounted>(&fixed.events[1].body);
  ASSERT_NE(rc, nullptr);
  EXPECT_EQ(rc->unit, kFinance);
  const auto* task = std::get_if<DeadlineRecounted>(&fixed.events[2].body);
  ASSERT_NE(task, nullptr);
  EXPECT_EQ(task->unit, "");
  EXPECT_EQ(task->old_calendar_version, kVersion2027);
  EXPECT_EQ(task->calendar_version, "cn-mainland/2026-12-01");
  EXPECT_EQ(rc->old_calendar_version, kVersion2027);
  EXPECT_EQ(rc->calendar_version, "cn-mainland/2026-12-01");
  EXPECT_EQ(rc->changes,
            (std::vector<std::string>{"reminder 10 2027-04-23 -> 2027-04-22", "reminder 3 2027-05-06 -> 2027-04-30"}));

  const auto live = engine->ProjectionDigest();
  ASSERT_TRUE(live.ok());
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_EQ(*engine->ProjectionDigest(), *live);
  auto verify = engine->Verify();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok()) << (verify->problems.empty() ? "" : verify->problems.front());
}

// What an open assignment arms after a notice counts on that notice, whether
// or not the notice moved anything it had armed: the escalations of a
// year-end deadline that run into the noticed year, a review limit after an
// amendment that moved no armed timer, and an assignment made after the
// notice (its task's date was counted on the import's calendar).
TEST_F(WorkflowEngineTest, TimersArmedAfterANoticeCountOnItEvenWhenItMovedNothingArmedThen) {
  const std::string v = policy->latest_calendar().version();
  ImportPlan p = PlanFor("2026-11-02", 2026, {kFinance, kEducation, kPolice});
  p.tasks.push_back(TaskDue(1, "2027年5月10日前", "2027-05-10", v + "+provisional", {kFinance}));
  p.tasks.push_back(TaskDue(2, "12月15日前", "2026-12-15", v, {kEducation}));
  Ok(Do(Supervisor(), "2026-11-02", p));
  Ok(Do(UnitActor(kFinance), "2026-11-02", Accept{1, kFinance}, 10));
  Ok(Do(UnitActor(kEducation), "2026-11-02", Accept{2, kEducation}, 10));
  TickDays("2026-11-02", "2026-12-02");
  const auto plan_before = engine->Plan("p");
  ASSERT_TRUE(plan_before.ok());
  const Outcome n1 = AddNotice(*engine, "n1", Supervisor(), "2026-12-02", Notice2027());
  ASSERT_TRUE(n1.status.ok()) << n1.status.ToString();
  // Not the office's act on each assignment: their silence still counts from
  // the units' acceptance (the silent queue, back-entry).
  const auto plan_after = engine->Plan("p");
  ASSERT_TRUE(plan_after.ok());
  for (const auto& [k, a] : plan_after->assignments)
    EXPECT_EQ(a.last_act_at, plan_before->assignments.at(k).last_act_at) << k.first << " " << k.second;

  // Task 2's reminders and its missed day are in December, on both
  // calendars; its last escalation, once it is late, runs into 2027.
  const auto fired = TickDays("2026-12-02", "2027-01-10");
  const auto task2 = For(fired, 2, kEducation);
  ASSERT_FALSE(task2.empty());
  EXPECT_EQ(task2.back(), (Fired{"2027-01-08", "EscalationRaised", 2, kEducation, 3}))
      << "counted on the recorded 2027 notice, not provisionally";
  auto h = engine->History("p", 2);
  ASSERT_TRUE(h.ok());
  for (const auto& entry : *h)
    if (const auto* e = std::get_if<EscalationRaised>(&entry.event.body); e && e->level == 3) {
      EXPECT_EQ(e->calendar_version, kVersion2027);
    }

  // A correction makes Sunday 02-14 a rest day: nothing task 1 has armed
  // (April and May) moves, but its review limit counts on the correction.
  const std::string amend =
      "calendar: cn-mainland\nnotices:\n  - version: 2027-01-10\n    source: correction (test)\n"
      "    amends: 2027\n    holidays:\n      - {name: 春节, from: 2027-02-14, to: 2027-02-14}\n";
  const Outcome fixed = AddNotice(*engine, "n2", Supervisor(), "2027-01-10", amend, "amend.yaml");
  ASSERT_TRUE(fixed.status.ok()) << fixed.status.ToString();

  // An assignment made after the notices counts its task's date on them.
  Ok(Do(Supervisor(), "2027-01-11", Assign{1, kPolice, AssignmentRole::kResponsible}));
  std::set<std::string> kinds;
  for (const auto& t : PendingOf(1, kPolice)) {
    kinds.insert(std::string(TimerKindName(t.timer.kind)));
    EXPECT_FALSE(t.timer.provisional) << TimerKindName(t.timer.kind);
    EXPECT_EQ(t.timer.calendar_version, "cn-mainland/2027-01-10") << TimerKindName(t.timer.kind);
  }
  EXPECT_TRUE(kinds.count("reminder") && kinds.count("missed")) << "its deadline's timers, not only its limit";

  Ok(Do(UnitActor(kFinance), "2027-02-11", Submit{1, kFinance, "已完成", ""}, 15));
  std::vector<std::string> limits;
  for (const auto& t : PendingOf(1, kFinance))
    if (t.timer.kind == TimerKind::kReviewOverdue) limits.push_back(Day(t.due) + " " + t.timer.calendar_version);
  // 5 working days from 02-11: 02-15 to 02-19 (02-14 no longer worked); fires 02-22.
  EXPECT_EQ(limits, (std::vector<std::string>{"2027-02-22 cn-mainland/2027-01-10"}));

  const auto live = engine->ProjectionDigest();
  ASSERT_TRUE(live.ok());
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_EQ(*engine->ProjectionDigest(), *live);
  auto verify = engine->Verify();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok()) << (verify->problems.empty() ? "" : verify->problems.front());
  // A rebuild replays in chunks: one that ends just before a notice must
  // still drop the timers armed before it (the assignments' old keys are
  // taken before the task's recount, in the same chunk, changes them).
  for (const uint64_t notice_at : {n1.first_position, fixed.first_position})
    ExpectChunkedRebuildsGive(notice_at, *live);
}

// An assignment closed when a notice is recorded is not recounted (it arms
// nothing); reopened after it, it counts on that notice, which recounted its
// task, not on the older one it was last recounted on.
TEST_F(WorkflowEngineTest, AnAssignmentReopenedAfterANoticeRecordedWhileItWasClosedCountsOnIt) {
  const std::string v = policy->latest_calendar().version();
  ImportPlan p = PlanFor("2026-11-02", 2027, {kFinance});
  p.tasks.push_back(TaskDue(1, "2027年5月10日前", "2027-05-10", v + "+provisional", {kFinance}));
  Ok(Do(Supervisor(), "2026-11-02", p));
  Ok(Do(UnitActor(kFinance), "2026-11-02", Accept{1, kFinance}, 10));
  ASSERT_TRUE(AddNotice(*engine, "n1", Supervisor(), "2026-12-02", Notice2027()).status.ok());
  Ok(Do(UnitActor(kFinance), "2026-12-03", Submit{1, kFinance, "已完成", ""}, 10));
  Ok(Do(Supervisor(), "2026-12-04", Approve{1, kFinance, "同意销号"}, 10));
  // Labour Day moved in a correction while the assignment is closed.
  const std::string amend =
      "calendar: cn-mainland\nnotices:\n  - version: 2027-01-10\n    source: correction (test)\n"
      "    amends: 2027\n    holidays:\n      - {name: 劳动节, from: 2027-05-01, to: 2027-05-06}\n";
  const Outcome fixed = AddNotice(*engine, "n2", Supervisor(), "2027-01-10", amend, "amend.yaml");
  ASSERT_TRUE(fixed.status.ok()) << fixed.status.ToString();
  ASSERT_EQ(fixed.events.size(), 2u) << "the notice and the task: the closed assignment is not recounted";
  Ok(Do(Supervisor(), "2027-01-11", StartReviewCycle{"回头看", "all", "lookback", "2027-01-25", ""}, 9));
  Ok(Do(Supervisor(), "2027-01-11", ReopenAssignment{1, kFinance, "材料不全", "回头看", "2027-05-10"}, 10));
  std::map<std::string, std::string> reminders;
  for (const auto& t : PendingOf(1, kFinance)) {
    EXPECT_EQ(t.timer.calendar_version, "cn-mainland/2027-01-10") << TimerKindName(t.timer.kind);
    if (t.timer.kind == TimerKind::kReminder) reminders[std::to_string(t.timer.working_days_left)] = Day(t.due);
  }
  // On the correction: 10 and 3 working days before 05-10 are 04-22 and 04-30
  // (on the first notice they were 04-23 and 05-06).
  EXPECT_EQ(reminders,
            (std::map<std::string, std::string>{{"10", "2027-04-22"}, {"3", "2027-04-30"}, {"1", "2027-05-08"}}));

  const auto live = engine->ProjectionDigest();
  ASSERT_TRUE(live.ok());
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_EQ(*engine->ProjectionDigest(), *live);
}

// A date the import counted in working days by the provisional rule
// (印发后45个工作日内 from 2026-12-06 runs into 2027) is counted again on the
// notice, as the import's warning promised: the task's date and the date of
// each assignment still due on it move; an assignment with a date of its own
// keeps it; one made later starts from the new date.
TEST_F(WorkflowEngineTest, AWorkingDayDeadlineCountedProvisionallyIsCountedAgainOnTheNotice) {
  const std::string v = policy->latest_calendar().version();
  ImportPlan p = PlanFor("2026-12-06", 2026, {kFinance, kEducation, kPolice});
  // 45 working days from 12-06 by the provisional rule: 19 in December, 20 in
  // January (元旦 01-01), 6 in February: 02-08.
  p.tasks.push_back(TaskDue(1, "印发后45个工作日内", "2027-02-08", v + "+provisional", {kFinance, kEducation}));
  Ok(Do(Supervisor(), "2026-12-06", p));
  Ok(Do(Supervisor(), "2026-12-07", SetDeadline{1, kEducation, "2027-03-31", "另行安排"}));
  const Outcome n1 = AddNotice(*engine, "n1", Supervisor(), "2026-12-08", Notice2027());
  ASSERT_TRUE(n1.status.ok()) << n1.status.ToString();
  // On the notice: 春节 02-05..13 rest, Sunday 02-14 worked: 02-01..04, 02-14, 02-15.
  auto plan = engine->Plan("p");
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->tasks.at(1).deadline.due_on, "2027-02-15");
  EXPECT_EQ(plan->assignments.at({1, kFinance}).due_on, "2027-02-15");
  EXPECT_EQ(plan->assignments.at({1, kEducation}).due_on, "2027-03-31") << "a date of its own stays";
  std::vector<std::string> changes;
  for (const auto& e : n1.events)
    if (const auto* rc = std::get_if<DeadlineRecounted>(&e.body); rc && !rc->changes.empty())
      changes.push_back(rc->unit + ": " + rc->changes.front());
  EXPECT_EQ(changes, (std::vector<std::string>{std::string(kFinance) + ": due 2027-02-08 -> 2027-02-15",
                                               ": due 2027-02-08 -> 2027-02-15"}));
  std::map<std::string, std::string> finance;
  for (const auto& t : PendingOf(1, kFinance))
    finance[std::string(TimerKindName(t.timer.kind)) + std::to_string(t.timer.working_days_left)] = Day(t.due);
  EXPECT_EQ(finance.at("missed0"), "2027-02-16");
  Ok(Do(Supervisor(), "2026-12-09", Assign{1, kPolice, AssignmentRole::kResponsible}));
  plan = engine->Plan("p");
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->assignments.at({1, kPolice}).due_on, "2027-02-15");

  const auto live = engine->ProjectionDigest();
  ASSERT_TRUE(live.ok());
  auto verify = engine->Verify();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok()) << (verify->problems.empty() ? "" : verify->problems.front());
  ExpectChunkedRebuildsGive(n1.first_position, *live);
}

// The provisional date had already passed and been escalated when the notice
// came: the date counted again is later, so the lateness and its escalation
// are withdrawn (as when the office sets a new date) and the new date's
// ladder starts from the beginning.
TEST_F(WorkflowEngineTest, AnEscalatedProvisionalDateCountedAgainLaterIsNoLongerLate) {
  const std::string v = policy->latest_calendar().version();
  ImportPlan p = PlanFor("2026-12-06", 2026, {kFinance});
  p.tasks.push_back(TaskDue(1, "印发后45个工作日内", "2027-02-08", v + "+provisional", {kFinance}));
  Ok(Do(Supervisor(), "2026-12-06", p));
  Ok(Do(UnitActor(kFinance), "2026-12-07", Accept{1, kFinance}, 10));
  const auto before = TickDays("2026-12-07", "2027-02-10");
  ASSERT_GE(For(before, 1, kFinance).size(), 2u);
  EXPECT_EQ(For(before, 1, kFinance).back(), (Fired{"2027-02-10", "EscalationRaised", 1, kFinance, 1, true}));
  const Outcome n1 = AddNotice(*engine, "n1", Supervisor(), "2027-02-10", Notice2027());
  ASSERT_TRUE(n1.status.ok()) << n1.status.ToString();
  std::vector<std::string> types;
  for (const auto& e : n1.events) types.push_back(std::string(EventTypeName(e.type)));
  EXPECT_EQ(types, (std::vector<std::string>{"CalendarNoticeAdded", "DeadlineRecounted", "EscalationCleared",
                                             "DeadlineRecounted"}));
  auto plan = engine->Plan("p");
  ASSERT_TRUE(plan.ok());
  const auto& a = plan->assignments.at({1, kFinance});
  EXPECT_EQ(a.due_on, "2027-02-15");
  EXPECT_FALSE(a.overdue);
  EXPECT_EQ(a.escalation_level, 0);
  const auto after = TickDays("2027-02-10", "2027-02-17");
  // Sunday 02-14 is worked: 1 working day before 02-15 (3 and 10 before are
  // before the notice, when the date was set again).
  EXPECT_EQ(For(after, 1, kFinance), (std::vector<Fired>{{"2027-02-14", "DeadlineApproaching", 1, kFinance, 1},
                                                         {"2027-02-16", "DeadlineMissed", 1, kFinance, 0},
                                                         {"2027-02-17", "EscalationRaised", 1, kFinance, 1}}));
  const auto live = engine->ProjectionDigest();
  ASSERT_TRUE(live.ok());
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_EQ(*engine->ProjectionDigest(), *live);
}

// The same date counted again, but the notice comes on 2027-02-22, after
// the new date 02-15 too: the unit still at work was late on either
// calendar, so it stays late at the level its ladder reached (通报批评).
// The new date was set on 02-22, after its miss day (02-16) had passed: as
// for any date set so (workflow_timer_policy.h), the rungs still ahead
// count from the first working day it has whole after that (02-23):
// 督促整改 02-24, 通报批评 03-03, 约谈 ten working days on, 03-17, not on
// 03-10 as counted from the new date; nothing fires again. The unit
// that handed its work in on 02-12, before 02-15, was not late: its miss and
// escalation are withdrawn, whenever the notice came.
TEST_F(WorkflowEngineTest, ALateDateCountedAgainAfterTheNewDateHasPassedStaysLate) {
  const std::string v = policy->latest_calendar().version();
  ImportPlan p = PlanFor("2026-12-06", 2026, {kFinance, kPolice});
  p.tasks.push_back(TaskDue(1, "印发后45个工作日内", "2027-02-08", v + "+provisional", {kFinance, kPolice}));
  Ok(Do(Supervisor(), "2026-12-06", p));
  Ok(Do(UnitActor(kFinance), "2026-12-07", Accept{1, kFinance}, 10));
  Ok(Do(UnitActor(kPolice), "2026-12-07", Accept{1, kPolice}, 10));
  TickDays("2026-12-07", "2027-02-11");
  Ok(Do(UnitActor(kPolice), "2027-02-12", Submit{1, kPolice, "已完成", ""}, 11));
  const auto before = TickDays("2027-02-12", "2027-02-22");
  EXPECT_EQ(For(before, 1, kFinance).back(), (Fired{"2027-02-17", "EscalationRaised", 1, kFinance, 2, true}));
  ASSERT_EQ(engine->Plan("p")->assignments.at({1, kPolice}).escalation_level, 1);

  const Outcome n1 = AddNotice(*engine, "n1", Supervisor(), "2027-02-22", Notice2027());
  ASSERT_TRUE(n1.status.ok()) << n1.status.ToString();
  std::map<std::string, std::vector<std::string>> changes;
  std::vector<std::string> cleared;
  for (const auto& e : n1.events) {
    if (const auto* rc = std::get_if<DeadlineRecounted>(&e.body); rc && !rc->unit.empty())
      changes[rc->unit].assign(rc->changes.begin(), rc->changes.begin() + std::min<size_t>(2, rc->changes.size()));
    if (const auto* ec = std::get_if<EscalationCleared>(&e.body)) cleared.push_back(ec->unit);
  }
  EXPECT_EQ(changes[kFinance], (std::vector<std::string>{"due 2027-02-08 -> 2027-02-15",
                                                         "overdue stands: due 2027-02-15 has passed too"}));
  ASSERT_FALSE(changes[kPolice].empty());
  EXPECT_EQ(changes[kPolice].front(), "due 2027-02-08 -> 2027-02-15, handed in 2027-02-12")
      << "work awaiting review: the change says when it was handed in";
  if (changes[kPolice].size() > 1) {
    EXPECT_FALSE(changes[kPolice][1].starts_with("overdue stands"));
  }
  EXPECT_EQ(cleared, (std::vector<std::string>{kPolice})) << "the late unit's escalation stands";
  auto plan = engine->Plan("p");
  ASSERT_TRUE(plan.ok());
  const auto& late = plan->assignments.at({1, kFinance});
  EXPECT_EQ(late.due_on, "2027-02-15");
  EXPECT_TRUE(late.overdue);
  EXPECT_EQ(late.escalation_level, 2);
  const auto& handed_in = plan->assignments.at({1, kPolice});
  EXPECT_EQ(handed_in.due_on, "2027-02-15");
  EXPECT_FALSE(handed_in.overdue) << "handed in on 02-12, before the day it was due on";
  EXPECT_EQ(handed_in.escalation_level, 0);

  const auto after = TickDays("2027-02-22", "2027-03-11");
  EXPECT_TRUE(For(after, 1, kFinance).empty()) << "约谈 comes on 03-17";
  EXPECT_EQ(For(TickDays("2027-03-12", "2027-03-31"), 1, kFinance),
            (std::vector<Fired>{{"2027-03-17", "EscalationRaised", 1, kFinance, 3}}));
  EXPECT_TRUE(For(after, 1, kPolice).empty()) << "awaiting review: no deadline timer";
  const auto live = engine->ProjectionDigest();
  ASSERT_TRUE(live.ok());
  auto verify = engine->Verify();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok()) << (verify->problems.empty() ? "" : verify->problems.front());
  ExpectChunkedRebuildsGive(n1.first_position, *live);
}

// A stated date missed provisionally: 2027-02-05 is a Friday by the
// provisional rule, so the miss fired on 02-08 and the ladder began. The
// notice makes 02-05..13 春节 and Sunday 02-14 worked: the work is due on
// 02-14, not yet past when the notice is recorded on 02-09, so the miss is
// withdrawn (its escalation too) and fires again on 02-15 if still not done.
// A date the notice leaves a working day stays missed: 2027-01-29, and
// 2027-02-04, although the days after it became rest days (its miss would
// fall on 02-14 now, but the work was due on a working day that passed).
TEST_F(WorkflowEngineTest, AMissTheNoticeShowsWasNotYetDueIsWithdrawnAndFiresAgainOnTheRealDay) {
  const std::string v = policy->latest_calendar().version();
  ImportPlan p = PlanFor("2026-12-06", 2027, {kFinance, kPolice, kEducation});
  p.tasks.push_back(TaskDue(1, "2027年2月5日前", "2027-02-05", v + "+provisional", {kFinance}));
  p.tasks.push_back(TaskDue(2, "2027年1月29日前", "2027-01-29", v + "+provisional", {kPolice}));
  p.tasks.push_back(TaskDue(3, "2027年2月4日前", "2027-02-04", v + "+provisional", {kEducation}));
  Ok(Do(Supervisor(), "2026-12-06", p));
  Ok(Do(UnitActor(kFinance), "2026-12-07", Accept{1, kFinance}, 10));
  Ok(Do(UnitActor(kPolice), "2026-12-07", Accept{2, kPolice}, 10));
  Ok(Do(UnitActor(kEducation), "2026-12-07", Accept{3, kEducation}, 10));
  const auto before = TickDays("2026-12-07", "2027-02-09");
  EXPECT_EQ(For(before, 1, kFinance).back(), (Fired{"2027-02-09", "EscalationRaised", 1, kFinance, 1, true}));
  const Outcome n1 = AddNotice(*engine, "n1", Supervisor(), "2027-02-09", Notice2027());
  ASSERT_TRUE(n1.status.ok()) << n1.status.ToString();
  std::vector<std::string> withdrawn;
  bool cleared = false;
  for (const auto& e : n1.events) {
    if (const auto* rc = std::get_if<DeadlineRecounted>(&e.body);
        rc && !rc->unit.empty() && !rc->changes.empty() && rc->changes.front().starts_with("overdue withdrawn"))
      withdrawn.push_back(rc->unit + ": " + rc->changes.front());
    if (const auto* ec = std::get_if<EscalationCleared>(&e.body)) {
      EXPECT_EQ(ec->unit, kFinance) << "only the withdrawn miss's escalation is cleared";
      EXPECT_EQ(ec->level, 1);
      cleared = true;
    }
  }
  EXPECT_EQ(withdrawn, (std::vector<std::string>{std::string(kFinance) +
                                                 ": overdue withdrawn: due 2027-02-05 counts as 2027-02-14"}));
  EXPECT_TRUE(cleared);
  auto plan = engine->Plan("p");
  ASSERT_TRUE(plan.ok());
  const auto& a = plan->assignments.at({1, kFinance});
  EXPECT_EQ(a.due_on, "2027-02-05") << "a stated date stays as written";
  EXPECT_FALSE(a.overdue);
  EXPECT_EQ(a.escalation_level, 0);
  EXPECT_TRUE(plan->assignments.at({2, kPolice}).overdue) << "01-29 is a working day on the notice too";
  EXPECT_TRUE(plan->assignments.at({3, kEducation}).overdue) << "02-04 is a working day on the notice too";
  EXPECT_EQ(plan->assignments.at({3, kEducation}).escalation_level, 1);
  const auto after = TickDays("2027-02-09", "2027-02-17");
  EXPECT_EQ(For(after, 1, kFinance), (std::vector<Fired>{{"2027-02-15", "DeadlineMissed", 1, kFinance, 0},
                                                         {"2027-02-16", "EscalationRaised", 1, kFinance, 1}}));
  for (const Fired& f : For(after, 3, kEducation)) EXPECT_NE(f.type, "DeadlineMissed") << "missed twice: " << f;
  const auto live = engine->ProjectionDigest();
  ASSERT_TRUE(live.ok());
  ExpectChunkedRebuildsGive(n1.first_position, *live);
}

// Whether the day the work is due on has passed decides, not when the new
// miss would fire: an amendment recorded on Saturday 2027-03-06 makes
// Thursday 03-04 a rest day, so the work was due Friday 03-05, which has
// passed: the miss of 03-05 stays. And a submission waiting for review keeps
// no miss the notice withdraws: due 02-05 (春节, so 02-14), missed 02-08,
// submitted 02-09, the notice on 02-10: not late.
TEST_F(WorkflowEngineTest, AMissStaysWhenTheDayTheWorkIsDueOnHasPassedAndGoesForASubmissionAwaitingReview) {
  const std::string v = policy->latest_calendar().version();
  ImportPlan p = PlanFor("2026-12-06", 2027, {kFinance, kPolice});
  p.tasks.push_back(TaskDue(1, "2027年3月4日前", "2027-03-04", v + "+provisional", {kFinance}));
  p.tasks.push_back(TaskDue(2, "2027年2月5日前", "2027-02-05", v + "+provisional", {kPolice}));
  Ok(Do(Supervisor(), "2026-12-06", p));
  Ok(Do(UnitActor(kFinance), "2026-12-07", Accept{1, kFinance}, 10));
  Ok(Do(UnitActor(kPolice), "2026-12-07", Accept{2, kPolice}, 10));
  TickDays("2026-12-07", "2027-02-09");
  Ok(Do(UnitActor(kPolice), "2027-02-09", Submit{2, kPolice, "已完成", ""}, 11));
  ASSERT_TRUE(engine->Plan("p")->assignments.at({2, kPolice}).overdue);
  const Outcome n1 = AddNotice(*engine, "n1", Supervisor(), "2027-02-10", Notice2027());
  ASSERT_TRUE(n1.status.ok()) << n1.status.ToString();
  auto plan = engine->Plan("p");
  EXPECT_FALSE(plan->assignments.at({2, kPolice}).overdue) << "submitted before 02-14, the day it was due on";
  bool named = false;
  for (const auto& e : n1.events)
    if (const auto* rc = std::get_if<DeadlineRecounted>(&e.body); rc && rc->unit == kPolice && !rc->changes.empty())
      named = rc->changes.front() == "overdue withdrawn: due 2027-02-05 counts as 2027-02-14, handed in 2027-02-09";
  EXPECT_TRUE(named) << "the recount says when the work was handed in";
  EXPECT_EQ(plan->assignments.at({2, kPolice}).escalation_level, 0);

  TickDays("2027-02-10", "2027-03-06");
  ASSERT_TRUE(engine->Plan("p")->assignments.at({1, kFinance}).overdue) << "missed on 03-05";
  const std::string amend =
      "calendar: cn-mainland\nnotices:\n  - version: 2027-01-10\n    source: correction (test)\n"
      "    amends: 2027\n    holidays:\n      - {name: 调整, from: 2027-03-04, to: 2027-03-04}\n";
  const Outcome n2 = AddNotice(*engine, "n2", Supervisor(), "2027-03-06", amend, "amend.yaml");
  ASSERT_TRUE(n2.status.ok()) << n2.status.ToString();
  for (const auto& e : n2.events) {
    const auto* rc = std::get_if<DeadlineRecounted>(&e.body);
    if (rc && rc->unit == kFinance && !rc->changes.empty()) {
      EXPECT_FALSE(rc->changes.front().starts_with("overdue withdrawn"))
          << "03-05, the day it was due on, has passed: " << rc->changes.front();
    }
  }
  plan = engine->Plan("p");
  EXPECT_TRUE(plan->assignments.at({1, kFinance}).overdue);
  const auto live = engine->ProjectionDigest();
  ASSERT_TRUE(live.ok());
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_EQ(*engine->ProjectionDigest(), *live);
}

// A command id reused across a calendar notice and any other command is a
// conflict both ways, as between any two commands (the command digest), not
// the other command's outcome replayed as "already done".
TEST_F(WorkflowEngineTest, ACommandIdUsedBeforeForAnotherCommandIsAConflictForACalendarNoticeAndAfterIt) {
  const std::string v = policy->latest_calendar().version();
  ImportPlan p = PlanFor("2026-12-01", 2027, {kFinance});
  p.tasks.push_back(TaskDue(1, "2027年5月10日前", "2027-05-10", v + "+provisional", {kFinance}));
  Ok(Do(Supervisor(), "2026-12-01", p));
  const Outcome accepted = Do(UnitActor(kFinance), "2026-12-01", Accept{1, kFinance}, 10);  // id cmd-2
  Ok(accepted);
  ASSERT_EQ(accepted.command_id, "cmd-2");

  const Outcome reused = AddNotice(*engine, "cmd-2", Supervisor(), "2026-12-02", Notice2027());
  EXPECT_EQ(reused.status.code(), Status::Code::kConflict) << reused.status.ToString();
  EXPECT_NE(reused.status.message().find("was used before for a different command"), std::string::npos)
      << reused.status.message();
  EXPECT_TRUE(reused.events.empty());
  EXPECT_TRUE(engine->CalendarNotices().empty()) << "nothing recorded";
  EXPECT_EQ(engine->timer_policy()->CalendarVersion(), v);

  // The notice under its own id is taken; its id then answers another command with a conflict...
  ASSERT_TRUE(AddNotice(*engine, "n1", Supervisor(), "2026-12-02", Notice2027()).status.ok());
  Command c;
  c.command_id = "n1";
  c.plan_id = "p";
  c.actor = UnitActor(kFinance);
  c.issued_at = At("2026-12-03");
  c.body = ReportProgress{1, kFinance, 50, "进展"};
  const Outcome other = engine->Submit(c);
  EXPECT_EQ(other.status.code(), Status::Code::kConflict) << other.status.ToString();
  // ...and another notice text, or another actor, under it too; the same notice again is the first outcome.
  const std::string amend =
      "calendar: cn-mainland\nnotices:\n  - version: 2026-12-01\n    source: correction (test)\n"
      "    amends: 2027\n    holidays:\n      - {name: 劳动节, from: 2027-05-01, to: 2027-05-06}\n";
  EXPECT_EQ(AddNotice(*engine, "n1", Supervisor(), "2026-12-03", amend, "amend.yaml").status.code(),
            Status::Code::kConflict);
  EXPECT_EQ(
      AddNotice(*engine, "n1", Actor{"办公室", Role::kSupervisor, "赵六"}, "2026-12-03", Notice2027()).status.code(),
      Status::Code::kConflict);
  const Outcome again = AddNotice(*engine, "n1", Supervisor(), "2026-12-03", Notice2027());
  EXPECT_TRUE(again.status.ok() && again.duplicate) << again.status.ToString();
  EXPECT_EQ(engine->CalendarNotices().size(), 1u);
}

// A notice's version is its publication date: one later than the command's
// day (a mistyped year) is refused, so it cannot make every correct notice
// after it look older.
TEST_F(WorkflowEngineTest, ANoticeDatedAfterTodayIsRefusedAsTimeInFuture) {
  const std::string v = policy->latest_calendar().version();
  const Outcome early = AddNotice(*engine, "n-early", Supervisor(), "2026-11-09", Notice2027());  // dated 2026-11-10
  EXPECT_EQ(early.status.reason(), "time_in_future") << early.status.ToString();
  EXPECT_NE(early.status.message().find("2026-11-10"), std::string::npos) << early.status.message();
  EXPECT_TRUE(engine->CalendarNotices().empty());
  EXPECT_EQ(engine->timer_policy()->CalendarVersion(), v);
  // On its publication day it is taken.
  const Outcome onDay = AddNotice(*engine, "n-on-day", Supervisor(), "2026-11-10", Notice2027());
  EXPECT_TRUE(onDay.status.ok()) << onDay.status.ToString();
  EXPECT_EQ(engine->timer_policy()->CalendarVersion(), kVersion2027);
}

// A writer killed in a rebuild (Rebuild drops each projection, makes it
// again and replays the log into it). Killed mid-replay: a reader still
// opens (the log is whole; it is warned) and counts on the calendar notices
// the log holds, not on the half-made history. Killed between a drop and its
// create: a reader is refused with what to do, not told "no data". The next
// writer finishes the rebuild, and its timers are armed on the recorded
// notice, though its open read the calendar from the emptied history.
TEST_F(WorkflowEngineTest, ARebuildKilledHalfWayIsFinishedByTheNextWriterOnTheCalendarTheLogRecords) {
  const std::string v = policy->latest_calendar().version();
  ImportPlan p = PlanFor("2026-11-01", 2026, {kFinance});
  p.tasks.push_back(TaskDue(1, "2027年5月10日前", "2027-05-10", v + "+provisional", {kFinance}));
  Ok(Do(Supervisor(), "2026-11-02", p));
  Ok(Do(UnitActor(kFinance), "2026-11-02", Accept{1, kFinance}, 10));
  const Outcome added = AddNotice(*engine, "notice-2027", Supervisor(), "2026-11-10", Notice2027());
  ASSERT_TRUE(added.status.ok()) << added.status.ToString();
  const uint64_t end = engine->LogEnd();
  engine.reset();

  EngineOptions ro;
  ro.data_dir = dir.path();
  ro.read_only = true;
  // Killed mid-replay, before the calendar's history was replayed.
  duban::testing::WithRawStore(dir.path(), [](rocksdb::DB* db, auto& cf) {
    rocksdb::WriteOptions sync;
    sync.sync = true;
    ASSERT_TRUE(db->Put(sync, cf.at("meta"), "rebuild_in_progress", "1").ok());
    ASSERT_TRUE(db->DeleteRange(sync, cf.at("history"), std::string(), std::string(64, '\xff')).ok());
  });
  {
    auto reader = Engine::Open(ro, policy);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    EXPECT_EQ((*reader)->timer_policy()->CalendarVersion(), kVersion2027);
    EXPECT_EQ((*reader)->CalendarNotices().size(), 1u);
    // The plan's history is not made again yet: not "no such plan" alone.
    auto plan = (*reader)->Plan("p");
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.status().code(), Status::Code::kNotFound);
    EXPECT_NE(plan.status().message().find("which are being rebuilt (or a rebuild stopped half-way)"),
              std::string::npos)
        << plan.status().message();
  }
  {
    // The same marker beside a running writer (RocksDB's lock held, as a
    // `duban rebuild` in progress holds it): the rebuild is under way, the
    // history half made, and the reader reads the calendar from the log too.
    const int fd = ::open((dir.path() + "/LOCK").c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    ASSERT_EQ(::fcntl(fd, F_SETLK, &fl), 0);
    auto reader = Engine::Open(ro, policy);
    ::close(fd);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    EXPECT_EQ((*reader)->timer_policy()->CalendarVersion(), kVersion2027);
    EXPECT_EQ((*reader)->CalendarNotices().size(), 1u);
  }
  // Killed between a drop and its create.
  duban::testing::WithRawStore(dir.path(), [](rocksdb::DB* db, auto& cf) {
    ASSERT_TRUE(db->DropColumnFamily(cf.at("streams")).ok());
    ASSERT_TRUE(db->DropColumnFamily(cf.at("history")).ok());
  });
  {
    auto reader = Engine::Open(ro, policy);
    ASSERT_FALSE(reader.ok());
    EXPECT_EQ(reader.status().code(), Status::Code::kUnavailable) << reader.status().ToString();
    EXPECT_NE(reader.status().message().find("rebuild of its projections is running or was interrupted (streams, "
                                             "history dropped and not yet made again)"),
              std::string::npos)
        << reader.status().message();
  }

  Open();  // the writer: its check of the log end reads only the log
  EXPECT_EQ(engine->LogEnd(), end);
  EXPECT_EQ(engine->timer_policy()->CalendarVersion(), kVersion2027);
  ASSERT_EQ(engine->CalendarNotices().size(), 1u);
  const auto timers = PendingOf(1, kFinance);
  ASSERT_FALSE(timers.empty());
  for (const auto& t : timers) EXPECT_EQ(t.timer.calendar_version, kVersion2027) << TimerKindName(t.timer.kind);
  auto verify = engine->Verify();
  ASSERT_TRUE(verify.ok()) << verify.status().ToString();
  EXPECT_TRUE(verify->ok()) << (verify->problems.empty() ? "" : verify->problems.front());
  // `duban rebuild` now would replay what the open just replayed (verify,
  // above, found the projections equal to a rebuild); once an event is
  // committed, the projections are no longer the open's rebuild.
  EXPECT_TRUE(engine->ProjectionsRebuiltAtOpen());
  Ok(Do(UnitActor(kFinance), "2026-11-11", ReportProgress{1, kFinance, 20, "进展"}, 11));
  EXPECT_FALSE(engine->ProjectionsRebuiltAtOpen());
  engine.reset();
  auto after = Engine::Open(ro, policy);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ((*after)->timer_policy()->CalendarVersion(), kVersion2027);
  EXPECT_FALSE((*after)->ProjectionsRebuiltAtOpen());
  after->reset();
  Open();  // a writer's open with nothing to finish
  EXPECT_FALSE(engine->ProjectionsRebuiltAtOpen());
}

}  // namespace
}  // namespace duban::wf_test

// The renderer (event -> notifications) and the JSONL outbox sink, without Kafka.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "duban/date.h"
#include "duban/consumers/notification.h"
#include "duban/consumers/sink.h"
#include "test_events.h"

namespace duban::consumers {
namespace {

using testing::MakeEvent;
using testing::Plan;
using testing::Task;

const char* kPlanTitle = "韶关市贯彻落实广东省2021年政务公开工作要点分工方案";
const char* kTask7 = "持续深化地方政府债务信息公开，做好债务限额、余额等信息的公开工作";

TaskDirectory ShaoguanDirectory() {
  TaskDirectory dir;
  dir.Apply(MakeEvent("sg-2021", 1, Plan(kPlanTitle)));
  dir.Apply(MakeEvent("sg-2021", 2, Task(7, kTask7, "2021-12-31")));
  return dir;
}

TEST(RenderTest, DeadlineApproachingNamesPlanTaskContentDueDateAndWhatIsAsked) {
  TaskDirectory dir = ShaoguanDirectory();
  auto e = MakeEvent("sg-2021", 3, schemas::DeadlineApproaching{7, "市财政局", "2021-12-31", 3});
  auto notes = RenderNotifications(e, dir);
  ASSERT_EQ(notes.size(), 1u);
  const Notification& n = notes[0];
  EXPECT_EQ(n.text,
            "【督办提醒】韶关市贯彻落实广东省2021年政务公开工作要点分工方案 第7项任务"
            "「持续深化地方政府债务信息公开，做好债务限额、余额等信息的公开工作」将于2021-12-31到期"
            "（剩3个工作日），请市财政局按时完成并报送进度。");
  EXPECT_EQ(n.notification_id, e.event_id + ":市财政局");
  EXPECT_EQ(n.recipient, "市财政局");
  EXPECT_EQ(n.recipient_kind, RecipientKind::kUnit);
  EXPECT_EQ(n.due_on, "2021-12-31");
  EXPECT_EQ(n.task, 7);
  EXPECT_EQ(n.plan, "sg-2021");
  EXPECT_EQ(n.channel, "reminder");
}

// A plan imported from the cover letter that sent it is named by the plan,
// not by the letter's title (关于印发《X》的通知 第7项任务 read badly).
TEST(RenderTest, APlanImportedFromItsCoverLetterIsNamedByThePlan) {
  TaskDirectory dir;
  dir.Apply(MakeEvent("sg-2027", 1, Plan(std::string("关于印发《") + kPlanTitle + "》的通知")));
  dir.Apply(MakeEvent("sg-2027", 2, Task(7, kTask7, "2027-12-31")));
  auto notes = RenderNotifications(MakeEvent("sg-2027", 3, schemas::DeadlineMissed{7, "市财政局", "2027-12-31"}), dir);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].plan_title, kPlanTitle);
  EXPECT_TRUE(notes[0].text.starts_with(std::string("【逾期提醒】") + kPlanTitle + " 第7项任务")) << notes[0].text;
}

TEST(RenderTest, ADeadlineTheOfficeSetIsTheOneLaterMessagesQuote) {
  TaskDirectory dir = ShaoguanDirectory();
  dir.Apply(MakeEvent("sg-2021", 3, schemas::AssignmentCreated{7, "市财政局", schemas::AssignmentRole::kLead, ""}));
  dir.Apply(
      MakeEvent("sg-2021", 4, schemas::AssignmentCreated{7, "市教育局", schemas::AssignmentRole::kResponsible, ""}));
  EXPECT_EQ(dir.DueOn("sg-2021", 7, "市财政局"), "2021-12-31") << "the task's date, until one is set";
  EXPECT_TRUE(dir.Apply(MakeEvent("sg-2021", 5, schemas::DeadlineChanged{7, "", "2021-12-31", "2021-11-30", "提前"})));
  EXPECT_TRUE(
      dir.Apply(MakeEvent("sg-2021", 6, schemas::DeadlineChanged{7, "市财政局", "", "2021-11-15", "牵头先报"})));
  EXPECT_EQ(dir.DueOn("sg-2021", 7, "市财政局"), "2021-11-15");
  EXPECT_EQ(dir.DueOn("sg-2021", 7, "市教育局"), "2021-11-30");
}

// An assignment moved to another unit keeps its date (the engine's
// AssignmentReassigned): the extension granted before the move is the date
// the new unit hears, not the task's, nor a date the new unit once had.
TEST(RenderTest, AnAssignmentMovedToAnotherUnitKeepsItsExtendedDateInLaterMessages) {
  TaskDirectory dir = ShaoguanDirectory();
  dir.Apply(MakeEvent("sg-2021", 3, schemas::AssignmentCreated{7, "市财政局", schemas::AssignmentRole::kLead, ""}));
  dir.Apply(MakeEvent("sg-2021", 4, schemas::ExtensionGranted{7, "市财政局", "2022-01-31"}));
  dir.Apply(MakeEvent("sg-2021", 5, schemas::DeadlineChanged{7, "市审计局", "", "2021-06-30", "旧任务"}));
  EXPECT_TRUE(dir.Apply(MakeEvent("sg-2021", 6, schemas::AssignmentReassigned{7, "市财政局", "市审计局", "职能调整"})));
  EXPECT_EQ(dir.DueOn("sg-2021", 7, "市审计局"), "2022-01-31");
  auto notes = RenderNotifications(
      MakeEvent("sg-2021", 7, schemas::EscalationRaised{7, "市审计局", 1, "督促整改", {"unit"}}), dir);
  ASSERT_FALSE(notes.empty());
  EXPECT_NE(notes[0].text.find("2022-01-31"), std::string::npos) << notes[0].text;
  EXPECT_EQ(notes[0].text.find("2021-06-30"), std::string::npos) << notes[0].text;
}

TEST(RenderTest, AScheduleSetOrStoppedTellsEveryUnitHoldingTheTaskWhatItWillBeAsked) {
  TaskDirectory dir = ShaoguanDirectory();
  dir.Apply(MakeEvent("sg-2021", 3, schemas::AssignmentCreated{7, "市财政局", schemas::AssignmentRole::kLead, ""}));
  dir.Apply(
      MakeEvent("sg-2021", 4, schemas::AssignmentCreated{7, "市教育局", schemas::AssignmentRole::kResponsible, ""}));
  auto set = RenderNotifications(
      MakeEvent("sg-2021", 5, schemas::ScheduleSet{7, "", "quarter:1", 2021, "分管领导一季度听取一次。"}), dir);
  ASSERT_EQ(set.size(), 2u);
  EXPECT_EQ(set[0].channel, "schedule_set");
  EXPECT_EQ(set[0].recipient, "市教育局");
  EXPECT_EQ(set[1].recipient, "市财政局");
  EXPECT_NE(set[0].text.find("的进度报送安排为每季度1次（2021年），每个报送节点前督查室将通知市教育局报送本期办理进展，"
                             "理由：分管领导一季度听取一次。"),
            std::string::npos)
      << set[0].text;
  auto stop =
      RenderNotifications(MakeEvent("sg-2021", 6, schemas::ScheduleSet{7, "quarter:1", "", 0, "改为年终总结"}), dir);
  ASSERT_EQ(stop.size(), 2u);
  EXPECT_NE(stop[0].text.find("不再定期报送进度，理由：改为年终总结。"), std::string::npos) << stop[0].text;
}

TEST(RenderTest, TheOfficesDeadlineChangeTellsEachUnitOnceFromItsOwnEvent) {
  TaskDirectory dir = ShaoguanDirectory();
  dir.Apply(MakeEvent("sg-2021", 3, schemas::AssignmentCreated{7, "市财政局", schemas::AssignmentRole::kLead, ""}));
  auto own = MakeEvent("sg-2021", 5, schemas::DeadlineChanged{7, "市财政局", "", "2021-11-15", "牵头先报"});
  dir.Apply(own);
  auto one = RenderNotifications(own, dir);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].recipient, "市财政局");
  EXPECT_EQ(one[0].channel, "deadline_changed");
  EXPECT_EQ(one[0].due_on, "2021-11-15");
  EXPECT_NE(one[0].text.find("完成时限调整为2021-11-15（原未定期限），理由：牵头先报。请市财政局按新时限办理"),
            std::string::npos)
      << one[0].text;
  // The task's own date comes with one event per open assignment (decide): it tells no one itself.
  EXPECT_TRUE(
      RenderNotifications(MakeEvent("sg-2021", 6, schemas::DeadlineChanged{7, "", "2021-12-31", "2021-11-30", ""}), dir)
          .empty());
}

// A calendar notice counted a provisional working-day date again: the unit
// whose date moved is told as for the office's change, the notice as the
// reason; later messages quote the new date. A recount that moved no date
// (most of them) tells no one.
TEST(RenderTest, ADateACalendarNoticeMovedTellsTheUnitAndLaterMessagesQuoteIt) {
  TaskDirectory dir = ShaoguanDirectory();
  dir.Apply(MakeEvent("sg-2021", 3, schemas::AssignmentCreated{7, "市财政局", schemas::AssignmentRole::kLead, ""}));
  schemas::DeadlineRecounted moved{7,
                                   "市财政局",
                                   "2027-02-15",
                                   "cn-mainland/2025-11-04+provisional",
                                   "cn-mainland/2026-11-10",
                                   {"due 2027-02-08 -> 2027-02-15", "missed 2027-02-09 -> 2027-02-16"},
                                   false};
  const auto e = MakeEvent("sg-2021", 5, moved);
  EXPECT_TRUE(IsReminderEvent(e.body));
  EXPECT_TRUE(dir.Apply(e));
  EXPECT_EQ(dir.DueOn("sg-2021", 7, "市财政局"), "2027-02-15");
  auto told = RenderNotifications(e, dir);
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].recipient, "市财政局");
  EXPECT_EQ(told[0].channel, "deadline_changed");
  EXPECT_EQ(told[0].due_on, "2027-02-15");
  EXPECT_NE(told[0].text.find("完成时限调整为2027-02-15（原为2027-02-08），理由：按新公布的节假日安排重新计算工作日。"),
            std::string::npos)
      << told[0].text;
  // Recorded after the new date too, with the unit still at work: it is told it is still late.
  schemas::DeadlineRecounted late = moved;
  late.changes = {"due 2027-02-08 -> 2027-02-15", "overdue stands: due 2027-02-15 has passed too"};
  auto still = RenderNotifications(MakeEvent("sg-2021", 6, late), dir);
  ASSERT_EQ(still.size(), 1u);
  EXPECT_EQ(still[0].channel, "overdue_stands");
  EXPECT_EQ(still[0].level, "warning");
  EXPECT_NE(still[0].text.find("重新计算为2027-02-15（原为2027-02-08），新时限也已过，市财政局仍属逾期"),
            std::string::npos)
      << still[0].text;
  EXPECT_EQ(still[0].text.find("按新时限办理"), std::string::npos) << "no date to work to: it has passed";
  EXPECT_NE(still[0].text.find("请市财政局立即报送办理进展和逾期原因。"), std::string::npos) << still[0].text;
  // Handed in after the new date, it is late on it too, and awaits review: it is asked for nothing.
  late.changes = {"due 2027-02-08 -> 2027-02-15, handed in 2027-02-17",
                  "overdue stands: due 2027-02-15 has passed too"};
  auto late_in_review = RenderNotifications(MakeEvent("sg-2021", 6, late), dir);
  ASSERT_EQ(late_in_review.size(), 1u);
  EXPECT_EQ(late_in_review[0].channel, "overdue_stands");
  EXPECT_NE(late_in_review[0].text.find("（原为2027-02-08），新时限也已过，市财政局仍属逾期，督办等级不变。市财政局已于"
                                        "2027-02-17报送办结，等待审核。"),
            std::string::npos)
      << late_in_review[0].text;
  EXPECT_EQ(late_in_review[0].text.find("请市财政局"), std::string::npos) << late_in_review[0].text;
  // Work awaiting review is told its date moved, and that it awaits review.
  schemas::DeadlineRecounted in_review = moved;
  in_review.changes = {"due 2027-02-08 -> 2027-02-15, handed in 2027-02-05"};
  auto waiting = RenderNotifications(MakeEvent("sg-2021", 6, in_review), dir);
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0].channel, "deadline_changed");
  EXPECT_NE(waiting[0].text.find(
                "完成时限调整为2027-02-15（原为2027-02-08），理由：按新公布的节假日安排重新计算工作日。市财政"
                "局已于2027-02-05报送办结，等待审核。"),
            std::string::npos)
      << waiting[0].text;
  EXPECT_EQ(waiting[0].text.find("按新时限办理"), std::string::npos) << waiting[0].text;
  schemas::DeadlineRecounted kept = moved;
  kept.due_on = "2027-02-15";
  kept.changes = {"missed 2027-02-16 -> 2027-02-17"};
  const auto quiet = MakeEvent("sg-2021", 6, kept);
  EXPECT_FALSE(IsReminderEvent(quiet.body));
  EXPECT_TRUE(RenderNotifications(quiet, dir).empty());
  EXPECT_FALSE(dir.Apply(quiet));
}

// A notice recorded after a stated date's miss fired shows the date's day
// was a rest day: the unit is told the overdue notice is void and the day
// the work is due on; its date itself is unchanged.
TEST(RenderTest, AMissACalendarNoticeWithdrewTellsTheUnitTheDayTheWorkIsDueOn) {
  TaskDirectory dir = ShaoguanDirectory();
  dir.Apply(MakeEvent("sg-2021", 3, schemas::AssignmentCreated{7, "市财政局", schemas::AssignmentRole::kLead, ""}));
  schemas::DeadlineRecounted withdrawn{7,
                                       "市财政局",
                                       "2027-02-05",
                                       "cn-mainland/2025-11-04+provisional",
                                       "cn-mainland/2026-11-10",
                                       {"overdue withdrawn: due 2027-02-05 counts as 2027-02-14",
                                        "escalation 1 2027-02-09 -> -", "missed - -> 2027-02-15"},
                                       false};
  const auto e = MakeEvent("sg-2021", 5, withdrawn);
  EXPECT_TRUE(IsReminderEvent(e.body));
  EXPECT_FALSE(dir.Apply(e)) << "the date is unchanged";
  auto told = RenderNotifications(e, dir);
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].recipient, "市财政局");
  EXPECT_EQ(told[0].channel, "overdue_withdrawn");
  EXPECT_NE(told[0].title.find("顺延至2027-02-14"), std::string::npos) << told[0].title;
  EXPECT_NE(told[0].text.find("完成时限2027-02-05按新公布的节假日安排顺延至2027-02-14，此前的逾期通知作废。请市财政局在"
                              "2027-02-14前完成并报送。"),
            std::string::npos)
      << told[0].text;
  // Recorded after that day (02-22): withdrawn only for work handed in by
  // then, so nothing is asked of the unit.
  auto late = MakeEvent("sg-2021", 6, withdrawn);
  late.occurred_at = StartOfDay(*Date::Parse("2027-02-22")) + 2 * 3600 * 1000;
  auto handed_in = RenderNotifications(late, dir);
  ASSERT_EQ(handed_in.size(), 1u);
  EXPECT_NE(handed_in[0].text.find("此前的逾期通知作废。市财政局已在时限前报送办结，等待审核。"), std::string::npos)
      << handed_in[0].text;
  EXPECT_EQ(handed_in[0].text.find("前完成并报送"), std::string::npos) << handed_in[0].text;
  // The recount says when it was handed in, whenever it is recorded.
  withdrawn.changes.front() += ", handed in 2027-02-08";
  auto named = RenderNotifications(MakeEvent("sg-2021", 7, withdrawn), dir);
  ASSERT_EQ(named.size(), 1u);
  EXPECT_NE(named[0].title.find("顺延至2027-02-14"), std::string::npos) << named[0].title;
  EXPECT_NE(named[0].text.find("此前的逾期通知作废。市财政局已于2027-02-08报送办结，等待审核。"), std::string::npos)
      << named[0].text;
}

TEST(RenderTest, AnInstructionOrCommentReachesTheUnitNamedOrEveryUnitOfTheTask) {
  TaskDirectory dir = ShaoguanDirectory();
  for (const char* unit : {"市财政局", "市教育局"})
    dir.Apply(MakeEvent("sg-2021", 3, schemas::AssignmentCreated{7, unit, schemas::AssignmentRole::kResponsible, ""}));
  dir.Apply(MakeEvent("sg-2021", 4, schemas::AssignmentReassigned{7, "市教育局", "市人社局", "职责调整"}));
  auto all = RenderNotifications(
      MakeEvent("sg-2021", 5, schemas::NoteAdded{7, "", "instruction", "请抓紧推进，年底前见成效。"}), dir);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].recipient, "市人社局");
  EXPECT_EQ(all[1].recipient, "市财政局");
  EXPECT_EQ(all[1].channel, "instruction");
  EXPECT_NE(all[1].notification_id, all[0].notification_id);
  EXPECT_NE(all[1].text.find("【领导批示】"), std::string::npos);
  EXPECT_NE(all[1].text.find("：请抓紧推进，年底前见成效。请市财政局认真贯彻落实"), std::string::npos) << all[1].text;
  auto one =
      RenderNotifications(MakeEvent("sg-2021", 6, schemas::NoteAdded{7, "市财政局", "comment", "材料不全"}), dir);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].channel, "comment");
  EXPECT_NE(one[0].text.find("【督查室意见】"), std::string::npos) << one[0].text;
  EXPECT_EQ(one[0].due_on, "2021-12-31") << "a digest lists it with the unit's deadline";
  EXPECT_NE(one[0].text.find("：材料不全。请市财政局阅知并办理。"), std::string::npos) << one[0].text;
  // Work handed in awaits review: a comment asks nothing of it.
  dir.Apply(MakeEvent("sg-2021", 6, schemas::CompletionSubmitted{7, "市人社局", "已完成", ""}));
  auto read_only =
      RenderNotifications(MakeEvent("sg-2021", 6, schemas::NoteAdded{7, "市人社局", "comment", "材料已收到"}), dir);
  ASSERT_EQ(read_only.size(), 1u);
  EXPECT_NE(read_only[0].text.find("：材料已收到。请市人社局阅知。"), std::string::npos) << read_only[0].text;
  // Cancelled work hears nothing: an assignment, then the whole task.
  dir.Apply(MakeEvent("sg-2021", 7, schemas::AssignmentCancelled{7, "市财政局", "不属于职责"}));
  EXPECT_TRUE(
      RenderNotifications(MakeEvent("sg-2021", 8, schemas::NoteAdded{7, "市财政局", "comment", "x"}), dir).empty());
  EXPECT_EQ(RenderNotifications(MakeEvent("sg-2021", 9, schemas::NoteAdded{7, "", "comment", "x"}), dir).size(), 1u);
  dir.Apply(MakeEvent("sg-2021", 10, schemas::TaskCancelled{7, "撤销"}));
  EXPECT_TRUE(
      RenderNotifications(MakeEvent("sg-2021", 11, schemas::NoteAdded{7, "", "instruction", "x"}), dir).empty());
}

TEST(RenderTest, AnUrgingReachesTheUnitUrgedWithTheOfficesWordsOrWithout) {
  TaskDirectory dir = ShaoguanDirectory();
  for (const char* unit : {"市财政局", "市教育局"})
    dir.Apply(MakeEvent("sg-2021", 3, schemas::AssignmentCreated{7, unit, schemas::AssignmentRole::kResponsible, ""}));
  auto worded = RenderNotifications(
      MakeEvent("sg-2021", 5, schemas::NoteAdded{7, "市教育局", "urge", "请本周内报送进展。"}), dir);
  ASSERT_EQ(worded.size(), 1u) << "only the unit urged";
  EXPECT_EQ(worded[0].recipient, "市教育局");
  EXPECT_EQ(worded[0].channel, "urge");
  EXPECT_EQ(worded[0].level, "warning");
  EXPECT_EQ(worded[0].title, "催办：第7项任务");
  EXPECT_NE(worded[0].text.find("【催办】"), std::string::npos) << worded[0].text;
  EXPECT_NE(worded[0].text.find("督查室予以催办：请本周内报送进展。请市教育局抓紧办理"), std::string::npos)
      << worded[0].text;
  auto bare = RenderNotifications(MakeEvent("sg-2021", 6, schemas::NoteAdded{7, "市财政局", "urge", ""}), dir);
  ASSERT_EQ(bare.size(), 1u);
  EXPECT_NE(bare[0].text.find("督查室予以催办。请市财政局抓紧办理"), std::string::npos) << bare[0].text;
  EXPECT_NE(bare[0].notification_id, worded[0].notification_id);
}

TEST(RenderTest, LongTaskContentIsCutByCharactersNotBytes) {
  TaskDirectory dir = ShaoguanDirectory();
  RenderOptions o;
  o.max_task_chars = 4;
  auto notes =
      RenderNotifications(MakeEvent("sg-2021", 3, schemas::DeadlineMissed{7, "市财政局", "2021-12-31"}), dir, o);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].text.find("第7项任务「持续深化…」已于2021-12-31到期"), std::string::npos) << notes[0].text;
  EXPECT_EQ(TruncateUtf8("abc", 3), "abc");
  EXPECT_EQ(TruncateUtf8("督办提醒", 2), "督办…");
}

TEST(RenderTest, UnknownTaskStillGivesTheTaskNumberAndPlanId) {
  TaskDirectory dir;
  auto notes =
      RenderNotifications(MakeEvent("p-x", 1, schemas::DeadlineApproaching{4, "市教育局", "2022-03-01", 2}), dir);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].text.find("p-x 第4项任务将于2022-03-01到期（剩2个工作日），请市教育局"), std::string::npos)
      << notes[0].text;
}

TEST(RenderTest, EscalationGoesToUnitOfficeAndNotifyListOnceEach) {
  TaskDirectory dir = ShaoguanDirectory();
  schemas::AssignmentCreated a{7, "市财政局", schemas::AssignmentRole::kLead, "2021-12-20"};
  dir.Apply(MakeEvent("sg-2021", 3, a));
  schemas::EscalationRaised esc{7, "市财政局", 2, "通报批评", {"市政府办公室", "督办室", "市财政局"}};
  auto e = MakeEvent("sg-2021", 4, esc);
  RenderOptions o;
  o.office = "督办室";
  auto notes = RenderNotifications(e, dir, o);
  ASSERT_EQ(notes.size(), 3u);
  EXPECT_EQ(notes[0].recipient, "市财政局");
  EXPECT_EQ(notes[1].recipient, "督办室");
  EXPECT_EQ(notes[1].recipient_kind, RecipientKind::kOffice);
  EXPECT_EQ(notes[2].recipient, "市政府办公室");
  EXPECT_EQ(notes[2].notification_id, e.event_id + ":市政府办公室");
  for (const auto& n : notes) {
    EXPECT_EQ(n.escalation_level, 2);
    EXPECT_EQ(n.due_on, "2021-12-20");  // the unit's own due date, not the task's
    EXPECT_NE(n.text.find("通报批评"), std::string::npos);
  }
  EXPECT_NE(notes[0].text.find("请市财政局立即整改"), std::string::npos) << notes[0].text;
  EXPECT_NE(notes[1].text.find("请跟进督促市财政局"), std::string::npos) << notes[1].text;
}

// 多级下发: a delegated assignment's lateness goes to the unit that
// delegated it, never over its head to the office.
TEST(RenderTest, ALateDelegatedAssignmentTellsTheUnitThatDelegatedItNotTheOffice) {
  TaskDirectory dir = ShaoguanDirectory();
  dir.Apply(MakeEvent("sg-2021", 3,
                      schemas::AssignmentCreated{7, "浈江区政府", schemas::AssignmentRole::kLead, "2021-12-20"}));
  EXPECT_TRUE(dir.Apply(
      MakeEvent("sg-2021", 4, schemas::AssignmentDelegated{7, "浈江区政府", "新韶镇政府", "2021-12-10", ""})));
  EXPECT_EQ(dir.DelegatedBy("sg-2021", 7, "新韶镇政府"), "浈江区政府");
  EXPECT_EQ(dir.DueOn("sg-2021", 7, "新韶镇政府"), "2021-12-10");
  schemas::EscalationRaised esc{7, "新韶镇政府", 1, "督促整改", {"unit", "浈江区政府"}};
  auto notes = RenderNotifications(MakeEvent("sg-2021", 5, esc), dir);
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0].recipient, "新韶镇政府");
  EXPECT_EQ(notes[1].recipient, "浈江区政府");
  for (const auto& n : notes) EXPECT_NE(n.recipient_kind, RecipientKind::kOffice) << n.recipient;
  schemas::ReviewOverdue review{7, "新韶镇政府", "2021-12-01", "2021-12-08", {"浈江区政府"}};
  auto r = RenderNotifications(MakeEvent("sg-2021", 6, review), dir);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].recipient, "浈江区政府") << "the reviewer of a delegated assignment is the unit that delegated it";
  // The office's own assignment still escalates to the office.
  auto own = RenderNotifications(
      MakeEvent("sg-2021", 7, schemas::EscalationRaised{7, "浈江区政府", 1, "督促整改", {"unit", "office"}}), dir);
  ASSERT_EQ(own.size(), 2u);
  EXPECT_EQ(own[1].recipient_kind, RecipientKind::kOffice);
  // A report the delegated assignment owes, escalated: to the delegating unit too.
  schemas::ReportOverdue late{"2021Q4", 7, "新韶镇政府", "2021-12-10", 1, "督促整改", {}};
  auto report = RenderNotifications(MakeEvent("sg-2021", 8, late), dir);
  ASSERT_EQ(report.size(), 2u);
  EXPECT_EQ(report[1].recipient, "浈江区政府");
  for (const auto& n : report) EXPECT_NE(n.recipient_kind, RecipientKind::kOffice) << n.recipient;
}

// What a sub-unit asks of the unit that delegated to it reaches that unit:
// its submission to review, its request for more time. The office's own
// assignments tell no one (the office reads its queues).
TEST(RenderTest, ASubUnitsSubmissionOrRequestTellsTheUnitThatDelegatedIt) {
  TaskDirectory dir = ShaoguanDirectory();
  dir.Apply(MakeEvent("sg-2021", 3,
                      schemas::AssignmentCreated{7, "浈江区政府", schemas::AssignmentRole::kLead, "2021-12-20"}));
  dir.Apply(MakeEvent("sg-2021", 4, schemas::AssignmentDelegated{7, "浈江区政府", "新韶镇政府", "2021-12-10", ""}));
  auto sub =
      RenderNotifications(MakeEvent("sg-2021", 5, schemas::CompletionSubmitted{7, "新韶镇政府", "已完成", ""}), dir);
  ASSERT_EQ(sub.size(), 1u);
  EXPECT_EQ(sub[0].recipient, "浈江区政府");
  EXPECT_EQ(sub[0].channel, "delegated_submitted");
  EXPECT_NE(sub[0].text.find("新韶镇政府已报送办结。请浈江区政府审核"), std::string::npos) << sub[0].text;
  auto ask = RenderNotifications(
      MakeEvent("sg-2021", 6, schemas::ExtensionRequested{7, "新韶镇政府", "2021-12-18", "等待区里批复。"}), dir);
  ASSERT_EQ(ask.size(), 1u);
  EXPECT_EQ(ask[0].recipient, "浈江区政府");
  EXPECT_NE(ask[0].text.find("申请延期至2021-12-18，理由：等待区里批复。请浈江区政府批准"), std::string::npos)
      << ask[0].text;
  // The office grants it over the delegating unit's head: both are told; the
  // delegating unit granting it itself is not told what it did.
  auto by_office = MakeEvent("sg-2021", 9, schemas::ExtensionGranted{7, "新韶镇政府", "2021-12-18"});
  by_office.actor = {"督查室", schemas::Role::kSupervisor, "督查室"};
  auto granted = RenderNotifications(by_office, dir);
  ASSERT_EQ(granted.size(), 2u);
  EXPECT_EQ(granted[0].recipient, "新韶镇政府");
  EXPECT_EQ(granted[1].recipient, "浈江区政府");
  EXPECT_EQ(granted[1].channel, "extension_granted");
  EXPECT_EQ(granted[1].recipient_kind, RecipientKind::kNotify);
  EXPECT_NE(granted[1].text.find("督查室已批准新韶镇政府延期至2021-12-18。请浈江区政府知悉"), std::string::npos)
      << granted[1].text;
  auto by_parent = by_office;
  by_parent.actor = {"浈江区政府", schemas::Role::kUnit, "浈江区政府"};
  EXPECT_EQ(RenderNotifications(by_parent, dir).size(), 1u);
  // Denied, or its date set, by the office: the delegating unit is told
  // too, with the date that stands (past it, to hurry the work).
  auto denied = MakeEvent("sg-2021", 10, schemas::ExtensionDenied{7, "新韶镇政府", "无正当理由"});
  denied.actor = by_office.actor;
  denied.occurred_at = *ParseInstant("2021-12-08T10:00");
  auto d = RenderNotifications(denied, dir);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[1].recipient, "浈江区政府");
  EXPECT_EQ(d[1].channel, "extension_denied");
  EXPECT_NE(
      d[1].text.find("新韶镇政府的延期申请未获批准，理由：无正当理由。请浈江区政府知悉，督促其按原时限2021-12-10办理"),
      std::string::npos)
      << d[1].text;
  denied.occurred_at = *ParseInstant("2021-12-13T10:00");
  d = RenderNotifications(denied, dir);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_NE(d[1].text.find("原时限2021-12-10已过，请浈江区政府督促其抓紧办理"), std::string::npos) << d[1].text;
  denied.actor = by_parent.actor;
  EXPECT_EQ(RenderNotifications(denied, dir).size(), 1u) << "the delegating unit is not told what it did";
  auto set =
      MakeEvent("sg-2021", 11, schemas::DeadlineChanged{7, "新韶镇政府", "2021-12-10", "2021-12-15", "区里调整"});
  set.actor = by_office.actor;
  auto c = RenderNotifications(set, dir);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[1].recipient, "浈江区政府");
  EXPECT_EQ(c[1].channel, "deadline_changed");
  EXPECT_NE(c[1].text.find("新韶镇政府的完成时限调整为2021-12-15（原为2021-12-10），理由：区里调整。请浈江区政府知悉"),
            std::string::npos)
      << c[1].text;
  // A date past the delegating unit's own (the office may set one): it is
  // told so, and to ask for its own time.
  auto past_parent =
      MakeEvent("sg-2021", 12, schemas::DeadlineChanged{7, "新韶镇政府", "2021-12-15", "2021-12-28", "区里调整"});
  past_parent.actor = by_office.actor;
  auto pp = RenderNotifications(past_parent, dir);
  ASSERT_EQ(pp.size(), 2u);
  EXPECT_NE(pp[1].text.find("该时限晚于浈江区政府自身的完成时限2021-12-20，请浈江区政府知悉，并及时申请延期"),
            std::string::npos)
      << pp[1].text;
  EXPECT_TRUE(
      RenderNotifications(MakeEvent("sg-2021", 7, schemas::CompletionSubmitted{7, "浈江区政府", "已完成", ""}), dir)
          .empty());
  EXPECT_TRUE(
      RenderNotifications(MakeEvent("sg-2021", 8, schemas::ExtensionRequested{7, "浈江区政府", "2021-12-30", "x"}), dir)
          .empty());
}

TEST(RenderTest, NotifyListRolesMapToUnitOfficeAndUnitLeaders) {
  TaskDirectory dir = ShaoguanDirectory();
  schemas::EscalationRaised esc{7, "市财政局", 3, "约谈", {"unit", "office", "unit_leaders"}};
  auto notes = RenderNotifications(MakeEvent("sg-2021", 4, esc), dir);
  ASSERT_EQ(notes.size(), 3u);
  EXPECT_EQ(notes[0].recipient, "市财政局");
  EXPECT_EQ(notes[1].recipient, "督查室");
  EXPECT_EQ(notes[2].recipient, "市财政局主要负责同志");
  EXPECT_EQ(notes[2].recipient_kind, RecipientKind::kNotify);
}

TEST(RenderTest, ASummaryTitleEndingInAnEllipsisIsNotGivenASecondOne) {
  EXPECT_EQ(TruncateUtf8("督办提醒…", 2), "督办…");
  EXPECT_EQ(TruncateUtf8("督办…提醒", 3), "督办…");
}

TEST(RenderTest, ReportRequestRejectionAndReportOverdueSayWhatIsAsked) {
  TaskDirectory dir = ShaoguanDirectory();
  auto req = RenderNotifications(
      MakeEvent("sg-2021", 5, schemas::ProgressReportRequested{"2021Q4", 7, "市财政局", "2021-12-10"}), dir);
  ASSERT_EQ(req.size(), 1u);
  EXPECT_NE(req[0].text.find("请市财政局于2021-12-10前报送本期办理进展"), std::string::npos) << req[0].text;
  EXPECT_NE(req[0].text.find("（督查轮次2021Q4）"), std::string::npos) << "the office's own round: " << req[0].text;
  // A schedule's round is said in words, not as the engine's key.
  auto scheduled = RenderNotifications(
      MakeEvent("sg-2021", 8, schemas::ProgressReportRequested{"schedule:7:2021-12-31", 7, "市财政局", "2021-12-31"}),
      dir);
  ASSERT_EQ(scheduled.size(), 1u);
  EXPECT_NE(scheduled[0].text.find("（督查轮次定期报送2021-12-31）"), std::string::npos) << scheduled[0].text;
  EXPECT_EQ(scheduled[0].text.find("schedule:"), std::string::npos) << scheduled[0].text;

  auto rej =
      RenderNotifications(MakeEvent("sg-2021", 6, schemas::CompletionRejected{7, "市财政局", "缺少公开网址截图"}), dir);
  ASSERT_EQ(rej.size(), 1u);
  EXPECT_NE(rej[0].text.find("原因：缺少公开网址截图"), std::string::npos) << rej[0].text;
  EXPECT_NE(rej[0].text.find("重新报送办结"), std::string::npos);

  schemas::ReportOverdue quiet{"2021Q4", 7, "市财政局", "2021-12-10", 0, "", {}};
  EXPECT_EQ(RenderNotifications(MakeEvent("sg-2021", 7, quiet), dir).size(), 1u);
  schemas::ReportOverdue loud{"2021Q4", 7, "市财政局", "2021-12-10", 1, "督促整改", {}};
  auto loud_notes = RenderNotifications(MakeEvent("sg-2021", 8, loud), dir);
  ASSERT_EQ(loud_notes.size(), 2u);
  EXPECT_EQ(loud_notes[1].recipient, "督查室");
}

// The answers to a unit's own steps reach it (a review found a granted
// extension, which also cleared a 督促整改, told no one).
TEST(RenderTest, TheUnitHearsItsCloseOutApprovedAndItsExtensionGrantedOrDenied) {
  TaskDirectory dir = ShaoguanDirectory();
  dir.Apply(MakeEvent("sg-2021", 3, schemas::AssignmentCreated{7, "市财政局", schemas::AssignmentRole::kLead, ""}));
  const auto granted = MakeEvent("sg-2021", 5, schemas::ExtensionGranted{7, "市财政局", "2022-01-31"});
  EXPECT_TRUE(IsReminderEvent(granted.body));
  dir.Apply(granted);  // as the consumer does, before it renders
  auto yes = RenderNotifications(granted, dir);
  ASSERT_EQ(yes.size(), 1u);
  EXPECT_EQ(yes[0].recipient, "市财政局");
  EXPECT_EQ(yes[0].channel, "extension_granted");
  EXPECT_EQ(yes[0].due_on, "2022-01-31");
  EXPECT_NE(yes[0].text.find("延期申请已批准，完成时限调整为2022-01-31。请市财政局按新时限办理"), std::string::npos)
      << yes[0].text;

  auto no = RenderNotifications(MakeEvent("sg-2021", 6, schemas::ExtensionDenied{7, "市财政局", "理由不充分。"}), dir);
  ASSERT_EQ(no.size(), 1u);
  EXPECT_EQ(no[0].channel, "extension_denied");
  EXPECT_EQ(no[0].level, "warning");
  EXPECT_NE(no[0].text.find("延期申请未获批准，理由：理由不充分。请市财政局按原时限2022-01-31完成"), std::string::npos)
      << no[0].text;
  // Denied once that date has passed: the work is late, no date to work to.
  auto denied_late = MakeEvent("sg-2021", 6, schemas::ExtensionDenied{7, "市财政局", ""});
  denied_late.occurred_at = 1643846400000;  // 2022-02-03 08:00 in China
  auto late = RenderNotifications(denied_late, dir);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_NE(late[0].text.find("延期申请未获批准。原时限2022-01-31已过，请市财政局抓紧办理，尽快报送办结。"),
            std::string::npos)
      << late[0].text;

  auto done = RenderNotifications(MakeEvent("sg-2021", 7, schemas::CompletionApproved{7, "市财政局", "材料齐全"}), dir);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].channel, "completion_approved");
  EXPECT_NE(done[0].text.find("办结申请已审核通过，审核意见：材料齐全。"), std::string::npos) << done[0].text;
  auto plain = RenderNotifications(MakeEvent("sg-2021", 8, schemas::CompletionApproved{7, "市财政局", ""}), dir);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_NE(plain[0].text.find("办结申请已审核通过。"), std::string::npos) << plain[0].text;
}

TEST(RenderTest, EventsThatAreNotRemindersRenderNothing) {
  TaskDirectory dir = ShaoguanDirectory();
  EXPECT_TRUE(RenderNotifications(MakeEvent("sg-2021", 9, Task(8, "x", "")), dir).empty());
  EXPECT_TRUE(RenderNotifications(MakeEvent("sg-2021", 9, schemas::AssignmentAccepted{7, "市财政局"}), dir).empty());
}

// An assignment made with its task (the import, a task added) is told to no
// one; work the office gives a unit later (assign) is told to that unit.
TEST(RenderTest, WorkAssignedAfterTheImportIsToldToTheUnitAndTheImportsIsNot) {
  TaskDirectory dir = ShaoguanDirectory();
  const auto with_task =
      MakeEvent("sg-2021", 2, schemas::AssignmentCreated{7, "市财政局", schemas::AssignmentRole::kLead, "2021-12-31"});
  dir.Apply(with_task);
  EXPECT_TRUE(IsReminderEvent(with_task.body));
  EXPECT_TRUE(RenderNotifications(with_task, dir).empty()) << "the plan itself is the document the unit gets";
  const auto later =
      MakeEvent("sg-2021", 5, schemas::AssignmentCreated{7, "市民政局", schemas::AssignmentRole::kLead, "2021-12-20"});
  dir.Apply(later);
  auto told = RenderNotifications(later, dir);
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].recipient, "市民政局");
  EXPECT_EQ(told[0].channel, "assigned");
  EXPECT_EQ(told[0].text,
            "【新交办】韶关市贯彻落实广东省2021年政务公开工作要点分工方案 第7项任务"
            "「持续深化地方政府债务信息公开，做好债务限额、余额等信息的公开工作」交由市民政局牵头办理。"
            "完成时限为2021-12-20，请市民政局及时签收并按时限办理。");
  // Entered later from paper, told after its date: not asked to meet it.
  auto late = MakeEvent("sg-2021", 6,
                        schemas::AssignmentCreated{7, "市审计局", schemas::AssignmentRole::kResponsible, "2021-12-10"});
  dir.Apply(late);
  auto late_told = RenderNotifications(late, dir);
  ASSERT_EQ(late_told.size(), 1u);
  EXPECT_NE(
      late_told[0].text.find("交由市审计局办理。完成时限2021-12-10已过，请市审计局及时签收，尽快办理并报送进展。"),
      std::string::npos)
      << late_told[0].text;
}

// Work a unit passes down (delegate) is told to the sub-unit: from whom, what
// it asked, its date; said passed when entered after it.
TEST(RenderTest, WorkDelegatedIsToldToTheSubUnitWithWhatTheUnitAbove) {
  TaskDirectory dir = ShaoguanDirectory();
  const auto down = MakeEvent(
      "sg-2021", 5, schemas::AssignmentDelegated{7, "浈江区政府", "新韶镇政府", "2021-12-30", "请摸清底数。"});
  dir.Apply(down);
  ASSERT_TRUE(IsReminderEvent(down.body));
  auto told = RenderNotifications(down, dir);
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].recipient, "新韶镇政府");
  EXPECT_EQ(told[0].channel, "delegated");
  EXPECT_NE(
      told[0].text.find(
          "由浈江区政府下发新韶镇政府办理，要求：请摸清底数。完成时限为2021-12-30，请新韶镇政府及时签收并按时限办理。"),
      std::string::npos)
      << told[0].text;
  auto lines =
      MakeEvent("sg-2021", 7,
                schemas::AssignmentDelegated{7, "浈江区政府", "新韶镇党政办", "2021-12-30", "一、摸底\r\n二、上报"});
  dir.Apply(lines);
  auto lines_told = RenderNotifications(lines, dir);
  ASSERT_EQ(lines_told.size(), 1u);
  EXPECT_NE(lines_told[0].text.find("要求：一、摸底 二、上报。"), std::string::npos)
      << "one paragraph: " << lines_told[0].text;
  auto bare = MakeEvent("sg-2021", 6, schemas::AssignmentDelegated{7, "浈江区政府", "犁市镇政府", "2021-01-10", ""});
  dir.Apply(bare);
  auto bare_told = RenderNotifications(bare, dir);
  ASSERT_EQ(bare_told.size(), 1u);
  EXPECT_NE(bare_told[0].text.find("由浈江区政府下发犁市镇政府办理。完成时限2021-01-10已过"), std::string::npos)
      << bare_told[0].text;
}

// The notification id is what sinks dedupe on across restarts and processes,
// so it is a known answer: the event id of (command "sg-2021-cmd-3", index 0),
// printf 'sg-2021-cmd-3\000%s' 0 | sha256sum | cut -c1-32, then ":" and the unit.
TEST(RenderTest, DeadlineMissedGoesToTheUnitUnderAnIdFixedByTheEvent) {
  TaskDirectory dir = ShaoguanDirectory();
  auto e = MakeEvent("sg-2021", 3, schemas::DeadlineMissed{7, "市财政局", "2021-12-31"});
  auto notes = RenderNotifications(e, dir);
  ASSERT_EQ(notes.size(), 1u);
  const Notification& n = notes[0];
  EXPECT_EQ(n.notification_id, "5fdd9258e3d53af14402d7a620d9e507:市财政局");
  EXPECT_EQ(n.recipient, "市财政局");
  EXPECT_EQ(n.recipient_kind, RecipientKind::kUnit);
  EXPECT_EQ(n.channel, "overdue");
  EXPECT_EQ(n.task, 7);
  EXPECT_EQ(n.due_on, "2021-12-31");
  EXPECT_EQ(n.text,
            "【逾期提醒】韶关市贯彻落实广东省2021年政务公开工作要点分工方案 第7项任务"
            "「持续深化地方政府债务信息公开，做好债务限额、余额等信息的公开工作」已于2021-12-31到期，"
            "尚未办结。请市财政局立即报送办理进展和逾期原因，并明确完成时限。");
}

// Work handed in after its date while no tick ran: the miss fires after the
// hand-in, and the unit is told its work was recorded late, not asked for
// it. Sent back, it is open again and hears the ordinary overdue notice; a
// date the office moves while the work awaits review asks nothing of it.
TEST(RenderTest, AMissAfterTheHandInTellsTheUnitItsWorkWasRecordedLate) {
  TaskDirectory dir = ShaoguanDirectory();
  dir.Apply(MakeEvent("sg-2021", 3, schemas::AssignmentCreated{7, "市财政局", schemas::AssignmentRole::kLead, ""}));
  auto submitted = MakeEvent("sg-2021", 4, schemas::CompletionSubmitted{7, "市财政局", "已完成", ""});
  submitted.occurred_at = StartOfDay(*Date::Parse("2022-01-05")) + 10 * 3600 * 1000;
  EXPECT_TRUE(dir.Apply(submitted)) << "learnt, so persisted across a restart";
  EXPECT_EQ(dir.HandedIn("sg-2021", 7, "市财政局"), "2022-01-05");
  EXPECT_EQ(dir.HandedIn("sg-2021", 7, "市教育局"), "");

  auto late = RenderNotifications(MakeEvent("sg-2021", 5, schemas::DeadlineMissed{7, "市财政局", "2021-12-31"}), dir);
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].channel, "overdue");
  EXPECT_EQ(late[0].text,
            "【逾期办结】韶关市贯彻落实广东省2021年政务公开工作要点分工方案 第7项任务"
            "「持续深化地方政府债务信息公开，做好债务限额、余额等信息的公开工作」的完成时限为2021-12-31，"
            "市财政局于2022-01-05报送办结，晚于时限，已记为逾期办结。");

  auto moved = RenderNotifications(
      MakeEvent("sg-2021", 6, schemas::DeadlineChanged{7, "市财政局", "2021-12-31", "2022-01-31", "统一顺延"}), dir);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_NE(moved[0].text.find("市财政局已于2022-01-05报送办结，等待审核。"), std::string::npos) << moved[0].text;
  EXPECT_EQ(moved[0].text.find("按新时限办理"), std::string::npos) << moved[0].text;

  EXPECT_TRUE(dir.Apply(MakeEvent("sg-2021", 7, schemas::CompletionRejected{7, "市财政局", "材料不全"})));
  EXPECT_EQ(dir.HandedIn("sg-2021", 7, "市财政局"), "");
  auto open = RenderNotifications(MakeEvent("sg-2021", 8, schemas::DeadlineMissed{7, "市财政局", "2021-12-31"}), dir);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_TRUE(open[0].text.starts_with("【逾期提醒】")) << open[0].text;
}

// Work taken off a unit is told to it (and to the unit that delegated it,
// unless that unit took it off itself or lost its own with it); a cancelled
// task to every unit that held it; an escalation withdrawn by a paper
// hand-in to the unit that was told it was late. Other clearings say nothing
// here (their new date, approval or recount has a notice of its own).
TEST(RenderTest, CancelledWorkAndAWithdrawnEscalationAreToldToTheUnits) {
  TaskDirectory dir = ShaoguanDirectory();
  for (const char* unit : {"市财政局", "市教育局"})
    dir.Apply(MakeEvent("sg-2021", 3, schemas::AssignmentCreated{7, unit, schemas::AssignmentRole::kResponsible, ""}));
  dir.Apply(MakeEvent("sg-2021", 4, schemas::AssignmentDelegated{7, "市财政局", "预算科", "2021-12-15", ""}));

  auto office = MakeEvent("sg-2021", 5, schemas::AssignmentCancelled{7, "预算科", "职责调整。"});
  office.actor = {"office", schemas::Role::kSupervisor, "office"};
  EXPECT_TRUE(dir.Apply(office));
  auto child = RenderNotifications(office, dir);
  ASSERT_EQ(child.size(), 2u);
  EXPECT_EQ(child[0].recipient, "预算科");
  EXPECT_EQ(child[0].channel, "cancelled");
  EXPECT_EQ(child[0].text,
            "【交办撤销】韶关市贯彻落实广东省2021年政务公开工作要点分工方案 第7项任务"
            "「持续深化地方政府债务信息公开，做好债务限额、余额等信息的公开工作」交由预算科办理的工作已撤销，"
            "理由：职责调整。预算科不再办理此项工作，此前的提醒和督办随之终止。");
  EXPECT_EQ(child[1].recipient, "市财政局") << "the unit that delegated it";
  auto own = MakeEvent("sg-2021", 6, schemas::AssignmentCancelled{7, "预算科", "自行收回"});
  own.actor = {"市财政局", schemas::Role::kUnit, "市财政局"};
  EXPECT_EQ(RenderNotifications(own, dir).size(), 1u) << "not to the unit that cancelled it itself";

  EXPECT_TRUE(dir.Apply(MakeEvent("sg-2021", 7, schemas::TaskCancelled{7, "任务调整"})));
  auto task = RenderNotifications(MakeEvent("sg-2021", 7, schemas::TaskCancelled{7, "任务调整"}), dir);
  ASSERT_EQ(task.size(), 2u) << "every unit that held it, not the one cancelled before";
  EXPECT_EQ(task[0].recipient, "市教育局");
  EXPECT_EQ(task[1].recipient, "市财政局");
  EXPECT_NE(task[1].text.find("【任务撤销】"), std::string::npos) << task[1].text;
  EXPECT_NE(task[1].text.find("已撤销，理由：任务调整。市财政局不再办理此项任务"), std::string::npos) << task[1].text;
  EXPECT_TRUE(dir.Units("sg-2021", 7).empty()) << "and no later message goes to a cancelled task's units";

  TaskDirectory fresh = ShaoguanDirectory();
  auto back =
      MakeEvent("sg-2021", 8, schemas::EscalationCleared{7, "市财政局", 2, schemas::kClearedByBackEnteredHandIn});
  back.occurred_at = StartOfDay(*Date::Parse("2021-12-30")) + 9 * 3600 * 1000;
  auto cleared = RenderNotifications(back, fresh);
  ASSERT_EQ(cleared.size(), 2u) << "the unit, and the office that heard of the escalation";
  EXPECT_EQ(cleared[0].channel, "escalation_cleared");
  EXPECT_NE(cleared[0].text.find(
                "已于2021-12-30报送办结，未超过完成时限2021-12-31，此前的逾期提醒和督办升级（第1—2级）通知作废"),
            std::string::npos)
      << cleared[0].text;
  EXPECT_EQ(cleared[1].recipient, "督查室");
  EXPECT_NE(
      cleared[1].text.find("：经补录，市财政局已于2021-12-30报送办结，未超过完成时限2021-12-31，此前关于市财政局的"
                           "督办升级（第1—2级）通知作废"),
      std::string::npos)
      << "the office heard the escalations only: " << cleared[1].text;
  EXPECT_NE(cleared[1].text.find("督办升级（第1—2级）"), std::string::npos) << cleared[1].text;

  // Everyone the escalations' notify lists named hears it too, each once;
  // a ladder started afresh forgets the earlier one's.
  TaskDirectory told = ShaoguanDirectory();
  told.Apply(
      MakeEvent("sg-2021", 10, schemas::EscalationRaised{7, "市财政局", 1, "督促整改", {"市长热线"}, "", false}));
  told.Apply(MakeEvent("sg-2021", 11, schemas::EscalationRaised{7, "市财政局", 1, "督促整改", {"unit"}, "", false}));
  told.Apply(
      MakeEvent("sg-2021", 12, schemas::EscalationRaised{7, "市财政局", 2, "通报批评", {"unit_leaders"}, "", false}));
  told.Apply(MakeEvent("sg-2021", 13,
                       schemas::EscalationRaised{7, "市财政局", 3, "约谈", {"unit_leaders", "分管副市长"}, "", false}));
  std::vector<std::string> to;
  for (const auto& n : RenderNotifications(back, told)) to.push_back(n.recipient);
  EXPECT_EQ(to, (std::vector<std::string>{"市财政局", "督查室", "市财政局主要负责同志", "分管副市长"}));

  // Late but not yet escalated (level 0): the unit alone was told, and hears it is void.
  auto missed =
      MakeEvent("sg-2021", 14, schemas::EscalationCleared{7, "市财政局", 0, schemas::kClearedByBackEnteredHandIn});
  missed.occurred_at = back.occurred_at;
  auto void_miss = RenderNotifications(missed, told);
  ASSERT_EQ(void_miss.size(), 1u);
  EXPECT_NE(void_miss[0].text.find("未超过完成时限2021-12-31，此前的逾期提醒通知作废"), std::string::npos)
      << void_miss[0].text;
  EXPECT_EQ(void_miss[0].text.rfind("【逾期撤销】", 0), 0u) << "nothing was escalated: " << void_miss[0].text;

  // A delegated assignment's escalation went to the unit that delegated it, not the office.
  TaskDirectory delegated = ShaoguanDirectory();
  delegated.Apply(MakeEvent("sg-2021", 15, schemas::AssignmentDelegated{7, "市财政局", "预算科", "2021-12-15", ""}));
  auto child_back =
      MakeEvent("sg-2021", 16, schemas::EscalationCleared{7, "预算科", 1, schemas::kClearedByBackEnteredHandIn});
  to.clear();
  for (const auto& n : RenderNotifications(child_back, delegated)) to.push_back(n.recipient);
  EXPECT_EQ(to, (std::vector<std::string>{"预算科", "市财政局"}));
  EXPECT_TRUE(RenderNotifications(
                  MakeEvent("sg-2021", 9, schemas::EscalationCleared{7, "市财政局", 2, "deadline changed"}), fresh)
                  .empty());
}

// Work moved between units tells both (a review found `reassign` told
// neither); the office accepting a return is worded as that, not as a
// cancellation with the reason 同意.
TEST(RenderTest, WorkMovedOrAReturnAcceptedIsToldToTheUnitsConcerned) {
  TaskDirectory dir = ShaoguanDirectory();
  for (const char* unit : {"市财政局", "市教育局"})
    dir.Apply(MakeEvent("sg-2021", 3, schemas::AssignmentCreated{7, unit, schemas::AssignmentRole::kResponsible, ""}));
  dir.Apply(MakeEvent("sg-2021", 4, schemas::ExtensionGranted{7, "市财政局", "2022-01-14"}));

  auto moved = MakeEvent("sg-2021", 5, schemas::AssignmentReassigned{7, "市财政局", "市审计局", "职责调整"});
  EXPECT_TRUE(dir.Apply(moved));
  auto two = RenderNotifications(moved, dir);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].recipient, "市财政局");
  EXPECT_EQ(two[0].channel, "reassigned");
  EXPECT_EQ(two[0].text,
            "【交办调整】韶关市贯彻落实广东省2021年政务公开工作要点分工方案 第7项任务"
            "「持续深化地方政府债务信息公开，做好债务限额、余额等信息的公开工作」已改由市审计局办理，理由：职责调整。"
            "市财政局不再办理此项工作，此前的提醒和督办随之终止。");
  EXPECT_EQ(two[1].recipient, "市审计局");
  EXPECT_NE(
      two[1].text.find("「持续深化地方政府债务信息公开，做好债务限额、余额等信息的公开工作」改由市审计局办理（原由"
                       "市财政局办理），理由：职责调整。完成时限为2022-01-14，请市审计局及时签收并按时限办理。"),
      std::string::npos)
      << "the date the work keeps (the extension): " << two[1].text;

  // A return accepted: dropped, the bare 同意 not quoted back; moved, said so.
  EXPECT_TRUE(dir.Apply(MakeEvent("sg-2021", 6, schemas::AssignmentReturned{7, "市教育局", "非我局职责"})));
  auto on_returned =
      RenderNotifications(MakeEvent("sg-2021", 6, schemas::NoteAdded{7, "市教育局", "comment", "收悉"}), dir);
  ASSERT_EQ(on_returned.size(), 1u);
  EXPECT_NE(on_returned[0].text.find("：收悉。请市教育局阅知。"), std::string::npos) << "work returned asks nothing";
  const auto drop = MakeEvent("sg-2021", 7, schemas::AssignmentCancelled{7, "市教育局", "同意。"});
  dir.Apply(drop);
  auto dropped = RenderNotifications(drop, dir);
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_NE(
      dropped[0].text.find("「持续深化地方政府债务信息公开，做好债务限额、余额等信息的公开工作」：市教育局退回的工作已"
                           "获同意。市教育局不再办理此项工作"),
      std::string::npos)
      << dropped[0].text;
  EXPECT_EQ(dropped[0].text.find("理由：同意"), std::string::npos) << dropped[0].text;

  dir.Apply(
      MakeEvent("sg-2021", 8, schemas::AssignmentCreated{7, "市教育局", schemas::AssignmentRole::kResponsible, ""}));
  dir.Apply(MakeEvent("sg-2021", 9, schemas::AssignmentReturned{7, "市教育局", "应由市审计局牵头"}));
  const auto merge =
      MakeEvent("sg-2021", 10,
                schemas::AssignmentMerged{7, "市教育局", "市审计局", "由市审计局统筹", schemas::AssignmentRole::kLead});
  dir.Apply(merge);
  auto merged = RenderNotifications(merge, dir);
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_NE(merged[0].text.find("已并入市审计局办理（同意退回），督查室意见：由市审计局统筹。市教育局不再办理此项工作"),
            std::string::npos)
      << merged[0].text;
  EXPECT_NE(merged[1].text.find(
                "：市教育局承担的工作已并入市审计局办理，督查室意见：由市审计局统筹。请市审计局牵头一并办理。"),
            std::string::npos)
      << "the merge made it lead: " << merged[1].text;
  EXPECT_EQ(merged[1].text.rfind("【交办调整】", 0), 0u) << "it held the task already: " << merged[1].text;

  // Words of a delegating unit that accepted its sub-unit's return are its
  // own, trailing blanks and marks gone; moving a sub-unit's work tells the
  // unit that delegated it; a date passed is not one to meet.
  dir.Apply(MakeEvent("sg-2021", 20, schemas::AssignmentDelegated{7, "市审计局", "审计一科", "2021-12-15", ""}));
  dir.Apply(MakeEvent("sg-2021", 21, schemas::AssignmentReturned{7, "审计一科", "人手不足"}));
  auto own_words = MakeEvent("sg-2021", 22, schemas::AssignmentCancelled{7, "审计一科", "由局里自行办理！ "});
  own_words.actor = {"市审计局", schemas::Role::kUnit, "市审计局"};
  dir.Apply(own_words);
  EXPECT_NE(
      RenderNotifications(own_words, dir)[0].text.find("已获同意，市审计局意见：由局里自行办理。审计一科不再办理"),
      std::string::npos)
      << RenderNotifications(own_words, dir)[0].text;
  dir.Apply(MakeEvent("sg-2021", 23, schemas::AssignmentDelegated{7, "市审计局", "审计二科", "2021-12-15", ""}));
  auto moved_child = MakeEvent("sg-2021", 24, schemas::AssignmentReassigned{7, "审计二科", "市统计局", "属地调整"});
  moved_child.occurred_at = StartOfDay(*Date::Parse("2021-12-20"));
  moved_child.actor = {"office", schemas::Role::kSupervisor, "office"};
  dir.Apply(moved_child);
  auto three = RenderNotifications(moved_child, dir);
  std::vector<std::string> to;
  for (const auto& n : three) to.push_back(n.recipient);
  EXPECT_EQ(to, (std::vector<std::string>{"审计二科", "市审计局", "市统计局"}));
  ASSERT_EQ(three.size(), 3u);
  EXPECT_NE(three[1].text.find("：审计二科承接的工作已改由市统计局办理，理由：属地调整。审计二科不再办理此项工作。"),
            std::string::npos)
      << three[1].text;
  EXPECT_NE(three[2].text.find("原完成时限2021-12-15已过，请市统计局及时签收，尽快办理并报送进展。"), std::string::npos)
      << three[2].text;

  // A reason or note of marks only: no empty clause ("理由：。", "：。").
  const auto bare = MakeEvent("sg-2021", 25, schemas::AssignmentCancelled{7, "市统计局", "！"});
  dir.Apply(bare);
  EXPECT_NE(RenderNotifications(bare, dir)[0].text.find("的工作已撤销。市统计局不再办理"), std::string::npos)
      << RenderNotifications(bare, dir)[0].text;
  auto marks = RenderNotifications(MakeEvent("sg-2021", 26, schemas::NoteAdded{7, "市审计局", "comment", "！"}), dir);
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].text.find("：。"), std::string::npos) << marks[0].text;

  // Made afresh, its later cancellation is the office's own again.
  dir.Apply(
      MakeEvent("sg-2021", 11, schemas::AssignmentCreated{7, "市教育局", schemas::AssignmentRole::kResponsible, ""}));
  const auto again = MakeEvent("sg-2021", 12, schemas::AssignmentCancelled{7, "市教育局", "职责调整"});
  dir.Apply(again);
  EXPECT_NE(RenderNotifications(again, dir)[0].text.find("【交办撤销】"), std::string::npos);

  // A new date given with the move (its old one had passed): the unit it
  // goes to hears the new date and the old, and is asked to meet the new.
  dir.Apply(MakeEvent("sg-2021", 13,
                      schemas::AssignmentCreated{7, "市教育局", schemas::AssignmentRole::kResponsible, "2021-12-15"}));
  auto redated =
      MakeEvent("sg-2021", 14, schemas::AssignmentReassigned{7, "市教育局", "市统计局", "属地调整", "2022-01-20"});
  redated.occurred_at = StartOfDay(*Date::Parse("2021-12-20"));
  dir.Apply(redated);
  EXPECT_EQ(dir.DueOn("sg-2021", 7, "市统计局"), "2022-01-20");
  auto told = RenderNotifications(redated, dir);
  ASSERT_EQ(told.size(), 2u);
  EXPECT_EQ(told[1].recipient, "市统计局");
  EXPECT_EQ(told[1].due_on, "2022-01-20");
  EXPECT_NE(told[1].text.find("完成时限调整为2022-01-20（原为2021-12-15），请市统计局及时签收并按时限办理。"),
            std::string::npos)
      << told[1].text;
  EXPECT_EQ(told[1].text.find("已过"), std::string::npos) << "the new date has not passed: " << told[1].text;

  // A move made earlier, entered now (a back-entry): dates passed by the
  // time it is told are not asked to be met, new or kept.
  auto entered_late = redated;
  entered_late.recorded_at = StartOfDay(*Date::Parse("2022-02-07"));
  told = RenderNotifications(entered_late, dir);
  ASSERT_EQ(told.size(), 2u);
  EXPECT_NE(told[1].text.find("完成时限调整为2022-01-20（原为2021-12-15），该时限已过，请市统计局及时签收，尽快办理"),
            std::string::npos)
      << told[1].text;
}

TEST(RenderTest, JsonCarriesEveryField) {
  TaskDirectory dir = ShaoguanDirectory();
  auto n = RenderNotifications(MakeEvent("sg-2021", 3, schemas::DeadlineApproaching{7, "市财政局", "2021-12-31", 3}),
                               dir)[0];
  auto j = nlohmann::json::parse(NotificationToJson(n));
  EXPECT_EQ(j["notification_id"], n.notification_id);
  EXPECT_EQ(j["recipient"], "市财政局");
  EXPECT_EQ(j["recipient_kind"], "unit");
  EXPECT_EQ(j["text"], n.text);
  EXPECT_EQ(j["task"], 7);
  EXPECT_EQ(j["task_text"], kTask7);
  EXPECT_EQ(j["plan_title"], kPlanTitle);
  EXPECT_EQ(j["due_on"], "2021-12-31");
  EXPECT_EQ(j["event_type"], "DeadlineApproaching");
}

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(OutboxTest, WritesOneLinePerNotificationAndNeverTheSameIdTwiceAcrossReopen) {
  auto dir = std::filesystem::temp_directory_path() / ("duban-outbox-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string path = (dir / "outbox.jsonl").string();
  TaskDirectory tasks = ShaoguanDirectory();
  auto a = RenderNotifications(MakeEvent("sg-2021", 3, schemas::DeadlineMissed{7, "市财政局", "2021-12-31"}), tasks)[0];
  auto b = RenderNotifications(MakeEvent("sg-2021", 4, schemas::DeadlineMissed{7, "市教育局", "2021-12-31"}), tasks)[0];
  {
    auto sink = MakeJsonlOutboxSink(path);
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    ASSERT_TRUE((*sink)->Deliver(a).ok());
    ASSERT_TRUE((*sink)->Deliver(a).ok());
  }
  {
    std::ofstream torn(path, std::ios::app);
    torn << "{\"notification_id\":\"torn";  // a line cut by a crash
  }
  {
    auto sink = MakeJsonlOutboxSink(path);
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE((*sink)->Deliver(a).ok());
    ASSERT_TRUE((*sink)->Deliver(b).ok());
  }
  auto lines = Lines(path);
  ASSERT_EQ(lines.size(), 2u) << "the torn line is cut off: every line is a whole record";
  EXPECT_EQ(nlohmann::json::parse(lines[0])["notification_id"], a.notification_id);
  EXPECT_EQ(nlohmann::json::parse(lines[1])["notification_id"], b.notification_id);
  std::filesystem::remove_all(dir);
}

TEST(WebhookTest, RefusesAUrlWithoutHttpScheme) {
  EXPECT_FALSE(MakeWebhookSink({"127.0.0.1:8080/hook"}).ok());
  EXPECT_FALSE(MakeWebhookSink({"ftp://127.0.0.1/hook"}).ok());
  EXPECT_TRUE(MakeWebhookSink({"http://127.0.0.1:8080/hook"}).ok());
}

}  // namespace
}  // namespace duban::consumers

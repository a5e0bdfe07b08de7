// Daily digests and quiet hours (consumers/include/duban/consumers/digest.h):
// the slot rule on the statutory 2026 calendar (调休 Saturdays, the National
// Day week), the digest's text and id, the on-disk queue across reopenings,
// and a scripted autumn written by the engine into a real store, followed by
// the `duban-reminders` binary with --digest-at 09:00: one digest per
// recipient and working day holding exactly the notifications the log made
// since the previous working day's 09:00, none on rest days, one on the
// 调休 Saturday 2026-10-10 when something is due, urgent escalations at once,
// and the same outbox byte for byte when the log is read again from scratch.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <chrono>
#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <thread>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "duban/consumers/digest.h"
#include "duban/consumers/state.h"
#include "embedded_fixture.h"
#include "receivers.h"

namespace duban::consumers {
namespace {

using namespace test_support;  // NOLINT(google-build-using-namespace): the fixture's names
using workflows::WorkCalendar;

constexpr int kNine = 9 * 60;

Instant At(const std::string& day, int hour, int minute = 0) {
  return StartOfDay(*Date::Parse(day)) + (int64_t{hour} * 60 + minute) * 60'000;
}

WorkCalendar Calendar() {
  auto c = WorkCalendar::Default();
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(c).value();
}

TEST(DigestRuleTest, DigestTimesAreReadAsHhMmAndNothingElse) {
  EXPECT_EQ(ParseDigestTime("09:00"), 540);
  EXPECT_EQ(ParseDigestTime("00:00"), 0);
  EXPECT_EQ(ParseDigestTime("23:59"), 23 * 60 + 59);
  for (const char* bad : {"9:00", "24:00", "09:60", "0900", "09:00:00", "", "ab:cd", " 9:00"})
    EXPECT_EQ(ParseDigestTime(bad), std::nullopt) << bad;
}

TEST(DigestRuleTest, TheSlotIsTheFirstWorkingDayAtTheHourOnOrAfterTheEvent) {
  const WorkCalendar cal = Calendar();
  struct Case {
    Instant at;
    Instant slot;
    const char* why;
  } cases[] = {
      {At("2026-10-13", 8, 59), At("2026-10-13", 9), "a working morning: the same day"},
      {At("2026-10-13", 9), At("2026-10-13", 9), "exactly at the hour: that slot"},
      {At("2026-10-13", 9, 1), At("2026-10-14", 9), "after the hour: the next working day"},
      {At("2026-10-13", 23, 30), At("2026-10-14", 9), "at night: the next morning"},
      {At("2026-10-09", 18), At("2026-10-10", 9), "Friday evening before the 调休 Saturday: that Saturday"},
      {At("2026-10-16", 18), At("2026-10-19", 9), "an ordinary Friday evening: Monday"},
      {At("2026-10-18", 15), At("2026-10-19", 9), "a Sunday afternoon: Monday"},
      {At("2026-09-30", 10), At("2026-10-08", 9), "the National Day week is skipped"},
      {At("2026-10-03", 9), At("2026-10-08", 9), "a holiday morning: the first working day after"},
      {At("2026-02-13", 20), At("2026-02-14", 9), "the 调休 Saturday before the Spring Festival"},
  };
  for (const auto& c : cases) {
    auto slot = DigestSlot(c.at, kNine, cal);
    ASSERT_TRUE(slot.ok()) << slot.status().ToString();
    EXPECT_EQ(FormatInstant(*slot), FormatInstant(c.slot)) << c.why;
  }
}

Notification Item(const std::string& id, const std::string& level, const std::string& due_on) {
  Notification n;
  n.notification_id = id + ":市财政局";
  n.event_id = id;
  n.recipient = "市财政局";
  n.level = level;
  n.due_on = due_on;
  n.plan = "p";
  n.text = "第" + id + "项任务的提醒。";
  return n;
}

TEST(DigestRuleTest, ADigestListsEachItemWithItsDeadlineAndTheWorkingDaysLeftOnItsDay) {
  const WorkCalendar cal = Calendar();
  const std::vector<Notification> items = {Item("1", "notice", "2026-10-12"), Item("2", "warning", "2026-10-09"),
                                           Item("3", "notice", "")};
  const Notification d = ComposeDigest("市财政局", At("2026-10-10", 9), items, cal);
  EXPECT_EQ(d.event_type, "Digest");
  EXPECT_EQ(d.channel, "digest");
  EXPECT_EQ(d.level, "warning") << "the highest of the items'";
  EXPECT_EQ(d.occurred_at, At("2026-10-10", 9));
  EXPECT_EQ(d.due_on, "2026-10-09") << "the earliest deadline";
  EXPECT_EQ(d.items, (std::vector<std::string>{"1:市财政局", "2:市财政局", "3:市财政局"}));
  EXPECT_EQ(d.title, "【督办提醒】2026-10-10 督办事项汇总（3项）");
  // Saturday 10-10 is a working day; from it, 10-12 is one working day
  // away (Sunday 10-11 rests) and 10-09 one working day past.
  EXPECT_NE(d.text.find("1. 第1项任务的提醒。（到期日2026-10-12，剩1个工作日）"), std::string::npos) << d.text;
  EXPECT_NE(d.text.find("2. 第2项任务的提醒。（到期日2026-10-09，已逾期1个工作日）"), std::string::npos) << d.text;
  EXPECT_NE(d.text.find("\n3. 第3项任务的提醒。"), std::string::npos) << d.text;
  EXPECT_EQ(d.notification_id.rfind("digest:2026-10-10:市财政局:", 0), 0u) << d.notification_id;
  EXPECT_EQ(ComposeDigest("市财政局", At("2026-10-10", 9), items, cal), d) << "deterministic";
  const Notification fewer = ComposeDigest("市财政局", At("2026-10-10", 9), {items[0]}, cal);
  EXPECT_NE(fewer.notification_id, d.notification_id) << "a late item's digest is not taken for one sent";
  auto back = NotificationFromJson(NotificationToJson(d));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, d) << "a dead-lettered digest keeps its items";
}

// A date on a rest day is due on the next working day, as the engine's
// timers count it: on that day the digest says it is due today, not late.
TEST(DigestRuleTest, ADeadlineOnARestDayIsCountedFromTheWorkingDayItMovesTo) {
  const WorkCalendar cal = Calendar();
  // Sunday 2026-10-11 rests; Monday 10-12 is the day it is due.
  const Notification on_monday =
      ComposeDigest("市财政局", At("2026-10-12", 9), {Item("1", "notice", "2026-10-11")}, cal);
  EXPECT_NE(on_monday.text.find("（到期日2026-10-11，顺延至2026-10-12，今日到期）"), std::string::npos)
      << on_monday.text;
  const Notification on_tuesday =
      ComposeDigest("市财政局", At("2026-10-13", 9), {Item("1", "notice", "2026-10-11")}, cal);
  EXPECT_NE(on_tuesday.text.find("（到期日2026-10-11，顺延至2026-10-12，已逾期1个工作日）"), std::string::npos)
      << on_tuesday.text;
  // In the National Day holiday (10-01 to 10-07): 10-03 moves past the whole of it, to Thursday 10-08.
  const Notification before = ComposeDigest("市财政局", At("2026-09-30", 9), {Item("1", "notice", "2026-10-03")}, cal);
  EXPECT_NE(before.text.find("（到期日2026-10-03，顺延至2026-10-08，剩"), std::string::npos) << before.text;
}

TEST(DigestQueueTest, WaitingItemsSurviveAReopenAndDigestedOnesDoNot) {
  duban::testing::TempDir tmp("duban-digest-queue");
  const std::string& dir = tmp.path();
  auto delivered = DeliveredLog::Open(dir + "/delivered.log");
  ASSERT_TRUE(delivered.ok());
  {
    auto q = DigestQueue::Open(dir, **delivered);
    ASSERT_TRUE(q.ok()) << q.status().ToString();
    ASSERT_TRUE((*q)->Add(At("2026-10-12", 9), Item("1", "notice", "")).ok());
    ASSERT_TRUE((*q)->Add(At("2026-10-12", 9), Item("1", "notice", "")).ok()) << "the same id twice: once";
    ASSERT_TRUE((*q)->Add(At("2026-10-13", 9), Item("2", "notice", "")).ok());
    ASSERT_TRUE((*q)->Add(At("2026-10-14", 9), Item("3", "notice", "")).ok());
    ASSERT_TRUE((*q)->Sync().ok());
    EXPECT_EQ((*q)->size(), 3u);
    EXPECT_EQ((*q)->DueThrough(At("2026-10-12", 8)).size(), 0u);
    const auto due = (*q)->DueThrough(At("2026-10-13", 9));
    ASSERT_EQ(due.size(), 2u);
    EXPECT_EQ(due[0].slot, At("2026-10-12", 9));
    EXPECT_EQ(due[0].items.size(), 1u);
    // Item 2's digest went out (recorded as digested) but the process died
    // before the queue was rewritten: the reopened queue leaves it out.
    ASSERT_TRUE((*delivered)->Record(DeliveredLog::Key(kDigestedSink, "2:市财政局"), R"({"at":1})").ok());
  }
  std::ofstream(dir + "/digests.jsonl", std::ios::app) << R"({"slot": 1, "notif)";  // a torn last line
  auto q = DigestQueue::Open(dir, **delivered);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ((*q)->size(), 2u);
  const auto due = (*q)->DueThrough(At("2026-12-31", 9));
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].items[0].notification_id, "1:市财政局");
  EXPECT_EQ(due[1].items[0].notification_id, "3:市财政局");
  ASSERT_TRUE((*q)->RemoveThrough(At("2026-10-12", 9)).ok());
  auto again = DigestQueue::Open(dir, **delivered);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->size(), 1u) << "removed items stay removed";

  std::ofstream(dir + "/digests.jsonl", std::ios::app) << "not json\n";
  auto damaged = DigestQueue::Open(dir, **delivered);
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.status().code(), Status::Code::kCorruption);
  EXPECT_NE(damaged.status().message().find("digests.jsonl:2:"), std::string::npos) << damaged.status().ToString();
}

// ---- a scripted autumn through the binary ----

const std::string kFinance = "市财政局";
const std::string kEducation = "市教育局";

class DigestYearTest : public RemindersEmbeddedTest {
 protected:
  std::unique_ptr<Engine> engine_;
  int seq_ = 0;

  void OpenEngine() {
    EngineOptions o;
    o.data_dir = store_;
    auto e = Engine::Open(o, WorkflowTimerPolicy::Default().value());
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value();
  }
  void Do(const schemas::Actor& who, Instant at, schemas::CommandBody body) {
    schemas::Command c;
    c.command_id = "cmd-" + std::to_string(++seq_);
    c.plan_id = "p";
    c.actor = who;
    c.issued_at = at;
    c.body = std::move(body);
    const Outcome o = engine_->Submit(c);
    ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  }
  static schemas::Actor Office() { return {"督查室", schemas::Role::kSupervisor, "王五"}; }
  static schemas::Actor Unit(const std::string& u) { return {u, schemas::Role::kUnit, u}; }

  // Tasks 1 and 2 (财政) due Monday 2026-10-12, so both one-day reminders
  // fall on the 调休 Saturday 10-10; task 3 (教育) due 11-30, submitted and
  // rejected by the office early on an ordinary Saturday (before the digest
  // hour of a day that rests) and again at night.
  void WriteAutumn() {
    OpenEngine();
    schemas::ImportPlan p;
    p.plan = schemas::PlanImported{"2026年工作要点分工方案",
                                   "市政府办公室",
                                   "府办〔2026〕3号",
                                   "2026-08-20",
                                   2026,
                                   "digest",
                                   {kFinance, kEducation},
                                   {}};
    const std::string cal = "cn-mainland/2025-11-04";
    auto task = [&](int32_t n, const std::string& due, const std::string& unit) {
      return schemas::ImportTask{n,
                                 {"一"},
                                 "任务" + std::to_string(n),
                                 "第" + std::to_string(n) + "项工作",
                                 schemas::Deadline{due, due, "", false, cal},
                                 {},
                                 {unit}};
    };
    p.tasks = {task(1, "2026-10-12", kFinance), task(2, "2026-10-12", kFinance), task(3, "2026-11-30", kEducation)};
    Do(Office(), At("2026-09-01", 9), p);
    Do(Unit(kFinance), At("2026-09-01", 10), schemas::Accept{1, kFinance});
    Do(Unit(kFinance), At("2026-09-01", 10), schemas::Accept{2, kFinance});
    Do(Unit(kEducation), At("2026-09-01", 10), schemas::Accept{3, kEducation});
    for (Date d = *Date::Parse("2026-09-02"); d <= *Date::Parse("2026-10-31"); d = d.AddDays(1)) {
      const std::string day = d.ToString();
      if (day == "2026-10-16") Do(Unit(kEducation), At(day, 10), schemas::Submit{3, kEducation, "已完成", "材料一"});
      if (day == "2026-10-17") Do(Office(), At(day, 8), schemas::Reject{3, kEducation, "材料不全"});
      if (day == "2026-10-20") {
        Do(Unit(kEducation), At(day, 10), schemas::Submit{3, kEducation, "已补充", "材料二"});
        Do(Office(), At(day, 22, 30), schemas::Reject{3, kEducation, "仍缺佐证"});
      }
      auto fired = engine_->Tick(StartOfDay(d.AddDays(1)));
      ASSERT_TRUE(fired.ok()) << fired.status().ToString();
    }
    engine_.reset();
  }

  struct Expected {
    Notification n;
    Instant recorded_at = 0;
  };
  // Every notification the log makes, rendered as the consumer renders it.
  std::vector<Expected> ExpectedNotifications() {
    std::vector<Expected> out;
    ForEachExpectedNotification(store_, [&](const schemas::Event& e, Notification& n) {
      out.push_back({std::move(n), e.recorded_at});
    });
    return out;
  }
};

TEST_F(DigestYearTest, OneDigestPerRecipientAndWorkingDayNoneOnRestDaysUrgentAtOnceAndAReplayGivesTheSame) {
  WriteAutumn();
  // Everyone's notifications in the outbox; 财政's also by mail, through a
  // real SMTP server.
  testing::SmtpReceiver smtp(tmp_.path() + "/mail.jsonl");
  ASSERT_TRUE(smtp.ready()) << "aiosmtpd (python3-aiosmtpd) did not start";
  testing::RobotReceiver sms_gateway;  // answers {"errcode": 0}: sent
  const std::string channels = tmp_.path() + "/channels.yaml";
  std::ofstream(channels) << "channels:\n"
                          << "  box: {type: outbox, path: \"" << outbox_ << "\"}\n"
                          << "  mail: {type: email, url: \"" << smtp.url() << "\", from: duban@dcs.gov.example}\n"
                          << "  sms: {type: sms, url: \"" << sms_gateway.url("/sms")
                          << "\", body: '{\"phone\": \"{mobile}\", \"content\": \"{text}\"}', max_chars: 2000,"
                          << " success_field: errcode, success_value: \"0\"}\n"
                          << "recipients:\n  default: [{channel: box}]\n"
                          << "  " << kFinance << ": [{channel: box}, {channel: mail, to: [liaison@czj.gov.example]}]\n"
                          << "  " << kEducation << ": [{channel: box}, {channel: sms, mobiles: [\"13900000003\"]}]\n";
  Ran run = Reminders({"--channels", channels, "--digest-at", "09:00", "--exit-when-idle"});
  ASSERT_EQ(run.rc, 0) << run.out << run.err;
  EXPECT_NE(run.out.find(" digests="), std::string::npos) << run.out;
  const WorkCalendar cal = Calendar();

  std::map<std::string, Expected> waiting, urgent;  // by notification id
  for (auto& x : ExpectedNotifications()) (SentAtOnce(x.n) ? urgent : waiting)[x.n.notification_id] = x;
  ASSERT_GT(waiting.size(), 5u);
  ASSERT_GT(urgent.size(), 0u) << "the autumn should escalate task 1 and 2";

  std::set<std::pair<std::string, std::string>> recipient_days;
  std::map<std::string, int> carried;  // item id -> digests that listed it
  std::set<std::string> sent_at_once;
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> items_on;  // (recipient, day) -> items
  for (const auto& j : OutboxLines(outbox_)) {
    if (j["event_type"] != "Digest") {
      sent_at_once.insert(j["notification_id"].get<std::string>());
      continue;
    }
    const Instant at = j["occurred_at"].get<Instant>();
    const std::string recipient = j["recipient"], day = DayOf(at).ToString();
    EXPECT_EQ(at, At(day, 9)) << "digests go out at 09:00";
    EXPECT_TRUE(cal.IsWorkingDay(DayOf(at)).value()) << "a digest on the rest day " << day;
    EXPECT_TRUE(recipient_days.insert({recipient, day}).second) << recipient << " had two digests on " << day;
    for (const auto& id : j["items"]) {
      const std::string item = id.get<std::string>();
      ++carried[item];
      items_on[{recipient, day}].push_back(item);
      ASSERT_TRUE(waiting.count(item)) << item << " is not a notification that waits for a digest";
      const Expected& x = waiting[item];
      EXPECT_EQ(x.n.recipient, recipient);
      // The right digest: at or after the item was recorded, and the
      // previous working day's 09:00 came before it was.
      EXPECT_LE(x.recorded_at, at) << item;
      auto previous = cal.SubtractWorkingDays(DayOf(at), 1);
      ASSERT_TRUE(previous.ok());
      EXPECT_GT(x.recorded_at, At(previous->ToString(), 9)) << item << " should have gone out a working day earlier";
    }
  }
  for (const auto& [id, x] : waiting) EXPECT_EQ(carried[id], 1) << id << " in " << carried[id] << " digests";
  std::set<std::string> urgent_ids;
  for (const auto& [id, x] : urgent) urgent_ids.insert(id);
  EXPECT_EQ(sent_at_once, urgent_ids) << "urgent notifications are sent at once, each on its own";

  // The 调休 Saturday: both one-day reminders of 财政, in one message.
  const auto saturday = items_on[std::make_pair(kFinance, std::string("2026-10-10"))];
  ASSERT_EQ(saturday.size(), 2u) << "财政's digest on the working Saturday 2026-10-10";
  for (const auto& id : saturday) EXPECT_EQ(waiting[id].n.event_type, "DeadlineApproaching");
  // ... which reached 财政's liaison as one mail naming both tasks.
  int saturday_mails = 0;
  for (const auto& m : smtp.messages()) {
    if (m["subject"] != "【督办提醒】2026-10-10 督办事项汇总（2项）") continue;
    ++saturday_mails;
    EXPECT_EQ(m["to"], nlohmann::json({"liaison@czj.gov.example"}));
    const std::string body = m["body"];
    for (const auto& id : saturday) EXPECT_NE(body.find(waiting[id].n.text), std::string::npos) << body;
    EXPECT_NE(body.find("（到期日2026-10-12，剩1个工作日）"), std::string::npos) << body;
  }
  EXPECT_EQ(saturday_mails, 1);
  // 教育's digests reached its liaison's phone through the SMS gateway, one
  // text per working day that had something for it.
  std::map<std::string, int> texts_on;
  for (const auto& r : sms_gateway.requests()) {
    EXPECT_EQ(r.body["phone"], "13900000003");
    const std::string content = r.body["content"];
    for (const std::string day : {"2026-10-19", "2026-10-21"})
      if (content.rfind(kEducation + "：截至" + day, 0) == 0) ++texts_on[day];
  }
  EXPECT_EQ(texts_on["2026-10-19"], 1);
  EXPECT_EQ(texts_on["2026-10-21"], 1);
  EXPECT_EQ(sms_gateway.requests().size(),
            static_cast<size_t>(std::count_if(recipient_days.begin(), recipient_days.end(),
                                              [](const auto& rd) { return rd.first == kEducation; })))
      << "one text per digest of 教育, nothing else";
  // Escalations reach the unit's leaders (the default workflow's notify
  // list from level 2), at once.
  bool leaders_told = false;
  for (const auto& id : sent_at_once) leaders_told |= urgent[id].n.recipient == kFinance + "主要负责同志";
  EXPECT_TRUE(leaders_told) << "no escalation reached 市财政局主要负责同志";
  // A rejection early on a resting Saturday waits for Monday; one at 22:30 for the next morning.
  for (const std::string day : {"2026-10-19", "2026-10-21"}) {
    const auto& on = items_on[std::make_pair(kEducation, day)];
    ASSERT_EQ(on.size(), 1u) << day;
    EXPECT_EQ(waiting[on[0]].n.event_type, "CompletionRejected") << day;
  }

  // Deterministic from the log: read again from scratch, the same bytes.
  const std::string first = Slurp(outbox_);
  state_ = tmp_.path() + "/reminders-again";
  outbox_ = tmp_.path() + "/outbox-again.jsonl";
  Ran again = Reminders({"--outbox", outbox_, "--digest-at", "09:00", "--exit-when-idle"});
  ASSERT_EQ(again.rc, 0) << again.out << again.err;
  EXPECT_EQ(Slurp(outbox_), first);
  // And a rerun on the first state sends nothing more.
  state_ = tmp_.path() + "/reminders";
  const size_t mails = smtp.messages().size();
  Ran rerun = Reminders({"--channels", channels, "--digest-at", "09:00", "--exit-when-idle"});
  ASSERT_EQ(rerun.rc, 0) << rerun.out << rerun.err;
  EXPECT_EQ(Slurp(tmp_.path() + "/outbox.jsonl"), first);
  EXPECT_EQ(smtp.messages().size(), mails);
  std::printf("%zu digests for %zu waiting notifications, %zu urgent at once\n", recipient_days.size(), waiting.size(),
              urgent.size());
}

// The simulated 2026 year, with digests: the consumer killed with SIGKILL
// at random ten times mid-delivery, then finished. Its outbox is the outbox
// of one uninterrupted run, line for line: no digest lost, split or sent
// twice, no item in two digests.
TEST_F(DigestYearTest, KilledAtRandomTenTimesWithDigestsTheOutboxIsThatOfOneCleanRun) {
  Ran sim = Duban({"simulate", "--year", "2026"});
  ASSERT_EQ(sim.rc, 0) << sim.out << sim.err;
  const std::string clean_box = tmp_.path() + "/clean.jsonl";
  Ran clean = RunProcess(DUBAN_REMINDERS_EXE,
                         {"--store", store_, "--data", tmp_.path() + "/clean-state", "--outbox", clean_box,
                          "--digest-at", "09:00", "--exit-when-idle"},
                         tmp_.path());
  ASSERT_EQ(clean.rc, 0) << clean.out << clean.err;
  const auto expected = OutboxIds(clean_box);
  ASSERT_GT(expected.size(), 1000u);

  // Every notification also goes to a group robot that takes 1 ms to
  // answer (a remote server's round trip): the delivery lasts long enough
  // for ten kills to land in it.
  testing::RobotReceiver robot;
  robot.Delay(1);
  const std::string channels = tmp_.path() + "/channels.yaml";
  std::ofstream(channels) << "channels:\n"
                          << "  box: {type: outbox, path: \"" << outbox_ << "\"}\n"
                          << "  wx: {type: wecom, url: \"" << robot.url("/send?key=K") << "\"}\n"
                          << "recipients:\n  default: [{channel: box}, {channel: wx}]\n";
  const auto args = Args({"--channels", channels, "--digest-at", "09:00", "--poll-ms", "20"});
  std::mt19937 rng(std::random_device{}());
  int kills = 0;
  for (int k = 1; k <= 10; ++k) {
    const size_t before = OutboxIds(outbox_).size();
    if (before == expected.size()) break;
    Child c(DUBAN_REMINDERS_EXE, args, tmp_.path() + "/kill" + std::to_string(k) + ".out");
    ASSERT_TRUE(WaitFor([&] { return OutboxIds(outbox_).size() > before; })) << "round " << k << ": no progress";
    std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3000)(rng)));
    ASSERT_TRUE(WIFSIGNALED(c.Signal(SIGKILL))) << "round " << k << " ended before its kill";
    ++kills;
  }
  Ran finish = Reminders({"--channels", channels, "--digest-at", "09:00", "--exit-when-idle"});
  ASSERT_EQ(finish.rc, 0) << finish.out << finish.err;
  EXPECT_GE(kills, 10) << "delivered before ten kills: too little work";
  EXPECT_GE(robot.requests().size(), expected.size()) << "the robot had each one too";
  const auto got = OutboxIds(outbox_);
  EXPECT_EQ(std::multiset<std::string>(got.begin(), got.end()),
            std::multiset<std::string>(expected.begin(), expected.end()));
  size_t digests = 0;
  for (const auto& id : got) digests += id.rfind("digest:", 0) == 0;
  EXPECT_GT(digests, 50u);
  std::printf("%d kills: %zu notifications (%zu digests) once each, as one clean run sent them\n", kills, got.size(),
              digests);
}

// The office's view (`duban-reminders receipts`): for each unit, which
// notification reached it when and how: at once on a channel, or inside a
// digest that itself went out. Lines from before receipts still dedupe; a
// damaged receipt is reported with its line and never breaks dedupe.
TEST_F(DigestYearTest, ReceiptsTellTheOfficeWhoWasToldWhatWhenAndHow) {
  WriteAutumn();
  const int64_t before =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  Ran run = Reminders({"--outbox", outbox_, "--digest-at", "09:00", "--exit-when-idle"});
  ASSERT_EQ(run.rc, 0) << run.out << run.err;

  std::map<std::string, Expected> finance;  // notification id -> expected
  for (auto& e : ExpectedNotifications())
    if (e.n.recipient == kFinance) finance[e.n.notification_id] = e;
  ASSERT_GT(finance.size(), 3u);

  Ran listed =
      RunProcess(DUBAN_REMINDERS_EXE, {"receipts", "--data", state_, "--recipient", kFinance, "--json"}, tmp_.path());
  ASSERT_EQ(listed.rc, 0) << listed.err;
  std::map<std::string, nlohmann::json> told;
  std::istringstream lines(listed.out);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["recipient"], kFinance);
    EXPECT_TRUE(told.emplace(j["notification_id"].get<std::string>(), j).second) << "told twice: " << line;
  }
  ASSERT_EQ(told.size(), finance.size()) << listed.out;
  int in_digests = 0, at_once = 0;
  for (const auto& [id, e] : finance) {
    ASSERT_TRUE(told.count(id)) << id << " never told";
    const auto& j = told[id];
    EXPECT_EQ(j["task"], e.n.task);
    EXPECT_EQ(j["kind"], e.n.channel);
    EXPECT_EQ(j["title"], e.n.title);
    auto at = ParseInstant(j["at"].get<std::string>().substr(0, 19));
    ASSERT_TRUE(at.has_value()) << j.dump();
    EXPECT_GE(*at, before - 1000) << "the time it reached them, not the event's";
    if (SentAtOnce(e.n)) {
      ++at_once;
      EXPECT_EQ(j["how"], "outbox") << j.dump();
    } else {
      ++in_digests;
      EXPECT_EQ(j["how"], "digest via outbox") << j.dump();
    }
  }
  EXPECT_GT(in_digests, 0);
  EXPECT_GT(at_once, 0);

  // The table an office reads names the unit's tasks; a filter by task narrows it.
  Ran table =
      RunProcess(DUBAN_REMINDERS_EXE, {"receipts", "--data", state_, "--plan", "p", "--task", "3"}, tmp_.path());
  ASSERT_EQ(table.rc, 0) << table.err;
  EXPECT_NE(table.out.find("p #3"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find("p #1"), std::string::npos) << table.out;

  // A line written before receipts existed, and then a damaged receipt.
  std::ofstream(state_ + "/delivered.log", std::ios::app) << "outbox\told-event:市教育局\n"
                                                          << "outbox\tx:y\t{\"at\": \"noon\"}\n";
  Ran damaged = RunProcess(DUBAN_REMINDERS_EXE, {"receipts", "--data", state_}, tmp_.path());
  EXPECT_EQ(damaged.rc, 1) << "a damaged line is an error";
  EXPECT_NE(damaged.err.find("damaged receipt left out: " + state_ + "/delivered.log:"), std::string::npos)
      << damaged.err;
  EXPECT_NE(damaged.err.find("the receipt does not read"), std::string::npos) << damaged.err;
  EXPECT_NE(damaged.out.find("p #3"), std::string::npos) << "the good lines are still listed";
  // Dedupe does not depend on receipts: a rerun sends nothing.
  const std::string outbox = Slurp(outbox_);
  Ran rerun = Reminders({"--outbox", outbox_, "--digest-at", "09:00", "--exit-when-idle"});
  ASSERT_EQ(rerun.rc, 0) << rerun.err;
  EXPECT_EQ(Slurp(outbox_), outbox);
  auto receipts = ReadReceipts(state_);
  ASSERT_TRUE(receipts.ok()) << receipts.status().ToString();
  EXPECT_EQ(receipts->damaged.size(), 1u);
  EXPECT_EQ(receipts->receipts.back().recipient, kEducation) << "an old line's recipient, from its id";

  Ran missing = RunProcess(DUBAN_REMINDERS_EXE, {"receipts", "--data", tmp_.path() + "/nowhere"}, tmp_.path());
  EXPECT_EQ(missing.rc, 1);
  EXPECT_NE(missing.err.find("has no delivered.log: not the --data directory"), std::string::npos) << missing.err;
}

TEST(ReceiptsTest, ALineFromBeforeReceiptsIsListedWithoutATimeAndStillDedupes) {
  duban::testing::TempDir tmp("duban-receipts");
  std::ofstream(tmp.path() + "/delivered.log") << "outbox\told-event:市教育局\n";
  auto log = DeliveredLog::Open(tmp.path() + "/delivered.log");
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_TRUE((*log)->Contains(DeliveredLog::Key("outbox", "old-event:市教育局")));
  Notification n;
  n.notification_id = "e2:市教育局";
  n.recipient = kEducation;
  n.channel = "overdue";
  n.plan = "p";
  n.task = 3;
  n.title = "逾期提醒";
  ASSERT_TRUE((*log)->Record(DeliveredLog::Key("mail", n.notification_id), ReceiptJson(n, 1234)).ok());
  log->reset();
  auto reopened = DeliveredLog::Open(tmp.path() + "/delivered.log");
  ASSERT_TRUE(reopened.ok());
  EXPECT_TRUE((*reopened)->Contains(DeliveredLog::Key("mail", n.notification_id)));
  auto receipts = ReadReceipts(tmp.path());
  ASSERT_TRUE(receipts.ok()) << receipts.status().ToString();
  const auto& got = receipts->receipts;
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(receipts->damaged.empty());
  EXPECT_EQ(got[0].notification_id, "old-event:市教育局");
  EXPECT_EQ(got[0].at, 0);
  EXPECT_EQ(got[0].recipient, kEducation);
  EXPECT_EQ(got[1].channel, "mail");
  EXPECT_EQ(got[1].at, 1234);
  EXPECT_EQ(got[1].recipient, kEducation);
  EXPECT_EQ(got[1].task, 3);
  EXPECT_EQ(got[1].kind, "overdue");
}

// Per-recipient hours: 教育 at 16:30, 财政 told of each at once, everyone
// else (the office, the leaders) at the general hour; without a general
// hour only the recipients given one get digests.
TEST_F(DigestYearTest, EachRecipientCanHaveItsOwnDigestHourOrBeToldAtOnce) {
  WriteAutumn();
  Ran run = Reminders({"--outbox", outbox_, "--digest-at", "09:00", "--digest-at-for", kEducation + "=16:30",
                       "--digest-at-for", kFinance + "=now", "--exit-when-idle"});
  ASSERT_EQ(run.rc, 0) << run.out << run.err;
  std::map<std::string, int> digests_of, single_of;
  for (const auto& j : OutboxLines(outbox_)) {
    const std::string who = j["recipient"];
    if (j["event_type"] != "Digest") {
      ++single_of[who];
      continue;
    }
    ++digests_of[who];
    const Instant at = j["occurred_at"].get<Instant>();
    const Instant minute = (at - StartOfDay(DayOf(at))) / 60000;
    EXPECT_EQ(minute, who == kEducation ? 16 * 60 + 30 : 9 * 60) << who << " " << FormatInstant(at);
  }
  EXPECT_EQ(digests_of.count(kFinance), 0u) << "财政 is told at once";
  size_t finance_expected = 0;
  for (const auto& e : ExpectedNotifications()) finance_expected += e.n.recipient == kFinance;
  EXPECT_EQ(single_of[kFinance], static_cast<int>(finance_expected));
  EXPECT_GT(digests_of[kEducation], 0);

  // Only 教育 digested: the rest at once.
  state_ = tmp_.path() + "/reminders-only-education";
  outbox_ = tmp_.path() + "/outbox-only-education.jsonl";
  Ran only = Reminders({"--outbox", outbox_, "--digest-at-for", kEducation + "=08:00", "--exit-when-idle"});
  ASSERT_EQ(only.rc, 0) << only.out << only.err;
  int education_digests = 0;
  for (const auto& j : OutboxLines(outbox_)) {
    if (j["event_type"] != "Digest") continue;
    EXPECT_EQ(j["recipient"], kEducation) << j.dump();
    ++education_digests;
  }
  EXPECT_GT(education_digests, 0);

  Ran bad = Reminders({"--outbox", outbox_, "--digest-at-for", kEducation + "=noon", "--exit-when-idle"});
  EXPECT_EQ(bad.rc, 2);
  EXPECT_NE(bad.err.find("give RECIPIENT=HH:MM"), std::string::npos) << bad.err;
}

TEST_F(DigestYearTest, ABadDigestTimeIsAUsageError) {
  WriteAutumn();
  Ran r = Reminders({"--outbox", outbox_, "--digest-at", "9am", "--exit-when-idle"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("--digest-at 9am: give a time of day as HH:MM"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace duban::consumers

// Message templates (consumers/templates.h): the office's wording file is
// checked with file and line, overrides only what it names, and reaches the
// notifications, the digests and the outbox of a real `duban-reminders` run.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "duban/consumers/digest.h"
#include "duban/consumers/notification.h"
#include "duban/consumers/templates.h"
#include "duban/utf8.h"
#include "embedded_fixture.h"
#include "test_events.h"

namespace duban::consumers {
namespace {

using testing::MakeEvent;
using testing::Plan;
using testing::Task;

TaskDirectory Directory() {
  TaskDirectory dir;
  dir.Apply(MakeEvent("p", 1, Plan("政务公开工作要点分工方案")));
  dir.Apply(MakeEvent("p", 2, Task(7, "做好债务信息公开", "2026-12-31")));
  return dir;
}

RenderOptions With(const std::string& yaml) {
  auto t = ParseTemplates(yaml, "office.yaml");
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  RenderOptions o;
  o.templates = std::make_shared<const Templates>(std::move(t).value());
  return o;
}

std::string ErrorOf(const std::string& yaml) {
  auto t = ParseTemplates(yaml, "office.yaml");
  return t.ok() ? "(accepted)" : t.status().message();
}

bool StartsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

TEST(TemplatesTest, EveryMessageKeyIsWordedByTheBuiltInFileAndItsPrintoutParsesBack) {
  for (const auto& [key, placeholders] : MessageKeys()) {
    const MessageTemplate& m = Templates::Builtin().Get(key);
    EXPECT_FALSE(m.title.empty()) << key;
    EXPECT_FALSE(m.text.empty()) << key;
  }
  // What `duban-reminders templates` prints is a valid file changing nothing.
  auto again = ParseTemplates(Templates::BuiltinText(), "printed.yaml");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  for (const auto& [key, placeholders] : MessageKeys())
    EXPECT_EQ(again->Get(key).text, Templates::Builtin().Get(key).text) << key;
}

TEST(TemplatesTest, AnOfficeFileRewordsWhatItNamesAndLeavesTheRestBuiltIn) {
  const RenderOptions o = With(
      "reminder:\n"
      "  text: \"{unit}：{task_ref}还剩{days_left}个工作日（{due_on}），{{请回复}}。\"\n"
      "escalation_others:\n"
      "  title: \"[{level}级] {unit}\"\n");
  const TaskDirectory dir = Directory();

  auto r =
      RenderNotifications(MakeEvent("p", 3, schemas::DeadlineApproaching{7, "市财政局", "2026-12-31", 20}), dir, o);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].text, "市财政局：第7项任务「做好债务信息公开」还剩20个工作日（2026-12-31），{请回复}。");
  EXPECT_EQ(r[0].title, "督办提醒：第7项任务将于2026-12-31到期") << "the title the file left out is built-in";

  const auto escalation =
      MakeEvent("p", 4, schemas::EscalationRaised{7, "市财政局", 2, "通报批评", {"unit", "office", "unit_leaders"}});
  auto esc = RenderNotifications(escalation, dir, o);
  ASSERT_EQ(esc.size(), 3u);
  EXPECT_EQ(esc[0].title, "督办升级（通报批评）：第7项任务 市财政局") << "the unit's message is not the others'";
  EXPECT_EQ(esc[1].title, "[2级] 市财政局");
  EXPECT_EQ(esc[2].recipient, "市财政局主要负责同志");
  EXPECT_EQ(esc[2].title, "[2级] 市财政局");
  EXPECT_EQ(esc[1].text, RenderNotifications(escalation, dir)[1].text) << "the text the file left out is built-in";
}

TEST(TemplatesTest, TheDigestTitleAndFirstLineComeFromTheFile) {
  const RenderOptions o = With("digest:\n  title: \"{date}待办{count}项\"\n  text: \"致{recipient}\"\n");
  auto cal = workflows::WorkCalendar::Default();
  ASSERT_TRUE(cal.ok());
  const TaskDirectory dir = Directory();
  auto items =
      RenderNotifications(MakeEvent("p", 3, schemas::DeadlineApproaching{7, "市财政局", "2026-12-31", 20}), dir);
  const Instant nine = StartOfDay(*Date::Parse("2026-12-03")) + 9 * 3600 * 1000;
  const Notification d = ComposeDigest("市财政局", nine, items, *cal, *o.templates);
  EXPECT_EQ(d.title, "2026-12-03待办1项");
  EXPECT_EQ(d.text.substr(0, d.text.find('\n')), "致市财政局");
  EXPECT_NE(d.text.find(items[0].text), std::string::npos) << d.text;
}

TEST(TemplatesTest, MistakesAreRefusedWithFileAndLine) {
  EXPECT_EQ(ErrorOf("reminder:\n  title: ok\n  text: \"剩{dayz_left}天\"\n"),
            "office.yaml:3: reminder.text: unknown placeholder {dayz_left} (known here: {days_left} {due_clause} "
            "{due_on} {plan_title} {task} {task_ref} {task_text} {unit})");
  // A placeholder of another message is not one of this message's.
  EXPECT_PRED2(StartsWith, ErrorOf("overdue:\n  text: \"{reason}\"\n"),
               "office.yaml:2: overdue.text: unknown placeholder {reason} (known here: {due_clause}");
  EXPECT_PRED2(StartsWith, ErrorOf("\n\nremindr:\n  text: x\n"), "office.yaml:3: unknown key \"remindr\" in the");
  EXPECT_PRED2(StartsWith, ErrorOf("reminder:\n  body: x\n"), "office.yaml:2: unknown key \"body\" in remi");
  EXPECT_EQ(ErrorOf("reminder:\n  text: \"a {unit\"\n"),
            "office.yaml:2: reminder.text: \"{\" is never closed (write {{ for a brace)");
  EXPECT_EQ(ErrorOf("reminder:\n  text: \"a } b\"\n"),
            "office.yaml:2: reminder.text: a lone \"}\" (write }} for a brace)");
  EXPECT_EQ(ErrorOf("reminder:\n  text: \"  \"\n"), "office.yaml:2: reminder.text is empty");
  EXPECT_EQ(ErrorOf("reminder:\n  text: [a, b]\n"), "office.yaml:2: reminder.text must be a string");
  EXPECT_EQ(ErrorOf("reminder: just text\n"), "office.yaml:1: reminder must be a mapping");
  EXPECT_EQ(ErrorOf("- reminder\n"), "office.yaml:1: the templates file must be a mapping");
  EXPECT_PRED2(StartsWith, ErrorOf("reminder: [\n"), "office.yaml:2: ");
  EXPECT_EQ(ErrorOf("reminder:\n  text: \"" + std::string(5000, 'x') + "\"\n"),
            "office.yaml:2: reminder.text is 5000 bytes; a template is at most 4096");
  EXPECT_EQ(ErrorOf("reminder:\n  text: \"a\\x1b[2J\"\n"),
            "office.yaml:2: reminder.text holds a control character (code 27)");
  EXPECT_EQ(ErrorOf("reminder:\n  text: \"\xff\xfe\"\n").substr(0, 14), "office.yaml:2:");
  EXPECT_EQ(ErrorOf(""), "(accepted)") << "an empty file changes nothing";
}

TEST(TemplatesTest, FillingKeepsDoubledBracesAndUnknownNamesAsWritten) {
  EXPECT_EQ(FillTemplate("{{a}} {b} {c} {", {{"b", "B"}, {"a", "A"}}), "{a} B {c} {");
}

TEST(TemplatesTest, WordsEndingInAQuestionTakeNoFullStopAfterThem) {
  EXPECT_EQ(FillTemplate("意见：{w}。请阅知。", {{"w", "是否已报送？"}}), "意见：是否已报送？请阅知。");
  EXPECT_EQ(FillTemplate("意见：{w}。请阅知。", {{"w", "why?"}}), "意见：why?请阅知。");
  EXPECT_EQ(FillTemplate("意见：{w}。请阅知。", {{"w", "已报送"}}), "意见：已报送。请阅知。");
  EXPECT_EQ(FillTemplate("意见：{w}。请阅知。", {{"w", "是否？已报送"}}), "意见：是否？已报送。请阅知。")
      << "a question inside the words does not end them";
}

// The binary: a bad file stops the consumer before it reads or sends
// anything; a good one words the outbox.
class TemplatesEmbeddedTest : public test_support::RemindersEmbeddedTest {};

TEST_F(TemplatesEmbeddedTest, ABadFileStopsTheConsumerBeforeAnySendAndAGoodOneWordsTheOutbox) {
  using test_support::OutboxLines;
  MakeStoreWithPlan();
  Tick();
  const std::string bad = tmp_.path() + "/bad.yaml", good = tmp_.path() + "/good.yaml";
  std::ofstream(bad) << "# 本局用语\noverdue:\n  text: \"{unit}逾期了{dayz}\"\n";
  std::ofstream(good) << "overdue:\n  title: \"逾期：{task}\"\n  text: \"{unit}：第{task}项已于{due_on}到期。\"\n";

  auto refused = Reminders({"--outbox", outbox_, "--templates", bad, "--exit-when-idle"});
  EXPECT_EQ(refused.rc, 2);
  EXPECT_NE(refused.err.find(bad + ":3: overdue.text: unknown placeholder {dayz}"), std::string::npos) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(outbox_)) << "nothing sent with a half-read wording";
  EXPECT_FALSE(std::filesystem::exists(state_ + "/cursor")) << "nothing read either";

  auto ran = Reminders({"--outbox", outbox_, "--templates", good, "--exit-when-idle"});
  ASSERT_EQ(ran.rc, 0) << ran.err;
  int overdue = 0, others = 0;
  for (const auto& j : OutboxLines(outbox_)) {
    const std::string text = j["text"];
    if (j["channel"] == "overdue") {
      ++overdue;
      EXPECT_EQ(text, j["recipient"].get<std::string>() + "：第" + std::to_string(j["task"].get<int>()) + "项已于" +
                          j["due_on"].get<std::string>() + "到期。");
      EXPECT_EQ(j["title"], "逾期：" + std::to_string(j["task"].get<int>()));
    } else {
      ++others;
      EXPECT_EQ(text.find("逾期了"), std::string::npos);
    }
  }
  EXPECT_GT(overdue, 0);
  EXPECT_GT(others, 0);

  auto printed = test_support::RunProcess(DUBAN_REMINDERS_EXE, {"templates"}, tmp_.path());
  ASSERT_EQ(printed.rc, 0);
  EXPECT_EQ(printed.out, Templates::BuiltinText());
  auto checked = test_support::RunProcess(DUBAN_REMINDERS_EXE, {"templates", "--check", bad}, tmp_.path());
  EXPECT_EQ(checked.rc, 2);
  EXPECT_NE(checked.err.find(bad + ":3:"), std::string::npos) << checked.err;
}

}  // namespace
}  // namespace duban::consumers

namespace duban::consumers {
namespace {

// Robots and SMS gateways take short texts: a digest keeps whole items and
// says how many it left out, instead of stopping mid-sentence.
TEST(FitTextTest, ADigestKeepsWholeItemsAndCountsTheRestOtherTextsAreCut) {
  auto cal = workflows::WorkCalendar::Default();
  ASSERT_TRUE(cal.ok());
  const TaskDirectory dir = Directory();
  std::vector<Notification> items;
  for (int i = 0; i < 12; ++i) {
    auto n = RenderNotifications(
        MakeEvent("p", 10 + i, schemas::DeadlineApproaching{7, "市财政局", "2026-12-31", 20 - i}), dir);
    items.push_back(n[0]);
  }
  const Instant nine = StartOfDay(*Date::Parse("2026-12-03")) + 9 * 3600 * 1000;
  const Notification d = ComposeDigest("市财政局", nine, items, *cal);
  ASSERT_GT(utf8::CodePoints(d.text), 600u);

  for (size_t max : {600u, 300u, 150u}) {
    const std::string fit = FitText(d, max);
    EXPECT_LE(utf8::CodePoints(fit), max) << fit;
    std::vector<std::string> lines;
    std::istringstream in(fit);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    ASSERT_GE(lines.size(), 3u) << fit;
    EXPECT_EQ(lines[0], d.text.substr(0, d.text.find('\n')));
    const size_t shown = lines.size() - 2;
    for (size_t i = 1; i <= shown; ++i)
      EXPECT_NE(d.text.find(lines[i]), std::string::npos) << "item " << i << " whole: " << lines[i];
    EXPECT_EQ(lines.back(), "（另有" + std::to_string(12 - shown) + "项未列出）");
  }
  // Room for not even one whole item: the first is cut, the count still said.
  const std::string tight = FitText(d, 60);
  EXPECT_LE(utf8::CodePoints(tight), 60u + 1) << tight;
  EXPECT_NE(tight.find("（另有11项未列出）"), std::string::npos) << tight;
  // Short enough, or not a digest: as before.
  EXPECT_EQ(FitText(d, 100000), d.text);
  EXPECT_EQ(FitText(items[0], 20), TruncateUtf8(items[0].text, 20));
}

}  // namespace
}  // namespace duban::consumers

// The channels: email to a real SMTP server (aiosmtpd, read back with
// Python's email package), 企业微信 and 钉钉 robot webhooks against a real
// HTTP receiver on 127.0.0.1 (their JSON, DingTalk's signature, errcodes that
// are retried or final), and the channels file's checks (file:line).
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <filesystem>
#include <fstream>

#include "duban/consumers/channels.h"
#include "duban/consumers/notification.h"
#include "duban/consumers/sink.h"
#include "duban/utf8.h"
#include "receivers.h"
#include "test_events.h"
#include "temp_dir.h"

namespace duban::consumers {
namespace {

using testing::RobotReceiver;
using testing::SmtpReceiver;

Notification Sample(const std::string& recipient = "市财政局") {
  Notification n;
  n.notification_id = "ev-7f3a:" + recipient;
  n.event_id = "ev-7f3a";
  n.event_type = "DeadlineApproaching";
  n.recipient = recipient;
  n.channel = "reminder";
  n.level = "notice";
  // Long enough that the subject needs several RFC 2047 words.
  n.title = "督办提醒：第7项任务「持续深化地方政府债务信息公开工作」将于2021-12-31到期，请按时完成并报送进度";
  n.text =
      "【督办提醒】韶关市2021年政务公开工作要点分工方案 第7项任务「持续深化地方政府债务信息公开…」将于"
      "2021-12-31到期（剩3个工作日），请市财政局按时完成并报送进度。";
  n.due_on = "2021-12-31";
  n.plan = "sg-2021";
  n.plan_title = "韶关市2021年政务公开工作要点分工方案";
  n.task = 7;
  n.task_text = "持续深化地方政府债务信息公开工作";
  return n;
}

Routes RoutesFor(const std::string& recipient, std::vector<std::string> addresses) {
  Routes r;
  r.recipients[recipient] = std::move(addresses);
  r.named = {recipient};
  return r;
}

std::unique_ptr<Sink> Email(const std::string& url, Routes routes) {
  SmtpOptions o;
  o.name = "mail";
  o.url = url;
  o.from = "duban@dcs.gov.example";
  o.from_name = "督查室";
  o.timeout_ms = 5000;
  auto s = MakeSmtpSink(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  (*s)->set_routes(std::move(routes));
  return std::move(s).value();
}

TEST(EmailChannelTest, AMessageReachesARealSmtpServerWithChineseSubjectAndBodyIntact) {
  duban::testing::TempDir tmp("duban-email");
  SmtpReceiver smtp(tmp.path() + "/mail.jsonl");
  ASSERT_TRUE(smtp.ready()) << "aiosmtpd did not start (python3-aiosmtpd installed? ops/install-deps.sh)";
  auto sink = Email(smtp.url(), RoutesFor("市财政局", {"liaison@czj.gov.example", "leader@czj.gov.example"}));
  const Notification n = Sample();
  ASSERT_TRUE(sink->Wants(n));
  EXPECT_FALSE(sink->Wants(Sample("市教育局")));
  Status s = sink->Deliver(n);
  ASSERT_TRUE(s.ok()) << s.ToString();

  auto got = smtp.messages();
  ASSERT_EQ(got.size(), 1u);
  const auto& m = got[0];
  EXPECT_EQ(m["subject"], n.title);
  EXPECT_EQ(m["content_type"], "text/plain");
  EXPECT_EQ(m["charset"], "utf-8");
  EXPECT_EQ(m["transfer_encoding"], "base64");
  EXPECT_EQ(m["from"], "duban@dcs.gov.example");
  EXPECT_NE(m["header_from"].get<std::string>().find("督查室"), std::string::npos) << m["header_from"];
  EXPECT_EQ(m["to"], nlohmann::json({"liaison@czj.gov.example", "leader@czj.gov.example"}));
  EXPECT_EQ(m["notification_id"], n.notification_id);
  const std::string body = m["body"];
  EXPECT_NE(body.find(n.text), std::string::npos) << body;
  EXPECT_NE(body.find("到期日：2021-12-31"), std::string::npos) << body;
  EXPECT_NE(body.find("通知编号：" + n.notification_id), std::string::npos) << body;
  // The same notification keeps its Message-ID (a resend after a crash threads as one).
  EXPECT_NE(m["message_id"].get<std::string>().find("@duban.reminders>"), std::string::npos);
}

TEST(EmailChannelTest, ARefusedMailboxIsFinalABusyServerAndAnUnreachableOneAreRetried) {
  duban::testing::TempDir tmp("duban-email-fail");
  SmtpReceiver smtp(tmp.path() + "/mail.jsonl");
  ASSERT_TRUE(smtp.ready());
  Status refused = Email(smtp.url(), RoutesFor("市财政局", {"refuse@czj.gov.example"}))->Deliver(Sample());
  ASSERT_FALSE(refused.ok());
  EXPECT_FALSE(IsRetryable(refused)) << refused.ToString();
  EXPECT_NE(refused.message().find("550"), std::string::npos) << refused.ToString();
  Status busy = Email(smtp.url(), RoutesFor("市财政局", {"busy@czj.gov.example"}))->Deliver(Sample());
  ASSERT_FALSE(busy.ok());
  EXPECT_TRUE(IsRetryable(busy)) << busy.ToString();
  EXPECT_TRUE(smtp.messages().empty());

  const std::string url = smtp.url();
  smtp.Stop();
  Status down = Email(url, RoutesFor("市财政局", {"liaison@czj.gov.example"}))->Deliver(Sample());
  ASSERT_FALSE(down.ok());
  EXPECT_TRUE(IsRetryable(down)) << down.ToString();
  EXPECT_NE(down.message().find(url), std::string::npos) << down.ToString();
}

TEST(EmailChannelTest, SubjectWordsStayWithinRfc2047LimitsAndNeverSplitACharacter) {
  const std::string subject = Sample().title;
  const std::string encoded = EncodeHeaderWord(subject);
  std::string decoded;
  size_t words = 0;
  for (size_t start = 0; start < encoded.size();) {
    size_t end = encoded.find("\r\n ", start);
    if (end == std::string::npos) end = encoded.size();
    const std::string word = encoded.substr(start, end - start);
    ++words;
    EXPECT_LE(word.size(), 75u) << word;
    ASSERT_EQ(word.rfind("=?UTF-8?B?", 0), 0u) << word;
    const std::string b64 = word.substr(10, word.size() - 12);
    std::string raw(b64.size(), '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                            reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
    ASSERT_GE(n, 0);
    raw.resize(static_cast<size_t>(n));
    while (!raw.empty() && raw.back() == '\0' && b64.back() == '=') raw.pop_back();  // padding bytes
    EXPECT_TRUE(utf8::IsValid(raw)) << "a word ends inside a character: " << word;
    decoded += raw;
    start = end == encoded.size() ? end : end + 3;
  }
  EXPECT_GT(words, 2u);
  EXPECT_EQ(decoded, subject);
  EXPECT_EQ(EncodeHeaderWord("plain ascii"), "plain ascii");
}

std::unique_ptr<Sink> Robot(RobotKind kind, const std::string& url, Routes routes, const std::string& secret = "") {
  RobotOptions o;
  o.kind = kind;
  o.name = kind == RobotKind::kWeCom ? "wx" : "ding";
  o.url = url;
  o.secret = secret;
  auto s = MakeRobotSink(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  (*s)->set_routes(std::move(routes));
  return std::move(s).value();
}

TEST(RobotChannelTest, WeComGetsItsTextFormatWithMentionsRateLimitIsRetriedABadKeyIsFinal) {
  RobotReceiver wx;
  auto sink =
      Robot(RobotKind::kWeCom, wx.url("/cgi-bin/webhook/send?key=K-czj"), RoutesFor("市财政局", {"13800000001"}));
  const Notification n = Sample();
  ASSERT_TRUE(sink->Deliver(n).ok());
  auto reqs = wx.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].params["key"], "K-czj");
  EXPECT_EQ(reqs[0].body["msgtype"], "text");
  EXPECT_EQ(reqs[0].body["text"]["content"], n.text);
  EXPECT_EQ(reqs[0].body["text"]["mentioned_mobile_list"], nlohmann::json({"13800000001"}));

  wx.Fail({45009});  // api freq out of limit
  Status limited = sink->Deliver(n);
  ASSERT_FALSE(limited.ok());
  EXPECT_TRUE(IsRetryable(limited)) << limited.ToString();
  EXPECT_NE(limited.message().find("45009"), std::string::npos);
  EXPECT_TRUE(sink->Deliver(n).ok());

  wx.Fail({93000});  // invalid webhook url (bad key)
  Status bad = sink->Deliver(n);
  ASSERT_FALSE(bad.ok());
  EXPECT_FALSE(IsRetryable(bad)) << bad.ToString();
  EXPECT_EQ(wx.accepted(), 2);
}

TEST(RobotChannelTest, DingTalkIsSignedWithTheRobotSecretAndMentionsTheMobilesInItsText) {
  RobotReceiver ding;
  const std::string secret = "SEC0123456789abcdef";
  auto sink = Robot(RobotKind::kDingTalk, ding.url("/robot/send?access_token=T-office"),
                    RoutesFor("市财政局", {"13800000002"}), secret);
  const Notification n = Sample();
  ASSERT_TRUE(sink->Deliver(n).ok());
  auto reqs = ding.requests();
  ASSERT_EQ(reqs.size(), 1u);
  const auto& r = reqs[0];
  EXPECT_EQ(r.params.at("access_token"), "T-office");
  // The receiver's own check of the signature (DingTalk's documented
  // algorithm): base64(HMAC-SHA256(secret, timestamp + "\n" + secret)).
  const std::string ts = r.params.at("timestamp");
  const std::string to_sign = ts + "\n" + secret;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(to_sign.data()), to_sign.size(), mac, &len);
  std::string b64(4 * ((len + 2) / 3) + 1, '\0');
  b64.resize(
      static_cast<size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), mac, static_cast<int>(len))));
  EXPECT_EQ(r.params.at("sign"), b64) << r.path;
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  EXPECT_LT(std::llabs(now_ms - std::stoll(ts)), 60'000);  // DingTalk refuses stale timestamps (1 h)
  EXPECT_EQ(r.body["msgtype"], "text");
  EXPECT_EQ(r.body["text"]["content"], n.text + " @13800000002");
  EXPECT_EQ(r.body["at"]["atMobiles"], nlohmann::json({"13800000002"}));
  EXPECT_EQ(r.body["at"]["isAtAll"], false);

  ding.Fail({130101});  // send too fast
  Status fast = sink->Deliver(n);
  EXPECT_TRUE(!fast.ok() && IsRetryable(fast)) << fast.ToString();
  ding.Fail({310000});  // sign not match
  Status unsigned_ = sink->Deliver(n);
  EXPECT_TRUE(!unsigned_.ok() && !IsRetryable(unsigned_)) << unsigned_.ToString();
}

TEST(RobotChannelTest, AnUnreachableRobotIsRetried) {
  const int port = testing::FreeLoopbackPort();
  auto sink = Robot(RobotKind::kWeCom, "http://127.0.0.1:" + std::to_string(port) + "/send?key=K", Routes::Everyone());
  Status s = sink->Deliver(Sample());
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(IsRetryable(s)) << s.ToString();
}

// ---- the channels file ----

const char* kGoodChannels = R"(channels:
  mail: {type: email, url: "smtp://127.0.0.1:2525", from: duban@dcs.gov.example, from_name: 督查室}
  czj-wx: {type: wecom, url: "http://127.0.0.1:9/cgi-bin/webhook/send?key=K"}
  office-ding: {type: dingtalk, url: "http://127.0.0.1:9/robot/send?access_token=T", secret: SECx}
  unused: {type: webhook, url: "http://127.0.0.1:9/hook"}
recipients:
  default:
    - {channel: czj-wx}
  市财政局:
    - {channel: mail, to: [liaison@czj.gov.example]}
    - {channel: czj-wx, mobiles: ["13800000001"]}
  督查室:
    - {channel: office-ding}
)";

TEST(ChannelsFileTest, RoutesEachRecipientToItsChannelsAndEveryoneElseToTheDefault) {
  auto sinks = ParseChannels(kGoodChannels, "channels.yaml");
  ASSERT_TRUE(sinks.ok()) << sinks.status().ToString();
  std::map<std::string, Sink*> by_name;
  for (auto& s : *sinks) by_name[s->name()] = s.get();
  ASSERT_EQ(by_name.size(), 3u) << "a channel no recipient uses is not made";
  EXPECT_TRUE(by_name["mail"]->Wants(Sample("市财政局")));
  EXPECT_FALSE(by_name["mail"]->Wants(Sample("市教育局")));
  EXPECT_TRUE(by_name["czj-wx"]->Wants(Sample("市财政局")));
  EXPECT_EQ(*by_name["czj-wx"]->routes().Find("市财政局"), std::vector<std::string>{"13800000001"});
  EXPECT_TRUE(by_name["czj-wx"]->Wants(Sample("市教育局")));  // default
  EXPECT_FALSE(by_name["czj-wx"]->Wants(Sample("督查室")));   // named: its own list only
  EXPECT_TRUE(by_name["office-ding"]->Wants(Sample("督查室")));
  EXPECT_FALSE(by_name["office-ding"]->Wants(Sample("市教育局")));
}

std::string ErrorOf(const std::string& yaml) {
  auto r = ParseChannels(yaml, "ch.yaml");
  return r.ok() ? "(accepted)" : r.status().message();
}

TEST(ChannelsFileTest, MistakesAreRefusedWithFileAndLine) {
  // A channel's name is the dedupe key of delivered.log's tab-separated lines.
  EXPECT_EQ(ErrorOf("channels:\n  \"b\\tx\": {type: outbox, path: /tmp/x}\nrecipients:\n  default: [{channel: a}]\n"),
            "ch.yaml:2: a channel name must be non-empty without tabs, line breaks or other control characters");
  EXPECT_EQ(ErrorOf("channels:\n  a: {type: fax, url: x}\nrecipients:\n  default: [{channel: a}]\n"),
            "ch.yaml:2: channel a: unknown type \"fax\" (email, wecom, dingtalk, sms, webhook, outbox)");
  EXPECT_EQ(ErrorOf("channels:\n  a: {type: wecom, url: \"http://h/k\"}\nrecipients:\n  市财政局:\n"
                    "    - {channel: b}\n"),
            "ch.yaml:5: recipient 市财政局: channel \"b\" is not defined under \"channels\"");
  EXPECT_EQ(ErrorOf("channels:\n  m: {type: email, url: \"smtp://h:25\", from: a@b.c}\nrecipients:\n  市财政局:\n"
                    "    - {channel: m, to: [\"not-an-address\"]}\n"),
            "ch.yaml:5: recipient 市财政局: \"not-an-address\" is not an email address");
  EXPECT_EQ(ErrorOf("channels:\n  m: {type: email, url: \"http://h\", from: a@b.c}\nrecipients:\n  default:\n"
                    "    - {channel: m, to: [x@y.z]}\n"),
            "ch.yaml:2: email channel m: url must be smtp://host:port or smtps://, not \"http://h\"");
  EXPECT_EQ(
      ErrorOf(
          "channels:\n  a: {type: wecom, url: \"http://h/k\", colour: red}\nrecipients:\n  default: [{channel: a}]\n"),
      "ch.yaml:2: unknown key \"colour\" in channel a (known: markdown, timeout_ms, type, url)");
  EXPECT_EQ(ErrorOf("channels:\n  a: {type: wecom, url: \"http://h/k\"}\nrecipients:\n  default: [{channel: a, "
                    "mobiles: [\"12ab\"]}]\n"),
            "ch.yaml:4: recipient default: \"12ab\" is not a mobile number");
  const std::string syntax = ErrorOf("channels:\n  a: {type: wecom\nrecipients: [\n");
  EXPECT_EQ(syntax.rfind("ch.yaml:", 0), 0u) << syntax;
  EXPECT_NE(ErrorOf("channels: {}\nrecipients: {}\n").find("at least one channel"), std::string::npos);
  auto missing = LoadChannels("/nonexistent/channels.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/channels.yaml"), std::string::npos);
}

// ---- the SMS gateway ----

// A gateway that takes JSON with the mobile, the text and the caller's
// message id, and answers {"errcode": 0} when sent (the robot receiver
// answers just so), behind a bearer token.
std::string SmsChannels(const std::string& url) {
  return "channels:\n"
         "  sms-gw:\n"
         "    type: sms\n"
         "    url: \"" +
         url +
         "\"\n"
         "    body: '{\"phone\": \"{mobile}\", \"content\": \"【督查室】{text}\", \"outId\": \"{message_id}\"}'\n"
         "    headers: {Authorization: \"Bearer T0KEN\"}\n"
         "    success_field: errcode\n"
         "    success_value: \"0\"\n"
         "    max_chars: 70\n"
         "recipients:\n"
         "  市财政局: [{channel: sms-gw, mobiles: [\"13800000001\", \"13800000002\"]}]\n";
}

TEST(SmsChannelTest, OneRequestPerMobileFromTheTemplateEscapedAndCutARefusalIsFinalAndOnlyTheRestIsResent) {
  RobotReceiver gw;
  auto sinks = ParseChannels(SmsChannels(gw.url("/api/sms/send?account=duban")), "channels.yaml");
  ASSERT_TRUE(sinks.ok()) << sinks.status().ToString();
  ASSERT_EQ(sinks->size(), 1u);
  Sink& sms = *(*sinks)[0];
  Notification n = Sample();
  n.text = "请市财政局报送\"第7项\"进度。" + std::string(200, 'x');  // a quote to escape, and too long
  ASSERT_TRUE(sms.Deliver(n).ok());
  auto got = gw.requests();
  ASSERT_EQ(got.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(got[i].path, "/api/sms/send?account=duban");
    EXPECT_EQ(got[i].authorization, "Bearer T0KEN");
    ASSERT_TRUE(got[i].body.is_object()) << "the body is JSON with the quote escaped";
    EXPECT_EQ(got[i].body["phone"], i == 0 ? "13800000001" : "13800000002");
    EXPECT_EQ(got[i].body["outId"], n.notification_id + ":" + got[i].body["phone"].get<std::string>());
    EXPECT_EQ(got[i].body["content"], "【督查室】" + TruncateUtf8(n.text, 70));
  }
  // The gateway refuses the second number (say, a number it blocks): final,
  // with the gateway's answer; once it accepts again only that number is sent.
  gw.Refuse("13800000002", 1001);
  n.notification_id = "ev-second:市财政局";
  Status refused = sms.Deliver(n);
  ASSERT_FALSE(refused.ok());
  EXPECT_FALSE(IsRetryable(refused)) << refused.ToString();
  EXPECT_NE(refused.message().find("errcode=1001 (not 0)"), std::string::npos) << refused.ToString();
  gw.Refuse("13800000002", 0);
  ASSERT_TRUE(sms.Deliver(n).ok());
  got = gw.requests();
  ASSERT_EQ(got.size(), 5u) << "2 + (one sent, one refused) + the refused one again";
  EXPECT_EQ(got[4].body["phone"], "13800000002");
}

TEST(SmsChannelTest, AnUnreachableGatewayIsRetriedAndTemplateMistakesAreRefusedWithFileAndLine) {
  const int port = testing::FreeLoopbackPort();
  auto sinks = ParseChannels(SmsChannels("http://127.0.0.1:" + std::to_string(port) + "/send"), "ch.yaml");
  ASSERT_TRUE(sinks.ok()) << sinks.status().ToString();
  Status s = (*sinks)[0]->Deliver(Sample());
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(IsRetryable(s)) << s.ToString();

  const std::string head = "channels:\n  g:\n    type: sms\n    url: \"http://h/send\"\n";
  const std::string to = "recipients:\n  市财政局: [{channel: g, mobiles: [\"13800000001\"]}]\n";
  EXPECT_EQ(ErrorOf(head + "    body: '{\"phone\": \"{moblie}\", \"content\": \"{text}\"}'\n" + to),
            "ch.yaml:3: sms channel g: unknown placeholder {moblie} (known: {mobile} {text} {title} {recipient} "
            "{due_on} {notification_id} {message_id})");
  EXPECT_EQ(ErrorOf(head + "    body: '{\"phone\": {mobile}, \"content\": \"{text}\"'\n" + to)
                .rfind("ch.yaml:3: sms channel g: body is not JSON once filled in", 0),
            0u);
  EXPECT_EQ(ErrorOf(head + "    body: '{\"phone\": \"{mobile}\"}'\n" + to),
            "ch.yaml:3: sms channel g: the template never sends {text}");
  EXPECT_EQ(ErrorOf(head + "    body: '{\"content\": \"{text}\"}'\nrecipients:\n  市财政局: [{channel: g}]\n"),
            "ch.yaml:7: recipient 市财政局: sms channel \"g\" needs \"mobiles\": [numbers]");
  EXPECT_EQ(ErrorOf(head + "    body: '{\"content\": \"{text}\"}'\n    success_field: code\n" + to),
            "ch.yaml:3: channel g needs \"success_value\"");
}

}  // namespace
}  // namespace duban::consumers

namespace duban::consumers {
namespace {

// ---- contacts from the unit directory ----

const char* kUnitsWithContacts =
    "directory: test\n"
    "units:\n"
    "  - name: 市财政局\n"
    "    contacts:\n"
    "      liaison: {name: 张三, mobile: \"13800000001\", email: zs@czj.gov.example}\n"
    "      leader: {name: 李四, mobile: \"13800000002\"}\n"
    "  - name: 市教育局\n"
    "    contacts:\n"
    "      liaison: {name: 王五, email: ww@jyj.gov.example}\n"
    "  - name: 市交通局\n"
    "  - name: 市发展和改革局\n"
    "    aliases: [市发改局]\n"
    "    contacts:\n"
    "      liaison: {name: 赵六, mobile: \"13800000003\"}\n"
    "  - name: 市民政局\n"
    "    contacts:\n"
    "      liaison: {name: 钱七, email: qq@mzj.gov.example}\n";

std::string ContactChannels(const std::string& smtp_url, const std::string& sms_url, const std::string& box) {
  return "channels:\n"
         "  mail: {type: email, url: \"" +
         smtp_url + "\", from: duban@dcs.gov.example}\n" + "  sms-gw: {type: sms, url: \"" + sms_url +
         "\", body: '{\"phone\": \"{mobile}\", \"content\": \"{text}\"}'}\n" + "  box: {type: outbox, path: \"" + box +
         "\"}\n" +
         "directory: {file: units.yaml, email: mail, mobile: sms-gw}\n"
         "recipients:\n"
         "  default: [{channel: box}]\n"
         "  市教育局: [{channel: box}]\n";
}

TEST(ChannelsFileTest, TheUnitDirectorysContactsAreRecipientsLiaisonForTheUnitLeaderForItsLeaders) {
  duban::testing::TempDir tmp("duban-contacts");
  SmtpReceiver smtp(tmp.path() + "/mail.jsonl");
  ASSERT_TRUE(smtp.ready()) << "aiosmtpd did not start";
  RobotReceiver gw;
  std::ofstream(tmp.path() + "/units.yaml") << kUnitsWithContacts;
  const std::string channels = tmp.path() + "/channels.yaml";
  std::ofstream(channels) << ContactChannels(smtp.url(), gw.url("/send"), tmp.path() + "/box.jsonl");
  auto sinks = LoadChannels(channels);  // units.yaml is found beside it
  ASSERT_TRUE(sinks.ok()) << sinks.status().ToString();
  std::map<std::string, Sink*> by;
  for (auto& s : *sinks) by[s->name()] = s.get();
  ASSERT_EQ(by.size(), 3u);

  EXPECT_EQ(*by["mail"]->routes().Find("市财政局"), std::vector<std::string>{"zs@czj.gov.example"});
  EXPECT_EQ(*by["sms-gw"]->routes().Find("市财政局"), std::vector<std::string>{"13800000001"});
  EXPECT_EQ(*by["sms-gw"]->routes().Find("市财政局主要负责同志"), std::vector<std::string>{"13800000002"});
  EXPECT_FALSE(by["mail"]->Wants(Sample("市财政局主要负责同志"))) << "the leader has no email";
  EXPECT_FALSE(by["box"]->Wants(Sample("市财政局"))) << "a unit with contacts does not fall back";
  EXPECT_FALSE(by["mail"]->Wants(Sample("市教育局"))) << "the recipients block wins over the directory";
  EXPECT_TRUE(by["box"]->Wants(Sample("市教育局")));
  EXPECT_TRUE(by["box"]->Wants(Sample("市交通局"))) << "no contacts: default";
  EXPECT_FALSE(by["sms-gw"]->Wants(Sample("市交通局")));
  EXPECT_EQ(*by["sms-gw"]->routes().Find("市发改局"), std::vector<std::string>{"13800000003"})
      << "a plan may name the unit by its alias";
  EXPECT_TRUE(by["mail"]->Wants(Sample("市民政局")));

  // With only a mail channel for contacts, a mobile-only liaison is left to
  // the default, not made a dead end.
  {
    std::string mail_only = ContactChannels(smtp.url(), gw.url("/send"), tmp.path() + "/box.jsonl");
    mail_only.replace(mail_only.find(", mobile: sms-gw"), std::string(", mobile: sms-gw").size(), "");
    std::ofstream(channels) << mail_only;
    auto again = LoadChannels(channels);
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    std::map<std::string, Sink*> b2;
    for (auto& s : *again) b2[s->name()] = s.get();
    EXPECT_TRUE(b2["box"]->Wants(Sample("市发改局")));
    EXPECT_FALSE(b2["mail"]->Wants(Sample("市发改局")));
    EXPECT_FALSE(b2["box"]->Wants(Sample("市民政局")));
  }

  // An escalation at level 2 reaches the leader's mobile through the gateway
  // and the liaison by mail and text.
  TaskDirectory dir;
  const schemas::Event e = testing::MakeEvent(
      "p", 1, schemas::EscalationRaised{7, "市财政局", 2, "通报批评", {"unit", "office", "unit_leaders"}});
  for (const auto& n : RenderNotifications(e, dir))
    for (auto& s : *sinks)
      if (s->Wants(n)) {
        ASSERT_TRUE(s->Deliver(n).ok()) << s->name() << " " << n.recipient;
      }
  std::map<std::string, std::string> texts;  // phone -> content
  for (const auto& r : gw.requests()) texts[r.body["phone"]] = r.body["content"];
  ASSERT_EQ(texts.size(), 2u);
  EXPECT_NE(texts["13800000002"].find("请跟进督促市财政局整改落实"), std::string::npos) << texts["13800000002"];
  EXPECT_NE(texts["13800000001"].find("请市财政局立即整改"), std::string::npos) << texts["13800000001"];
  auto mails = smtp.messages();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0]["to"], nlohmann::json({"zs@czj.gov.example"}));
}

TEST(ChannelsFileTest, DirectoryMistakesAreRefusedWithTheirFileAndLine) {
  duban::testing::TempDir tmp("duban-contacts-bad");
  const std::string box = tmp.path() + "/box.jsonl";
  auto error_of = [&](const std::string& units, const std::string& directory_line) {
    std::ofstream(tmp.path() + "/units.yaml") << units;
    const std::string ch =
        "channels:\n"
        "  mail: {type: email, url: \"smtp://127.0.0.1:25\", from: a@b.example}\n"
        "  box: {type: outbox, path: \"" +
        box + "\"}\n" + directory_line;
    std::ofstream(tmp.path() + "/channels.yaml") << ch;
    auto r = LoadChannels(tmp.path() + "/channels.yaml");
    return r.ok() ? std::string("(accepted)") : r.status().message();
  };
  const std::string dir_line = "directory: {file: units.yaml, email: mail}\n";
  const std::string units = tmp.path() + "/units.yaml";
  EXPECT_EQ(error_of("units:\n  - name: 市财政局\n    contacts:\n      liaison: {mobile: \"1380abc\"}\n", dir_line),
            tmp.path() + "/channels.yaml:4: directory: " + units + ":4: \"1380abc\" is not a mobile number");
  EXPECT_EQ(error_of("units:\n  - name: 市财政局\n    contacts:\n      deputy: {mobile: \"13800000001\"}\n", dir_line),
            tmp.path() + "/channels.yaml:4: directory: " + units +
                ":4: 市财政局: unknown contact \"deputy\" (liaison 联络员, leader 分管领导)");
  EXPECT_EQ(error_of("units:\n  - name: 市财政局\n    contacts:\n      leader: {name: 李四}\n", dir_line),
            tmp.path() + "/channels.yaml:4: directory: " + units + ":4: 市财政局 leader: give a mobile or an email");
  EXPECT_EQ(
      error_of("units: []\n", "directory: {file: units.yaml, mobile: mail}\n"),
      tmp.path() + "/channels.yaml:4: directory: \"mobile\" needs a channel of type sms, wecom or dingtalk, not email");
  EXPECT_EQ(error_of("units: []\n", "directory: {file: units.yaml}\n"),
            tmp.path() +
                "/channels.yaml:4: directory needs \"email\" and/or \"mobile\": the channels that carry the contacts' "
                "addresses");
  EXPECT_NE(
      error_of("units: []\n", "directory: {file: nowhere.yaml, email: mail}\n").find("cannot read unit directory"),
      std::string::npos);
  EXPECT_EQ(
      error_of("units:\n  - name: 市财政局\n    contacts:\n      liaison: {email: a@czj.gov.example}\n", dir_line),
      "(accepted)")
      << "a directory and no recipients block is a whole file";
}

}  // namespace
}  // namespace duban::consumers

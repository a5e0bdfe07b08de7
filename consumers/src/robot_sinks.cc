// The group robot channels (sink.h): 企业微信 (WeCom) and 钉钉 (DingTalk)
// custom robots, each a webhook URL carrying the robot's key.
//
//  WeCom:    POST {"msgtype":"text","text":{"content":..., "mentioned_mobile_list":[...]}}
//            or  {"msgtype":"markdown","markdown":{"content":...}} (markdown cannot @ by mobile)
//  DingTalk: POST {"msgtype":"text","text":{"content":...},"at":{"atMobiles":[...],"isAtAll":false}}
//            with, when the robot has a 加签 secret, &timestamp=<ms>&sign=<urlencoded
//            base64 HMAC-SHA256(secret, timestamp "\n" secret)>; DingTalk highlights
//            an @ only when "@mobile" is also in the content.
// Both answer HTTP 200 with {"errcode":0,"errmsg":"ok"}; a non-zero errcode is a
// failure: busy (-1) and rate limits (WeCom 45009, DingTalk 130101, 90030) are
// retried with the loop's backoff, anything else (bad key or token 93000 /
// 300001, bad signature 310000, a malformed message) is final: dead-lettered.
#include <openssl/hmac.h>

#include <chrono>

#include <nlohmann/json.hpp>

#include "base64.h"
#include "duban/consumers/sink.h"
#include "http_channel.h"

namespace duban::consumers {
namespace {

// WeCom limits text content to 2048 bytes; our sentences are far shorter,
// but a long plan title must not make the robot refuse the whole message.
constexpr size_t kMaxContentChars = 600;

const char* KindName(RobotKind k) { return k == RobotKind::kWeCom ? "wecom" : "dingtalk"; }

class RobotSink final : public Sink {
 public:
  RobotSink(RobotOptions o, const std::string& origin, std::string path)
      : o_(std::move(o)), origin_(origin), client_(origin), path_(std::move(path)) {
    ConfigureHttpClient(client_, o_.connect_timeout_ms, o_.timeout_ms);
  }
  std::string name() const override { return o_.name; }

  Status Deliver(const Notification& n) override {
    const std::vector<std::string>* mobiles = routes_.Find(n.recipient);
    static const std::vector<std::string> kNone;
    const std::string body = RobotBody(o_, n, mobiles ? *mobiles : kNone);
    std::string path = path_;
    if (o_.kind == RobotKind::kDingTalk && !o_.secret.empty()) {
      const int64_t ts =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count();
      path += (path.find('?') == std::string::npos ? "?" : "&") + std::string("timestamp=") + std::to_string(ts) +
              "&sign=" + DingTalkSign(o_.secret, ts);
    }
    const std::string what = std::string(KindName(o_.kind)) + " robot " + o_.name;
    auto res = client_.Post(path, body, "application/json; charset=utf-8");
    if (Status s = HttpAnswerStatus(res, what, origin_, /*with_body=*/false); !s.ok()) return s;
    auto j = nlohmann::json::parse(res->body, nullptr, false);
    if (!j.is_object() || !j.contains("errcode") || !j["errcode"].is_number_integer())
      return Status::Unavailable(what + ": answer without errcode: " + TruncateUtf8(res->body, 120));
    const int64_t code = j["errcode"].get<int64_t>();
    if (code == 0) return Status::Ok();
    const std::string msg = what + ": errcode " + std::to_string(code) + " " +
                            (j.contains("errmsg") && j["errmsg"].is_string() ? j["errmsg"].get<std::string>() : "");
    return RobotErrcodeRetryable(o_.kind, code) ? Status::Unavailable(msg) : Status::InvalidArgument(msg);
  }

 private:
  RobotOptions o_;
  std::string origin_;  // scheme://host:port, for messages (the key stays out of logs)
  httplib::Client client_;
  std::string path_;
};

}  // namespace

bool RobotErrcodeRetryable(RobotKind kind, int64_t errcode) {
  if (errcode == -1) return true;                          // both: system busy
  if (kind == RobotKind::kWeCom) return errcode == 45009;  // api freq out of limit (20/min per robot)
  return errcode == 130101 || errcode == 90030;            // send too fast; webhook over limit
}

std::string DingTalkSign(const std::string& secret, int64_t timestamp_ms) {
  const std::string to_sign = std::to_string(timestamp_ms) + "\n" + secret;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(to_sign.data()), to_sign.size(), mac, &len);
  return UrlEncode(Base64(std::string_view(reinterpret_cast<const char*>(mac), len)));
}

std::string RobotBody(const RobotOptions& o, const Notification& n, const std::vector<std::string>& mobiles) {
  const std::string text = FitText(n, kMaxContentChars);
  nlohmann::ordered_json j;
  if (o.kind == RobotKind::kWeCom && o.markdown) {
    j["msgtype"] = "markdown";
    std::string color = n.level == "urgent" ? "warning" : n.level == "warning" ? "comment" : "info";
    j["markdown"]["content"] = "**" + n.title + "**\n> <font color=\"" + color + "\">" + text + "</font>";
  } else if (o.kind == RobotKind::kWeCom) {
    j["msgtype"] = "text";
    j["text"]["content"] = text;
    if (!mobiles.empty()) j["text"]["mentioned_mobile_list"] = mobiles;
  } else {
    std::string content = text;
    for (const auto& m : mobiles) content += " @" + m;
    j["msgtype"] = "text";
    j["text"]["content"] = content;
    j["at"]["atMobiles"] = mobiles;
    j["at"]["isAtAll"] = false;
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::unique_ptr<Sink>> MakeRobotSink(const RobotOptions& options) {
  auto target = SplitHttpUrl(options.url, std::string(KindName(options.kind)) + " channel " + options.name);
  if (!target.ok()) return target.status();
  return std::unique_ptr<Sink>(new RobotSink(options, target->origin, target->path));
}

}  // namespace duban::consumers

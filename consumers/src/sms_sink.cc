// The generic HTTP SMS gateway channel (sink.h): one request per mobile,
// made from the office's template, because every gateway (运营商 or a
// province's 短信平台) wants its own URL, fields and signature block.
//
//   sms-gw: {type: sms, url: "https://sms.example.gov.cn/api/send",
//            body: '{"phone":"{mobile}","content":"【督查室】{text}","outId":"{message_id}"}',
//            headers: {Authorization: "Bearer ..."}, success_field: code, success_value: "0"}
//
// Placeholders: {mobile} {text} {title} {recipient} {due_on} {notification_id}
// {message_id} (= notification_id ":" mobile: stable, for gateways that
// deduplicate by an id of the caller's). Values are JSON-escaped in a JSON
// body, URL-encoded in a form body and in the URL. Success: HTTP 2xx and,
// when success_field is set, that field of the JSON answer equal to
// success_value. HTTP 5xx/408/429 and network errors are retried; any other
// answer is final (dead-lettered with the gateway's reply).
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "duban/consumers/sink.h"
#include "http_channel.h"

namespace duban::consumers {
namespace {

const std::set<std::string>& Placeholders() {
  static const std::set<std::string> k = {"mobile",          "text",      "title", "recipient", "due_on",
                                          "notification_id", "message_id"};
  return k;
}

std::string JsonEscapeValue(const std::string& s) {
  const std::string quoted = nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

SmsEscape BodyEscape(const std::string& content_type) {
  if (content_type.find("json") != std::string::npos) return SmsEscape::kJson;
  if (content_type.find("x-www-form-urlencoded") != std::string::npos) return SmsEscape::kForm;
  return SmsEscape::kNone;
}

class SmsSink final : public Sink {
 public:
  SmsSink(SmsOptions o, const std::string& origin, std::string path_template)
      : o_(std::move(o)), origin_(origin), client_(origin), path_template_(std::move(path_template)) {
    ConfigureHttpClient(client_, o_.connect_timeout_ms, o_.timeout_ms);
  }
  std::string name() const override { return o_.name; }

  Status Deliver(const Notification& n) override {
    const std::vector<std::string>* mobiles = routes_.Find(n.recipient);
    if (!mobiles || mobiles->empty())
      return Status::InvalidArgument("sms channel " + o_.name + ": no mobile number for " + n.recipient);
    // A notification for several mobiles that failed on one is tried again
    // only for the mobiles that have not had it (within this process; across
    // a restart the gateway's own dedupe by {message_id} is the safeguard).
    std::set<std::string>& done = sent_[n.notification_id];
    for (const auto& mobile : *mobiles) {
      if (done.count(mobile)) continue;
      if (Status s = SendOne(n, mobile); !s.ok()) return s;
      done.insert(mobile);
    }
    sent_.erase(n.notification_id);
    return Status::Ok();
  }

 private:
  Status SendOne(const Notification& n, const std::string& mobile) {
    const auto values = Values(n, mobile);
    const std::string path = RenderSmsTemplate(path_template_, values, SmsEscape::kForm);
    const std::string body = RenderSmsTemplate(o_.body, values, BodyEscape(o_.content_type));
    httplib::Headers headers;
    for (const auto& [k, v] : o_.headers) headers.emplace(k, v);
    const std::string what = "sms channel " + o_.name;
    auto res = o_.method == "GET" ? client_.Get(path, headers) : client_.Post(path, headers, body, o_.content_type);
    if (Status s = HttpAnswerStatus(res, what, origin_, /*with_body=*/true); !s.ok()) return s;
    if (o_.success_field.empty()) return Status::Ok();
    auto j = nlohmann::json::parse(res->body, nullptr, false);
    if (!j.is_object() || !j.contains(o_.success_field))
      return Status::InvalidArgument(what + ": the answer has no \"" + o_.success_field +
                                     "\": " + TruncateUtf8(res->body, 120));
    const auto& v = j[o_.success_field];
    const std::string got = v.is_string() ? v.get<std::string>() : v.dump();
    if (got == o_.success_value) return Status::Ok();
    return Status::InvalidArgument(what + ": " + o_.success_field + "=" + got + " (not " + o_.success_value +
                                   "): " + TruncateUtf8(res->body, 120));
  }

  std::map<std::string, std::string> Values(const Notification& n, const std::string& mobile) const {
    const std::string text = FitText(n, o_.max_chars);
    return {{"mobile", mobile},
            {"text", text},
            {"title", n.title},
            {"recipient", n.recipient},
            {"due_on", n.due_on},
            {"notification_id", n.notification_id},
            {"message_id", n.notification_id + ":" + mobile}};
  }

  SmsOptions o_;
  std::string origin_;
  httplib::Client client_;
  std::string path_template_;
  std::map<std::string, std::set<std::string>> sent_;  // notification id -> mobiles done
};

}  // namespace

std::string RenderSmsTemplate(const std::string& tmpl, const std::map<std::string, std::string>& values,
                              SmsEscape escape) {
  std::string out;
  for (size_t i = 0; i < tmpl.size();) {
    const size_t open = tmpl.find('{', i);
    const size_t close = open == std::string::npos ? std::string::npos : tmpl.find('}', open);
    if (close == std::string::npos) {
      out += tmpl.substr(i);
      break;
    }
    const std::string key = tmpl.substr(open + 1, close - open - 1);
    auto it = values.find(key);
    if (it == values.end()) {  // not a placeholder (a JSON brace): kept as written
      out += tmpl.substr(i, open - i + 1);
      i = open + 1;
      continue;
    }
    out += tmpl.substr(i, open - i);
    out += escape == SmsEscape::kJson   ? JsonEscapeValue(it->second)
           : escape == SmsEscape::kForm ? UrlEncode(it->second)
                                        : it->second;
    i = close + 1;
  }
  return out;
}

Status CheckSmsTemplate(const SmsOptions& o) {
  std::map<std::string, std::string> sample;
  for (const auto& k : Placeholders()) sample[k] = "示例\"值\\" + k;
  for (const std::string* t : {&o.url, &o.body}) {
    for (size_t open = t->find('{'); open != std::string::npos; open = t->find('{', open + 1)) {
      const size_t close = t->find('}', open);
      if (close == std::string::npos) break;
      const std::string key = t->substr(open + 1, close - open - 1);
      // A word in braces that is not a placeholder is most likely a typo
      // ({moblie}); JSON braces hold quotes or colons.
      const bool word = !key.empty() && key.find_first_of("\":,{ ") == std::string::npos;
      if (word && !Placeholders().count(key))
        return Status::InvalidArgument("unknown placeholder {" + key +
                                       "} (known: {mobile} {text} {title} {recipient} {due_on} "
                                       "{notification_id} {message_id})");
    }
  }
  if (o.method != "GET" && o.method != "POST") return Status::InvalidArgument("method must be GET or POST");
  if (o.body.find("{text}") == std::string::npos && o.url.find("{text}") == std::string::npos)
    return Status::InvalidArgument("the template never sends {text}");
  if (o.method == "POST" && BodyEscape(o.content_type) == SmsEscape::kJson) {
    const std::string rendered = RenderSmsTemplate(o.body, sample, SmsEscape::kJson);
    if (!nlohmann::json::accept(rendered))
      return Status::InvalidArgument("body is not JSON once filled in: " + TruncateUtf8(rendered, 160));
  }
  return Status::Ok();
}

Result<std::unique_ptr<Sink>> MakeSmsSink(const SmsOptions& options) {
  if (Status s = CheckSmsTemplate(options); !s.ok())
    return Status::InvalidArgument("sms channel " + options.name + ": " + s.message());
  auto target = SplitHttpUrl(options.url, "sms channel " + options.name);
  if (!target.ok()) return target.status();
  return std::unique_ptr<Sink>(new SmsSink(options, target->origin, target->path));
}

}  // namespace duban::consumers

// Notification sinks: where rendered notifications go. One small interface so
// the delivery loop (reminders.h) retries, dedupes and dead-letters the same
// way for every channel, and tests can inject failing ones.
//
//  - WebhookSink: POSTs NotificationToJson to an HTTP(S) URL with header
//    "Idempotency-Key: <notification_id>". Success is any 2xx answer; anything
//    else (connection error, timeout, 4xx, 5xx) is Unavailable and retried.
//  - JsonlOutboxSink: appends one JSON line per notification to a file and
//    fsyncs it before reporting success. It reads the notification ids already
//    in the file when opened and never writes one twice, so the outbox stays
//    exactly-once even if the process dies between writing and recording.
//  - SmtpSink (smtp_sink.cc): one email per notification and recipient
//    address, over SMTP with libcurl; UTF-8 subject (RFC 2047) and body
//    (base64), header X-Duban-Notification-Id.
//  - The workbench (MakeWorkbenchSink): that outbox, in the consumer's state
//    directory, read by `duban serve` as each account's notification list.
//  - WeComRobotSink / DingTalkRobotSink (robot_sinks.cc): the group robot
//    webhooks of 企业微信 and 钉钉, in their own JSON formats, @-mentioning
//    the recipient's mobiles; DingTalk's optional HMAC-SHA256 signature.
//
// Which notifications a sink takes is its Routes (channels.h builds them
// from the channels file): a recipient named there gets exactly the channels
// listed for it, any other recipient those of `default`. Sinks made from the
// --webhook/--outbox flags take every notification.
//
// Errors: Deliver returns Unavailable or IOError for a failure worth retrying
// (network, timeout, HTTP 5xx, a robot's rate limit), anything else
// (InvalidArgument: a bad robot key, a refused address) for a failure that
// the same attempt would repeat: the loop dead-letters it without retrying.
//
// Thread safety: one thread delivers through a sink at a time.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "duban/consumers/notification.h"
#include "duban/status.h"

namespace duban::consumers {

// Who a channel reaches, and at which addresses (email addresses for SMTP,
// mobile numbers to @-mention for the robots; may be empty for a robot).
struct Routes {
  bool everyone = false;                                       // every notification, no addresses (the flag sinks)
  std::map<std::string, std::vector<std::string>> recipients;  // recipient -> addresses on this channel
  std::optional<std::vector<std::string>> fallback;            // `default`: recipients not named in the file
  std::set<std::string> named;  // every recipient the file names, on any channel: they do not fall back
  // The addresses for `recipient` on this channel, or nullptr when this
  // channel does not serve it.
  const std::vector<std::string>* Find(const std::string& recipient) const;
  static Routes Everyone() {
    Routes r;
    r.everyone = true;
    return r;
  }
};

class Sink {
 public:
  virtual ~Sink() = default;
  // Stable name, part of the dedupe key ("webhook", "outbox", or the
  // channel's name in the channels file).
  virtual std::string name() const = 0;
  // Whether this sink serves n's recipient at all.
  virtual bool Wants(const Notification& n) const { return routes_.Find(n.recipient) != nullptr; }
  // Ok once the notification is accepted; see the error contract above. A
  // sink that keeps what it accepted itself (the outbox) makes it durable in
  // Sync, which the consumer calls before it records deliveries durably and
  // moves its cursor: one fsync per batch, not one per notification.
  virtual Status Deliver(const Notification& n) = 0;
  virtual Status Sync() { return Status::Ok(); }

  void set_routes(Routes r) { routes_ = std::move(r); }
  const Routes& routes() const { return routes_; }

 protected:
  Routes routes_ = Routes::Everyone();
};

// Whether a failed Deliver is worth another attempt (Unavailable, IOError).
bool IsRetryable(const Status& s);

struct WebhookOptions {
  std::string url;  // http://host:port/path or https://...
  int connect_timeout_ms = 3000;
  int timeout_ms = 10000;        // read/write timeout per attempt
  std::string name = "webhook";  // the sink's name (a channel's, from the channels file)
};
Result<std::unique_ptr<Sink>> MakeWebhookSink(const WebhookOptions& options);

Result<std::unique_ptr<Sink>> MakeJsonlOutboxSink(const std::string& path, const std::string& name = "outbox");

// The workbench's notification list (read/unread in the inbox of `duban
// serve`): an outbox named "workbench" at WorkbenchFile(state_dir), in the
// consumer's own state directory, which the server reads (ServerOptions::
// notifications_dir) and beside which it keeps who has read what.
inline constexpr const char* kWorkbenchFileName = "workbench.jsonl";
std::string WorkbenchFile(const std::string& state_dir);
Result<std::unique_ptr<Sink>> MakeWorkbenchSink(const std::string& state_dir);

struct SmtpOptions {
  std::string name = "email";
  std::string url;                 // smtp://host:port or smtps://host:port (implicit TLS)
  std::string from;                // envelope and header sender, e.g. duban@gov.example
  std::string from_name;           // display name, e.g. 督查室 (RFC 2047-encoded)
  std::string username, password;  // SMTP AUTH, optional
  bool starttls = false;           // require STARTTLS on smtp://
  int timeout_ms = 15000;          // whole transfer
};
Result<std::unique_ptr<Sink>> MakeSmtpSink(const SmtpOptions& options);

// The whole message SmtpSink sends for n to `to` (headers + base64 body),
// exposed for tests. `date` is an RFC 5322 date.
std::string ComposeEmail(const SmtpOptions& o, const Notification& n, const std::string& to, const std::string& date);
// RFC 2047 "B" encoded words (each at most 75 characters, folded), or the
// text as is when it is plain ASCII.
std::string EncodeHeaderWord(const std::string& utf8);

enum class RobotKind { kWeCom, kDingTalk };
struct RobotOptions {
  RobotKind kind = RobotKind::kWeCom;
  std::string name;       // channel name
  std::string url;        // the robot's webhook URL, key / access_token included
  std::string secret;     // DingTalk 加签 secret (SEC...), optional
  bool markdown = false;  // WeCom: msgtype markdown (no @mentions by mobile) instead of text
  int connect_timeout_ms = 3000;
  int timeout_ms = 10000;
};
Result<std::unique_ptr<Sink>> MakeRobotSink(const RobotOptions& options);

// A generic HTTP SMS gateway (sms_sink.cc): one request per mobile of the
// recipient, URL and body made from the office's templates.
struct SmsOptions {
  std::string name;  // channel name
  std::string url;   // may hold placeholders (URL-encoded when filled in)
  std::string method = "POST";
  std::string content_type = "application/json";
  std::string body;  // template; {text} etc. escaped for the content type
  std::vector<std::pair<std::string, std::string>> headers;
  std::string success_field, success_value;  // optional: a field of the JSON answer that says "sent"
  size_t max_chars = 300;                    // the text is cut to this many characters
  int connect_timeout_ms = 3000;
  int timeout_ms = 10000;
};
Result<std::unique_ptr<Sink>> MakeSmsSink(const SmsOptions& options);
enum class SmsEscape { kNone, kJson, kForm };
// A template filled in: {name} replaced by values[name], escaped as said;
// braces around anything else are kept (JSON).
std::string RenderSmsTemplate(const std::string& tmpl, const std::map<std::string, std::string>& values,
                              SmsEscape escape);
// InvalidArgument for an unknown {placeholder}, a template that never sends
// {text}, a method other than GET/POST, or a JSON body that is not JSON once
// filled in.
Status CheckSmsTemplate(const SmsOptions& o);

// The JSON body a robot sink posts for n with these @-mentions (tests).
std::string RobotBody(const RobotOptions& o, const Notification& n, const std::vector<std::string>& mobiles);
// DingTalk's signature: base64(HMAC-SHA256(secret, timestamp + "\n" + secret)),
// URL-encoded, for the `sign` query parameter.
std::string DingTalkSign(const std::string& secret, int64_t timestamp_ms);
// Is a robot's non-zero errcode temporary (busy, rate limited)?
bool RobotErrcodeRetryable(RobotKind kind, int64_t errcode);

}  // namespace duban::consumers

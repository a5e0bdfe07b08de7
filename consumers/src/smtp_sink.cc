// The email channel (sink.h): one message per notification to the addresses
// its recipient has on this channel, sent over SMTP with libcurl.
//
// Why libcurl: Debian's libcurl speaks SMTP, SMTPS and STARTTLS with AUTH,
// is already how the platform's tools reach mail relays, and returns the
// server's reply code, which decides retry (4xx, network) against dead
// letter (5xx). The message is composed here: MIME 1.0, text/plain;
// charset=UTF-8, base64 body (Chinese text passes any relay that is not
// 8BITMIME-clean), RFC 2047 subject and sender name.
#include <curl/curl.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <mutex>

#include "base64.h"
#include "duban/consumers/sink.h"

namespace duban::consumers {
namespace {

bool IsPlainAscii(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// The body, base64 in lines of 76 characters (RFC 2045).
std::string Base64Lines(const std::string& text) {
  const std::string b = Base64(text);
  std::string out;
  for (size_t i = 0; i < b.size(); i += 76) out += b.substr(i, 76) + "\r\n";
  return out;
}

std::string MessageId(const Notification& n) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(n.notification_id.data()), n.notification_id.size(), d);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < 16; ++i) hex += {kHex[d[i] >> 4], kHex[d[i] & 15]};
  // Deterministic: a message sent again after a crash carries the same id,
  // so mail clients and archives show it once.
  return "<" + hex + "@duban.reminders>";
}

std::string Now5322() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

struct Upload {
  const std::string* data;
  size_t pos = 0;
};

size_t ReadChunk(char* buf, size_t size, size_t nitems, void* user) {
  auto* u = static_cast<Upload*>(user);
  const size_t n = std::min(size * nitems, u->data->size() - u->pos);
  // curl's read callback takes bytes, not a C string: no terminator belongs in buf.
  std::memcpy(buf, u->data->data() + u->pos, n);  // NOLINT(bugprone-not-null-terminated-result)
  u->pos += n;
  return n;
}

class SmtpSink final : public Sink {
 public:
  explicit SmtpSink(SmtpOptions o) : o_(std::move(o)) {}
  std::string name() const override { return o_.name; }

  Status Deliver(const Notification& n) override {
    const std::vector<std::string>* to = routes_.Find(n.recipient);
    if (to == nullptr || to->empty())
      return Status::InvalidArgument("email: no address for " + n.recipient + " on channel " + o_.name);
    std::string to_header;
    for (const auto& a : *to) to_header += (to_header.empty() ? "" : ", ") + a;
    const std::string message = ComposeEmail(o_, n, to_header, Now5322());

    CURL* c = curl_easy_init();
    if (c == nullptr) return Status::Unavailable("email: curl_easy_init failed");
    curl_slist* rcpt = nullptr;
    for (const auto& a : *to) rcpt = curl_slist_append(rcpt, ("<" + a + ">").c_str());
    Upload up{&message};
    char err[CURL_ERROR_SIZE] = {0};
    const std::string from = "<" + o_.from + ">";
    curl_easy_setopt(c, CURLOPT_URL, o_.url.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadChunk);
    curl_easy_setopt(c, CURLOPT_READDATA, &up);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(o_.timeout_ms));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min(o_.timeout_ms, 5000)));
    if (!o_.username.empty()) {
      curl_easy_setopt(c, CURLOPT_USERNAME, o_.username.c_str());
      curl_easy_setopt(c, CURLOPT_PASSWORD, o_.password.c_str());
    }
    if (o_.starttls) curl_easy_setopt(c, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
    const CURLcode rc = curl_easy_perform(c);
    long reply = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    if (rc == CURLE_OK) return Status::Ok();
    const std::string what = "email via " + o_.url + ": " + (err[0] ? err : curl_easy_strerror(rc)) +
                             (reply ? " (SMTP " + std::to_string(reply) + ")" : "");
    // 5xx is the server's final word (unknown mailbox, refused sender,
    // failed login): another attempt gets the same answer.
    if (reply >= 500 || rc == CURLE_LOGIN_DENIED || rc == CURLE_URL_MALFORMAT || rc == CURLE_UNSUPPORTED_PROTOCOL)
      return Status::InvalidArgument(what);
    return Status::Unavailable(what);
  }

 private:
  SmtpOptions o_;
};

}  // namespace

std::string EncodeHeaderWord(const std::string& utf8) {
  if (IsPlainAscii(utf8)) return utf8;
  // Each encoded word is at most 75 characters: "=?UTF-8?B?" + 60 base64
  // characters (45 bytes) + "?=". Words split between characters, never
  // inside one (RFC 2047 section 5), and are folded onto lines of their own.
  std::string out;
  size_t i = 0;
  while (i < utf8.size()) {
    size_t end = i;
    while (end < utf8.size()) {
      size_t next = end + 1;
      while (next < utf8.size() && (static_cast<unsigned char>(utf8[next]) & 0xC0) == 0x80) ++next;
      if (next - i > 45) break;
      end = next;
    }
    if (end == i) end = std::min(utf8.size(), i + 45);  // invalid bytes: cut anyway, never loop
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64(std::string_view(utf8).substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string ComposeEmail(const SmtpOptions& o, const Notification& n, const std::string& to, const std::string& date) {
  std::string body = n.text + "\r\n\r\n";
  if (!n.plan_title.empty()) body += "计划：" + n.plan_title + "\r\n";
  if (n.task != 0) body += "任务：第" + std::to_string(n.task) + "项 " + n.task_text + "\r\n";
  if (!n.due_on.empty()) body += "到期日：" + n.due_on + "\r\n";
  body += "通知编号：" + n.notification_id + "\r\n";
  std::string m;
  m += "Date: " + date + "\r\n";
  m += "From: " + (o.from_name.empty() ? "" : EncodeHeaderWord(o.from_name) + " ") + "<" + o.from + ">\r\n";
  m += "To: " + to + "\r\n";
  m += "Subject: " + EncodeHeaderWord(n.title.empty() ? std::string("督办通知") : n.title) + "\r\n";
  m += "Message-ID: " + MessageId(n) + "\r\n";
  // The id names the recipient (Chinese): encoded like the subject, so the
  // header stays ASCII for relays without SMTPUTF8.
  m += "X-Duban-Notification-Id: " + EncodeHeaderWord(n.notification_id) + "\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=UTF-8\r\n";
  m += "Content-Transfer-Encoding: base64\r\n\r\n";
  m += Base64Lines(body);
  return m;
}

Result<std::unique_ptr<Sink>> MakeSmtpSink(const SmtpOptions& options) {
  if (options.url.rfind("smtp://", 0) != 0 && options.url.rfind("smtps://", 0) != 0)
    return Status::InvalidArgument("email channel " + options.name +
                                   ": url must be smtp://host:port or smtps://, not \"" + options.url + "\"");
  if (options.from.empty() || options.from.find('@') == std::string::npos)
    return Status::InvalidArgument("email channel " + options.name + ": from must be an email address");
  // curl_global_init is not thread-safe: once per process, before any handle.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  return std::unique_ptr<Sink>(new SmtpSink(options));
}

}  // namespace duban::consumers

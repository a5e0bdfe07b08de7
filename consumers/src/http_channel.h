// What the HTTP channels (webhook, 企业微信/钉钉 robots, SMS gateway) share:
// splitting the configured URL into an origin and a path, one client set up
// the same way, URL encoding, and how an HTTP answer maps to a Status the
// delivery loop understands (Unavailable is retried, InvalidArgument is
// dead-lettered).
//
// Guarantees: the same URL is accepted or refused the same way by every
// channel; a transport failure, 5xx, 408 or 429 is always retryable; the
// origin kept for messages never holds the path, so a robot's key or token
// in its URL stays out of logs.
#pragma once

#include <chrono>
#include <string>

#include <httplib.h>

#include "duban/consumers/notification.h"
#include "duban/status.h"

namespace duban::consumers {

struct HttpTarget {
  std::string origin;  // scheme://host[:port]
  std::string path;    // "/" when the URL has none; query included
};

// `what` names the channel in the message ("sms channel gw").
inline Result<HttpTarget> SplitHttpUrl(const std::string& url, const std::string& what) {
  const auto scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https")
    return Status::InvalidArgument(what + ": url must be http(s)://..., not \"" + url + "\"");
  const auto path_start = url.find('/', scheme_end + 3);
  if (path_start == std::string::npos) return HttpTarget{url, "/"};
  return HttpTarget{url.substr(0, path_start), url.substr(path_start)};
}

inline void ConfigureHttpClient(httplib::Client& client, int connect_timeout_ms, int timeout_ms) {
  client.set_connection_timeout(std::chrono::milliseconds(connect_timeout_ms));
  client.set_read_timeout(std::chrono::milliseconds(timeout_ms));
  client.set_write_timeout(std::chrono::milliseconds(timeout_ms));
  client.set_keep_alive(true);
  // Headers and body go out as two writes; with Nagle's algorithm the body
  // then waits for the receiver's delayed ACK of the headers (40 ms on
  // Linux): measured, every POST took ~36 ms and the consumer capped at 28
  // notifications/s (duban-bench reminders).
  client.set_tcp_nodelay(true);
}

// RFC 3986 unreserved characters kept, every other byte %XX.
inline std::string UrlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    const bool unreserved = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' ||
                            c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Ok for 2xx; Unavailable (retried) when the server was not reached or
// answered 5xx, 408 or 429; InvalidArgument (final) for any other status,
// with the start of the answer's body when `with_body`.
inline Status HttpAnswerStatus(const httplib::Result& res, const std::string& what, const std::string& origin,
                               bool with_body) {
  if (!res) return Status::Unavailable(what + ": " + httplib::to_string(res.error()) + " error reaching " + origin);
  const int code = res->status;
  if (code >= 500 || code == 429 || code == 408) return Status::Unavailable(what + ": HTTP " + std::to_string(code));
  if (code >= 200 && code < 300) return Status::Ok();
  std::string msg = what + ": HTTP " + std::to_string(code);
  if (with_body) msg += " " + TruncateUtf8(res->body, 120);
  return Status::InvalidArgument(msg);
}

}  // namespace duban::consumers

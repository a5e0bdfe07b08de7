// Wiring (server.h): the httplib server and its limits, the route table
// registered through one dispatcher that authenticates, authorises, checks
// Origin and CSRF, times the request and logs it.
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>

#include <chrono>

#include "duban/xml_text.h"
#include "server_impl.h"
#include "web_assets.h"
#include "duban/log.h"
#include "duban/utf8.h"

namespace duban::server {

namespace {

thread_local std::string t_route;  // the route template the request matched ("" none)
thread_local std::string t_account;
thread_local std::chrono::steady_clock::time_point t_start;

std::string CookieValue(const httplib::Request& req, const std::string& name) {
  const std::string header = req.get_header_value("Cookie");
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string item = header.substr(pos, end - pos);
    const size_t first = item.find_first_not_of(' ');
    item = first == std::string::npos ? "" : item.substr(first);
    if (item.rfind(name + "=", 0) == 0) return item.substr(name.size() + 1);
    pos = end + 1;
  }
  return "";
}

bool IsWrite(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "DELETE" || method == "PATCH";
}

bool RoleAllowed(Access access, accounts::AccountRole role) {
  using R = accounts::AccountRole;
  switch (access) {
    case Access::kPublic:
    case Access::kSignedIn:
      return true;
    case Access::kReaders:
      return role == R::kOffice || role == R::kAuditor || role == R::kUnit;
    case Access::kOfficeAuditor:
      return role == R::kOffice || role == R::kAuditor;
    case Access::kOffice:
      return role == R::kOffice;
    case Access::kWriters:
      return role == R::kOffice || role == R::kUnit;
    case Access::kMetrics:
      return role == R::kOffice || role == R::kAdmin;
    case Access::kAdmin:
      return role == R::kAdmin;
  }
  return false;
}

// The names of the query parameters in the request's own URL (httplib's
// params also hold a form body's fields), percent-decoded as httplib does.
// An item with no name ("=x") is an empty name, which no route takes:
// httplib would read "?=overdu=1" as overdu.
std::vector<std::string> UrlQueryNames(const std::string& target) {
  std::vector<std::string> names;
  const size_t q = target.find('?');
  if (q == std::string::npos) return names;
  const std::string query = target.substr(q + 1);
  for (size_t start = 0; start <= query.size();) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    const std::string item = query.substr(start, end - start);
    const std::string key = item.substr(0, item.find('='));
    if (!item.empty()) {
      std::string name;
      for (size_t i = 0; i < key.size(); ++i) {
        if (key[i] == '%' && i + 2 < key.size() && std::isxdigit(static_cast<unsigned char>(key[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(key[i + 2]))) {
          name += static_cast<char>(std::stoi(key.substr(i + 1, 2), nullptr, 16));
          i += 2;
        } else {
          name += key[i] == '+' ? ' ' : key[i];
        }
      }
      names.push_back(std::move(name));
    }
    start = end + 1;
  }
  return names;
}

bool IsKnownMethod(const std::string& m) {
  return m == "GET" || m == "HEAD" || m == "POST" || m == "PUT" || m == "DELETE" || m == "PATCH" || m == "OPTIONS";
}

bool IsForm(const httplib::Request& req) {
  const std::string type = req.get_header_value("Content-Type");
  return type.rfind("application/x-www-form-urlencoded", 0) == 0 || type.rfind("multipart/form-data", 0) == 0;
}

bool IsLoopback(const std::string& addr) { return addr == "127.0.0.1" || addr == "::1" || addr == "::ffff:127.0.0.1"; }

}  // namespace

std::string Server::Impl::ClientAddress(const httplib::Request& req) const {
  // Behind the proxy named by --trusted-proxy, the client is the one it
  // names in X-Real-IP (the RUNBOOK's nginx block sets it); from anyone
  // else the header is ignored, so it cannot be forged to dodge a lock-out.
  if (!opts.trusted_proxy.empty() && req.remote_addr == opts.trusted_proxy) {
    std::string real = req.get_header_value("X-Real-IP");
    if (!real.empty() && real.size() <= 64) return real;
  }
  return req.remote_addr;
}

bool Server::Impl::ViaHttps(const httplib::Request& req) const {
  if (!opts.tls_cert.empty()) return true;
  return !opts.trusted_proxy.empty() && req.remote_addr == opts.trusted_proxy &&
         req.get_header_value("X-Forwarded-Proto") == "https";
}

namespace {

// The headers every page gets: the workbench's strict CSP (no inline script
// or style; its one stylesheet comes from /web/).
void PageHeaders(httplib::Response& res) {
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                 "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
}

// A browser navigating to an API URL (a link opened in a new tab, an edited
// address, a download whose answer is a refusal) asks for text/html; a
// script's fetch and API clients do not (they send */* or application/json).
bool WantsPage(const httplib::Request& req) {
  if (req.method != "GET" && req.method != "HEAD") return false;
  const std::string accept = req.get_header_value("Accept");
  return accept.find("text/html") != std::string::npos && accept.find("application/json") == std::string::npos;
}

// The refusal as a page in Chinese, with the server's message as said and a
// link back into the workbench. The status stays the API's.
std::string ErrorPageHtml(int status, const std::string& code, const std::string& message) {
  const char* title = "出错了";
  const char* text = "服务器未能完成这个请求。";
  const char* id = "error";
  std::string back = "<a href=\"/\" id=\"back-home\">返回工作台</a>";
  switch (status) {
    case 401:
      title = "请先登录";
      text = "尚未登录，或登录已过期。请登录后从工作台重新打开。";
      id = "unauthenticated";
      back = "<a href=\"/#/login\" id=\"back-home\">去登录</a>";
      break;
    case 403:
      title = "无权查看";
      text = code == "forbidden_role" ? "您的角色不能查看这项内容。" : "这项内容不属于您的单位，您无权查看。";
      id = "forbidden";
      break;
    case 404:
      title = "未找到";
      text = "要找的内容不存在，或地址有误。";
      id = "notfound";
      break;
    case 400:
      text = "地址中的参数有误。";
      break;
    case 429:
      text = "请求过于频繁，请稍后再试。";
      break;
    case 503:
      text = "服务器暂时不可用，请稍后再试。";
      break;
    default:
      break;
  }
  return std::string(
             "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
             "<title>") +
         title +
         " · 督办工作台</title><link rel=\"icon\" href=\"data:,\">"
         "<link rel=\"stylesheet\" href=\"/web/app.css\"></head>\n<body><main id=\"main\">"
         "<div class=\"card error-page\" id=\"" +
         id + "\" data-status=\"" + std::to_string(status) + "\"><h1>" + title + "</h1><p>" + text +
         "</p><p class=\"muted\">服务器说明（HTTP " + std::to_string(status) + " " + XmlEscape(code) + "）：" +
         XmlEscape(message) + "</p><p>" + back + "</p></div></main></body></html>\n";
}

}  // namespace

void Ctx::Json(int status, const json& body) {
  res.status = status;
  // Answers are per account: never cached, never sniffed into something else.
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json; charset=utf-8");
}

void Ctx::Error(int status, const std::string& code, const std::string& message) {
  if (!WantsPage(req)) return Json(status, {{"error", code}, {"message", message}});
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_header("Vary", "Accept");
  PageHeaders(res);
  res.set_content(ErrorPageHtml(status, code, message), "text/html; charset=utf-8");
}

Server::Impl::Impl(Engine& engine, ServerOptions o)
    : opts(std::move(o)),
      clock(opts.clock ? opts.clock : SystemClock()),
      host(engine, HostOptions{opts.relay ? 0 : opts.tick_interval_ms, [c = clock] { return c->Now(); }, opts.relay,
                               opts.relay_timeout_ms}),
      accounts(engine, SystemClock()),
      sessions(Instant{opts.session_minutes} * 60000, Instant{opts.session_idle_minutes} * 60000),
      throttle(opts.login_failures_per_user, opts.login_failures_per_ip, Instant{opts.login_window_minutes} * 60000,
               Instant{opts.lockout_minutes} * 60000),
      evidence_root(opts.evidence_dir.empty() ? evidence::DirFor(opts.data_dir) : opts.evidence_dir),
      files(evidence_root),
      inbox(opts.notifications_dir.empty() ? nullptr : std::make_unique<NotificationInbox>(opts.notifications_dir)) {
  accounts::Accounts::WarmUp();
  // Which units' events cite which files, from the log as it stands.
  host.Use([&](Engine& e) {
    std::vector<schemas::Event> cited;
    (void)e.ScanLog(1, [&](uint64_t, const schemas::Event& ev) {
      if (std::holds_alternative<schemas::ProgressReported>(ev.body) ||
          std::holds_alternative<schemas::CompletionSubmitted>(ev.body))
        cited.push_back(ev);
      return true;
    });
    IndexEvidence(cited);
    return 0;
  });
}

void Server::Impl::IndexEvidence(const std::vector<schemas::Event>& events) {
  std::lock_guard<std::mutex> lock(evidence_mu);
  for (const auto& e : events) {
    std::string field;
    if (auto* p = std::get_if<schemas::ProgressReported>(&e.body)) field = p->evidence;
    if (auto* s = std::get_if<schemas::CompletionSubmitted>(&e.body)) field = s->evidence;
    for (const auto& h : evidence::ReferencedHashes(field))
      citations[h].insert({e.stream, schemas::TaskOf(e.body), schemas::UnitOf(e.body)});
  }
}

std::vector<Server::Impl::Citation> Server::Impl::CitationsOf(const std::string& sha256) {
  std::lock_guard<std::mutex> lock(evidence_mu);
  auto it = citations.find(sha256);
  if (it == citations.end()) return {};
  return {it->second.begin(), it->second.end()};
}

bool Server::Impl::UnitReadsEvidence(Ctx& c, const std::string& sha256) {
  if (files.UploadedBy(sha256, c.Uploader())) return true;
  const std::string& viewer = c.account->unit;
  std::map<std::string, std::optional<core::PlanState>> plans;  // each plan read once
  for (const Citation& cited : CitationsOf(sha256)) {
    const std::string& plan = std::get<0>(cited);
    const std::string& unit = std::get<2>(cited);
    if (unit == viewer) return true;
    auto& p = plans[plan];
    if (!p) {
      auto read = host.Use([&](Engine& e) { return e.Plan(plan); });
      p = read.ok() ? std::move(read).value() : core::PlanState{};
    }
    if (core::FollowsAssignment(*p, std::get<1>(cited), unit, viewer)) return true;
  }
  return false;
}

bool Server::Impl::Authenticate(Ctx& c) {
  const std::string auth = c.req.get_header_value("Authorization");
  std::string session_id;
  if (auth.rfind("Bearer ", 0) == 0) {
    const std::string token = auth.substr(7);
    if (token.rfind("dbt_", 0) == 0) {
      // A token check reads two meta rows (GetMeta): no engine mutex.
      auto a = host.UseConcurrently([&](Engine&) { return accounts.CheckToken(token); });
      if (!a.ok())
        return c.Error(401, "unauthenticated", "the token is not valid (revoked, disabled or mistyped)"), false;
      c.account = *a;
      return true;
    }
    session_id = token;
  } else if (!auth.empty()) {
    return c.Error(401, "unauthenticated", "Authorization must be 'Bearer <token>'"), false;
  } else {
    session_id = CookieValue(c.req, "duban_session");
    c.via_cookie = !session_id.empty();
  }
  if (session_id.empty()) return c.Error(401, "unauthenticated", "sign in first (POST /api/v1/session)"), false;
  auto s = sessions.Find(session_id, Now());
  if (!s) return c.Error(401, "unauthenticated", "the session is unknown or has expired; sign in again"), false;
  auto a = host.UseConcurrently([&](Engine&) { return accounts.Get(s->account); });
  if (!a.ok() || a->disabled || a->generation != s->generation) {
    sessions.Remove(session_id);
    return c.Error(401, "unauthenticated", "the session ended: the account was disabled or its password reset"), false;
  }
  c.account = *a;
  c.session_id = s->id;
  c.csrf = s->csrf;
  return true;
}

bool Server::Impl::CheckOriginAndCsrf(Ctx& c) {
  if (!IsWrite(c.req.method)) return true;
  const std::string origin = c.req.get_header_value("Origin");
  if (!origin.empty()) {
    const std::string host_header = c.req.get_header_value("Host");
    if (origin != "http://" + host_header && origin != "https://" + host_header)
      return c.Error(403, "cross_origin", "a request from another site (Origin " + origin + ") is refused"), false;
  }
  if (c.via_cookie && c.req.get_header_value("X-CSRF-Token") != c.csrf)
    return c.Error(403, "csrf", "a write signed in by cookie must carry the session's X-CSRF-Token header"), false;
  return true;
}

bool Server::Impl::Authorize(Ctx& c, Access access) {
  if (access == Access::kPublic) return CheckOriginAndCsrf(c);
  if (access == Access::kMetrics && IsLoopback(ClientAddress(c.req))) return true;
  if (!Authenticate(c)) return false;
  t_account = c.account->name;
  if (!CheckOriginAndCsrf(c)) return false;
  if (!RoleAllowed(access, c.account->role))
    return c.Error(403, "forbidden_role",
                   std::string("a ") + accounts::AccountRoleName(c.account->role) + " account may not do this (" +
                       AccessName(access) + " may)"),
           false;
  return true;
}

bool Ctx::Flag(const char* name, bool* out) {
  *out = false;
  if (!req.has_param(name)) return true;
  const std::string v = req.get_param_value(name);
  if (v.empty() || v == "1" || v == "true") {
    *out = true;
    return true;
  }
  if (v == "0" || v == "false") return true;
  return Error(400, "bad_request", "query parameter '" + std::string(name) + "': 1 (yes) or 0 (no)"), false;
}

bool Server::Impl::CheckQueryAndBody(Ctx& c, const Route& route) {
  const auto known = QueryParameters(route);
  // A probe's or monitor's cache-buster on the public diagnostics
  // (/healthz, /metrics, the OpenAPI document) must not fail a live server.
  const bool diagnostics = std::string_view(route.method) == "GET" &&
                           (route.access == Access::kPublic || route.access == Access::kMetrics) && known.empty();
  std::set<std::string> seen;
  for (const std::string& name : UrlQueryNames(c.req.target)) {
    const std::string shown = utf8::IsValid(name) ? utf8::Prefix(name, 64) : "(not UTF-8)";
    if (diagnostics) continue;
    if (name.empty())
      return c.Error(400, "bad_request", "a query parameter without a name ('=' first): none is taken"), false;
    if (!seen.insert(name).second)
      return c.Error(400, "bad_request",
                     "query parameter '" + shown + "': given more than once (which one was meant is not guessed)"),
             false;
    if (std::any_of(known.begin(), known.end(), [&](const auto& k) { return k.first == name; })) continue;
    std::string takes;
    for (const auto& k : known) takes += (takes.empty() ? "" : ", ") + k.first;
    return c.Error(400, "bad_request",
                   "query parameter '" + shown + "': unknown; this route takes " +
                       (takes.empty() ? std::string("none") : takes) + " (see /api/v1/openapi.json)"),
           false;
  }
  const std::string body = route.body;
  const std::string type = body == "binary" ? "application/octet-stream" : "text/plain";
  if ((body == "text" || body == "binary") && IsForm(c.req))
    return c.Error(400, "bad_request",
                   "send the file as the raw body, not as a form: Content-Type: " + type +
                       " (curl --data-binary @FILE -H 'Content-Type: " + type + "')"),
           false;
  return true;
}

void Server::Impl::Dispatch(const Route& route, const httplib::Request& req, httplib::Response& res) {
  t_route = route.path;
  // Range requests: cpp-httplib 0.11.4 slices a body whose handler set the
  // status to 200 and still answers 200, so a download manager resuming a
  // report saved a truncated or spliced file. The API's answers are made per
  // request (a report's xlsx differs in its timestamps each time): they are
  // answered whole. (The request object is httplib's own, not const.)
  const_cast<httplib::Request&>(req).ranges.clear();
  Ctx c{req, res, std::nullopt, false, "", ""};
  try {
    if (!Authorize(c, route.access) || !CheckQueryAndBody(c, route)) return;
    (this->*route.handler)(c);
  } catch (const std::exception& e) {
    log::Server().error("{} {}: {}", req.method, route.path, e.what());
    c.Error(500, "internal", "the server failed on this request; it is logged");
  }
}

void Server::Impl::Register() {
  for (const auto& r : Routes()) {
    const std::string re = RouteRegex(r.path);
    auto h = [this, &r](const httplib::Request& req, httplib::Response& res) { Dispatch(r, req, res); };
    const std::string m = r.method;
    if (m == "GET")
      http->Get(re, h);
    else if (m == "POST")
      http->Post(re, h);
    else if (m == "DELETE")
      http->Delete(re, h);
    else if (m == "PUT")
      http->Put(re, h);
    registered.emplace_back(m, r.path);
    route_patterns.push_back({std::regex(re), m, r.path});
  }
  RegisterWeb();
  http->set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    t_route.clear();
    t_account.clear();
    t_start = std::chrono::steady_clock::now();
    // A transfer coding other than chunked alone ("gzip, chunked",
    // "identity"): httplib would read the body until the read timeout;
    // RFC 9112 6.3 says answer 400 and close.
    if (req.has_header("Transfer-Encoding") && !req.has_header("Content-Length") &&
        strcasecmp(req.get_header_value("Transfer-Encoding").c_str(), "chunked") != 0) {
      res.status = 400;
      res.set_header("Connection", "close");
      res.set_header("Cache-Control", "no-store");
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_content(json{{"error", "bad_request"},
                           {"message", "Transfer-Encoding '" + req.get_header_value("Transfer-Encoding") +
                                           "' is not taken: send the body with Content-Length, or chunked alone"}}
                          .dump(-1, ' ', false, json::error_handler_t::replace),
                      "application/json; charset=utf-8");
      return httplib::Server::HandlerResponse::Handled;
    }
    // A request with neither Content-Length nor Transfer-Encoding has no
    // body (RFC 9112 6.3), but cpp-httplib 0.11.4 reads one of a POST, PUT,
    // PATCH or DELETE until the connection's read timeout (curl -X POST
    // without -d waited 10 s, then "could not be read"): say so for it. (The
    // request object is httplib's own, not const.)
    if ((req.method == "POST" || req.method == "PUT" || req.method == "PATCH" || req.method == "DELETE") &&
        !req.has_header("Content-Length") && !req.has_header("Transfer-Encoding"))
      const_cast<httplib::Request&>(req).headers.emplace("Content-Length", "0");
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http->set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) { return AnswerUnrouted(req, res); }));
  http->set_logger([this](const httplib::Request& req, const httplib::Response& res) { LogRequest(req, res); });
}

httplib::Server::HandlerResponse Server::Impl::AnswerUnrouted(const httplib::Request& req, httplib::Response& res) {
  if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
  // A route's path under a method it does not take (PUT on a plan,
  // also without a body, which httplib refuses as unreadable before
  // routing): 405 with the methods it does, not "no such route";
  // OPTIONS: 204 with them.
  std::vector<std::string> methods;
  if (res.status == 404 || res.status == 400)
    for (const auto& p : route_patterns) {
      if (!std::regex_match(req.path, p.re)) continue;
      t_route = p.path;
      for (const std::string& m :
           p.method == "GET" ? std::vector<std::string>{"GET", "HEAD"} : std::vector<std::string>{p.method})
        if (std::find(methods.begin(), methods.end(), m) == methods.end()) methods.push_back(m);
    }
  std::string allow;
  for (const auto& m : methods) allow += (allow.empty() ? "" : ", ") + m;
  if (!methods.empty()) allow += ", OPTIONS";
  if (!methods.empty() && req.method == "OPTIONS") {
    res.status = 204;
    res.set_header("Allow", allow);
    return httplib::Server::HandlerResponse::Handled;
  }
  if (!methods.empty() && std::find(methods.begin(), methods.end(), req.method) == methods.end()) {
    res.status = 405;
    res.set_header("Allow", allow);
  }
  // httplib takes at most 8 KiB of a form-encoded body (curl -d's default type).
  const bool form = req.get_header_value("Content-Type").rfind("application/x-www-form-urlencoded", 0) == 0;
  const std::string too_large = form ? "a form-encoded body is limited to 8 KiB: send files as "
                                       "application/octet-stream or text/plain (curl -H 'Content-Type: ...')"
                                     : "the body is larger than this server takes";
  const std::string code = res.status == 404   ? "no_route"
                           : res.status == 405 ? "method_not_allowed"
                           : res.status == 413 ? "too_large"
                                               : "bad_request";
  const std::string message = res.status == 404   ? "no such route (see /api/v1/openapi.json)"
                              : res.status == 405 ? "this route takes " + allow + ", not " + req.method
                              : res.status == 413 ? too_large
                                                  : "the request could not be read";
  if (WantsPage(req)) {
    PageHeaders(res);
    res.set_header("Vary", "Accept");
    res.set_content(ErrorPageHtml(res.status, code, message), "text/html; charset=utf-8");
  } else {
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content(json{{"error", code}, {"message", message}}.dump(-1, ' ', false, json::error_handler_t::replace),
                    "application/json; charset=utf-8");
  }
  return httplib::Server::HandlerResponse::Handled;
}

void Server::Impl::LogRequest(const httplib::Request& req, const httplib::Response& res) {
  // A request httplib could not parse never reached the pre-routing
  // handler: it has no start time, route or account of its own (the
  // thread's previous request's must not be reported as its).
  const bool parsed = t_start != std::chrono::steady_clock::time_point{};
  const double secs = parsed ? std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count() : 0;
  const std::string route = !parsed ? "unparsed" : t_route.empty() ? "unmatched" : t_route;
  const std::string account = parsed ? t_account : "";
  t_route.clear();
  t_account.clear();
  t_start = {};
  // An unknown method is one label, not a new series per request.
  metrics.Request(IsKnownMethod(req.method) ? req.method : "other", route, res.status, secs);
  // Never the body, the password, the cookie or a token: method, route, status, time, who.
  const json line = {{"method", req.method}, {"route", route},
                     {"status", res.status}, {"ms", static_cast<int64_t>(secs * 1000)},
                     {"account", account},   {"client", ClientAddress(req)}};
  log::Server().info("access {}", line.dump(-1, ' ', false, json::error_handler_t::replace));
}

namespace {
const char* WebType(std::string_view path) {
  static const std::pair<const char*, const char*> types[] = {{".html", "text/html; charset=utf-8"},
                                                              {".js", "text/javascript; charset=utf-8"},
                                                              {".css", "text/css; charset=utf-8"},
                                                              {".svg", "image/svg+xml"},
                                                              {".png", "image/png"},
                                                              {".ico", "image/x-icon"},
                                                              {".json", "application/json; charset=utf-8"},
                                                              {".txt", "text/plain; charset=utf-8"},
                                                              {".woff2", "font/woff2"}};
  for (const auto& [ext, type] : types)
    if (path.ends_with(ext)) return type;
  return "application/octet-stream";
}
}  // namespace

// The workbench (web/, compiled in): / is its page, /web/* its files. The
// pages are public (they hold no data; the API they call checks every
// request); the CSP lets them load and call nothing but this server.
void Server::Impl::RegisterWeb() {
  auto serve = [](const std::string& path, httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache");
    PageHeaders(res);
    for (const auto& a : WebAssets()) {
      if (a.path != path) continue;
      res.status = 200;
      res.set_content(std::string(a.bytes), WebType(path));
      return;
    }
    res.status = 404;
    res.set_content(ErrorPageHtml(404, "no_route", "no such file in the workbench"), "text/html; charset=utf-8");
  };
  const std::string asset = R"(/web/([A-Za-z0-9._/-]{1,200}))";
  http->Get("/", [serve](const httplib::Request&, httplib::Response& res) {
    t_route = "/";
    serve("index.html", res);
  });
  http->Get(asset, [serve](const httplib::Request& req, httplib::Response& res) {
    t_route = "/web/*";
    serve(req.matches[1], res);
  });
  // Under another method: 405 with Allow, as the API's routes (AnswerUnrouted).
  route_patterns.push_back({std::regex("/"), "GET", "/"});
  route_patterns.push_back({std::regex(asset), "GET", "/web/*"});
}

Server::Server(Engine& engine, ServerOptions options) : impl_(std::make_unique<Impl>(engine, std::move(options))) {}

Server::~Server() {
  Stop();
  impl_->host.Stop();
}

namespace {
// cpp-httplib listens with a backlog of 5, compiled into Debian's library:
// a burst of connections (64 clients at once, a morning's sign-ins) has SYNs
// dropped and each waits a 1 s retransmit. Linux lets listen() be called
// again on a listening socket to change its backlog; the socket is found
// among the process's descriptors by its port.
void WidenListenBacklog(int port) {
  DIR* fds = ::opendir("/proc/self/fd");
  if (!fds) return;
  while (const dirent* d = ::readdir(fds)) {
    const int fd = std::atoi(d->d_name);
    if (fd <= 2) continue;
    int listening = 0;
    socklen_t len = sizeof listening;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening) continue;
    sockaddr_storage addr{};
    socklen_t alen = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &alen) != 0) continue;
    const int bound = addr.ss_family == AF_INET    ? ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port)
                      : addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                                   : -1;
    if (bound == port) (void)::listen(fd, SOMAXCONN);
  }
  ::closedir(fds);
}
}  // namespace

Status Server::Bind() {
  auto& m = *impl_;
  if (!m.opts.tls_cert.empty() || !m.opts.tls_key.empty()) {
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
    auto ssl = std::make_unique<httplib::SSLServer>(m.opts.tls_cert.c_str(), m.opts.tls_key.c_str());
    if (!ssl->is_valid())
      return Status::InvalidArgument("cannot use --tls-cert/--tls-key (unreadable, or not a matching PEM pair)");
    m.http = std::move(ssl);
#else
    return Status::InvalidArgument("this build of cpp-httplib has no TLS support");
#endif
  } else {
    m.http = std::make_unique<httplib::Server>();
  }
  const int threads = std::max(1, m.opts.threads);
  m.http->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  // Replies are written in pieces (headers, body): without TCP_NODELAY,
  // Nagle holds the last piece for the client's delayed ACK (40 ms a request).
  m.http->set_tcp_nodelay(true);
  m.http->set_payload_max_length(m.opts.max_body_bytes);
  m.http->set_read_timeout(m.opts.read_timeout_seconds, 0);
  m.http->set_write_timeout(m.opts.write_timeout_seconds, 0);
  m.http->set_keep_alive_timeout(m.opts.keep_alive_seconds);
  m.http->set_keep_alive_max_count(static_cast<size_t>(std::max(1, m.opts.keep_alive_max_requests)));
  m.Register();
  if (m.opts.port == 0) {
    m.bound_port = m.http->bind_to_any_port(m.opts.host);
    if (m.bound_port <= 0) return Status::IOError("cannot listen on " + m.opts.host);
  } else {
    if (!m.http->bind_to_port(m.opts.host, m.opts.port))
      return Status::IOError("cannot listen on " + m.opts.host + ":" + std::to_string(m.opts.port) +
                             " (in use, or not an address of this machine)");
    m.bound_port = m.opts.port;
  }
  WidenListenBacklog(m.bound_port);
  return Status::Ok();
}

int Server::port() const { return impl_->bound_port; }

Status Server::Run() {
  if (!impl_->http) return Status::InvalidArgument("Bind() first");
  // Returns once stopped and every worker has finished its request; then
  // what is queued is committed and the committer ends.
  // A Stop() before listening began (SIGTERM during the start tick) would
  // otherwise be lost: httplib's stop() does nothing to a server not running.
  if (impl_->stopping) {
    impl_->host.Stop();
    return Status::Ok();
  }
  const bool listened = impl_->http->listen_after_bind();
  impl_->host.Stop();
  if (!listened && !impl_->stopping) return Status::IOError("the server stopped listening unexpectedly");
  return Status::Ok();
}

void Server::Stop() {
  impl_->stopping = true;
  impl_->host.StopWaiting();
  if (impl_->http) impl_->http->stop();
}

void Server::StoreChanged() { impl_->host.Applied(); }

std::vector<std::pair<std::string, std::string>> Server::RegisteredRoutes() const { return impl_->registered; }

void Server::WithEngine(const std::function<void(Engine&)>& fn) {
  impl_->host.Use([&](Engine& e) {
    fn(e);
    return 0;
  });
}

}  // namespace duban::server

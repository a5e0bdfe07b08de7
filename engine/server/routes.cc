// The one table of routes: the router registers it (server.cc) and the
// OpenAPI document is written from it, so neither can list a route the
// other lacks (tests/server/openapi_test.cc checks the live server too).
#include <regex>

#include "duban/server/command_json.h"
#include "server_impl.h"

namespace duban::server {

using I = Server::Impl;

namespace {

// The plans' routes: operations, sessions, commands, reads and reports.
std::vector<Route> PlanRoutes() {
  return {
      {"GET", "/healthz", "liveness: 200 \"ok\" and the log end", Access::kPublic, &I::Healthz, "", ""},
      {"GET", "/metrics", "Prometheus text format", Access::kMetrics, &I::MetricsText, "", ""},
      {"GET", "/api/v1/openapi.json", "this document", Access::kPublic, &I::OpenApi, "", ""},
      {"POST", "/api/v1/session", "sign in with {\"user\",\"password\"}: a session cookie and bearer token",
       Access::kPublic, &I::Login, "", "json"},
      {"DELETE", "/api/v1/session", "sign out", Access::kSignedIn, &I::Logout, "", ""},
      {"GET", "/api/v1/me", "the signed-in account (and the session's CSRF token)", Access::kSignedIn, &I::Me, "", ""},
      {"POST", "/api/v1/commands", "a lifecycle command; the actor is the signed-in account", Access::kWriters,
       &I::PostCommand, "", "json"},
      {"POST", "/api/v1/bulk",
       "approve, reject or urge (催办) many assignments of a plan: each its own command with its own outcome",
       Access::kOffice, &I::PostBulk, "", "json"},
      {"GET", "/api/v1/plans", "plans (a unit: those it holds assignments in)", Access::kReaders, &I::ListPlans, "",
       ""},
      {"POST", "/api/v1/plans/import", "import a plan file (the body, as `duban plan import` reads it)",
       Access::kOffice, &I::ImportPlan,
       "id:plan id (required unless dry_run);dry_run:1 = preview only;accept_unknown_units:1;keep_groups:1;"
       "new_version:1;issued_on:YYYY-MM-DD publication date;year:YYYY the plan year (as plan import --year);"
       "dates_after_issue:1 = a date naming no year that falls before issued_on is the next year's",
       "text"},
      {"GET", "/api/v1/plans/{plan}", "a plan and its tasks", Access::kReaders, &I::GetPlan, "", ""},
      {"GET", "/api/v1/plans/{plan}/tasks/{task}", "a task, its assignments and history", Access::kReaders, &I::GetTask,
       "", ""},
      {"GET", "/api/v1/plans/{plan}/as-of", "the plan's assignments as of a date", Access::kReaders, &I::PlanAsOf,
       "date:YYYY-MM-DD or YYYY-MM-DDTHH:MM (required);basis:effective (default) or recorded", ""},
      {"GET", "/api/v1/assignments", "assignments (a unit: its own and those it delegated)", Access::kReaders,
       &I::ListAssignments,
       "plan:plan id;unit:unit name;status:assigned|accepted|in_progress|submitted|completed|returned|cancelled;"
       "overdue:1 = late work not yet done (not completed or cancelled)",
       ""},
      {"GET", "/api/v1/queues", "the office's queues: returns, extension requests, submissions to review",
       Access::kOfficeAuditor, &I::Queues, "", ""},
      {"GET", "/api/v1/queue/{kind}",
       "what waits for the office, oldest first, as `duban queue` lists it: kind returns, extensions, submissions "
       "or silent (a unit account: what waits for it on the assignments it delegated)",
       Access::kReaders, &I::Queue,
       "plan:plan id (default: every plan);days:silent: working days without a word (default 10);"
       "on:YYYY-MM-DD the day silence is read on (default today, China time);"
       "for:a unit: what waits for it on what it delegated (office, auditor: a unit account reads its own)",
       ""},
      {"GET", "/api/v1/plans/{plan}/cycles",
       "the plan's review cycles: per unit, reports asked, answered (on time, late), silent, escalation",
       Access::kOfficeAuditor, &I::PlanCycles, "", ""},
      {"GET", "/api/v1/dashboard",
       "the office's dashboard: traffic-light counts, queues, and a line per unit (most red first)",
       Access::kOfficeAuditor, &I::Dashboard, "plan:plan id (default: every plan)", ""},
      {"GET", "/api/v1/reports/ledger",
       "the plan's work ledger (工作台账) as of a date, as `duban report ledger` writes it (a unit: its own rows)",
       Access::kReaders, &I::ReportLedger,
       "plan:plan id (required);as_of:YYYY-MM-DD, up to today (default today, China time);"
       "format:xlsx (default), csv or json;unit:one unit's rows (a unit: its own)",
       ""},
      {"GET", "/api/v1/reports/scorecard",
       "the units' scorecard (考核评分表) as of a date, as `duban report scorecard` writes it", Access::kOfficeAuditor,
       &I::ReportScorecard,
       "plan:plan id (required);as_of:YYYY-MM-DD, up to today (default today);format:xlsx (default) or json", ""},
      {"GET", "/api/v1/reports/bulletin", "the 通报 draft as of a date, as `duban report bulletin` writes it",
       Access::kOfficeAuditor, &I::ReportBulletin,
       "plan:plan id (required);as_of:YYYY-MM-DD, up to today (default today);format:docx (default) or json", ""},
      {"GET", "/api/v1/verify", "hash chains, projections and evidence files checked; the chain heads",
       Access::kOfficeAuditor, &I::VerifyStore, "", ""},
      {"GET", "/api/v1/calendar",
       "the working-day calendar, as `duban calendar status --json` prints it: covered years, recorded notices, "
       "the provisional rule, open deadlines with provisional timers",
       Access::kOfficeAuditor, &I::GetCalendar, "", ""},
      {"POST", "/api/v1/calendar/notices",
       "record a State Council holiday notice (the body: one notice's YAML, as `duban calendar add` reads it) and "
       "recount open deadlines on it",
       Access::kOffice, &I::AddCalendarNotice,
       "source:the notice's file name, quoted in messages (default notice.yaml);"
       "id:command id (default: derived from the account and the notice's bytes)",
       "text"},
  };
}

// The accounts' own routes: notifications, evidence files, administration.
std::vector<Route> AccountRoutes() {
  return {
      {"GET", "/api/v1/notifications",
       "the signed-in account's notifications from the reminders consumer, newest first, and how many are unread",
       Access::kWriters, &I::ListNotifications,
       "unread:1 lists only those not yet read;limit:at most this many (default 50, at most 500)", ""},
      {"POST", "/api/v1/notifications/read",
       "mark notifications read: {\"ids\": [...]}, {\"all\": true} or {\"all\": true, \"through\": id}",
       Access::kWriters, &I::MarkNotificationsRead, "", "json"},
      {"POST", "/api/v1/evidence", "upload an evidence file (raw body)", Access::kWriters, &I::UploadEvidence,
       "name:the file name, e.g. 报告.pdf (required)", "binary"},
      {"GET", "/api/v1/evidence/{sha256}", "download an evidence file", Access::kReaders, &I::DownloadEvidence, "", ""},
      {"GET", "/api/v1/users", "every account and token (never a secret)", Access::kAdmin, &I::ListUsers, "", ""},
      {"POST", "/api/v1/users", "add a person's account: 201 and the account", Access::kAdmin, &I::AddUser, "", "json"},
      {"POST", "/api/v1/users/{name}/disable", "disable an account or revoke a token: its sessions end", Access::kAdmin,
       &I::DisableUser, "", "json"},
      {"POST", "/api/v1/users/{name}/enable", "enable a disabled account (a revoked token stays revoked)",
       Access::kAdmin, &I::EnableUser, "", "json"},
      {"POST", "/api/v1/users/{name}/reset-password", "set a new password: the account's sessions end", Access::kAdmin,
       &I::ResetUserPassword, "", "json"},
      {"POST", "/api/v1/tokens", "create a machine token: 201 and the token, shown once", Access::kAdmin,
       &I::CreateToken, "", "json"},
  };
}

}  // namespace

const std::vector<Route>& Routes() {
  static const std::vector<Route> routes = [] {
    std::vector<Route> all = PlanRoutes();
    const std::vector<Route> more = AccountRoutes();
    all.insert(all.end(), more.begin(), more.end());
    return all;
  }();
  return routes;
}

const char* AccessName(Access a) {
  switch (a) {
    case Access::kPublic:
      return "anyone";
    case Access::kSignedIn:
      return "any signed-in account";
    case Access::kReaders:
      return "office, auditor, unit (its own part)";
    case Access::kOfficeAuditor:
      return "office, auditor";
    case Access::kOffice:
      return "office";
    case Access::kWriters:
      return "office, unit (its own assignments)";
    case Access::kMetrics:
      return "loopback clients, or an office or admin account";
    case Access::kAdmin:
      return "admin";
  }
  return "";
}

std::vector<std::pair<std::string, std::string>> QueryParameters(const Route& r) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::string q = r.params;
  for (size_t start = 0; start < q.size();) {
    size_t end = q.find(';', start);
    if (end == std::string::npos) end = q.size();
    const std::string item = q.substr(start, end - start);
    const size_t colon = item.find(':');
    out.emplace_back(item.substr(0, colon), colon == std::string::npos ? "" : item.substr(colon + 1));
    start = end + 1;
  }
  return out;
}

std::string RouteRegex(const char* path) {
  static const std::regex param("\\{[a-z0-9_]+\\}");
  return std::regex_replace(std::string(path), param, "([^/]+)");
}

namespace {

json Parameters(const Route& r) {
  json ps = json::array();
  static const std::regex param("\\{([a-z0-9_]+)\\}");
  const std::string path = r.path;
  for (auto it = std::sregex_iterator(path.begin(), path.end(), param); it != std::sregex_iterator(); ++it)
    ps.push_back({{"name", (*it)[1].str()}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
  for (const auto& [name, description] : QueryParameters(r))
    ps.push_back({{"name", name}, {"in", "query"}, {"description", description}, {"schema", {{"type", "string"}}}});
  return ps;
}

json Responses(const Route& r) {
  json out = {{"200", {{"description", "ok"}}}};
  if (r.access != Access::kPublic) out["401"] = {{"description", "no identity (sign in, or a bearer token)"}};
  if (r.access != Access::kPublic && r.access != Access::kSignedIn)
    out["403"] = {{"description", "not your role, not your unit, a cross-origin request or a missing CSRF token"}};
  if (std::string(r.body) == "json") out["400"] = {{"description", "malformed: the message names the field"}};
  if (std::string(r.path) == "/api/v1/commands") {
    out["409"] = {{"description", "the command_id was used for another command"}};
    out["422"] = {{"description", "refused by the domain: reason code and message"}};
  }
  if (r.access == Access::kAdmin) {
    const std::string path = r.path, method = r.method;
    if (path == "/api/v1/users" && method == "POST") {
      out.erase("200");
      out["201"] = {{"description", "the account was made"}};
      out["422"] = {{"description", "weak_password: the message says why"}};
    }
    if (path == "/api/v1/tokens") {
      out.erase("200");
      out["201"] = {{"description", "{\"token\": \"dbt_...\", \"account\"}: the token is shown this once"}};
    }
    if (method == "POST" && path.find("{name}") == std::string::npos)
      out["409"] = {{"description", "account_exists: an account or token of that name exists"}};
    if (path.find("{name}") != std::string::npos) {
      out["404"] = {{"description", "account_not_found"}};
      if (path.ends_with("/disable")) out["422"] = {{"description", "cannot_disable_self"}};
      if (path.ends_with("/reset-password")) out["422"] = {{"description", "weak_password: the message says why"}};
    }
  }
  if (std::string(r.body) == "binary") out["415"] = {{"description", "type not allowed"}};
  if (!std::string_view(r.body).empty()) out["413"] = {{"description", "body too large"}};
  return out;
}

json Operation(const Route& r) {
  json op = {{"summary", r.summary},
             {"description", std::string("Who may call it: ") + AccessName(r.access) + "."},
             {"parameters", Parameters(r)},
             {"responses", Responses(r)}};
  const std::string body = r.body;
  if (body == "json") {
    json schema = {{"type", "object"}};
    if (std::string(r.path) == "/api/v1/commands") {
      json types = json::array();
      for (const auto& t : CommandTypes()) types.push_back(t);
      schema["required"] = {"type", "plan", "command_id"};
      schema["properties"] = {{"type", {{"type", "string"}, {"enum", types}}},
                              {"plan", {{"type", "string"}}},
                              {"command_id", {{"type", "string"}, {"maxLength", kMaxCommandIdChars}}},
                              {"task", {{"type", "integer"}, {"minimum", 1}}},
                              {"unit", {{"type", "string"}}},
                              {"at", {{"type", "string"}}},
                              {"back_entry_reason", {{"type", "string"}}}};
    }
    const std::string path = r.path;
    const json str = {{"type", "string"}};
    const json role = {{"type", "string"}, {"enum", {"office", "unit", "auditor", "admin"}}};
    bool required = true;
    if (path == "/api/v1/users" || path == "/api/v1/tokens") {
      schema["required"] = {"name", "role"};
      schema["properties"] = {{"name", str}, {"role", role}, {"unit", str}, {"display_name", str}};
      if (path == "/api/v1/users") {
        schema["required"].push_back("password");
        schema["properties"]["password"] = str;
      }
    } else if (path.ends_with("/reset-password")) {
      schema["required"] = {"password"};
      schema["properties"] = {{"password", str}};
    } else if (path.ends_with("/disable") || path.ends_with("/enable")) {
      required = false;
      schema["properties"] = json::object();
      if (path.ends_with("/disable")) schema["properties"]["reason"] = str;
    }
    if (r.access == Access::kAdmin) schema["additionalProperties"] = false;
    op["requestBody"] = {{"required", required}, {"content", {{"application/json", {{"schema", schema}}}}}};
  } else if (body == "binary" || body == "text") {
    op["requestBody"] = {{"required", true},
                         {"content",
                          {{body == "text" ? "text/plain" : "application/octet-stream",
                            {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}};
  }
  if (r.access != Access::kPublic)
    op["security"] = json::array({{{"session", json::array()}}, {{"bearer", json::array()}}});
  return op;
}

}  // namespace

std::string OpenApiJson() {
  json doc = {{"openapi", "3.0.3"},
              {"info", {{"title", "duban API"}, {"version", "1"}, {"description", "See docs/API.md."}}},
              {"components",
               {{"securitySchemes",
                 {{"session", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "duban_session"}}},
                  {"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}}},
              {"paths", json::object()}};
  for (const auto& r : Routes()) {
    std::string method = r.method;
    for (auto& ch : method) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    doc["paths"][r.path][method] = Operation(r);
  }
  return doc.dump(2);
}

}  // namespace duban::server

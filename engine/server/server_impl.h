// The server's inside (private to engine/server): the request context, the
// route table both the router and the OpenAPI document come from, and the
// handlers, split by subject over handlers_*.cc.
#pragma once

#include <httplib.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "auth.h"
#include "duban/accounts.h"
#include "duban/date.h"
#include "duban/server/evidence.h"
#include "duban/server/row_json.h"
#include "duban/server/server.h"
#include "duban/server/strict_json.h"
#include "engine_host.h"
#include "metrics.h"
#include "notification_inbox.h"

namespace duban::workflows {
class WorkCalendar;
}

namespace duban::server {

using nlohmann::json;

// Who may call a route (the identity's account role).
enum class Access {
  kPublic,         // anyone, no identity needed
  kSignedIn,       // any account
  kReaders,        // office, auditor, unit (a unit sees its own part)
  kOfficeAuditor,  // office, auditor
  kOffice,         // office
  kWriters,        // office, unit
  kMetrics,        // loopback, or an office or admin account
  kAdmin,          // admin (account administration)
};
const char* AccessName(Access a);

struct Ctx {
  const httplib::Request& req;
  httplib::Response& res;
  std::optional<accounts::Account> account;
  bool via_cookie = false;
  std::string session_id, csrf;

  void Json(int status, const json& body);
  void Error(int status, const std::string& code, const std::string& message);
  bool IsUnit() const { return account && account->role == accounts::AccountRole::kUnit; }
  // A yes/no query parameter into `out`: absent, 0 or false: no; 1, true
  // or bare (?dry_run): yes. Anything else is refused (400 naming it), never
  // read as either: `dry_run=no` must not import.
  bool Flag(const char* name, bool* out);
  // Who an upload belongs to: a unit's accounts share their unit's files.
  std::string Uploader() const { return IsUnit() ? "unit:" + account->unit : "account:" + account->name; }
};

struct Route {
  const char* method;
  const char* path;  // OpenAPI template: /api/v1/plans/{plan}
  const char* summary;
  Access access;
  void (Server::Impl::*handler)(Ctx&);
  const char* params;  // query parameters, "name:description;..." ("" none)
  const char* body;    // request body: "json", "binary", "text", "" none
};
const std::vector<Route>& Routes();
std::string RouteRegex(const char* path);  // {x} -> ([^/]+), anchored by httplib
// A route's query parameters (name, description), as Route::params lists them.
std::vector<std::pair<std::string, std::string>> QueryParameters(const Route& r);

struct Server::Impl {
  Impl(Engine& engine, ServerOptions options);

  ServerOptions opts;
  std::shared_ptr<const EngineClock> clock;
  EngineHost host;
  accounts::Accounts accounts;
  SessionStore sessions;
  LoginThrottle throttle;
  Metrics metrics;
  std::string evidence_root;
  evidence::Store files;
  const std::string& files_dir() const { return evidence_root; }
  std::unique_ptr<httplib::Server> http;
  std::vector<std::pair<std::string, std::string>> registered;
  // Each route's path pattern and method: a path served under other
  // methods is answered 405 with Allow, not 404.
  struct RoutePattern {
    std::regex re;
    std::string method;
    const char* path;
  };
  std::vector<RoutePattern> route_patterns;
  int bound_port = 0;
  std::atomic<bool> stopping{false};

  // Evidence access: the assignments (plan, task, unit) whose events cite a
  // file; the accounts that uploaded it are evidence::Store::UploadedBy's.
  using Citation = std::tuple<std::string, int32_t, std::string>;
  std::mutex evidence_mu;
  std::map<std::pair<std::string, std::string>, uint64_t> uploaded_today;  // (uploader, day) -> new bytes
  std::map<std::string, std::set<Citation>> citations;
  void IndexEvidence(const std::vector<schemas::Event>& events);
  // The assignments citing a file (a copy: taken under evidence_mu).
  std::vector<Citation> CitationsOf(const std::string& sha256);
  // Whether a unit account reads a file: it uploaded it, or it follows an
  // assignment citing it (its own, or one delegated down from it).
  bool UnitReadsEvidence(Ctx& c, const std::string& sha256);

  // Reports being made (handlers_reports.cc): each holds the engine while it
  // replays the plan and holds the file in memory, so at most
  // kReportsAtOnce run at once and one per account; the rest are 503 busy
  // with Retry-After, not queued behind the server's worker threads.
  static constexpr int kReportsAtOnce = 2;
  std::mutex reports_mu;
  std::set<std::string> reports_running;  // account names

  std::unique_ptr<NotificationInbox> inbox;  // null without opts.notifications_dir

  void Register();
  void RegisterWeb();  // the workbench's pages (web/)
  void Dispatch(const Route& route, const httplib::Request& req, httplib::Response& res);
  // The URL's query parameters are those the route lists, and a file sent
  // to a route that takes one raw is not a form; else a 400 that says so.
  static bool CheckQueryAndBody(Ctx& c, const Route& route);
  // What httplib could not route or read (no such path, a method the path
  // does not take, an unreadable or too large request): its error answer.
  httplib::Server::HandlerResponse AnswerUnrouted(const httplib::Request& req, httplib::Response& res);
  // The access log line and the request metrics, once the answer is sent.
  void LogRequest(const httplib::Request& req, const httplib::Response& res);
  bool Authenticate(Ctx& c);
  bool Authorize(Ctx& c, Access access);
  // The client's address: the peer's, or behind --trusted-proxy its X-Real-IP.
  std::string ClientAddress(const httplib::Request& req) const;
  // Whether the browser reached us over HTTPS: our own TLS, or behind
  // --trusted-proxy its X-Forwarded-Proto. Session cookies are then Secure.
  bool ViaHttps(const httplib::Request& req) const;
  bool CheckOriginAndCsrf(Ctx& c);
  Instant Now() const { return clock->Now(); }

  // handlers_session.cc
  void Login(Ctx& c);
  void Logout(Ctx& c);
  void Me(Ctx& c);
  // handlers_commands.cc
  void PostCommand(Ctx& c);
  // POST /api/v1/bulk: approve, reject or urge many assignments, each its own command.
  void PostBulk(Ctx& c);
  // Submits as the signed-in account (actor, time), counted in the metrics.
  Outcome SubmitAs(Ctx& c, schemas::Command cmd);
  bool ReadUnitAddition(Ctx& c, bool accept_unknown, schemas::Command* cmd);
  void ImportPlan(Ctx& c);
  // handlers_reads.cc
  void ListPlans(Ctx& c);
  void GetPlan(Ctx& c);
  void GetTask(Ctx& c);
  void PlanAsOf(Ctx& c);
  void ListAssignments(Ctx& c);
  void Queues(Ctx& c);
  void Queue(Ctx& c);
  void Dashboard(Ctx& c);        // handlers_dashboard.cc
  void ReportLedger(Ctx& c);     // handlers_reports.cc
  void ReportScorecard(Ctx& c);  // handlers_reports.cc
  void ReportBulletin(Ctx& c);   // handlers_reports.cc
  std::optional<std::pair<std::string, Date>> ReportRequest(Ctx& c, const std::string& kind);
  class ReportSlot;
  void PlanCycles(Ctx& c);  // handlers_dashboard.cc
  void VerifyStore(Ctx& c);
  // handlers_calendar.cc
  void GetCalendar(Ctx& c);
  void AddCalendarNotice(Ctx& c);
  // handlers_admin.cc
  void ListUsers(Ctx& c);
  void AddUser(Ctx& c);
  void DisableUser(Ctx& c);
  void EnableUser(Ctx& c);
  void SetUserDisabled(Ctx& c, bool disabled);
  void ResetUserPassword(Ctx& c);
  void ChangeAccount(Ctx& c, const std::string& name, const std::function<Status()>& change);
  void CreateToken(Ctx& c);
  // handlers_ops.cc
  void Healthz(Ctx& c);
  void MetricsText(Ctx& c);
  void OpenApi(Ctx& c);
  void UploadEvidence(Ctx& c);
  void DownloadEvidence(Ctx& c);
  // handlers_notifications.cc
  void ListNotifications(Ctx& c);
  void MarkNotificationsRead(Ctx& c);
};

// The plan for a reader, or the answer already given (404, or 403 for a unit
// holding nothing in it).
std::optional<core::PlanState> PlanFor(Ctx& c, EngineHost& host, const std::string& id, int32_t task = 0);
// A store error as its answer (404 for not found, else 500).
void Answer(Ctx& c, const Status& st);

// The traffic light (亮灯) of assignment rows on one day (handlers_dashboard.cc
// says what each colour means); caches working-day counts by deadline.
class LightCalc {
 public:
  LightCalc(const Engine& engine, Instant now);
  std::optional<int> WorkingDaysLeft(const std::string& due_on);
  bool Past(const std::string& due_on) const;         // before today
  bool Provisional(const std::string& due_on) const;  // the count touches an uncovered year
  static const char* Light(const AssignmentRow& r, std::optional<int> working_days_left, bool past_due);
  // RowJson plus "light", "working_days_left" (open rows) and "working_days_provisional".
  json Row(const AssignmentRow& r);

 private:
  Date today_;
  std::shared_ptr<const TimerPolicy> policy_;  // keeps calendar_ alive past a calendar notice's commit
  const workflows::WorkCalendar* calendar_ = nullptr;
  std::map<int64_t, int> cache_;
};

// An outcome's HTTP status (its JSON: OutcomeJson, duban/server/row_json.h).
int OutcomeStatus(const Outcome& o);
json RowJson(const AssignmentRow& r);
json EventJson(const schemas::Event& e);
// An account as /me shows it (name, display_name, role, unit, kind), and as
// the admin routes show it (also disabled, created_at, changed_at). Never a secret.
json AccountJson(const accounts::Account& a);
json AdminAccountJson(const accounts::Account& a);

}  // namespace duban::server

// Writes: POST /api/v1/commands and POST /api/v1/plans/import. The identity
// is checked against the command before it is queued (nothing is written for
// a refusal here); the domain decides the rest.
#include "duban/core/workflow_timer_policy.h"
#include "duban/plan_import/import_command.h"
#include "duban/plan_import/plan_parser.h"
#include "duban/plan_import/unit_directory.h"
#include "duban/schemas/codec.h"
#include "duban/server/command_json.h"
#include "server_impl.h"

namespace duban::server {

namespace {

constexpr size_t kMaxPlanFileBytes = size_t{8} << 20;

std::string UnitOfCommand(const schemas::CommandBody& body) {
  return std::visit(
      [](const auto& b) -> std::string {
        if constexpr (requires { b.from_unit; })
          return b.from_unit;
        else if constexpr (requires { b.unit; })
          return b.unit;
        else
          return "";
      },
      body);
}

// What the identity alone forbids: 0 (nothing) or 403 with why.
Status IdentityRefuses(const accounts::Account& a, const DecodedCommand& d) {
  const bool unit_type = IsUnitCommandType(d.type);
  if (a.role == accounts::AccountRole::kUnit) {
    if (!unit_type)
      return Status::Rejected("forbidden_role", "a unit may not '" + d.type + "': it is the office's step");
    if (!d.command.back_entry_reason.empty())
      return Status::Rejected("forbidden_role",
                              "only the office enters paper records after the fact (back_entry_reason)");
    const std::string unit = UnitOfCommand(d.command.body);
    if (unit != a.unit)
      return Status::Rejected("not_assignee",
                              "the account acts for " + a.unit + "; it cannot act on " + unit + "'s assignment");
    return Status::Ok();
  }
  if (a.role == accounts::AccountRole::kOffice) {
    if (unit_type && d.command.back_entry_reason.empty())
      return Status::Rejected("forbidden_role", "'" + d.type +
                                                    "' is the unit's step; the office enters it only as a "
                                                    "paper record, with back_entry_reason");
    return Status::Ok();
  }
  return Status::Rejected("forbidden_role",
                          std::string("a ") + accounts::AccountRoleName(a.role) + " account does not act on plans");
}

}  // namespace

json OutcomeJson(const Outcome& o) {
  json j;
  j["command_id"] = o.command_id;
  const bool rejected = o.status.code() == Status::Code::kRejected;
  j["outcome"] = o.status.ok()                                ? "accepted"
                 : rejected                                   ? "rejected"
                 : o.status.code() == Status::Code::kConflict ? "conflict"
                                                              : "error";
  j["duplicate"] = o.duplicate;
  if (!o.status.ok()) {
    j["reason"] = rejected                                     ? o.status.reason()
                  : o.status.code() == Status::Code::kConflict ? "command_id_conflict"
                                                               : "error";
    j["message"] = o.status.message();
  }
  j["events"] = json::array();
  for (const auto& e : o.events) j["events"].push_back(EventJson(e));
  return j;
}

int OutcomeStatus(const Outcome& o) {
  switch (o.status.code()) {
    case Status::Code::kOk:
      return 200;
    case Status::Code::kConflict:
      return 409;
    case Status::Code::kRejected: {
      const std::string& r = o.status.reason();
      if (r == "too_large") return 413;  // Kafka mode: larger than a Kafka message may be
      return r == core::reason::kForbiddenRole || r == core::reason::kNotAssignee ? 403 : 422;
    }
    case Status::Code::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

void Server::Impl::PostCommand(Ctx& c) {
  if (c.req.body.size() > opts.max_json_bytes) return c.Error(413, "too_large", "a command body is at most 1 MiB");
  auto d = DecodeCommandJson(c.req.body);
  if (!d.ok()) {
    metrics.Command("refused");
    return c.Error(400, "bad_request", d.status().message());
  }
  if (Status st = IdentityRefuses(*c.account, *d); !st.ok()) {
    metrics.Command("refused");
    return c.Error(403, st.reason(), st.message());
  }
  schemas::Command cmd = std::move(d->command);
  if (d->type == "start_cycle") {
    const auto* tpl = core::Definition().FindReviewCycle(d->cycle_kind);
    if (!tpl) return c.Error(400, "bad_request", "field 'kind': the workflow definition has no such review cycle");
    auto& b = std::get<schemas::StartReviewCycle>(cmd.body);
    b.scope = tpl->scope;
    b.kind = tpl->kind;
  }
  if (!d->evidence.empty()) {
    std::vector<evidence::StoredFile> cited;
    for (const auto& ref : d->evidence) {
      // A unit cites what it uploaded or what its assignments cite already;
      // anything else is answered as if no such file existed (a guessed
      // hash must not confirm that a document is in the store).
      bool may_cite = !c.IsUnit() || files.UploadedBy(ref.sha256, c.Uploader());
      if (!may_cite) {
        std::lock_guard<std::mutex> lock(evidence_mu);
        may_cite = cited_by_unit[ref.sha256].count(c.account->unit) > 0;
      }
      if (!may_cite)
        return c.Error(422, "evidence_invalid",
                       "evidence " + ref.sha256 + ": no evidence file " + ref.sha256 + " was uploaded by this unit");
      auto f = files.Describe(ref.sha256, ref.name);
      if (!f.ok()) return c.Error(422, "evidence_invalid", "evidence " + ref.sha256 + ": " + f.status().message());
      cited.push_back(std::move(f).value());
    }
    const std::string field = evidence::EvidenceJson(cited);
    if (auto* p = std::get_if<schemas::ReportProgress>(&cmd.body)) p->evidence = field;
    if (auto* s = std::get_if<schemas::Submit>(&cmd.body)) s->evidence = field;
  }
  cmd.actor = accounts::ActorOf(*c.account);
  cmd.issued_at = Now();
  const Outcome o = host.Submit(std::move(cmd));
  metrics.Command(o.status.ok()                                ? (o.duplicate ? "duplicate" : "accepted")
                  : o.status.code() == Status::Code::kRejected ? "rejected"
                  : o.status.code() == Status::Code::kConflict ? "conflict"
                                                               : "error");
  if (o.status.ok()) IndexEvidence(o.events);
  c.Json(OutcomeStatus(o), OutcomeJson(o));
}

namespace {

struct ImportParams {
  std::string id;
  bool dry_run = false, accept_unknown = false, keep_groups = false, new_version = false;
  std::optional<Date> issued_on;
};

bool Flag(const httplib::Request& req, const char* name) {
  return req.has_param(name) && req.get_param_value(name) != "0" && req.get_param_value(name) != "false";
}

bool ReadImportParams(Ctx& c, ImportParams* p) {
  static const std::set<std::string> known = {"id",          "dry_run",     "accept_unknown_units",
                                              "keep_groups", "new_version", "issued_on"};
  for (const auto& [k, _] : c.req.params)
    if (!known.count(k)) return c.Error(400, "bad_request", "query parameter '" + k + "': unknown"), false;
  p->id = c.req.get_param_value("id");
  p->dry_run = Flag(c.req, "dry_run");
  p->accept_unknown = Flag(c.req, "accept_unknown_units");
  p->keep_groups = Flag(c.req, "keep_groups");
  p->new_version = Flag(c.req, "new_version");
  if (!p->dry_run && p->id.empty())
    return c.Error(400, "bad_request", "query parameter 'id': the plan id is required"), false;
  const bool control = std::any_of(p->id.begin(), p->id.end(),
                                   [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; });
  if (p->id.size() > kMaxNameBytes || control || p->id.find_first_of(std::string("/\\\0", 3)) != std::string::npos ||
      (!p->id.empty() && p->id.front() == '!'))
    return c.Error(400, "bad_request",
                   "query parameter 'id': not a usable plan id (at most " + std::to_string(kMaxNameBytes) +
                       " bytes; no control characters, '/' or '\\'; not starting with '!')"),
           false;
  if (c.req.has_param("issued_on")) {
    p->issued_on = Date::Parse(c.req.get_param_value("issued_on"));
    if (!p->issued_on) return c.Error(400, "bad_request", "query parameter 'issued_on': must be YYYY-MM-DD"), false;
  }
  return true;
}

}  // namespace

void Server::Impl::ImportPlan(Ctx& c) {
  if (c.req.body.size() > kMaxPlanFileBytes) return c.Error(413, "too_large", "a plan file is at most 8 MiB");
  ImportParams p;
  if (!ReadImportParams(c, &p)) return;
  const std::string& bytes = c.req.body;
  plan_import::UnitDirectory dir;
  if (auto chosen = plan_import::UnitDirectory::ChooseEmbedded(bytes)) dir = std::move(*chosen);
  auto policy = host.Use([](Engine& e) { return e.timer_policy(); });
  plan_import::ParseOptions po;
  const auto* wp = dynamic_cast<const WorkflowTimerPolicy*>(policy.get());
  if (wp) po.calendar = &wp->latest_calendar();
  po.issued_on = p.issued_on;
  const plan_import::ParsedPlan plan = plan_import::ParsePlan(bytes, dir, po);
  if (plan.tasks.empty())
    return c.Json(422, {{"error", "no_tasks"},
                        {"message", "no task found in the file"},
                        {"preview", json::parse(plan_import::ParsedPlanToJson(plan), nullptr, false)}});
  plan_import::ImportRequest req;
  req.plan_id = p.id.empty() ? "preview" : p.id;
  req.source_bytes = bytes;
  req.accept_unknown_units = p.accept_unknown || p.dry_run;
  req.directory = &dir;
  req.keep_groups = p.keep_groups;
  req.calendar = po.calendar;
  std::map<std::string, std::vector<std::string>> expanded;
  schemas::ImportPlan body = plan_import::BuildImportPlan(plan, req, &expanded);
  if (p.dry_run)
    return c.Json(200, {{"preview", json::parse(plan_import::ParsedPlanToJson(plan), nullptr, false)},
                        {"assignments", plan_import::AssignmentsOf(body)},
                        {"groups", expanded}});
  schemas::Command cmd;
  cmd.plan_id = req.plan_id;
  if (p.new_version)
    host.Use([&](Engine& e) {
      for (int v = 2; e.Plan(cmd.plan_id).ok(); ++v) cmd.plan_id = p.id + ".v" + std::to_string(v);
      return 0;
    });
  cmd.actor = accounts::ActorOf(*c.account);
  cmd.issued_at = Now();
  if (p.issued_on && *p.issued_on < DayOf(cmd.issued_at)) {
    cmd.effective_at = StartOfDay(*p.issued_on);
    cmd.back_entry_reason = "plan published on " + p.issued_on->ToString() + ", entered later";
  } else if (p.issued_on && DayOf(cmd.issued_at) < *p.issued_on) {
    // A publication day still to come is claimed like a future time, and the
    // domain refuses it (time_in_future), as the CLI does.
    cmd.effective_at = StartOfDay(*p.issued_on);
  }
  cmd.body = std::move(body);
  cmd.command_id = plan_import::DerivedImportId(cmd);
  const Outcome o = host.Submit(std::move(cmd));
  json out = OutcomeJson(o);
  out["plan"] = o.events.empty() ? p.id : o.events.front().stream;
  out["events"] = json::array();  // thousands of events: the count says enough
  out["event_count"] = o.events.size();
  c.Json(OutcomeStatus(o), out);
}

}  // namespace duban::server

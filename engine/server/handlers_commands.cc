// Writes: POST /api/v1/commands and POST /api/v1/plans/import. The identity
// is checked against the command before it is queued (nothing is written for
// a refusal here); the domain decides the rest.
#include <set>

#include "duban/core/bulk.h"
#include "duban/core/consolidation.h"
#include "duban/core/workflow_timer_policy.h"
#include "duban/plan_import/import_command.h"
#include "duban/plan_import/plan_parser.h"
#include "duban/plan_import/unit_addition.h"
#include "duban/plan_import/unit_directory.h"
#include "duban/schemas/codec.h"
#include "duban/server/command_json.h"
#include "duban/utf8.h"
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

// The office's steps a unit may take on an assignment it delegated (the
// definition's delegating_unit steps).
bool IsDelegatorStep(std::string_view type) {
  static const std::set<std::string, std::less<>> kSteps = {"approve", "reject", "cancel_assignment", "grant_extension",
                                                            "deny_extension"};
  return kSteps.count(type) > 0;
}

int32_t TaskOfCommand(const schemas::CommandBody& body) {
  return std::visit(
      [](const auto& b) -> int32_t {
        if constexpr (requires {
                        { b.task } -> std::convertible_to<int32_t>;
                      })
          return b.task;
        else
          return 0;
      },
      body);
}

// What the identity alone forbids: 0 (nothing) or 403 with why.
Status IdentityRefuses(const accounts::Account& a, const DecodedCommand& d) {
  const bool unit_type = IsUnitCommandType(d.type);
  if (a.role == accounts::AccountRole::kUnit) {
    // The office's review steps a unit takes on what it delegated (that it
    // did is checked against the plan: DelegatorRefuses; and by decide).
    if (IsDelegatorStep(d.type) && d.command.back_entry_reason.empty()) return Status::Ok();
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
  // A unit's office step is refused before the engine unless the assignment
  // is one it delegated: the refusal of a plain forgery writes nothing.
  if (c.IsUnit() && IsDelegatorStep(d->type)) {
    const std::string unit = UnitOfCommand(d->command.body);
    const int32_t task = TaskOfCommand(d->command.body);
    auto plan = host.Use([&](Engine& e) { return e.Plan(d->command.plan_id); });
    const auto* a = plan.ok() && plan->assignments.count({task, unit}) ? &plan->assignments.at({task, unit}) : nullptr;
    // A lead's one step on a part it consolidates, while its own part is open.
    const bool lead =
        a && plan.ok() && d->type == "reject" && core::ActingConsolidatorOf(*plan, task, unit) == c.account->unit;
    if (!a || (a->parent != c.account->unit && !lead)) {
      metrics.Command("refused");
      return c.Error(403, "forbidden_role",
                     "a unit may not '" + d->type +
                         "': it is the office's step, a unit's only on an assignment it "
                         "delegated (or, a task's lead unit, on a part it consolidates)");
    }
  }
  schemas::Command cmd = std::move(d->command);
  if (d->type == "start_cycle") {
    const auto* tpl = core::Definition().FindReviewCycle(d->cycle_kind);
    if (!tpl) return c.Error(400, "bad_request", "field 'kind': the workflow definition has no such review cycle");
    auto& b = std::get<schemas::StartReviewCycle>(cmd.body);
    b.scope = tpl->scope;
    b.kind = tpl->kind;
  }
  if (d->type == "add_unit" && !ReadUnitAddition(c, d->accept_unknown_unit, &cmd)) return;
  if (!d->evidence.empty()) {
    std::vector<evidence::StoredFile> cited;
    for (const auto& ref : d->evidence) {
      // A unit cites what it may read: what it uploaded, what its
      // assignments or those it delegated cite already (a parent's report
      // gathers its sub-units'); anything else is answered as if no such
      // file existed (a guessed hash must not confirm that a document is in
      // the store).
      const bool may_cite = !c.IsUnit() || UnitReadsEvidence(c, ref.sha256);
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
  const Outcome o = SubmitAs(c, std::move(cmd));
  c.Json(OutcomeStatus(o), OutcomeJson(o));
}

// add_unit's name read against the plan's unit directory (the shipped one
// matching the plan, as an import's), its sub-units filled in. False after
// answering 422 when the directory refuses the name. A plan that does not
// exist is left to the engine to say so.
bool Server::Impl::ReadUnitAddition(Ctx& c, bool accept_unknown, schemas::Command* cmd) {
  auto& b = std::get<schemas::AddUnit>(cmd->body);
  auto plan = host.Use([&](Engine& e) { return e.Plan(cmd->plan_id); });
  if (!plan.ok()) return true;
  const auto dir = plan_import::ChooseDirectoryForPlan(plan->meta);
  plan_import::UnitAdditionRequest req;
  req.name = b.name;
  req.reason = b.reason;
  req.directory = dir ? &*dir : nullptr;
  req.accept_unknown = accept_unknown;
  auto resolved = plan_import::BuildAddUnit(req);
  if (!resolved.ok()) {
    metrics.Command("refused");
    c.Json(422, {{"error", "not_in_directory"}, {"message", resolved.status().message()}});
    return false;
  }
  b = std::move(resolved).value();
  return true;
}

Outcome Server::Impl::SubmitAs(Ctx& c, schemas::Command cmd) {
  cmd.actor = accounts::ActorOf(*c.account);
  cmd.issued_at = Now();
  Outcome o = host.Submit(std::move(cmd));
  metrics.Command(o.status.ok()                                ? (o.duplicate ? "duplicate" : "accepted")
                  : o.status.code() == Status::Code::kRejected ? "rejected"
                  : o.status.code() == Status::Code::kConflict ? "conflict"
                                                               : "error");
  if (o.status.ok()) IndexEvidence(o.events);
  return o;
}

namespace {

// The bulk's own fields, and which text field each action takes.
const char* BulkTextField(core::BulkAction a) {
  switch (a) {
    case core::BulkAction::kApprove:
      return "comment";
    case core::BulkAction::kReject:
      return "reason";
    case core::BulkAction::kRemind:
      break;
  }
  return "text";
}

struct DecodedBulk {
  core::BulkAction action = core::BulkAction::kApprove;
  std::string plan, command_id;
  std::vector<core::BulkItem> items;
  std::vector<schemas::Command> commands;  // one per item, in the order given
};

// Reads and checks the whole bulk before any item is sent: a malformed one
// writes nothing.
Result<DecodedBulk> DecodeBulk(const std::string& body) {
  auto parsed = ParseJsonObject(body);
  if (!parsed.ok()) return parsed.status();
  const json& j = *parsed;
  static const std::set<std::string, std::less<>> known = {"type",    "plan",   "command_id", "items",
                                                           "comment", "reason", "text"};
  for (const auto& [k, _] : j.items())
    if (!known.count(k)) return Status::InvalidArgument("field '" + k + "': unknown");
  auto str = [&](const char* f, std::string* out) -> Status {
    if (!j.contains(f)) return Status::InvalidArgument(std::string("field '") + f + "': required");
    if (!j[f].is_string()) return Status::InvalidArgument(std::string("field '") + f + "': must be a string");
    *out = j[f].get<std::string>();
    return Status::Ok();
  };
  DecodedBulk d;
  std::string type;
  if (Status st = str("type", &type); !st.ok()) return st;
  const auto action = core::ParseBulkAction(type);
  if (!action) return Status::InvalidArgument("field 'type': approve, reject or remind");
  d.action = *action;
  if (Status st = str("plan", &d.plan); !st.ok()) return st;
  if (d.plan.empty() || d.plan.size() > kMaxNameBytes || !utf8::IsValid(d.plan) ||
      std::any_of(d.plan.begin(), d.plan.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20; }))
    return Status::InvalidArgument("field 'plan': a plan id (at most 256 bytes of UTF-8, no control characters)");
  if (Status st = str("command_id", &d.command_id); !st.ok()) return st;
  const char* text_field = BulkTextField(d.action);
  for (const char* f : {"comment", "reason", "text"})
    if (j.contains(f) && std::string_view(f) != text_field)
      return Status::InvalidArgument(std::string("field '") + f + "': a bulk " + type + " takes '" + text_field + "'");
  std::string text;
  if (j.contains(text_field) && !str(text_field, &text).ok())
    return Status::InvalidArgument(std::string("field '") + text_field + "': must be a string");
  if (!j.contains("items") || !j["items"].is_array())
    return Status::InvalidArgument("field 'items': an array of {\"task\", \"unit\"}");
  for (const json& it : j["items"]) {
    const std::string where = "item " + std::to_string(d.items.size() + 1);
    if (!it.is_object() || it.size() != 2 || !it.contains("task") || !it.contains("unit") ||
        !it["task"].is_number_integer() || !it["unit"].is_string())
      return Status::InvalidArgument(where + ": must be {\"task\": number, \"unit\": name}");
    const int64_t task = it["task"].get<int64_t>();
    if (task < 1 || task > 1'000'000) return Status::InvalidArgument(where + ": task must be between 1 and 1000000");
    d.items.push_back({static_cast<int32_t>(task), it["unit"].get<std::string>()});
  }
  if (Status st = core::CheckBulk(d.action, d.command_id, d.items, text); !st.ok()) return st;
  // Each item as the single command it is, read by the one decoder every
  // command goes through (names, texts and limits checked alike).
  for (size_t i = 0; i < d.items.size(); ++i) {
    const core::BulkItem& item = d.items[i];
    json one = {{"type", d.action == core::BulkAction::kRemind ? "add_note" : type},
                {"plan", d.plan},
                {"command_id", core::BulkItemCommandId(d.command_id, item)},
                {"task", item.task},
                {"unit", item.unit}};
    if (d.action == core::BulkAction::kRemind) one["kind"] = "urge";
    if (!text.empty()) one[text_field] = text;
    auto cmd = DecodeCommandJson(one.dump(-1, ' ', false, json::error_handler_t::strict));
    if (!cmd.ok())
      return Status::InvalidArgument("item " + std::to_string(i + 1) + " (task " + std::to_string(item.task) + " " +
                                     item.unit + "): " + cmd.status().message());
    d.commands.push_back(std::move(cmd->command));
  }
  return d;
}

}  // namespace

void Server::Impl::PostBulk(Ctx& c) {
  if (c.req.body.size() > opts.max_json_bytes) return c.Error(413, "too_large", "a bulk body is at most 1 MiB");
  auto d = DecodeBulk(c.req.body);
  if (!d.ok()) {
    metrics.Command("refused");
    return c.Error(400, "bad_request", d.status().message());
  }
  // Every item would be refused alike (and each refusal logged): the plan
  // is looked up once, before anything is sent.
  const Status plan = host.Use([&](Engine& e) -> Status {
    auto p = e.Plan(d->plan);
    if (!p.ok()) return p.status();
    if (p->withdrawn) return Status::Rejected(core::reason::kPlanWithdrawn, "plan " + d->plan + " was withdrawn");
    return Status::Ok();
  });
  if (plan.code() == Status::Code::kNotFound) return c.Error(404, "plan_not_found", plan.message());
  if (plan.code() == Status::Code::kRejected) return c.Error(422, plan.reason(), plan.message());
  if (!plan.ok()) return c.Error(500, "store_error", plan.message());
  json out = {{"type", core::BulkActionName(d->action)}, {"plan", d->plan}, {"command_id", d->command_id}};
  json items = json::array();
  int accepted = 0, rejected = 0, duplicates = 0, conflicts = 0, status = 200;
  for (size_t i = 0; i < d->commands.size(); ++i) {
    json row;
    if (status != 200) {
      // The store or the broker failed an earlier item: the rest are not
      // tried (send the bulk again with the same command_id).
      row = {{"outcome", "not_tried"}, {"command_id", d->commands[i].command_id}};
    } else {
      const Outcome o = SubmitAs(c, std::move(d->commands[i]));
      row = OutcomeJson(o);
      if (o.status.ok()) {
        ++accepted;
        if (o.duplicate) ++duplicates;
      } else if (o.status.code() == Status::Code::kRejected) {
        ++rejected;
      } else if (o.status.code() == Status::Code::kConflict) {
        ++conflicts;
      } else {
        status = OutcomeStatus(o);
      }
    }
    row["task"] = d->items[i].task;
    row["unit"] = d->items[i].unit;
    items.push_back(std::move(row));
  }
  out["accepted"] = accepted;
  out["rejected"] = rejected;
  out["duplicates"] = duplicates;
  out["conflicts"] = conflicts;
  out["items"] = std::move(items);
  c.Json(status, out);
}

namespace {

struct ImportParams {
  std::string id;
  bool dry_run = false, accept_unknown = false, keep_groups = false, new_version = false, dates_after_issue = false;
  std::optional<Date> issued_on;
  int year = 0;  // as plan import --year; 0: not given
};

bool ReadImportParams(Ctx& c, ImportParams* p) {
  p->id = c.req.get_param_value("id");
  if (!c.Flag("dry_run", &p->dry_run) || !c.Flag("accept_unknown_units", &p->accept_unknown) ||
      !c.Flag("keep_groups", &p->keep_groups) || !c.Flag("new_version", &p->new_version) ||
      !c.Flag("dates_after_issue", &p->dates_after_issue))
    return false;
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
  if (c.req.has_param("year")) {
    const std::string y = c.req.get_param_value("year");
    if (y.size() != 4 || !std::all_of(y.begin(), y.end(), [](char ch) { return ch >= '0' && ch <= '9'; }) ||
        y < "2000" || y > "2099")
      return c.Error(400, "bad_request", "query parameter 'year': a year from 2000 to 2099"), false;
    p->year = std::stoi(y);
  }
  return true;
}

// What answers an import before anything is built from its parse: a bad
// request (400), or a plan that cannot be imported as read (422, with its
// preview; a dry run still shows it). True when answered.
bool RefusedImport(Ctx& c, const plan_import::ParsedPlan& plan, const ImportParams& p, Date today) {
  if (p.dates_after_issue && !plan.plan.issued_on)
    return c.Json(400, {{"error", "bad_request"},
                        {"message",
                         "query parameter 'dates_after_issue': dates are read from the plan's issue date "
                         "on, and the file names none: give it (issued_on=YYYY-MM-DD)"},
                        {"message_zh", "“跨年度执行”需要印发日期：文件中未写明，请填写印发日期"}}),
           true;
  if (auto contradicted = plan_import::StatedYearContradicted(plan, p.year))
    return c.Json(400, {{"error", "bad_request"},
                        {"message", "query parameter 'year': " + contradicted->message},
                        {"message_zh", contradicted->message_zh}}),
           true;
  if (plan.tasks.empty())
    return c.Json(422, {{"error", "no_tasks"},
                        {"message", "no task found in the file"},
                        {"preview", json::parse(plan_import::ParsedPlanToJson(plan), nullptr, false)}}),
           true;
  if (auto doubt = plan_import::YearInDoubtOn(plan, today); doubt && !p.dry_run)
    return c.Json(422, {{"error", "year_in_doubt"},
                        {"message", doubt->message + " (over HTTP: the query parameter year=)"},
                        {"message_zh", doubt->message_zh},
                        {"preview", json::parse(plan_import::ParsedPlanToJson(plan), nullptr, false)}}),
           true;
  if (auto impossible = plan_import::ImpossibleDeadline(plan); impossible && !p.dry_run)
    return c.Json(422, {{"error", "impossible_deadline"},
                        {"message", impossible->message},
                        {"message_zh", impossible->message_zh},
                        {"preview", json::parse(plan_import::ParsedPlanToJson(plan), nullptr, false)}}),
           true;
  if (auto unplaced = plan_import::RowsNotImported(plan); unplaced && !p.dry_run)
    return c.Json(422, {{"error", "rows_not_imported"},
                        {"message", unplaced->message},
                        {"message_zh", unplaced->message_zh},
                        {"preview", json::parse(plan_import::ParsedPlanToJson(plan), nullptr, false)}}),
           true;
  if (auto late = plan_import::IssuedAfterItsYear(plan); late && !p.dry_run)
    return c.Json(422, {{"error", "issued_after_its_year"},
                        {"message", late->message + " (over HTTP: the query parameter issued_on=)"},
                        {"message_zh", late->message_zh},
                        {"preview", json::parse(plan_import::ParsedPlanToJson(plan), nullptr, false)}}),
           true;
  return false;
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
  po.year = po.default_year = p.year;
  po.dates_after_issue = p.dates_after_issue;
  po.import_day = DayOf(Now());
  const plan_import::ParsedPlan plan = plan_import::ParsePlan(bytes, dir, po);
  if (RefusedImport(c, plan, p, DayOf(Now()))) return;
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

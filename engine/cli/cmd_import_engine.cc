// The engine side of `duban plan import`: a parsed plan becomes one ImportPlan
// command (PlanImported, TaskAdded and AssignmentCreated events, atomically).
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "cli_common.h"
#include "cli_import_hook.h"
#include "duban/plan_import/plan_parser.h"
#include "duban/schemas/codec.h"
#include "duban/core/workflow_timer_policy.h"
#include "duban/workflows/calendar.h"
#include "duban/terminal_text.h"
#include "duban/file_text.h"
#include "plan_commands.h"

namespace duban::cli {

std::string PlanIdFromPath(const std::string& path) {
  std::string stem = std::filesystem::path(path).stem().string();
  // A file name is outside input: no control, bidi or invisible character
  // goes into an id every listing shows ('!' starts the engine's own streams).
  std::string id = WithVisibleCharactersOnly(stem);
  if (!id.empty() && id.front() == '!') id.front() = '_';
  return id.empty() ? "plan" : id;
}

Result<std::string> ReadBoundedFile(const std::string& path, size_t max_bytes, const std::string& too_large) {
  auto bytes = file_text::ReadWhole(path, max_bytes);
  if (bytes.ok()) return bytes;
  if (bytes.status().code() == Status::Code::kInvalidArgument)
    return Status::InvalidArgument(path + " is larger than " + too_large);
  if (bytes.status().code() == Status::Code::kNotFound)
    return Status::NotFound("cannot read " + path + ": " + bytes.status().message());
  return Status::IOError("error reading " + path + ": " + bytes.status().message());
}

Result<std::string> ReadPlanFile(const std::string& path) {
  return ReadBoundedFile(path, kMaxPlanFileBytes,
                         std::to_string(kMaxPlanFileBytes >> 20) +
                             " MiB; a published plan is a few hundred KB at most: is it the right file?");
}

int ImportParsedPlan(Globals& g, const plan_import::ParsedPlan& plan, const ImportRequest& request) {
  ImportRequest req = request;
  std::shared_ptr<CliClock> clock;
  auto engine = OpenEngine(g, false, &clock);
  if (!engine) return g.exit_code;
  // Deadlines record the calendar this store counts on, recorded notices included.
  if (auto* p = dynamic_cast<const WorkflowTimerPolicy*>(engine->timer_policy().get()); p && !req.calendar)
    req.calendar = &p->latest_calendar();
  if (req.new_version) {
    const std::string base = req.plan_id;
    for (int v = 2; engine->Plan(req.plan_id).ok(); ++v) req.plan_id = base + ".v" + std::to_string(v);
  }
  std::map<std::string, std::vector<std::string>> expanded;
  // Published on an earlier day: the import takes effect on that day (its
  // assignments were made then; relative deadlines already count from it).
  // "Earlier" is on the store's clock: a simulated store ticked into next
  // year takes a plan published before that as a back-entry too.
  std::string at, back_entry = req.back_entry;
  const Date today = StoreToday(g, *engine);
  if (req.issued_on && *req.issued_on < today) {
    at = req.issued_on->ToString();
    if (back_entry.empty()) back_entry = "plan published on " + at + ", entered later";
  } else if (req.issued_on && today < *req.issued_on) {
    // A publication day still to come is claimed like a later --at: refused
    // on a real store (time_in_future: relative deadlines would count from a
    // day that has not happened); a simulated store's clock moves there, so
    // the plan's assignments are made on its publication day.
    at = req.issued_on->ToString();
  }
  if (at.empty() || !(*req.issued_on < today)) {
    // Made on its own day, no back-entry: a reason given for one is not recorded, and says so.
    if (!back_entry.empty())
      std::cerr << "note: --back-entry is for a plan entered after its --issued-on day; this import is made "
                << (at.empty() ? today.ToString() : at) << ", not entered late, so no reason is recorded\n";
    back_entry.clear();
  }
  auto cmd = MakeCommand(g, req.plan_id, schemas::Role::kSupervisor, "office", "", at,
                         BuildImportPlan(plan, req, &expanded), back_entry);
  if (!cmd) return g.exit_code;
  if (!PrepareWrite(g, *engine, *clock, *cmd)) return g.exit_code;
  // The same file imported twice under one id is the same command: say so plainly.
  cmd->command_id = DerivedImportId(*cmd);
  Outcome o = engine->Submit(*cmd);
  if (o.duplicate && o.status.ok()) {
    std::cerr << "duban: this file was already imported as plan " << req.plan_id
              << "; nothing written (use --new-version to import it again as a new version)\n";
    g.exit_code = kExitRejected;
    return g.exit_code;
  }
  if (o.status.ok() && !g.json) {
    size_t assignments = 0;
    for (const auto& e : o.events)
      if (std::holds_alternative<schemas::AssignmentCreated>(e.body)) ++assignments;
    std::cout << "imported plan " << req.plan_id << ": " << plan.tasks.size() << " task(s), " << assignments
              << " assignment(s), " << o.events.size() << " event(s)\n";
    bool groups = false;
    for (const auto& [group, members] : expanded) {
      if (req.directory && !req.directory->IsGroup(group) && members.size() == 1) {
        std::cout << "  " << group << ": a sub-office, assigned to its office " << members.front() << "\n";
        continue;
      }
      groups = true;
      std::cout << "  " << group << ": assigned to each of its " << members.size() << " member unit(s)\n";
    }
    if (groups) std::cout << "  (--keep-groups assigns a group as one unit)\n";
    g.exit_code = kExitOk;
    return g.exit_code;
  }
  PrintOutcome(g, o);
  if (o.status.reason() == core::reason::kPlanExists)
    std::cerr << "hint: use --new-version to import it as a new version, or --id to name another plan\n";
  if (o.status.reason() == core::reason::kTimeInFuture && req.issued_on)
    std::cerr << "hint: --issued-on " << req.issued_on->ToString()
              << " is later than today; it is the day the plan was published: is the date mistyped?\n";
  if (o.status.reason() == core::reason::kUnknownUnit)
    std::cerr << "hint: add the unit(s) to the unit directory (--units FILE), or pass --accept-unknown-units\n";
  return g.exit_code;
}

}  // namespace duban::cli

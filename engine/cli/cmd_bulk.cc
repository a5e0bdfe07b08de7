// `duban bulk approve|reject|remind`: the office's step on many assignments
// of one plan at once (duban/core/bulk.h): the items named as TASK:UNIT, or
// every item waiting in the plan's queue (--queue). Each item is its own
// command with its own outcome; one refused leaves the others done, and the
// same bulk sent again (same --command-id) writes nothing twice.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

#include "cli_common.h"
#include "duban/core/bulk.h"
#include "duban/core/queue.h"
#include "duban/server/row_json.h"
#include "duban/terminal_text.h"
#include "duban/utf8.h"

namespace duban::cli {
namespace {

struct BulkOpts {
  std::string plan, command_id, text;
  std::vector<std::string> items;
  bool queue = false;
  int days = core::kDefaultSilentWorkingDays;
};

// "3:市司法局" (or "3：市司法局"): the task number, then the unit.
std::optional<core::BulkItem> ParseItem(const std::string& s) {
  size_t colon = s.find(':');
  size_t skip = 1;
  if (const size_t wide = s.find("\xEF\xBC\x9A"); wide != std::string::npos && wide < colon) {
    colon = wide;
    skip = 3;
  }
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  core::BulkItem item;
  for (size_t i = 0; i < colon; ++i) {
    if (s[i] < '0' || s[i] > '9' || item.task > 100'000'000) return std::nullopt;
    item.task = item.task * 10 + (s[i] - '0');
  }
  item.unit = s.substr(colon + skip);
  if (item.unit.empty()) return std::nullopt;
  return item;
}

// The items named on the command line; false after saying which is not TASK:UNIT.
bool ParseItems(Globals& g, const std::string& name, const BulkOpts& o, std::vector<core::BulkItem>* items) {
  for (const auto& s : o.items) {
    auto item = ParseItem(s);
    if (!item) {
      std::cerr << name << ": '" << ForTerminal(s) << "' is not TASK:UNIT (e.g. 3:市司法局)\n";
      g.exit_code = kExitUsage;
      return false;
    }
    items->push_back(std::move(*item));
  }
  return true;
}

// What one bulk did, item by item, as the CLI prints it (text or --json).
class BulkReport {
 public:
  BulkReport(core::BulkAction action, std::string plan, std::string bulk_id)
      : action_(action), plan_(std::move(plan)), bulk_id_(std::move(bulk_id)) {}

  // Records one item's outcome; false when the store failed it (the rest
  // are then not tried: the same bulk again finishes it).
  bool Record(const Globals& g, const core::BulkItem& item, const Outcome& out) {
    nlohmann::json row = server::OutcomeJson(out);
    row["task"] = item.task;
    row["unit"] = item.unit;
    const bool ok = out.status.ok();
    const bool conflict = out.status.code() == Status::Code::kConflict;
    const bool refused = out.status.code() == Status::Code::kRejected || conflict;
    accepted_ += ok ? 1 : 0;
    duplicates_ += ok && out.duplicate ? 1 : 0;
    rejected_ += refused && !conflict ? 1 : 0;
    conflicts_ += conflict ? 1 : 0;
    if (!g.json) {
      const std::string said =
          ok && out.duplicate ? std::string("already done (same bulk id)")
          : ok                ? std::string("done")
          : refused ? "refused (" + row.value("reason", std::string()) + "): " + ForTerminal(out.status.message())
                    : "failed: " + ForTerminal(out.status.message());
      PrintLine(item, said);
    }
    rows_.push_back(std::move(row));
    if (!ok && !refused) failed_ = out.status;
    return ok || refused;
  }
  void NotTried(const Globals& g, const core::BulkItem& item, const std::string& id) {
    rows_.push_back({{"outcome", "not_tried"}, {"command_id", id}, {"task", item.task}, {"unit", item.unit}});
    if (!g.json) PrintLine(item, "not tried");
  }

  // Prints the counts (or the JSON) and sets the exit code.
  void Finish(Globals& g, size_t total) const {
    if (g.json) {
      std::cout << nlohmann::json{{"type", core::BulkActionName(action_)},
                                  {"plan", plan_},
                                  {"command_id", bulk_id_},
                                  {"accepted", accepted_},
                                  {"rejected", rejected_},
                                  {"duplicates", duplicates_},
                                  {"conflicts", conflicts_},
                                  {"more_waiting", more_waiting_},
                                  {"items", rows_}}
                       .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                << "\n";
    } else if (total == 0) {
      std::cout << "nothing waits in the " << core::QueueKindName(core::BulkQueueOf(action_)) << " queue of "
                << ForTerminal(plan_) << "\n";
    } else {
      std::printf("bulk %s: %d done (%d of them before), %d refused, %d command id conflicts, of %zu; bulk id %s\n",
                  core::BulkActionName(action_), accepted_, duplicates_, rejected_, conflicts_, total,
                  ForTerminal(bulk_id_).c_str());
      if (more_waiting_)
        std::printf("%zu more wait in the %s queue: run the same command again for the next %zu\n", more_waiting_,
                    core::QueueKindName(core::BulkQueueOf(action_)), core::kMaxBulkItems);
    }
    if (failed_) return Fail(g, *failed_);
    g.exit_code = conflicts_ ? kExitConflict : rejected_ ? kExitRejected : kExitOk;
  }
  void SetMoreWaiting(size_t n) { more_waiting_ = n; }

 private:
  static void PrintLine(const core::BulkItem& item, const std::string& said) {
    const std::string unit = ForTerminal(item.unit);
    const int pad = std::max(0, 24 - static_cast<int>(utf8::DisplayWidth(unit)));
    std::printf("task %-5d %s%*s %s\n", item.task, unit.c_str(), pad, "", said.c_str());
  }

  core::BulkAction action_;
  std::string plan_, bulk_id_;
  int accepted_ = 0, rejected_ = 0, duplicates_ = 0, conflicts_ = 0;
  size_t more_waiting_ = 0;  // --queue: items past the first kMaxBulkItems
  nlohmann::json rows_ = nlohmann::json::array();
  std::optional<Status> failed_;
};

void RunBulk(Globals& g, core::BulkAction action, const BulkOpts& o) {
  const std::string name = std::string("duban bulk ") + core::BulkActionName(action);
  if (o.queue == !o.items.empty()) {
    std::cerr << name << ": name the items (TASK:UNIT ...) or take the plan's queue with --queue, not both\n";
    g.exit_code = kExitUsage;
    return;
  }
  std::vector<core::BulkItem> items;
  if (!ParseItems(g, name, o, &items)) return;
  const std::string bulk_id = o.command_id.empty() ? NewCommandId() : o.command_id;
  // One command carries the actor and the time every item shares.
  auto proto = MakeCommand(g, o.plan, schemas::Role::kSupervisor, "office", bulk_id, "", schemas::AddNote{}, "");
  if (!proto) return;
  std::shared_ptr<CliClock> clock;
  auto engine = OpenEngine(g, false, &clock);
  if (!engine) return;
  if (!PrepareWrite(g, *engine, *clock, *proto)) return;
  // Every item would be refused the same way (and each refusal logged):
  // a unit's or an auditor's account is refused the whole bulk, up front.
  if (proto->actor.role != schemas::Role::kSupervisor) {
    std::cerr << name << ": refused (forbidden_role): only the office takes bulk steps ("
              << ForTerminal(proto->actor.id) << " acts as " << schemas::RoleName(proto->actor.role)
              << "); nothing was written\n";
    g.exit_code = kExitRejected;
    return;
  }
  auto plan = engine->Plan(o.plan);
  if (!plan.ok()) return Fail(g, plan.status());
  if (plan->withdrawn) {
    std::cerr << name << ": refused (plan_withdrawn): plan " << ForTerminal(o.plan)
              << " was withdrawn; nothing was written\n";
    g.exit_code = kExitRejected;
    return;
  }
  BulkReport report(action, o.plan, bulk_id);
  if (o.queue) {
    auto cal = core::QueueCalendar(engine->CalendarNotices());
    if (!cal.ok()) return Fail(g, cal.status());
    core::QueueOptions qo;
    qo.today = DayOf(proto->issued_at);
    qo.silent_working_days = o.days;
    qo.calendar = &*cal;
    for (const auto& q : core::Queue(*plan, core::BulkQueueOf(action), qo)) items.push_back({q.task, q.unit});
    if (items.empty()) return report.Finish(g, 0);
    // The oldest first: a bulk takes at most kMaxBulkItems; once done (or
    // urged: an urging restarts silence) they leave the queue, so the same
    // command again takes the next ones.
    if (items.size() > core::kMaxBulkItems) {
      report.SetMoreWaiting(items.size() - core::kMaxBulkItems);
      items.resize(core::kMaxBulkItems);
    }
  }
  for (auto& item : items) {
    const std::string c = CanonicalUnit(*plan, item.unit);
    if (c != item.unit) std::cerr << "note: " << ForTerminal(item.unit) << " is " << ForTerminal(c) << "\n";
    item.unit = c;
  }
  if (Status st = core::CheckBulk(action, bulk_id, items, o.text); !st.ok()) {
    std::cerr << name << ": " << ForTerminal(st.message()) << "\n";
    g.exit_code = kExitUsage;
    return;
  }
  bool going = true;
  for (const auto& item : items) {
    schemas::Command cmd = *proto;
    cmd.command_id = core::BulkItemCommandId(bulk_id, item);
    cmd.body = core::BulkItemBody(action, item, o.text);
    if (going)
      going = report.Record(g, item, engine->Submit(cmd));
    else
      report.NotTried(g, item, cmd.command_id);
  }
  report.Finish(g, items.size());
}

void AddBulk(CLI::App& app, Globals& g) {
  auto* bulk = app.add_subcommand(
      "bulk",
      "the office's step on many assignments of a plan at once: approve (销号), reject or remind (催办); each "
      "its own command with its own outcome (supervisor)");
  bulk->require_subcommand(1);
  struct Kind {
    core::BulkAction action;
    const char* help;
    const char* text_flag;
    const char* text_help;
  };
  for (const Kind& k : {
           Kind{core::BulkAction::kApprove, "approve submissions and close them out (销号)", "--comment",
                "review comment, for every item"},
           Kind{core::BulkAction::kReject, "send submissions back to work, each with the reason", "--reason",
                "why (required), sent to every unit rejected"},
           Kind{core::BulkAction::kRemind,
                "urge (催办) units on assignments still in their hands; each unit is told (notifications)", "--text",
                "the office's words to every unit (optional)"},
       }) {
    auto* sub = bulk->add_subcommand(core::BulkActionName(k.action), k.help);
    auto o = std::make_shared<BulkOpts>();
    sub->add_option("--plan", o->plan, "plan id")->required();
    sub->add_option("items", o->items, "TASK:UNIT ... (e.g. 3:市司法局 5:市教育局)");
    sub->add_flag(
        "--queue", o->queue,
        k.action == core::BulkAction::kRemind
            ? "the plan's silent assignments (`duban queue silent`), the oldest 500 at a time"
            : "the plan's submissions waiting for review (`duban queue submissions`), the oldest 500 at a time");
    if (k.action == core::BulkAction::kRemind)
      sub->add_option("--days", o->days, "with --queue: working days without a word (default 10)")
          ->check(CLI::Range(1, 250));
    auto* text = sub->add_option(k.text_flag, o->text, k.text_help);
    if (k.action == core::BulkAction::kReject) text->required();
    sub->add_option("--command-id", o->command_id,
                    "the bulk's id (default: generated): the same id again answers each item with its first outcome");
    sub->callback([&g, o, a = k.action] { RunBulk(g, a, *o); });
  }
}

DUBAN_REGISTER_COMMANDS(44, &AddBulk);

}  // namespace
}  // namespace duban::cli

// Loader and validator of workflow definitions (see definition.h).
#include "duban/workflows/definition.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "duban/workflows/scorecard.h"
#include "duban/file_text.h"
#include "embedded.h"
#include "yaml_util.h"

namespace duban::workflows {

using internal::AsInt;
using internal::CheckKeys;
using internal::YamlError;

namespace {

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// A non-empty list of scalars (a single scalar is accepted as a list of one).
Result<std::vector<std::string>> StringList(std::string_view src, const YAML::Node& parent, const char* key) {
  const YAML::Node n = parent[key];
  if (!n) return YamlError(src, parent, std::string("missing '") + key + "'");
  std::vector<std::string> out;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
  } else if (n.IsSequence()) {
    for (const auto& e : n) {
      if (!e.IsScalar() || e.Scalar().empty()) {
        return YamlError(src, e, std::string("'") + key + "' must list names");
      }
      out.push_back(e.Scalar());
    }
  } else {
    return YamlError(src, n, std::string("'") + key + "' must be a list");
  }
  if (out.empty()) return YamlError(src, n, std::string("'") + key + "' is empty");
  return out;
}

Result<std::string> RequiredString(std::string_view src, const YAML::Node& parent, const char* key) {
  const YAML::Node n = parent[key];
  if (!n) return YamlError(src, parent, std::string("missing '") + key + "'");
  if (!n.IsScalar() || n.Scalar().empty()) {
    return YamlError(src, n, std::string("'") + key + "' must be a non-empty string");
  }
  return n.Scalar();
}

Result<int> RequiredInt(std::string_view src, const YAML::Node& parent, const char* key, int min, int max) {
  const YAML::Node n = parent[key];
  if (!n) return YamlError(src, parent, std::string("missing '") + key + "'");
  auto v = AsInt(n);
  if (!v || *v < min || *v > max) {
    return YamlError(src, n,
                     std::string("'") + key + "' must be a whole number in [" + std::to_string(min) + ", " +
                         std::to_string(max) + "]");
  }
  return *v;
}

bool IsRole(std::string_view r) {
  return r == kRoleSupervisor || r == kRoleUnit || r == kRoleAuditor || r == kRoleSystem || r == kRoleDelegatingUnit ||
         r == kRoleLeadUnit;
}

Status ParseLifecycle(std::string_view src, const YAML::Node& n, Lifecycle& lc) {
  if (!n.IsMap()) return YamlError(src, n, "'lifecycle' must be a mapping");
  if (auto s = CheckKeys(src, n, {"states", "initial", "terminal", "transitions"}); !s.ok()) return s;
  auto states = StringList(src, n, "states");
  if (!states.ok()) return states.status();
  lc.states = *states;
  std::set<std::string> uniq(lc.states.begin(), lc.states.end());
  if (uniq.size() != lc.states.size()) return YamlError(src, n["states"], "duplicate state");
  auto initial = RequiredString(src, n, "initial");
  if (!initial.ok()) return initial.status();
  if (!Contains(lc.states, *initial)) {
    return YamlError(src, n["initial"], "initial state '" + *initial + "' is not in states");
  }
  lc.initial = *initial;
  auto terminal = StringList(src, n, "terminal");
  if (!terminal.ok()) return terminal.status();
  for (const auto& t : *terminal) {
    if (!Contains(lc.states, t)) {
      return YamlError(src, n["terminal"], "terminal state '" + t + "' is not in states");
    }
  }
  lc.terminal = *terminal;

  const YAML::Node ts = n["transitions"];
  if (!ts || !ts.IsSequence() || ts.size() == 0) {
    return YamlError(src, ts ? ts : n, "'transitions' must be a non-empty list");
  }
  std::set<std::string> actions;
  for (const auto& t : ts) {
    if (!t.IsMap()) return YamlError(src, t, "a transition must be a mapping");
    if (auto s = CheckKeys(src, t, {"action", "from", "to", "roles"}); !s.ok()) return s;
    LifecycleTransition tr;
    auto action = RequiredString(src, t, "action");
    if (!action.ok()) return action.status();
    tr.action = *action;
    if (!actions.insert(tr.action).second) {
      return YamlError(src, t["action"], "action '" + tr.action + "' defined twice");
    }
    auto from = StringList(src, t, "from");
    if (!from.ok()) return from.status();
    for (const auto& f : *from) {
      if (!Contains(lc.states, f)) {
        return YamlError(src, t["from"], "action '" + tr.action + "': unknown state '" + f + "'");
      }
      if (Contains(lc.terminal, f) && tr.action != "reopen") {
        // Only an explicit reopen may leave a terminal state: anything else
        // would let a closed-out (销号) task change silently.
        return YamlError(src, t["from"],
                         "action '" + tr.action + "' starts from terminal state '" + f + "' (only 'reopen' may)");
      }
    }
    tr.from = *from;
    if (const YAML::Node to = t["to"]) {
      if (!to.IsScalar() || !Contains(lc.states, to.Scalar())) {
        return YamlError(src, to,
                         "action '" + tr.action + "': unknown target state '" +
                             (to.IsScalar() ? to.Scalar() : std::string("?")) + "'");
      }
      tr.to = to.Scalar();
    }
    auto roles = StringList(src, t, "roles");
    if (!roles.ok()) return roles.status();
    for (const auto& r : *roles) {
      if (!IsRole(r)) {
        return YamlError(src, t["roles"],
                         "unknown role '" + r + "' (supervisor, unit, delegating_unit, auditor, system)");
      }
      if (r == kRoleAuditor) {
        return YamlError(src, t["roles"], "auditors read only; they may take no action");
      }
    }
    tr.roles = *roles;
    lc.transitions.push_back(std::move(tr));
  }
  return Status::Ok();
}

Status ParseEscalation(std::string_view src, const YAML::Node& n, std::vector<EscalationStep>& out) {
  if (!n.IsSequence() || n.size() == 0) {
    return YamlError(src, n, "'escalation' must be a non-empty list of steps");
  }
  int prev_level = 0;
  std::set<std::string> names;
  for (const auto& e : n) {
    if (!e.IsMap()) return YamlError(src, e, "an escalation step must be a mapping");
    if (auto s = CheckKeys(src, e, {"name", "level", "delay_working_days", "notify"}); !s.ok()) {
      return s;
    }
    EscalationStep step;
    auto name = RequiredString(src, e, "name");
    if (!name.ok()) return name.status();
    step.name = *name;
    if (!names.insert(step.name).second) {
      return YamlError(src, e["name"], "escalation step '" + step.name + "' defined twice");
    }
    auto level = RequiredInt(src, e, "level", 1, 99);
    if (!level.ok()) return level.status();
    if (*level <= prev_level) {
      return YamlError(src, e["level"],
                       "escalation levels must increase (level " + std::to_string(*level) + " after " +
                           std::to_string(prev_level) + ")");
    }
    step.level = prev_level = *level;
    auto delay = RequiredInt(src, e, "delay_working_days", 0, 250);
    if (!delay.ok()) return delay.status();
    step.delay_working_days = *delay;
    auto notify = StringList(src, e, "notify");
    if (!notify.ok()) return notify.status();
    for (const auto& who : *notify) {
      if (who != kNotifyUnit && who != kNotifyOffice && who != kNotifyUnitLeaders) {
        return YamlError(src, e["notify"], "unknown recipient '" + who + "' (unit, office, unit_leaders)");
      }
    }
    step.notify = *notify;
    out.push_back(std::move(step));
  }
  return Status::Ok();
}

Status ParseReviewCycles(std::string_view src, const YAML::Node& n, std::vector<ReviewCycleTemplate>& out) {
  if (!n.IsSequence()) return YamlError(src, n, "'review_cycles' must be a list");
  std::set<std::string> ids;
  for (const auto& c : n) {
    if (!c.IsMap()) return YamlError(src, c, "a review cycle must be a mapping");
    if (auto s = CheckKeys(src, c, {"id", "name", "kind", "reply_working_days", "scope", "may_reopen"}); !s.ok()) {
      return s;
    }
    ReviewCycleTemplate t;
    auto id = RequiredString(src, c, "id");
    if (!id.ok()) return id.status();
    t.id = *id;
    if (!ids.insert(t.id).second) return YamlError(src, c["id"], "review cycle '" + t.id + "' defined twice");
    auto name = RequiredString(src, c, "name");
    if (!name.ok()) return name.status();
    t.name = *name;
    auto kind = RequiredString(src, c, "kind");
    if (!kind.ok()) return kind.status();
    static const std::vector<std::string> kKinds = {"monthly", "quarterly", "half_year", "yearly", "lookback", "adhoc"};
    if (!Contains(kKinds, *kind)) {
      return YamlError(src, c["kind"],
                       "unknown cycle kind '" + *kind + "' (monthly, quarterly, half_year, yearly, lookback, adhoc)");
    }
    t.kind = *kind;
    auto reply = RequiredInt(src, c, "reply_working_days", 1, 250);
    if (!reply.ok()) return reply.status();
    t.reply_working_days = *reply;
    auto scope = RequiredString(src, c, "scope");
    if (!scope.ok()) return scope.status();
    if (*scope != "open" && *scope != "all") {
      return YamlError(src, c["scope"], "scope must be 'open' or 'all'");
    }
    t.scope = *scope;
    if (const YAML::Node r = c["may_reopen"]) {
      if (!r.IsScalar() || (r.Scalar() != "true" && r.Scalar() != "false")) {
        return YamlError(src, r, "may_reopen must be true or false");
      }
      t.may_reopen = r.Scalar() == "true";
    }
    if (t.may_reopen && t.scope != "all") {
      return YamlError(src, c, "a cycle that may reopen closed tasks needs scope 'all'");
    }
    out.push_back(std::move(t));
  }
  return Status::Ok();
}

Status ParseReminders(std::string_view src, const YAML::Node& root, std::vector<int>& out) {
  const YAML::Node rem = root["reminders"];
  if (!rem) return YamlError(src, root, "missing 'reminders'");
  if (!rem.IsMap()) return YamlError(src, rem, "'reminders' must be a mapping");
  if (auto s = CheckKeys(src, rem, {"working_days_before"}); !s.ok()) return s;
  const YAML::Node before = rem["working_days_before"];
  if (!before || !before.IsSequence()) {
    return YamlError(src, before ? before : rem, "'working_days_before' must be a list of numbers");
  }
  for (const auto& b : before) {
    auto v = AsInt(b);
    if (!v || *v < 1 || *v > 250) {
      return YamlError(src, b, "a reminder must be 1..250 working days before the deadline");
    }
    if (std::find(out.begin(), out.end(), *v) != out.end()) {
      return YamlError(src, b, "reminder " + std::to_string(*v) + " listed twice");
    }
    out.push_back(*v);
  }
  std::sort(out.rbegin(), out.rend());
  return Status::Ok();
}

// Optional: absent keeps the defaults.
Status ParseTimes(std::string_view src, const YAML::Node& times, WorkflowDefinition& def) {
  if (!times.IsMap()) return YamlError(src, times, "'times' must be a mapping");
  if (auto s = CheckKeys(src, times, {"clock_skew_minutes", "office_back_entry"}); !s.ok()) return s;
  if (times["clock_skew_minutes"]) {
    auto skew = RequiredInt(src, times, "clock_skew_minutes", 0, 24 * 60);
    if (!skew.ok()) return skew.status();
    def.clock_skew_minutes = *skew;
  }
  if (const YAML::Node b = times["office_back_entry"]) {
    bool v = false;
    if (!b.IsScalar() || !YAML::convert<bool>::decode(b, v))
      return YamlError(src, b, "'office_back_entry' must be true or false");
    def.office_back_entry = v;
  }
  return Status::Ok();
}

// Who hears of an overdue acceptance or review; optional: nobody beyond the event itself.
Status ParseOverdueNotify(std::string_view src, const YAML::Node& root, WorkflowDefinition& def) {
  for (auto [key, out] : {std::pair{"acceptance_overdue_notify", &def.acceptance_overdue_notify},
                          std::pair{"review_overdue_notify", &def.review_overdue_notify}}) {
    if (!root[key]) continue;
    auto list = StringList(src, root, key);
    if (!list.ok()) return list.status();
    for (const auto& who : *list)
      if (who != kNotifyUnit && who != kNotifyOffice && who != kNotifyUnitLeaders)
        return YamlError(src, root[key], "unknown recipient '" + who + "' (unit, office, unit_leaders)");
    *out = *list;
  }
  return Status::Ok();
}

}  // namespace

Result<WorkflowDefinition> WorkflowDefinition::Parse(std::string_view text, std::string_view src) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return YamlError(src, e.mark, "YAML syntax: " + e.msg);
  }
  if (!root.IsMap()) return YamlError(src, root, "a workflow definition must be a mapping");
  if (auto s = CheckKeys(src, root,
                         {"name", "version", "lifecycle", "reminders", "acceptance_working_days", "review_working_days",
                          "acceptance_overdue_notify", "review_overdue_notify", "escalation", "review_cycles", "times",
                          "scorecard", "delegation", "consolidation"});
      !s.ok()) {
    return s;
  }
  WorkflowDefinition def;
  def.source = std::string(src);
  auto name = RequiredString(src, root, "name");
  if (!name.ok()) return name.status();
  def.name = *name;
  auto version = RequiredInt(src, root, "version", 1, 1000000);
  if (!version.ok()) return version.status();
  def.version = *version;

  if (!root["lifecycle"]) return YamlError(src, root, "missing 'lifecycle'");
  if (auto s = ParseLifecycle(src, root["lifecycle"], def.lifecycle); !s.ok()) return s;

  if (auto s = ParseReminders(src, root, def.reminder_working_days_before); !s.ok()) return s;
  if (const YAML::Node times = root["times"]) {
    if (auto s = ParseTimes(src, times, def); !s.ok()) return s;
  }

  if (const YAML::Node d = root["delegation"]) {
    if (!d.IsMap()) return YamlError(src, d, "'delegation' must be a mapping");
    if (auto s = CheckKeys(src, d, {"max_levels"}); !s.ok()) return s;
    auto levels = RequiredInt(src, d, "max_levels", 1, 10);
    if (!levels.ok()) return levels.status();
    def.delegation_max_levels = *levels;
  }
  if (const YAML::Node c = root["consolidation"]) {
    const std::string mode = c.IsScalar() ? c.as<std::string>() : "";
    if (mode != "per_unit" && mode != "lead") return YamlError(src, c, "'consolidation' must be per_unit or lead");
    def.consolidation = mode;
  }

  if (root["scorecard"]) {  // optional; read by the reports (scorecard.h), checked here too
    if (auto sc = ScorecardRule::FromDefinition(text, src); !sc.ok()) return sc.status();
  }

  auto acc = RequiredInt(src, root, "acceptance_working_days", 1, 250);
  if (!acc.ok()) return acc.status();
  def.acceptance_working_days = *acc;
  auto rev = RequiredInt(src, root, "review_working_days", 1, 250);
  if (!rev.ok()) return rev.status();
  def.review_working_days = *rev;
  if (auto s = ParseOverdueNotify(src, root, def); !s.ok()) return s;

  if (!root["escalation"]) return YamlError(src, root, "missing 'escalation'");
  if (auto s = ParseEscalation(src, root["escalation"], def.escalation); !s.ok()) return s;
  if (const YAML::Node rc = root["review_cycles"]) {
    if (auto s = ParseReviewCycles(src, rc, def.review_cycles); !s.ok()) return s;
  }
  return def;
}

Result<WorkflowDefinition> WorkflowDefinition::Default() {
  return Parse(internal::EmbeddedDefinitionYaml(), "<embedded>/workflows/definitions/default.yaml");
}

Result<WorkflowDefinition> WorkflowDefinition::LoadFile(const std::string& path) {
  auto text = file_text::ReadWhole(path);
  if (!text.ok()) return Status::IOError("cannot open workflow definition " + path + ": " + text.status().message());
  return Parse(*text, path);
}

const LifecycleTransition* WorkflowDefinition::FindTransition(std::string_view action) const {
  for (const auto& t : lifecycle.transitions) {
    if (t.action == action) return &t;
  }
  return nullptr;
}

Status WorkflowDefinition::CheckStep(std::string_view action, std::string_view role, std::string_view state) const {
  const LifecycleTransition* t = FindTransition(action);
  if (!t) {
    return Status::Rejected("unknown_action", "no step '" + std::string(action) + "' in workflow " + name);
  }
  if (!Contains(t->roles, role)) {
    return Status::Rejected("role_not_allowed", "role '" + std::string(role) + "' may not " + std::string(action));
  }
  if (!Contains(t->from, state)) {
    return Status::Rejected("invalid_state",
                            "cannot " + std::string(action) + " an assignment that is " + std::string(state));
  }
  return Status::Ok();
}

std::string WorkflowDefinition::NextState(std::string_view action, std::string_view state) const {
  const LifecycleTransition* t = FindTransition(action);
  if (!t || !t->to) return std::string(state);
  return *t->to;
}

bool WorkflowDefinition::IsTerminal(std::string_view state) const { return Contains(lifecycle.terminal, state); }

std::string WorkflowDefinition::CycleKindOfPeriod(std::string_view period) {
  if (period == "month") return "monthly";
  if (period == "quarter") return "quarterly";
  if (period == "half_year") return "half_year";
  return "yearly";
}

int WorkflowDefinition::ScheduleNoticeWorkingDays(std::string_view period) const {
  const std::string kind = CycleKindOfPeriod(period);
  for (const auto& c : review_cycles)
    if (c.kind == kind) return c.reply_working_days;
  return kDefaultScheduleNoticeWorkingDays;
}

const ReviewCycleTemplate* WorkflowDefinition::FindReviewCycle(std::string_view id) const {
  for (const auto& c : review_cycles) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

}  // namespace duban::workflows

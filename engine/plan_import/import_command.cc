// BuildImportPlan and DerivedImportId (import_command.h): moved here from the
// CLI so `duban serve` imports plans through the same code.
#include "duban/plan_import/import_command.h"

#include <algorithm>
#include <string_view>
#include <set>
#include <vector>

#include "duban/plan_import/plan_parser.h"
#include "duban/plan_import/unit_directory.h"
#include "duban/schemas/codec.h"
#include "duban/workflows/calendar.h"

namespace duban::plan_import {

std::string DerivedImportId(const schemas::Command& cmd) {
  return "import:" + cmd.plan_id + ":" + schemas::CommandDigest(cmd).substr(0, 16);
}

size_t AssignmentsOf(const schemas::ImportPlan& body) {
  size_t n = 0;
  for (const auto& t : body.tasks) {
    std::set<std::string> units(t.lead_units.begin(), t.lead_units.end());
    units.insert(t.responsible_units.begin(), t.responsible_units.end());
    n += units.size();
  }
  return n;
}

namespace {
// The calendar version a computed due date records (provisional past the
// years the calendar covers).
std::string CalendarVersionFor(const std::string& due_on, const workflows::WorkCalendar* given) {
  static const auto compiled_in = workflows::WorkCalendar::Default();
  const workflows::WorkCalendar* calendar = given ? given : compiled_in.ok() ? &compiled_in.value() : nullptr;
  if (!calendar) return "";
  std::string version = calendar->version();
  if (auto d = Date::Parse(due_on); d && !calendar->Covers(d->year))
    version += workflows::WorkCalendar::kProvisionalSuffix;
  return version;
}
// "Office（Sub）" the directory does not list itself: who does its work.
// A sub-unit the directory lists under the office ("市政府办公室督查科"), else
// the office; a group qualified in brackets ("市直各单位（含垂管单位）"), its
// members. Nothing (kept as written) when the brackets name a unit of their
// own ("市发改局（市商务局）": two units, not an office and its sub-office).
std::vector<std::string> WhoDoesBracketed(const UnitDirectory& dir, const std::string& name) {
  if (dir.Canonical(name)) return {};
  for (std::string_view open : {"（", "("}) {
    const std::string_view close = open == "（" ? "）" : ")";
    const size_t p = name.find(open);
    if (p == std::string::npos || p == 0 || !name.ends_with(close)) continue;
    const std::string_view head = std::string_view(name).substr(0, p);
    const std::string inner = name.substr(p + open.size(), name.size() - p - open.size() - close.size());
    auto office = dir.Canonical(head);
    if (!office) return {};
    // Any name in the brackets a unit of its own: two units, not one.
    std::string_view rest = inner;
    while (!rest.empty()) {
      size_t cut = rest.size(), skip = 0;
      for (std::string_view sep : {"、", "，", ",", "；"})
        if (const size_t at = rest.find(sep); at < cut) cut = at, skip = sep.size();
      if (dir.Canonical(rest.substr(0, cut))) return {};
      rest.remove_prefix(std::min(rest.size(), cut + skip));
    }
    if (dir.IsGroup(*office)) return dir.Expand(*office);
    if (auto sub_unit = dir.Canonical(*office + inner)) return {*sub_unit};
    return {*office};
  }
  return {};
}
}  // namespace

schemas::ImportPlan BuildImportPlan(const ParsedPlan& p, const ImportRequest& req,
                                    std::map<std::string, std::vector<std::string>>* expanded) {
  schemas::ImportPlan cmd;
  cmd.plan.title = p.plan.title.empty() ? req.plan_id : p.plan.title;
  cmd.plan.issuer = p.plan.issuer;
  cmd.plan.doc_number = p.plan.doc_number;
  cmd.plan.issued_on = p.plan.issued_on ? p.plan.issued_on->ToString() : "";
  cmd.plan.year = p.plan.year;
  cmd.plan.source_digest = schemas::Sha256Hex(req.source_bytes);
  std::set<std::string> unknown(p.unknown_units.begin(), p.unknown_units.end());
  std::set<std::string> units;
  // A known group becomes its member units; one with no known members (or
  // with keep_groups) stays as written. The domain drops a unit named twice
  // in a task (as lead first).
  auto members_of = [&](const std::vector<std::string>& names) {
    std::vector<std::string> out;
    for (const auto& u : names) {
      std::vector<std::string> members;
      if (req.directory && !req.keep_groups && req.directory->IsGroup(u)) members = req.directory->Expand(u);
      // A sub-office in brackets ("市应急管理局（安委办）") that the directory
      // does not list itself is its office's work: assigned to the office (or
      // the sub-unit the directory lists), whose account can act on it (as
      // written, no account could, and the task was no one's).
      if (members.empty() && req.directory) members = WhoDoesBracketed(*req.directory, u);
      if (members.empty()) {
        out.push_back(u);
        continue;
      }
      out.insert(out.end(), members.begin(), members.end());
      if (expanded) (*expanded)[u] = std::move(members);
    }
    return out;
  };
  for (const auto& t : p.tasks) {
    schemas::ImportTask it;
    it.number = t.number;
    it.section = t.section;
    it.title = t.title;
    it.content = t.content;
    it.deadline.text = t.deadline.text;
    it.deadline.recurrence = t.deadline.recurrence;
    if (t.deadline.due_on) {
      it.deadline.due_on = t.deadline.due_on->ToString();
    } else if (req.default_due) {
      it.deadline.due_on = req.default_due->ToString();
      if (it.deadline.text.empty()) it.deadline.text = "（未列时限，按年底）";
    } else {
      it.deadline.unresolved = !t.deadline.text.empty();
    }
    // A computed deadline records the calendar it was computed under, so its
    // timers count working days on that version even after a calendar notice.
    if (!it.deadline.due_on.empty())
      it.deadline.calendar_version = CalendarVersionFor(it.deadline.due_on, req.calendar);
    it.lead_units = members_of(t.lead_units);
    it.responsible_units = members_of(t.responsible_units);
    for (const auto* list : {&it.lead_units, &it.responsible_units})
      for (const auto& u : *list)
        if (!unknown.count(u) || req.accept_unknown_units) units.insert(u);
    cmd.tasks.push_back(std::move(it));
  }
  cmd.plan.units.assign(units.begin(), units.end());
  // The directory's units below them: where each may delegate (多级下发).
  if (req.directory) {
    std::set<std::string> seen;
    for (const auto& u : cmd.plan.units)
      for (auto& [name, parent] : req.directory->Descendants(u))
        if (seen.insert(name).second) cmd.plan.sub_units.push_back({std::move(name), std::move(parent)});
  }
  return cmd;
}

}  // namespace duban::plan_import

// ParsedPlanToJson and RenderPreview: the two ways a parse is shown.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

#include "duban/plan_import/plan_parser.h"
#include "text_util.h"

namespace duban::plan_import {

namespace {

std::string Join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += sep;
    out += v[i];
  }
  return out;
}

// Pads to `width` display columns (CJK counts two).
std::string Pad(const std::string& s, size_t width) {
  size_t cols = 0;
  size_t i = 0;
  while (i < s.size()) {
    const char32_t c = text::Next(s, i);
    cols += (c >= 0x1100 && c != 0x2026) ? 2 : 1;
  }
  std::string out = s;
  if (cols < width) out.append(width - cols, ' ');
  return out;
}

// The doubts as the preview says them.
std::string DoubtWords(const std::string& kind) {
  if (kind == "no_unit") return "names no unit";
  if (kind == "number_out_of_sequence") return "number out of sequence";
  if (kind == "number_repeated") return "number used twice";
  if (kind == "units_from_row_below") return "units added from the row below (merged cells?)";
  if (kind == "row_below_joined") return "the row below, under its merged 序号 cell, joined it";
  if (kind == "units_from_other_row") return "units carried over from another row";
  if (kind == "deadline_from_other_row") return "deadline carried over from another row";
  if (kind == "units_from_row_above") return "a blank unit cell takes the row above's";
  if (kind == "deadline_from_row_above") return "a blank deadline cell takes the row above's";
  if (kind == "unplaced_cell") return "a cell of its row fits no column";
  if (kind == "no_deadline") return "no deadline: never reminded";
  if (kind == "no_deadline_cell") return "its row has no deadline cell";
  if (kind == "due_before_issue") return "due before the plan's issue date";
  return kind;
}

}  // namespace

size_t ParsedPlan::DoubtfulTasks() const {
  return static_cast<size_t>(
      std::count_if(tasks.begin(), tasks.end(), [](const ParsedTask& t) { return !t.doubts.empty(); }));
}

std::string ParsedPlanToJson(const ParsedPlan& p) {
  using nlohmann::ordered_json;
  ordered_json j;
  ordered_json plan;
  plan["title"] = p.plan.title;
  plan["issuer"] = p.plan.issuer;
  plan["doc_number"] = p.plan.doc_number;
  plan["issued_on"] = p.plan.issued_on ? ordered_json(p.plan.issued_on->ToString()) : ordered_json(nullptr);
  plan["year"] = p.plan.year;
  j["plan"] = std::move(plan);
  ordered_json tasks = ordered_json::array();
  for (const auto& t : p.tasks) {
    ordered_json jt;
    jt["number"] = t.number;
    if (!t.number_in_document.empty()) {
      jt["number_in_document"] = t.number_in_document;
      jt["numbering"] = t.numbering;
    }
    jt["section"] = t.section;
    jt["title"] = t.title;
    jt["content"] = t.content;
    jt["lead_units"] = t.lead_units;
    jt["responsible_units"] = t.responsible_units;
    jt["deadline"] = {
        {"text", t.deadline.text},
        {"due_on", t.deadline.due_on ? ordered_json(t.deadline.due_on->ToString()) : ordered_json(nullptr)}};
    // Only on doubtful tasks, so a clean parse reads as before (see plan_parser.h).
    if (!t.doubts.empty()) {
      jt["doubts"] = t.doubts;
      jt["found"] = {{"by", t.found_by}, {"units_from", t.units_from}};
    }
    tasks.push_back(std::move(jt));
  }
  j["tasks"] = std::move(tasks);
  ordered_json problems = ordered_json::array();
  for (const auto& pr : p.problems)
    problems.push_back({{"line", pr.line}, {"message", pr.message}, {"message_zh", pr.message_zh}});
  j["problems"] = std::move(problems);
  if (const size_t doubtful = p.DoubtfulTasks(); doubtful > 0) j["doubtful_tasks"] = doubtful;
  // Only when set, as the doubts (an import is refused until a year is given).
  if (p.year_in_doubt)
    j["year_in_doubt"] = {{"message", p.year_in_doubt->message}, {"message_zh", p.year_in_doubt->message_zh}};
  if (p.impossible_deadline)
    j["impossible_deadline"] = {{"message", p.impossible_deadline->message},
                                {"message_zh", p.impossible_deadline->message_zh}};
  if (p.rows_not_imported)
    j["rows_not_imported"] = {{"message", p.rows_not_imported->message},
                              {"message_zh", p.rows_not_imported->message_zh}};
  if (p.issued_after_its_year)
    j["issued_after_its_year"] = {{"message", p.issued_after_its_year->message},
                                  {"message_zh", p.issued_after_its_year->message_zh}};
  // Input is cleaned to valid UTF-8, so dump cannot throw; replace anyway.
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string RenderPreview(const ParsedPlan& p) {
  std::ostringstream o;
  o << "Plan:       " << (p.plan.title.empty() ? "(no title)" : p.plan.title) << "\n";
  if (!p.plan.issuer.empty()) o << "Issuer:     " << p.plan.issuer << "\n";
  if (!p.plan.doc_number.empty()) o << "Doc number: " << p.plan.doc_number << "\n";
  if (p.plan.issued_on) o << "Issued on:  " << p.plan.issued_on->ToString() << "\n";
  o << "Year:       " << (p.plan.year ? std::to_string(p.plan.year) : "(unknown)") << "\n";
  const size_t doubtful = p.DoubtfulTasks();
  o << "Format:     " << p.format << ", " << p.tasks.size() << " tasks, " << p.problems.size() << " problems";
  if (doubtful > 0) o << ", " << doubtful << " doubtful tasks (marked ?)";
  o << "\n\n";
  std::vector<std::string> last_section;
  for (const auto& t : p.tasks) {
    if (t.section != last_section) {
      for (size_t k = 0; k < t.section.size(); ++k) {
        if (k < last_section.size() && last_section[k] == t.section[k]) continue;
        o << std::string(2 * k, ' ') << t.section[k] << "\n";
      }
      last_section = t.section;
    }
    const std::string indent(2 * t.section.size(), ' ');
    const std::string sub = indent + "    ";
    o << (t.doubts.empty() ? indent : indent.substr(0, indent.size() >= 2 ? indent.size() - 2 : 0) + "? ")
      << Pad(std::to_string(t.number) + ".", 4) << t.title
      << (t.number_in_document.empty() ? ""
          : t.numbering == "section"   ? " (its section's " + t.number_in_document + ")"
                                       : " (the document's " + t.number_in_document + ")")
      << "\n";
    if (!t.doubts.empty()) {
      std::vector<std::string> words;
      for (const auto& d : t.doubts) words.push_back(DoubtWords(d));
      o << sub << "doubtful: " << Join(words, "; ") << "\n";
    }
    if (!t.lead_units.empty()) o << sub << "牵头: " << Join(t.lead_units, "、") << "\n";
    if (!t.responsible_units.empty()) o << sub << "责任: " << Join(t.responsible_units, "、") << "\n";
    if (!t.deadline.text.empty()) {
      o << sub << "时限: " << t.deadline.text;
      if (t.deadline.due_on) o << " (" << t.deadline.due_on->ToString() << ")";
      o << "\n";
    }
    o << sub << "line " << t.source_line << "\n";
  }
  if (!p.problems.empty()) {
    o << "\nProblems (" << p.problems.size() << "):\n";
    for (const auto& pr : p.problems) {
      o << "  " << (pr.line ? "line " + std::to_string(pr.line) : std::string("file")) << ": " << pr.message << "\n";
    }
  }
  return o.str();
}

}  // namespace duban::plan_import

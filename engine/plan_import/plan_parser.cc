// ParsePlan: runs the stages (plan_table.h) and completes each task: units
// from the task text, a title from its first sentence, a deadline phrase from
// the text, the due date.
//
// Pipeline: clean bytes -> lines (markup stripped) -> cells and rows
// (text export: a tab starts a cell, a line without one continues it, blank
// lines separate rows; CSV/TSV: records) -> header row -> column kinds ->
// rows interpreted in order (sections, numbered tasks, units, deadlines,
// merged cells inherited) -> metadata from the lines around the table.
//
// Robustness: everything works on bounded indices into std::string; there is
// no recursion over input, and all loops advance; the fuzz target holds this.
#include "duban/plan_import/plan_parser.h"

#include <algorithm>
#include <utility>

#include "deadlines.h"
#include "plan_interpreter.h"
#include "plan_table.h"
#include "text_util.h"
#include "title_years.h"
#include "units.h"

namespace duban::plan_import {

namespace {

bool StatesAYear(std::string_view text);  // below, with the checks of dates against the issue

using text::CodePoints;
using text::EndsWith;
using text::Trim;

std::string FirstSentence(const std::string& s) {
  size_t i = 0;
  size_t end = s.size();
  int depth = 0;
  while (i < s.size()) {
    const size_t at = i;
    const char32_t c = text::Next(s, i);
    if (c == U'（' || c == '(' || c == U'“' || c == U'《')
      ++depth;
    else if ((c == U'）' || c == ')' || c == U'”' || c == U'》') && depth > 0)
      --depth;
    else if (depth == 0 && (c == U'。' || c == U'；' || c == ';' || c == U'！' || c == U'？')) {
      end = at;
      break;
    }
  }
  std::string first = s.substr(0, end);
  constexpr size_t kMax = 40;
  if (CodePoints(first) > kMax) first = text::Prefix(first, kMax) + "…";
  return first;
}

// The bracket of units may end with the deadline too: "（市司法局牵头，各区负责，
// 6月底前完成）", "（责任单位：…；完成时限：2027年12月31日前）". Such a piece
// is the task's deadline, not a unit: taken out of `inner` and returned.
// A piece of such a bracket that is a deadline ("6月底前完成", "完成时限：…",
// "全年推进", "持续推进"), or nullopt; a piece naming a unit never is.
std::optional<std::string> DeadlineOfPiece(const std::string& piece) {
  for (std::string_view label : {"完成时限：", "完成时限:", "完成时间：", "完成时间:", "时限：", "时限:"})
    if (piece.rfind(label, 0) == 0) return Trim(std::string_view(piece).substr(label.size()));
  for (std::string_view unit_word : {"局", "委", "办", "政府", "单位", "部门"})
    if (piece.find(unit_word) != std::string::npos) return std::nullopt;
  if (auto phrase = FindDeadlinePhrase(piece)) return phrase;
  if (piece.rfind("全年", 0) == 0) return std::string("全年");
  // An ongoing duty: kept as written, said as having no date.
  if (piece.rfind("持续", 0) == 0 || piece.rfind("长期", 0) == 0 || piece.rfind("常态", 0) == 0) return piece;
  return std::nullopt;
}

std::string TakeDeadlinePiece(std::string& inner) {
  std::string deadline_piece;
  std::string kept;
  size_t start = 0;
  while (start <= inner.size()) {
    size_t end = inner.size(), sep_len = 0;
    for (std::string_view sep : {"，", "；", ";", ","}) {
      const size_t q = inner.find(sep, start);
      if (q != std::string::npos && q < end) end = q, sep_len = sep.size();
    }
    std::string piece = Trim(std::string_view(inner).substr(start, end - start));
    if (auto d = DeadlineOfPiece(piece)) {
      deadline_piece = *d;
    } else if (!piece.empty()) {
      kept += (kept.empty() ? "" : "，") + piece;
    }
    if (sep_len == 0) break;
    start = end + sep_len;
  }
  inner = kept;
  return deadline_piece;
}

// Units in the task text: "…工作。（市发改局牵头，各县区政府负责）" or
// "（责任单位：市司法局）" at the end, the prose form of a plan.
void UnitsFromText(ParsedTask& t, const UnitDirectory& dir, ParsedPlan& out) {
  std::string c = Trim(t.content);
  while (EndsWith(c, "。")) c.erase(c.size() - 3);
  size_t close_len = 0;
  if (EndsWith(c, "）"))
    close_len = 3;
  else if (EndsWith(c, ")"))
    close_len = 1;
  if (close_len == 0) return;
  // Find the opening bracket matching the final one.
  std::vector<size_t> opens;
  size_t open_at = std::string::npos, open_len = 0;
  size_t i = 0;
  while (i < c.size()) {
    const size_t at = i;
    const char32_t ch = text::Next(c, i);
    if (ch == U'（' || ch == '(')
      opens.push_back(at);
    else if ((ch == U'）' || ch == ')') && !opens.empty()) {
      if (i == c.size()) {
        open_at = opens.back();
        open_len = c[open_at] == '(' ? 1 : 3;
      }
      opens.pop_back();
    }
  }
  if (open_at == std::string::npos) return;
  std::string inner = c.substr(open_at + open_len, c.size() - close_len - open_at - open_len);
  const std::string deadline_piece = TakeDeadlinePiece(inner);
  std::string lead_part, resp_part;
  bool labelled = false;
  auto take = [&](std::initializer_list<std::string_view> labels, std::string& into) {
    for (std::string_view label : labels) {
      const size_t p = inner.find(label);
      if (p == std::string::npos) continue;
      labelled = true;
      size_t e = inner.size();
      for (std::string_view stop : {"；", ";", "。", "牵头单位", "责任单位", "配合单位", "落实单位"}) {
        const size_t q = inner.find(stop, p + label.size());
        if (q != std::string::npos && q < e) e = q;
      }
      into += inner.substr(p + label.size(), e - p - label.size());
    }
  };
  take({"牵头单位：", "牵头单位:"}, lead_part);
  take({"责任单位：", "责任单位:", "落实单位：", "落实单位:", "配合单位：", "配合单位:"}, resp_part);
  const bool role_word = inner.find("牵头") != std::string::npos || inner.find("负责") != std::string::npos;
  if (!labelled && !role_word) return;
  UnitAssignment a;
  auto add = [&](const std::string& part, UnitRole role) {
    if (Trim(part).empty()) return;
    auto r = ParseUnitCell({{part, t.source_line}}, role, dir);
    AppendUnique(a.lead, r.lead);
    AppendUnique(a.responsible, r.responsible);
    a.unknown.insert(a.unknown.end(), r.unknown.begin(), r.unknown.end());
  };
  if (labelled) {
    add(lead_part, UnitRole::kLead);
    add(resp_part, UnitRole::kResponsible);
  } else {
    add(inner, UnitRole::kResponsible);
  }
  if (a.empty()) return;
  if (t.deadline.text.empty()) t.deadline.text = deadline_piece;
  t.lead_units = a.lead;
  t.responsible_units = a.responsible;
  t.content = Trim(std::string_view(c).substr(0, open_at));
  if (!t.content.empty() && !EndsWith(t.content, "。")) t.content += "。";
  table::ReportUnknownUnits(a.unknown, dir, out);
}

// The task's own completion, after every row is read: units from the text
// when no column named any, a title, a deadline phrase from the text when
// the table has no deadline column, the due date; problems for what is missing.
void CompleteTask(ParsedTask& t, const UnitDirectory& dir, const ParseOptions& opts, bool has_deadline_column,
                  bool resolve, ParsedPlan& out) {
  if (t.lead_units.empty() && t.responsible_units.empty()) {
    UnitsFromText(t, dir, out);
    if (!t.lead_units.empty() || !t.responsible_units.empty()) t.units_from = "text";
  }
  if (t.title.empty()) t.title = FirstSentence(t.content);
  if (t.deadline.text.empty() && !has_deadline_column && opts.deadline_from_text) {
    if (auto p = FindDeadlinePhrase(t.content)) t.deadline.text = *p;
  }
  const std::string n = std::to_string(t.number);
  if (t.content.empty())
    out.problems.push_back({t.source_line, "task " + n + " has no text", "第" + n + "项任务没有内容"});
  if (t.lead_units.empty() && t.responsible_units.empty()) {
    t.units_from.clear();
    if (std::find(t.doubts.begin(), t.doubts.end(), "no_unit") == t.doubts.end()) t.doubts.push_back("no_unit");
    out.problems.push_back({t.source_line, "task " + n + " names no unit", "第" + n + "项任务未写明牵头或责任单位"});
  }
  const auto doubted = [&t](const char* kind) {
    return std::find(t.doubts.begin(), t.doubts.end(), kind) != t.doubts.end();
  };
  if (has_deadline_column && t.deadline.text.empty() && !doubted("no_deadline_cell")) {
    // A blank cell under the deadline column (nothing above it to carry
    // over): the task would never be reminded or escalated.
    t.doubts.push_back("no_deadline");
    out.problems.push_back({t.source_line,
                            "task " + n +
                                " has no deadline: nothing will remind or escalate it (give one, or set it "
                                "later with `duban set-deadline`)",
                            "第" + n + "项任务未写明完成时限，将不会提醒或督办（请补填，或导入后设定时限）"});
  }
  if (resolve && !t.deadline.text.empty()) {
    DueResult r = ResolveDue(t.deadline.text, out.plan.year, out.plan.issued_on, opts.calendar);
    // Read in the next year (dates_after_issue), a day this year lacks may
    // exist: 2月29日前 in a plan issued December 2027 is 2028-02-29.
    if (r.impossible && opts.dates_after_issue && out.plan.issued_on && out.plan.year > 0 &&
        !StatesAYear(t.deadline.text))
      if (DueResult next = ResolveDue(t.deadline.text, out.plan.year + 1, out.plan.issued_on, opts.calendar);
          next.understood && next.due_on && !(*next.due_on < *out.plan.issued_on))
        r = std::move(next);
    t.deadline.due_on = r.due_on;
    t.deadline.recurrence = r.recurrence;
    if (!r.understood && r.impossible) {
      Problem p{t.source_line,
                "deadline '" + t.deadline.text + "' of task " + n + " names a day that does not exist (" + r.note +
                    "): correct it in the file; the import is refused until then",
                "第" + n + "项任务的时限“" + t.deadline.text + "”不是实际存在的日期，请在文件中更正后再导入"};
      if (!out.impossible_deadline) out.impossible_deadline = p;
      out.problems.push_back(std::move(p));
    } else if (!r.understood && out.plan.year == 0 && r.note.find("plan year") != std::string::npos) {
      // No year from the title, --year, the issue date or the document
      // number: every 10月底前 would come in with no date, never reminded.
      Problem p{
          t.source_line,
          "deadline '" + t.deadline.text + "' of task " + n +
              " needs the plan's year, which the plan does not name (nor an issue date): give --year; the "
              "import is refused until then",
          "第" + n + "项任务的时限“" + t.deadline.text + "”需要方案年度，方案未写明年度或印发日期，请指定年度后再导入"};
      if (!out.year_in_doubt) out.year_in_doubt = p;
      out.problems.push_back(std::move(p));
    } else if (!r.understood) {
      out.problems.push_back({t.source_line,
                              "deadline '" + t.deadline.text + "' of task " + n + " not understood; kept as text" +
                                  (r.note.empty() ? "" : " (" + r.note + ")"),
                              "第" + n + "项任务的时限“" + t.deadline.text +
                                  "”未能识别，按原文保留，不计提醒和逾期；可在导入前改写为“X月底前”“X月X日前”等"});
    } else if (!r.note.empty()) {
      // Resolved with a warning (a year the calendar does not cover yet).
      const std::string zh = r.provisional ? "：该年度的节假日安排尚未收录，暂按周末及元旦、劳动节、国庆节计算工作日；"
                                             "收录当年安排（duban calendar add）后自动重算"
                                           : "：" + r.note;
      out.problems.push_back({t.source_line, "deadline '" + t.deadline.text + "' of task " + n + ": " + r.note,
                              "第" + n + "项任务的时限“" + t.deadline.text + "”" + zh});
    }
  }
}

// The file as the interpreter's Layout, by its format: Word, Excel and web
// pages through their real table (a Word file without one reads as prose),
// text exports and CSV/TSV as text. False when the file is refused.
bool ReadLayout(std::string_view bytes, table::Layout& lay, ParsedPlan& out) {
  const table::DocumentKind kind = table::DetectDocument(bytes);
  if (kind == table::DocumentKind::kNone && bytes.substr(0, 4) == std::string_view("PK\x03\x04", 4)) {
    out.format = "zip";
    if (const table::ZipPackage zip(bytes); !zip.ok()) {
      out.problems.push_back({0, "a damaged zip package (a .docx or .xlsx cut short?): " + zip.error(),
                              "文件是损坏的压缩包（.docx 或 .xlsx 文件不完整？）：" + zip.error()});
      return false;
    }
    out.problems.push_back({0, "a zip package that is neither a Word (.docx) nor an Excel (.xlsx) file",
                            "文件是压缩包，但不是 Word（.docx）或 Excel（.xlsx）文件"});
    return false;
  }
  if (bytes.substr(0, 8) == std::string_view("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8)) {
    out.format = "ole";
    out.problems.push_back({0, "a Word 97-2003 (.doc) or Excel 97-2003 (.xls) file: save it as .docx or .xlsx",
                            "文件为旧版 Word（.doc）或 Excel（.xls）格式，请另存为 .docx 或 .xlsx 后导入"});
    return false;
  }
  if (kind != table::DocumentKind::kNone) {
    out.format = std::string(table::DocumentFormatName(kind));
    table::TableDocument doc;
    bool ok = false;
    if (kind == table::DocumentKind::kDocx) ok = table::ReadDocx(bytes, doc, out.problems);
    if (kind == table::DocumentKind::kXlsx) ok = table::ReadXlsx(bytes, doc, out.problems);
    if (kind == table::DocumentKind::kHtml)
      ok = table::ReadHtml(table::CleanInput(bytes, out.problems), doc, out.problems);
    if (!ok) return false;
    if (doc.rows.empty()) {
      // Paragraphs only: a prose plan, read as the text reader reads one.
      std::vector<table::Line> lines = std::move(doc.before);
      for (auto& l : doc.after) lines.push_back(std::move(l));
      table::BuildTextLayout(lines, lay, out.problems);
      return true;
    }
    table::BuildTableLayout(std::move(doc), lay, out.problems);
    return true;
  }
  const std::string clean = table::CleanInput(bytes, out.problems);
  const std::vector<table::Line> lines = table::ToLines(clean);
  out.format = table::DetectFormat(lines);
  if (out.format == "text") {
    table::BuildTextLayout(lines, lay, out.problems);
  } else {
    // Markup is stripped per field after the split (quotes may hold tags).
    table::TableDocument doc;
    doc.rows = table::ParseDelimited(clean, out.format == "tsv" ? '\t' : ',', &out.problems);
    table::BuildTableLayout(std::move(doc), lay, out.problems);
  }
  return true;
}

}  // namespace

std::string PlanText(std::string_view bytes) {
  const table::DocumentKind kind = table::DetectDocument(bytes);
  std::vector<Problem> ignored;
  // A text export in GBK or UTF-16 as the parse reads it: its title in
  // UTF-8, or the unit directory its place name chooses would be missed.
  if (kind == table::DocumentKind::kNone) return table::CleanInput(bytes, ignored);
  table::TableDocument doc;
  if (kind == table::DocumentKind::kDocx) table::ReadDocx(bytes, doc, ignored);
  if (kind == table::DocumentKind::kXlsx) table::ReadXlsx(bytes, doc, ignored);
  if (kind == table::DocumentKind::kHtml) table::ReadHtml(table::CleanInput(bytes, ignored), doc, ignored);
  std::string out;
  for (const auto& l : doc.before) out += l.text + "\n";
  for (const auto& r : doc.rows) {
    for (const auto& c : r.cells) out += c.Joined() + "\t";
    out += "\n";
  }
  for (const auto& l : doc.after) out += l.text + "\n";
  return out;
}

namespace {

// Whether a deadline's words give its year ("2026年11月底前"): its date does
// not rest on the plan's year.
bool StatesAYear(std::string_view text) {
  for (size_t p = 0; p + 4 < text.size(); ++p) {
    size_t k = p;
    if ((p == 0 || text[p - 1] < '0' || text[p - 1] > '9') && text::Digits(text, k, 4) && k - p == 4 &&
        text.substr(k, 3) == "年")
      return true;
  }
  return false;
}

// The tasks due before `day` whose dates rest on the plan's year: how many,
// and the first of them.
std::pair<size_t, const ParsedTask*> DueBefore(const ParsedPlan& plan, Date day) {
  std::pair<size_t, const ParsedTask*> out{0, nullptr};
  for (const auto& t : plan.tasks) {
    if (!t.deadline.due_on || !(*t.deadline.due_on < day) || StatesAYear(t.deadline.text)) continue;
    if (!out.second) out.second = &t;
    ++out.first;
  }
  return out;
}

// "N task(s) fall due before <what> D (task K: 'X' read as E)" and what to do
// when the year was only inferred.
Problem YearDoubt(const ParsedPlan& plan, size_t n, const ParsedTask& first, Date day, const std::string& what,
                  const std::string& what_zh) {
  const std::string count = std::to_string(n), num = std::to_string(first.number), d = day.ToString();
  const std::string read = first.deadline.due_on->ToString();
  const std::string y = std::to_string(plan.plan.year), next = std::to_string(plan.plan.year + 1);
  return Problem{first.source_line,
                 count + " task(s) fall due before " + what + " " + d + " (task " + num + ": '" + first.deadline.text +
                     "' read as " + read + "); the plan states no year and " + y +
                     " was inferred: if it is the plan for " + next + ", give --year " + next +
                     "; if its dates are meant as read, give --year " + y +
                     "; if it runs across the turn of the year (12月底前 this December, 1月底前 next January), "
                     "give --dates-after-issue with its issue date; the import is refused until one is given",
                 count + "项任务的完成时限早于" + what_zh + d + "（如第" + num + "项“" + first.deadline.text + "”读作" +
                     read + "）。方案未写明年度，推定为" + y + "年；如为" + next + "年度方案，请指定年度" + next +
                     "；如时限确为所读日期，请指定年度" + y +
                     "；如方案跨年度执行（12月底前指今年12月、1月底前指明年1月），"
                     "请勾选“跨年度执行”并填写印发日期；未指定前不予导入"};
}

// --dates-after-issue: each date that rests on the plan's year and falls
// before the issue date, read in the next year instead (1月底前 in a plan
// issued 2026-12-07: 2027-01-31), said once in the problems.
void MoveDatesAfterIssue(ParsedPlan& out, const ParseOptions& opts) {
  if (!opts.dates_after_issue || !out.plan.issued_on || out.plan.year <= 0) return;
  const Date issued = *out.plan.issued_on;
  size_t n = 0, stay = 0;
  std::string first, first_zh, stays, stays_zh;
  for (auto& t : out.tasks) {
    if (!t.deadline.due_on || StatesAYear(t.deadline.text)) continue;
    if (!(*t.deadline.due_on < issued) || !t.deadline.recurrence.empty()) {
      // Left in the issue's year (全年, 下半年, 每季度): said, as the office may mean the next.
      if (t.deadline.due_on->year == issued.year && stay++ == 0) {
        const std::string num = std::to_string(t.number), d = t.deadline.due_on->ToString();
        stays = "task " + num + ": '" + t.deadline.text + "' read as " + d;
        stays_zh = "如第" + num + "项“" + t.deadline.text + "”读作" + d;
      }
      continue;
    }
    const DueResult next = ResolveDue(t.deadline.text, out.plan.year + 1, out.plan.issued_on, opts.calendar);
    if (!next.understood || !next.due_on || *next.due_on < issued) continue;
    if (n++ == 0) {
      const std::string num = std::to_string(t.number), d = next.due_on->ToString();
      first = "task " + num + ": '" + t.deadline.text + "' read as " + d;
      first_zh = "如第" + num + "项“" + t.deadline.text + "”读作" + d;
    }
    t.deadline.due_on = next.due_on;
  }
  if (n == 0) return;
  const std::string y = std::to_string(issued.year);
  out.problems.push_back(
      {0,
       std::to_string(n) + " deadline(s) naming no year fell before the issue date " + issued.ToString() +
           " and are read in " + std::to_string(out.plan.year + 1) + " (" + first + "), as --dates-after-issue asks" +
           (stay ? "; " + std::to_string(stay) + " stay in " + y + " (" + stays + "): check them" : ""),
       std::to_string(n) + "项未写年份的完成时限早于印发日期" + issued.ToString() + "，已按" +
           std::to_string(out.plan.year + 1) + "年计（" + first_zh + "）" +
           (stay ? "；另有" + std::to_string(stay) + "项仍按" + y + "年计（" + stays_zh + "），请核对" : "")});
}

// Dates before the plan's issue date (or, when it names none, the import
// day): late the moment they are imported. Where the year was only
// inferred, it is in doubt (against the import day, YearInDoubtOn says so).
void CheckDatesAgainstIssue(ParsedPlan& out, std::optional<Date> import_day) {
  const bool by_issue = out.plan.issued_on.has_value();
  if (!by_issue && !import_day) return;
  const Date anchor = by_issue ? *out.plan.issued_on : *import_day;
  // No issue date, the year only inferred: in doubt against the import day,
  // said in the preview as the import will refuse it (YearInDoubtOn).
  if (!by_issue && !out.plan.year_stated)
    if (auto [guessed, one] = DueBefore(out, anchor); one) {
      out.year_in_doubt = YearDoubt(out, guessed, *one, anchor, "the import day (the plan names no issue date)",
                                    "导入日期（方案未写明印发日期）");
      out.problems.push_back(*out.year_in_doubt);
    }
  const ParsedTask* first = nullptr;
  size_t n = 0;
  for (auto& t : out.tasks) {
    if (!t.deadline.due_on || !(*t.deadline.due_on < anchor)) continue;
    if (!by_issue && !out.plan.year_stated && !StatesAYear(t.deadline.text)) continue;
    // Against the import day only said once: an old plan entered today is
    // late throughout, which is no doubt about how a task was read.
    if (by_issue) t.doubts.push_back("due_before_issue");
    if (!first) first = &t;
    ++n;
  }
  if (!first) return;
  if (by_issue && !out.plan.year_stated)
    if (auto [guessed, one] = DueBefore(out, anchor); one) {
      out.year_in_doubt = YearDoubt(out, guessed, *one, anchor, "the plan's issue date", "方案印发日期");
      out.problems.push_back(*out.year_in_doubt);
      return;
    }
  const std::string count = std::to_string(n), day = anchor.ToString(), num = std::to_string(first->number);
  const std::string what = by_issue ? "the plan's issue date " : "the import day (the plan names no issue date) ";
  const std::string what_zh = by_issue ? "方案印发日期" : "导入日期（方案未写明印发日期）";
  out.problems.push_back(
      {first->source_line,
       count + " task(s) fall due before " + what + day + " (task " + num + ": '" + first->deadline.text +
           "' read as " + first->deadline.due_on->ToString() + "): they are late from the import on",
       count + "项任务的完成时限早于" + what_zh + day + "（如第" + num + "项“" + first->deadline.text + "”读作" +
           first->deadline.due_on->ToString() + "），导入后即为逾期"});
}

}  // namespace

std::optional<Problem> YearInDoubtOn(const ParsedPlan& plan, Date import_day) {
  if (plan.year_in_doubt) return plan.year_in_doubt;
  if (plan.plan.issued_on || plan.plan.year_stated) return std::nullopt;
  const auto [n, first] = DueBefore(plan, import_day);
  if (!first) return std::nullopt;
  return YearDoubt(plan, n, *first, import_day, "the import day (the plan names no issue date)",
                   "导入日期（方案未写明印发日期）");
}

namespace {
// The end of a range of years the plan's title names (三年行动计划（2025—2027
// 年）, “十四五”（2021—2025年）, full-width digits too), 0 when it names
// none. Not any year it mentions: "2035年远景目标" is no year the plan runs to.
int RangeEndTitled(const std::string& title) {
  std::string t;  // full-width digits (０-９: EF BC 90-99) as ASCII
  for (size_t i = 0; i < title.size(); ++i) {
    if (i + 2 < title.size() && static_cast<unsigned char>(title[i]) == 0xEF &&
        static_cast<unsigned char>(title[i + 1]) == 0xBC && static_cast<unsigned char>(title[i + 2]) >= 0x90 &&
        static_cast<unsigned char>(title[i + 2]) <= 0x99) {
      t += static_cast<char>('0' + (static_cast<unsigned char>(title[i + 2]) - 0x90));
      i += 2;
    } else {
      t += title[i];
    }
  }
  auto year_at = [&t](size_t i) {
    if (i + 4 > t.size()) return 0;
    for (size_t k = i; k < i + 4; ++k)
      if (t[k] < '0' || t[k] > '9') return 0;
    if ((i > 0 && t[i - 1] >= '0' && t[i - 1] <= '9') || (i + 4 < t.size() && t[i + 4] >= '0' && t[i + 4] <= '9'))
      return 0;
    const int y = std::stoi(t.substr(i, 4));
    return y >= 1949 && y <= 2200 ? y : 0;
  };
  int last = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    const int from = year_at(i);
    if (!from) continue;
    size_t j = i + 4;
    if (t.compare(j, 3, "年") == 0) j += 3;
    bool joined = false;
    for (const std::string_view sep : {"—", "–", "－", "～", "至", "到", "-", "~"})
      if (t.compare(j, sep.size(), sep) == 0) {
        j += sep.size();
        joined = true;
        break;
      }
    if (!joined) continue;
    if (const int to = year_at(j); to > from) last = std::max(last, to);
  }
  return last;
}

// An issue date after the plan's last year: a typo (2030 for 2027).
std::optional<Problem> IssueDateAfterItsYear(const ParsedPlan& plan) {
  const auto& issued = plan.plan.issued_on;
  if (!issued || plan.plan.year <= 0) return std::nullopt;
  const int last = std::max(plan.plan.year, RangeEndTitled(plan.plan.title));
  if (issued->year <= last) return std::nullopt;
  const std::string day = issued->ToString(), year = std::to_string(last);
  return Problem{0,
                 "the issue date " + day + " is after the plan's year " + year +
                     " ended: a plan is published before or during its year; is the date mistyped?",
                 "印发日期" + day + "晚于方案年度" + year + "年，请核对印发日期"};
}
}  // namespace

std::optional<Problem> IssuedAfterItsYear(const ParsedPlan& plan) { return plan.issued_after_its_year; }

std::optional<Problem> ImpossibleDeadline(const ParsedPlan& plan) { return plan.impossible_deadline; }

std::optional<Problem> RowsNotImported(const ParsedPlan& plan) { return plan.rows_not_imported; }

std::optional<Problem> StatedYearContradicted(const ParsedPlan& plan, int stated) {
  if (stated <= 0 || plan.plan.year == stated) return std::nullopt;
  std::string years = table::TitleYearsText(plan.plan.title);
  if (years.empty()) years = std::to_string(plan.plan.year);
  std::string years_zh = years;
  for (size_t p = years_zh.find(", "); p != std::string::npos; p = years_zh.find(", ", p)) years_zh.replace(p, 2, "、");
  const std::string year = std::to_string(stated);
  return Problem{0,
                 "the year stated, " + year + ", is not one the plan's title names (" + years +
                     "; title: " + plan.plan.title + "): leave the year out, or check the file",
                 "所填方案年度" + year + "年不是方案标题中的年份（" + years_zh + "年）：请不填方案年度，或核对文件"};
}

ParsedPlan ParsePlan(std::string_view bytes, const UnitDirectory& dir, const ParseOptions& opts) {
  ParsedPlan out;
  try {
    table::Layout lay;
    if (!ReadLayout(bytes, lay, out)) {
      out.problems.push_back({0, "no tasks found", "未找到任何任务"});
      return out;
    }
    table::ExtractMeta(lay, opts, out);

    table::Interpreter interp(dir, out);
    interp.SetKinds(lay.header);
    for (const auto& row : lay.rows) interp.Process(row);
    interp.Finish();

    const bool resolve = opts.resolve_deadlines && CanResolveDeadlines();
    for (auto& t : out.tasks) CompleteTask(t, dir, opts, interp.has_deadline_column(), resolve, out);
    if (resolve) MoveDatesAfterIssue(out, opts);
    if (resolve) CheckDatesAgainstIssue(out, opts.import_day);
    if ((out.issued_after_its_year = IssueDateAfterItsYear(out))) out.problems.push_back(*out.issued_after_its_year);
    if (out.tasks.empty()) out.problems.push_back({0, "no tasks found", "未找到任何任务"});
  } catch (const std::exception& e) {
    // Only allocation failure can land here; report instead of crashing.
    out.problems.push_back({0, std::string("import failed: ") + e.what(), std::string("解析失败：") + e.what()});
  }
  std::stable_sort(out.problems.begin(), out.problems.end(),
                   [](const Problem& a, const Problem& b) { return a.line < b.line; });
  // A file that raises thousands of problems is not the plan, or not yet:
  // the first ones say why; listing every one would only bury them (and a
  // hostile file could make the preview hundreds of megabytes).
  constexpr size_t kMaxProblems = 1000;
  if (out.problems.size() > kMaxProblems) {
    const size_t more = out.problems.size() - (kMaxProblems - 1);
    out.problems.resize(kMaxProblems - 1);
    out.problems.push_back({0,
                            std::to_string(more) + " more problems not listed: fix the first ones, or check the file",
                            "另有" + std::to_string(more) + "个问题未列出：请先处理前面的问题，或核对文件"});
  }
  return out;
}

}  // namespace duban::plan_import

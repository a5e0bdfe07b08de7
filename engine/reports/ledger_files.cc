#include "duban/reports/ledger_files.h"

#include "duban/reports/table_files.h"

#include <xlsxwriter.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string_view>

namespace duban::reports {

namespace {

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::string Percent(const LedgerRow& r) { return r.percent ? std::to_string(*r.percent) : ""; }
std::string Escalation(const LedgerRow& r) {
  if (r.escalation_level <= 0) return "";
  return r.escalation_step.empty() ? std::to_string(r.escalation_level) + "级"
                                   : std::to_string(r.escalation_level) + "级 " + r.escalation_step;
}
const char* LightChinese(const std::string& light) {
  if (light == "red") return "红灯";
  if (light == "yellow") return "黄灯";
  if (light == "green") return "绿灯";
  if (light == "done") return "已办结";
  return "";
}

// The stated date, and the day it is met on when that is later (a date on
// a rest day is met on the next working day, and lateness counts from it):
// "2021-10-02（顺延至10-08）", the year left out within the same year.
std::string DueCell(const LedgerRow& r) {
  if (r.effective_due_on.empty() || r.effective_due_on == r.due_on) return r.due_on;
  const bool same_year = r.effective_due_on.compare(0, 5, r.due_on, 0, 5) == 0;
  return r.due_on + "（顺延至" + (same_year ? r.effective_due_on.substr(5) : r.effective_due_on) + "）";
}

// One row's cells as text, in LedgerHeaders() order.
std::vector<std::string> Cells(const LedgerRow& r) {
  return {std::to_string(r.task),
          Join(r.section, " / "),
          r.title,
          Join(r.lead_units, "、"),
          Join(r.responsible_units, "、"),
          r.unit,
          r.deadline_text,
          DueCell(r),
          StatusChinese(r.status),
          r.progress_text,
          Percent(r),
          r.reporter,
          r.contact,
          r.submitted_on,
          r.approved_on,
          r.overdue_working_days ? std::to_string(r.overdue_working_days) : "",
          Escalation(r),
          LightChinese(r.light)};
}

// Column index of each header (kept in step with Cells and LedgerHeaders).
enum Col : int {
  kTask,
  kSection,
  kTitle,
  kLead,
  kResponsible,
  kUnit,
  kDeadline,
  kDue,
  kState,
  kProgress,
  kPercent,
  kReporter,
  kContact,
  kSubmitted,
  kApproved,
  kOverdue,
  kEscalation,
  kLight,
  kColumns
};

// Width of a text in column-width units at the ledger's 10-point font: two
// for a Chinese character (or any non-ASCII one), one for ASCII.
double DisplayWidth(const std::string& s) {
  double w = 0;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    w += c < 0x80 ? 1.0 : 2.0;
    i += len;
  }
  return w;
}

std::string ChineseDate(Date d) {
  const std::string s = d.ToString();  // YYYY-MM-DD
  return s.substr(0, 4) + "年" + std::to_string(std::stoi(s.substr(5, 2))) + "月" +
         std::to_string(std::stoi(s.substr(8, 2))) + "日";
}

}  // namespace

const std::vector<std::string>& LedgerHeaders() {
  static const std::vector<std::string> kHeaders = {
      "序号",     "所属部分",   "工作任务",         "牵头单位",  "责任单位", "落实单位",         "完成时限",
      "截止日期", "办理状态",   "具体工作事项进度", "进度（%）", "填报人",   "联系方式（手机）", "提交日期",
      "销号日期", "逾期工作日", "督办等级",         "亮灯"};
  return kHeaders;
}

std::string LedgerJson(const Ledger& l) {
  using nlohmann::json;
  json rows = json::array();
  for (const auto& r : l.rows) {
    rows.push_back({{"task", r.task},
                    {"section", r.section},
                    {"title", r.title},
                    {"lead_units", r.lead_units},
                    {"responsible_units", r.responsible_units},
                    {"unit", r.unit},
                    {"role", schemas::AssignmentRoleName(r.role)},
                    {"deadline_text", r.deadline_text},
                    {"due_on", r.due_on.empty() ? json(nullptr) : json(r.due_on)},
                    {"effective_due_on", r.effective_due_on.empty() ? json(nullptr) : json(r.effective_due_on)},
                    {"status", core::StatusName(r.status)},
                    {"state", StatusChinese(r.status)},
                    {"progress_text", r.progress_text},
                    {"percent", r.percent ? json(*r.percent) : json(nullptr)},
                    {"progress_on", r.progress_on.empty() ? json(nullptr) : json(r.progress_on)},
                    {"reporter", r.reporter},
                    {"contact", r.contact},
                    {"submitted_on", r.submitted_on.empty() ? json(nullptr) : json(r.submitted_on)},
                    {"approved_on", r.approved_on.empty() ? json(nullptr) : json(r.approved_on)},
                    {"overdue_working_days", r.overdue_working_days},
                    {"escalation_level", r.escalation_level},
                    {"escalation_step", r.escalation_step},
                    {"light", r.light}});
  }
  json doc = {{"plan", l.plan_id},
              {"title", LedgerTitle(l.plan_title)},
              {"plan_title", l.plan_title},
              {"as_of", l.as_of.ToString()},
              {"unit", l.unit.empty() ? json(nullptr) : json(l.unit)},
              {"rows", std::move(rows)}};
  return doc.dump(2) + "\n";
}

std::string LedgerCsv(const Ledger& l) {
  std::vector<std::vector<std::string>> rows{LedgerHeaders()};
  for (const auto& r : l.rows) rows.push_back(Cells(r));
  return TableCsv(rows);
}

namespace {

constexpr double kColumnWidths[kColumns] = {5, 14, 34, 14, 14, 14, 12, 10.5, 8, 30, 6, 10, 12, 10.5, 10.5, 6, 11, 7};
constexpr lxw_row_t kHeaderRow = 2;
constexpr lxw_row_t kFirstDataRow = kHeaderRow + 1;

// The task's columns, merged down over the task's rows.
bool TaskColumn(int c) { return c == kTask || c == kTitle || c == kLead || c == kResponsible || c == kDeadline; }

// The ledger's cell formats, all in 宋体 as offices print them.
struct LedgerFormats {
  lxw_format* title;
  lxw_format* line;
  lxw_format* header;
  lxw_format* text;
  lxw_format* center;
  // Merged down over many rows (perhaps pages): the text at the top, where the task starts.
  lxw_format* text_top;
  lxw_format* center_top;
  lxw_format* percent;
  lxw_format* red;
  lxw_format* yellow;
  lxw_format* green;

  lxw_format* ForLight(const std::string& light) const {
    if (light == "red") return red;
    if (light == "yellow") return yellow;
    if (light == "green" || light == "done") return green;
    return center;
  }
};

LedgerFormats MakeLedgerFormats(lxw_workbook* wb) {
  auto make = [wb](bool bold, double size, bool border, bool wrap, uint8_t align) {
    lxw_format* f = workbook_add_format(wb);
    format_set_font_name(f, "宋体");
    format_set_font_size(f, size);
    if (bold) format_set_bold(f);
    if (border) format_set_border(f, LXW_BORDER_THIN);
    if (wrap) format_set_text_wrap(f);
    format_set_align(f, align);
    format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
    return f;
  };
  auto light_format = [&make](uint32_t bg, uint32_t fg) {
    lxw_format* f = make(true, 10, true, true, LXW_ALIGN_CENTER);
    format_set_bg_color(f, bg);
    format_set_font_color(f, fg);
    return f;
  };
  LedgerFormats f{};
  f.title = make(true, 16, false, false, LXW_ALIGN_CENTER);
  f.line = make(false, 11, false, false, LXW_ALIGN_LEFT);
  f.header = make(true, 10, true, true, LXW_ALIGN_CENTER);
  format_set_bg_color(f.header, 0xD9E1F2);
  f.text = make(false, 10, true, true, LXW_ALIGN_LEFT);
  f.center = make(false, 10, true, true, LXW_ALIGN_CENTER);
  f.text_top = make(false, 10, true, true, LXW_ALIGN_LEFT);
  format_set_align(f.text_top, LXW_ALIGN_VERTICAL_TOP);
  f.center_top = make(false, 10, true, true, LXW_ALIGN_CENTER);
  format_set_align(f.center_top, LXW_ALIGN_VERTICAL_TOP);
  f.percent = make(false, 10, true, false, LXW_ALIGN_CENTER);
  format_set_num_format(f.percent, "0\"%\"");
  f.red = light_format(0xFFC7CE, 0x9C0006);
  f.yellow = light_format(0xFFEB9C, 0x9C5700);
  f.green = light_format(0xC6EFCE, 0x006100);
  return f;
}

// For each row, the length of the run of equal rows (by `same`) it belongs to.
template <typename Same>
std::vector<int> RunLengths(const std::vector<LedgerRow>& rows, Same same) {
  const size_t n = rows.size();
  std::vector<int> run(n, 1);
  for (size_t i = 0, j = 0; i < n; i = j) {
    for (j = i; j < n && same(rows[j], rows[i]); ++j) {
    }
    for (size_t k = i; k < j; ++k) run[k] = static_cast<int>(j - i);
  }
  return run;
}

bool SameTask(const LedgerRow& a, const LedgerRow& b) { return a.task == b.task; }
bool SameSection(const LedgerRow& a, const LedgerRow& b) { return a.section == b.section; }

// Writes the ledger's sheet top to bottom. In constant-memory mode every cell
// must be written in row order, merged ranges included.
class LedgerSheetWriter {
 public:
  LedgerSheetWriter(const Ledger& l, lxw_worksheet* ws, const LedgerFormats& f)
      : l_(l),
        ws_(ws),
        f_(f),
        n_(static_cast<lxw_row_t>(l.rows.size())),
        task_rows_(RunLengths(l.rows, SameTask)),
        section_rows_(RunLengths(l.rows, SameSection)) {}

  void WriteHeading(const std::string& heading) {
    for (int c = 0; c < kColumns; ++c) worksheet_set_column(ws_, c, c, kColumnWidths[c], nullptr);
    worksheet_set_row(ws_, 0, 30, nullptr);
    worksheet_merge_range(ws_, 0, 0, 0, kLast, heading.c_str(), f_.title);
    const std::string who = "填报单位（盖章）：" + l_.unit;
    const std::string when = "填报日期：" + ChineseDate(l_.as_of);
    worksheet_set_row(ws_, 1, 22, nullptr);
    worksheet_merge_range(ws_, 1, 0, 1, kProgress - 1, who.c_str(), f_.line);
    worksheet_merge_range(ws_, 1, kProgress, 1, kLast, when.c_str(), f_.line);
    worksheet_set_row(ws_, kHeaderRow, 30, nullptr);
    const std::vector<std::string>& headers = LedgerHeaders();
    for (int c = 0; c < kColumns; ++c) worksheet_write_string(ws_, kHeaderRow, c, headers[c].c_str(), f_.header);
  }

  void WriteRows() {
    for (lxw_row_t i = 0; i < n_; ++i) {
      const std::vector<std::string> cells = Cells(l_.rows[i]);
      const lxw_row_t row = kFirstDataRow + i;
      const double lines = LinesNeeded(cells, task_rows_[i]);
      if (lines > 1) worksheet_set_row(ws_, row, std::min(409.0, 13.5 * lines + 2), nullptr);
      for (int c = 0; c < kColumns; ++c) WriteCell(i, row, c, cells[c]);
      DeclareMergesEndingAt(i, row);
    }
  }

  void WriteFooter() {
    const lxw_row_t foot = kFirstDataRow + n_ + 1;
    worksheet_merge_range(ws_, foot, 0, foot, kProgress - 1, "填报人：", f_.line);
    worksheet_merge_range(ws_, foot, kProgress, foot, kLast, "联系方式（手机）：", f_.line);
  }

 private:
  static constexpr lxw_col_t kLast = kColumns - 1;

  // Neither Excel nor LibreOffice grows a row for wrapped text written by a
  // program: the height comes from the longest cell (the task's merged
  // columns share it out over the task's rows; the section's are left out).
  static double LinesNeeded(const std::vector<std::string>& cells, int task_rows) {
    double lines = 1;
    for (int c = 0; c < kColumns; ++c) {
      if (c == kSection) continue;
      double need = std::ceil(DisplayWidth(cells[c]) / std::max(1.0, kColumnWidths[c] - 1));
      if (TaskColumn(c)) need /= task_rows;
      lines = std::max(lines, std::ceil(need));
    }
    return lines;
  }

  bool StartsRun(lxw_row_t i, bool (*same)(const LedgerRow&, const LedgerRow&)) const {
    return i == 0 || !same(l_.rows[i - 1], l_.rows[i]);
  }
  bool EndsRun(lxw_row_t i, bool (*same)(const LedgerRow&, const LedgerRow&)) const {
    return i + 1 == n_ || !same(l_.rows[i], l_.rows[i + 1]);
  }

  void WriteCell(lxw_row_t i, lxw_row_t row, int c, const std::string& text) {
    const LedgerRow& r = l_.rows[i];
    const std::string cell = FitXlsxCell(text);
    // Merged down (the task's columns over its rows, the section over its
    // run): the value on the run's first row, formatted blanks below it.
    const bool merged = TaskColumn(c) ? task_rows_[i] > 1 : c == kSection && section_rows_[i] > 1;
    if (merged) {
      lxw_format* f = c == kTask ? f_.center_top : f_.text_top;
      if (!(c == kSection ? StartsRun(i, SameSection) : StartsRun(i, SameTask)))
        worksheet_write_blank(ws_, row, c, f);
      else if (c == kTask)
        worksheet_write_number(ws_, row, c, r.task, f);
      else
        worksheet_write_string(ws_, row, c, cell.c_str(), f);
      return;
    }
    switch (c) {
      case kTask:
        worksheet_write_number(ws_, row, c, r.task, f_.center);
        break;
      case kPercent:
        if (r.percent)
          worksheet_write_number(ws_, row, c, *r.percent, f_.percent);
        else
          worksheet_write_blank(ws_, row, c, f_.percent);
        break;
      case kOverdue:
        if (r.overdue_working_days)
          worksheet_write_number(ws_, row, c, r.overdue_working_days, f_.center);
        else
          worksheet_write_blank(ws_, row, c, f_.center);
        break;
      case kState:
      case kLight:
        worksheet_write_string(ws_, row, c, cell.c_str(), f_.ForLight(r.light));
        break;
      case kTitle:
      case kSection:
      case kProgress:
      case kLead:
      case kResponsible:
      case kDeadline:
        worksheet_write_string(ws_, row, c, cell.c_str(), f_.text);
        break;
      default:
        worksheet_write_string(ws_, row, c, cell.c_str(), f_.center);
    }
  }

  // A run's merge is declared on its last row, while that is still the row
  // being written: in constant-memory mode libxlsxwriter refuses a range
  // that ends on a row already written out, and the cells it writes on
  // rows before the current one (the value and blanks written above) are
  // dropped, so nothing written is changed.
  void DeclareMergesEndingAt(lxw_row_t i, lxw_row_t row) {
    if (section_rows_[i] > 1 && EndsRun(i, SameSection))
      worksheet_merge_range(ws_, row - static_cast<lxw_row_t>(section_rows_[i] - 1), kSection, row, kSection, "",
                            f_.text_top);
    if (task_rows_[i] > 1 && EndsRun(i, SameTask))
      for (int c : {kTask, kTitle, kLead, kResponsible, kDeadline})
        worksheet_merge_range(ws_, row - static_cast<lxw_row_t>(task_rows_[i] - 1), c, row, c, "",
                              c == kTask ? f_.center_top : f_.text_top);
  }

  const Ledger& l_;
  lxw_worksheet* ws_;
  const LedgerFormats& f_;
  const lxw_row_t n_;
  const std::vector<int> task_rows_;     // rows of each task (its columns are merged down over them)
  const std::vector<int> section_rows_;  // rows of each section's run (its column is merged down over them)
};

// A4 landscape, one page wide, the heading repeated on every page.
void SetLedgerPage(lxw_worksheet* ws) {
  worksheet_freeze_panes(ws, kFirstDataRow, 0);
  worksheet_set_landscape(ws);
  worksheet_set_paper(ws, 9);  // A4
  worksheet_set_margins(ws, 0.4, 0.4, 0.6, 0.6);
  worksheet_repeat_rows(ws, 0, kHeaderRow);
  worksheet_fit_to_pages(ws, 1, 0);
  worksheet_set_footer(ws, "&C第 &P 页，共 &N 页");
}

void SetLedgerProperties(lxw_workbook* wb, const std::string& heading, const std::string& plan_id) {
  lxw_doc_properties props = {};
  std::string title_prop = heading, subject_prop = plan_id, comments_prop = "duban report ledger";
  props.title = title_prop.data();  // libxlsxwriter 1.1.4 takes char*; it copies them
  props.subject = subject_prop.data();
  props.comments = comments_prop.data();
  workbook_set_properties(wb, &props);
}

}  // namespace

Status WriteLedgerXlsx(const Ledger& l, const std::string& path) {
  lxw_workbook_options options = {};
  options.use_zip64 = LXW_TRUE;  // very large ledgers
  // Each row goes to disk as it is finished, its text inline rather than
  // through a shared-strings table: a 100,000-row ledger is written in about
  // half the time, in constant memory. Cells must then be written in row
  // order, merged ranges included (see LedgerSheetWriter).
  options.constant_memory = LXW_TRUE;
  lxw_workbook* wb = workbook_new_opt(path.c_str(), &options);
  if (!wb) return Status::IOError("cannot create " + path);
  lxw_worksheet* ws = workbook_add_worksheet(wb, "工作台账");
  const LedgerFormats formats = MakeLedgerFormats(wb);
  const std::string heading = LedgerTitle(l.plan_title);
  LedgerSheetWriter sheet(l, ws, formats);
  sheet.WriteHeading(heading);
  sheet.WriteRows();
  sheet.WriteFooter();
  SetLedgerPage(ws);
  SetLedgerProperties(wb, heading, l.plan_id);
  const lxw_error err = workbook_close(wb);
  if (err != LXW_NO_ERROR) return Status::IOError("cannot write " + path + ": " + lxw_strerror(err));
  return Status::Ok();
}

}  // namespace duban::reports

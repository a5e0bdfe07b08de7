#include "duban/reports/ledger_files.h"

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

// One row's cells as text, in LedgerHeaders() order.
std::vector<std::string> Cells(const LedgerRow& r) {
  return {std::to_string(r.task),
          Join(r.section, " / "),
          r.title,
          Join(r.lead_units, "、"),
          Join(r.responsible_units, "、"),
          r.unit,
          r.deadline_text,
          r.due_on,
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

// A cell a spreadsheet would take as a formula (= + - @, or a leading tab or
// CR) is written with a leading apostrophe: progress texts, reporters and
// contacts are a unit's free text, and a CSV opened by the office must not
// run a unit's =HYPERLINK(...) or DDE payload (CSV injection, OWASP).
std::string CsvField(const std::string& raw) {
  const bool formula = !raw.empty() && std::string_view("=+-@\t\r").find(raw[0]) != std::string_view::npos;
  const std::string s = formula ? "'" + raw : raw;
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

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
  std::string out = "\xEF\xBB\xBF";
  auto line = [&out](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i) out += ',';
      out += CsvField(cells[i]);
    }
    out += "\r\n";
  };
  line(LedgerHeaders());
  for (const auto& r : l.rows) line(Cells(r));
  return out;
}

Status WriteLedgerXlsx(const Ledger& l, const std::string& path) {
  lxw_workbook_options options = {};
  options.use_zip64 = LXW_TRUE;  // very large ledgers
  // Each row goes to disk as it is finished, its text inline rather than
  // through a shared-strings table: a 100,000-row ledger is written in about
  // half the time, in constant memory. Cells must then be written in row
  // order, merged ranges included (see the data rows below).
  options.constant_memory = LXW_TRUE;
  lxw_workbook* wb = workbook_new_opt(path.c_str(), &options);
  if (!wb) return Status::IOError("cannot create " + path);
  lxw_worksheet* ws = workbook_add_worksheet(wb, "工作台账");
  const char* kFont = "宋体";

  auto make = [&](bool bold, double size, bool border, bool wrap, uint8_t align) {
    lxw_format* f = workbook_add_format(wb);
    format_set_font_name(f, kFont);
    format_set_font_size(f, size);
    if (bold) format_set_bold(f);
    if (border) format_set_border(f, LXW_BORDER_THIN);
    if (wrap) format_set_text_wrap(f);
    format_set_align(f, align);
    format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
    return f;
  };
  lxw_format* title = make(true, 16, false, false, LXW_ALIGN_CENTER);
  lxw_format* line = make(false, 11, false, false, LXW_ALIGN_LEFT);
  lxw_format* header = make(true, 10, true, true, LXW_ALIGN_CENTER);
  format_set_bg_color(header, 0xD9E1F2);
  lxw_format* text = make(false, 10, true, true, LXW_ALIGN_LEFT);
  lxw_format* center = make(false, 10, true, true, LXW_ALIGN_CENTER);
  // Merged down over many rows (perhaps pages): the text at the top, where the task starts.
  lxw_format* text_top = make(false, 10, true, true, LXW_ALIGN_LEFT);
  format_set_align(text_top, LXW_ALIGN_VERTICAL_TOP);
  lxw_format* center_top = make(false, 10, true, true, LXW_ALIGN_CENTER);
  format_set_align(center_top, LXW_ALIGN_VERTICAL_TOP);
  lxw_format* percent = make(false, 10, true, false, LXW_ALIGN_CENTER);
  format_set_num_format(percent, "0\"%\"");
  auto light_format = [&](uint32_t bg, uint32_t fg) {
    lxw_format* f = make(true, 10, true, true, LXW_ALIGN_CENTER);
    format_set_bg_color(f, bg);
    format_set_font_color(f, fg);
    return f;
  };
  lxw_format* red = light_format(0xFFC7CE, 0x9C0006);
  lxw_format* yellow = light_format(0xFFEB9C, 0x9C5700);
  lxw_format* green = light_format(0xC6EFCE, 0x006100);
  auto state_format = [&](const std::string& light) {
    if (light == "red") return red;
    if (light == "yellow") return yellow;
    if (light == "green" || light == "done") return green;
    return center;
  };

  const std::vector<std::string>& headers = LedgerHeaders();
  const double widths[kColumns] = {5, 14, 34, 14, 14, 14, 12, 10.5, 8, 30, 6, 10, 12, 10.5, 10.5, 6, 11, 7};
  for (int c = 0; c < kColumns; ++c) worksheet_set_column(ws, c, c, widths[c], nullptr);

  const lxw_col_t last = kColumns - 1;
  const std::string heading = LedgerTitle(l.plan_title);
  worksheet_set_row(ws, 0, 30, nullptr);
  worksheet_merge_range(ws, 0, 0, 0, last, heading.c_str(), title);
  const std::string who = "填报单位（盖章）：" + l.unit;
  const std::string when = "填报日期：" + ChineseDate(l.as_of);
  worksheet_set_row(ws, 1, 22, nullptr);
  worksheet_merge_range(ws, 1, 0, 1, kProgress - 1, who.c_str(), line);
  worksheet_merge_range(ws, 1, kProgress, 1, last, when.c_str(), line);
  constexpr lxw_row_t kHeaderRow = 2;
  worksheet_set_row(ws, kHeaderRow, 30, nullptr);
  for (int c = 0; c < kColumns; ++c) worksheet_write_string(ws, kHeaderRow, c, headers[c].c_str(), header);

  const lxw_row_t first = kHeaderRow + 1;
  const lxw_row_t n = static_cast<lxw_row_t>(l.rows.size());
  // Rows of each task (its columns are merged down over them).
  std::vector<int> task_rows(n, 1);
  for (lxw_row_t i = 0, j = 0; i < n; i = j) {
    for (j = i; j < n && l.rows[j].task == l.rows[i].task; ++j) {
    }
    for (lxw_row_t k = i; k < j; ++k) task_rows[k] = static_cast<int>(j - i);
  }
  // Rows of each section's run (its column is merged down over them).
  std::vector<int> section_rows(n, 1);
  for (lxw_row_t i = 0, j = 0; i < n; i = j) {
    for (j = i; j < n && l.rows[j].section == l.rows[i].section; ++j) {
    }
    for (lxw_row_t k = i; k < j; ++k) section_rows[k] = static_cast<int>(j - i);
  }
  auto task_column = [](int c) {
    return c == kTask || c == kTitle || c == kLead || c == kResponsible || c == kDeadline;
  };
  auto starts = [&](lxw_row_t i, auto same) { return i == 0 || !same(l.rows[i - 1], l.rows[i]); };
  auto ends = [&](lxw_row_t i, auto same) { return i + 1 == n || !same(l.rows[i], l.rows[i + 1]); };
  auto same_task = [](const LedgerRow& a, const LedgerRow& b) { return a.task == b.task; };
  auto same_section = [](const LedgerRow& a, const LedgerRow& b) { return a.section == b.section; };
  for (lxw_row_t i = 0; i < n; ++i) {
    const LedgerRow& r = l.rows[i];
    const std::vector<std::string> cells = Cells(r);
    const lxw_row_t row = first + i;
    // Neither Excel nor LibreOffice grows a row for wrapped text written by a
    // program: set the height from the longest cell (the task's merged
    // columns share it out over the task's rows; the section's are left out).
    double lines = 1;
    for (int c = 0; c < kColumns; ++c) {
      if (c == kSection) continue;
      double need = std::ceil(DisplayWidth(cells[c]) / std::max(1.0, widths[c] - 1));
      if (c == kTask || c == kTitle || c == kLead || c == kResponsible || c == kDeadline) need /= task_rows[i];
      lines = std::max(lines, std::ceil(need));
    }
    if (lines > 1) worksheet_set_row(ws, row, std::min(409.0, 13.5 * lines + 2), nullptr);
    for (int c = 0; c < kColumns; ++c) {
      // Merged down (the task's columns over its rows, the section over its
      // run): the value on the run's first row, formatted blanks below it.
      const bool merged = task_column(c) ? task_rows[i] > 1 : c == kSection && section_rows[i] > 1;
      if (merged) {
        lxw_format* f = c == kTask ? center_top : text_top;
        if (!(c == kSection ? starts(i, same_section) : starts(i, same_task)))
          worksheet_write_blank(ws, row, c, f);
        else if (c == kTask)
          worksheet_write_number(ws, row, c, r.task, f);
        else
          worksheet_write_string(ws, row, c, cells[c].c_str(), f);
        continue;
      }
      switch (c) {
        case kTask:
          worksheet_write_number(ws, row, c, r.task, center);
          break;
        case kPercent:
          if (r.percent)
            worksheet_write_number(ws, row, c, *r.percent, percent);
          else
            worksheet_write_blank(ws, row, c, percent);
          break;
        case kOverdue:
          if (r.overdue_working_days)
            worksheet_write_number(ws, row, c, r.overdue_working_days, center);
          else
            worksheet_write_blank(ws, row, c, center);
          break;
        case kState:
        case kLight:
          worksheet_write_string(ws, row, c, cells[c].c_str(), state_format(r.light));
          break;
        case kTitle:
        case kSection:
        case kProgress:
        case kLead:
        case kResponsible:
        case kDeadline:
          worksheet_write_string(ws, row, c, cells[c].c_str(), text);
          break;
        default:
          worksheet_write_string(ws, row, c, cells[c].c_str(), center);
      }
    }
    // A run's merge is declared on its last row, while that is still the row
    // being written: in constant-memory mode libxlsxwriter refuses a range
    // that ends on a row already written out, and the cells it writes on
    // rows before the current one (the value and blanks written above) are
    // dropped, so nothing written is changed.
    if (section_rows[i] > 1 && ends(i, same_section))
      worksheet_merge_range(ws, row - static_cast<lxw_row_t>(section_rows[i] - 1), kSection, row, kSection, "",
                            text_top);
    if (task_rows[i] > 1 && ends(i, same_task))
      for (int c : {kTask, kTitle, kLead, kResponsible, kDeadline})
        worksheet_merge_range(ws, row - static_cast<lxw_row_t>(task_rows[i] - 1), c, row, c, "",
                              c == kTask ? center_top : text_top);
  }
  const lxw_row_t foot = first + n + 1;
  worksheet_merge_range(ws, foot, 0, foot, kProgress - 1, "填报人：", line);
  worksheet_merge_range(ws, foot, kProgress, foot, last, "联系方式（手机）：", line);

  worksheet_freeze_panes(ws, first, 0);
  worksheet_set_landscape(ws);
  worksheet_set_paper(ws, 9);  // A4
  worksheet_set_margins(ws, 0.4, 0.4, 0.6, 0.6);
  worksheet_repeat_rows(ws, 0, kHeaderRow);
  worksheet_fit_to_pages(ws, 1, 0);
  worksheet_set_footer(ws, "&C第 &P 页，共 &N 页");
  lxw_doc_properties props = {};
  std::string title_prop = heading, subject_prop = l.plan_id, comments_prop = "duban report ledger";
  props.title = title_prop.data();  // libxlsxwriter 1.1.4 takes char*; it copies them
  props.subject = subject_prop.data();
  props.comments = comments_prop.data();
  workbook_set_properties(wb, &props);
  const lxw_error err = workbook_close(wb);
  if (err != LXW_NO_ERROR) return Status::IOError("cannot write " + path + ": " + lxw_strerror(err));
  return Status::Ok();
}

}  // namespace duban::reports

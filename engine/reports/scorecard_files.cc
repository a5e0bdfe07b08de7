#include "duban/reports/scorecard_files.h"

#include <xlsxwriter.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "duban/reports/ledger.h"
#include "duban/reports/table_files.h"

namespace duban::reports {

namespace {
std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
}  // namespace

const std::vector<std::string>& ScorecardHeaders() {
  static const std::vector<std::string> kHeaders = {
      "排名",         "单位",         "任务数",       "已办结",   "按时办结", "逾期办结", "当前逾期",   "最高督办等级",
      "进度报送次数", "收到提醒次数", "调度按时报送", "调度迟报", "调度未报", "办结率",   "按时办结率", "得分"};
  return kHeaders;
}

std::string ScorecardJson(const Scorecard& c) {
  using nlohmann::json;
  json units = json::array();
  int rank = 0;
  for (const auto& u : c.units) {
    json line = {{"rank", ++rank}, {"unit", u.unit}};
    for (const UnitMeasure& m : UnitMeasures()) line[m.name] = m.count ? json(u.*m.count) : json(u.*m.rate);
    line["score"] = u.score;
    units.push_back(std::move(line));
  }
  json weights = json::object();
  for (const auto& [m, w] : c.rule.weights) weights[m] = w;
  json doc = {{"plan", c.plan_id},
              {"title", PlanNameOf(c.plan_title) + "考核评分表"},
              {"as_of", c.as_of.ToString()},
              {"rule",
               {{"base", c.rule.base},
                {"weights", weights},
                {"min", c.rule.min},
                {"max", c.rule.max},
                {"source", c.rule.source}}},
              {"units", units}};
  return doc.dump(2) + "\n";
}

namespace {

constexpr lxw_row_t kHeaderRow = 2;
constexpr const char* kSheet = "考核评分";

struct ScorecardFormats {
  lxw_format* title;
  lxw_format* line;
  lxw_format* header;
  lxw_format* text;
  lxw_format* number;
  lxw_format* rate;
  lxw_format* score;
};

ScorecardFormats MakeScorecardFormats(lxw_workbook* wb) {
  auto make = [wb](bool bold, double size, bool border, uint8_t align) {
    lxw_format* f = workbook_add_format(wb);
    format_set_font_name(f, "宋体");
    format_set_font_size(f, size);
    if (bold) format_set_bold(f);
    if (border) format_set_border(f, LXW_BORDER_THIN);
    format_set_text_wrap(f);
    format_set_align(f, align);
    format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
    return f;
  };
  ScorecardFormats f{};
  f.title = make(true, 16, false, LXW_ALIGN_CENTER);
  f.line = make(false, 11, false, LXW_ALIGN_LEFT);
  f.header = make(true, 10, true, LXW_ALIGN_CENTER);
  format_set_bg_color(f.header, 0xD9E1F2);
  f.text = make(false, 10, true, LXW_ALIGN_LEFT);
  f.number = make(false, 10, true, LXW_ALIGN_CENTER);
  f.rate = make(false, 10, true, LXW_ALIGN_CENTER);
  format_set_num_format(f.rate, "0.0%");
  f.score = make(true, 10, true, LXW_ALIGN_CENTER);
  format_set_num_format(f.score, "0.0");
  return f;
}

void WriteScorecardHeading(lxw_worksheet* ws, const Scorecard& c, const ScorecardFormats& f) {
  const std::vector<std::string>& headers = ScorecardHeaders();
  const int cols = static_cast<int>(headers.size());
  const double widths[] = {6, 22, 8, 8, 8, 8, 8, 10, 10, 10, 9, 9, 9, 9, 10, 8};
  static_assert(sizeof widths / sizeof widths[0] == 16);
  for (int i = 0; i < cols; ++i) worksheet_set_column(ws, i, i, widths[i], nullptr);
  const std::string heading = PlanNameOf(c.plan_title) + "考核评分表";
  worksheet_set_row(ws, 0, 30, nullptr);
  worksheet_merge_range(ws, 0, 0, 0, cols - 1, heading.c_str(), f.title);
  const std::string when = "统计截至：" + c.as_of.ToString();
  worksheet_merge_range(ws, 1, 0, 1, cols - 1, when.c_str(), f.line);
  worksheet_set_row(ws, kHeaderRow, 30, nullptr);
  for (int i = 0; i < cols; ++i) worksheet_write_string(ws, kHeaderRow, i, headers[i].c_str(), f.header);
}

// One row per unit, best first; returns the row after the last.
lxw_row_t WriteScorecardRows(lxw_worksheet* ws, const Scorecard& c, const ScorecardFormats& f) {
  lxw_row_t row = kHeaderRow + 1;
  int rank = 0;
  for (const auto& u : c.units) {
    worksheet_write_number(ws, row, 0, ++rank, f.number);
    worksheet_write_string(ws, row, 1, FitXlsxCell(u.unit).c_str(), f.text);
    const double counts[] = {double(u.assignments),      double(u.completed),      double(u.completed_on_time),
                             double(u.completed_late),   double(u.overdue),        double(u.peak_escalation),
                             double(u.progress_reports), double(u.reminders),      double(u.reports_on_time),
                             double(u.reports_late),     double(u.reports_missing)};
    const int n = static_cast<int>(sizeof counts / sizeof counts[0]);
    for (int i = 0; i < n; ++i) worksheet_write_number(ws, row, 2 + i, counts[i], f.number);
    worksheet_write_number(ws, row, 2 + n, u.completion_rate, f.rate);
    worksheet_write_number(ws, row, 3 + n, u.on_time_rate, f.rate);
    worksheet_write_number(ws, row, 4 + n, u.score, f.score);
    ++row;
  }
  return row;
}

// The rule, so the sheet says how it was scored.
void WriteScoringRule(lxw_worksheet* ws, lxw_row_t row, int cols, const workflows::ScorecardRule& r, lxw_format* line) {
  std::string rule = "评分规则（" + r.source + "）：得分 = " + Num(r.base);
  for (const auto& [m, w] : r.weights) rule += (w < 0 ? " - " : " + ") + Num(std::abs(w)) + " × " + m;
  rule += "，取值 " + Num(r.min) + "～" + Num(r.max);
  worksheet_merge_range(ws, row, 0, row, cols - 1, rule.c_str(), line);
  worksheet_set_row(ws, row, 32, nullptr);
}

// A bar per unit, best at the top, placed at `at`.
void InsertScoreChart(lxw_workbook* wb, lxw_worksheet* ws, const Scorecard& c, int cols, lxw_row_t last, lxw_row_t at) {
  lxw_chart* chart = workbook_add_chart(wb, LXW_CHART_BAR);
  lxw_chart_series* s = chart_add_series(chart, nullptr, nullptr);
  chart_series_set_categories(s, kSheet, kHeaderRow + 1, 1, last, 1);
  chart_series_set_values(s, kSheet, kHeaderRow + 1, cols - 1, last, cols - 1);
  chart_series_set_name(s, "得分");
  lxw_chart_font font = {};
  font.name = const_cast<char*>("宋体");
  chart_title_set_name(chart, "各单位得分");
  chart_title_set_name_font(chart, &font);
  chart_axis_set_num_font(chart->x_axis, &font);
  lxw_chart_font small = font;
  small.size = 8;
  chart_axis_set_num_font(chart->y_axis, &small);
  chart_axis_set_reverse(chart->y_axis);           // best first, at the top (a bar chart: y is the units)
  chart_axis_set_interval_unit(chart->y_axis, 1);  // every unit named
  chart_axis_set_min(chart->x_axis, c.rule.min);
  chart_axis_set_max(chart->x_axis, c.rule.max);
  chart_legend_set_position(chart, LXW_CHART_LEGEND_NONE);
  lxw_chart_options opt = {};
  opt.x_scale = 1.6;
  opt.y_scale = std::max(1.0, 24.0 * static_cast<double>(c.units.size()) / 288.0);  // ~24 px a bar
  worksheet_insert_chart_opt(ws, at, 1, chart, &opt);
}

}  // namespace

Status WriteScorecardXlsx(const Scorecard& c, const std::string& path) {
  lxw_workbook* wb = workbook_new(path.c_str());
  if (!wb) return Status::IOError("cannot create " + path);
  lxw_worksheet* ws = workbook_add_worksheet(wb, kSheet);
  const ScorecardFormats f = MakeScorecardFormats(wb);
  const int cols = static_cast<int>(ScorecardHeaders().size());
  WriteScorecardHeading(ws, c, f);
  const lxw_row_t row = WriteScorecardRows(ws, c, f);
  WriteScoringRule(ws, row + 1, cols, c.rule, f.line);
  if (!c.units.empty()) InsertScoreChart(wb, ws, c, cols, row - 1, row + 3);
  worksheet_freeze_panes(ws, kHeaderRow + 1, 0);
  worksheet_set_landscape(ws);
  worksheet_set_paper(ws, 9);
  worksheet_repeat_rows(ws, 0, kHeaderRow);
  worksheet_fit_to_pages(ws, 1, 0);
  worksheet_set_footer(ws, "&C第 &P 页，共 &N 页");
  const lxw_error err = workbook_close(wb);
  if (err != LXW_NO_ERROR) return Status::IOError("cannot write " + path + ": " + lxw_strerror(err));
  return Status::Ok();
}

}  // namespace duban::reports

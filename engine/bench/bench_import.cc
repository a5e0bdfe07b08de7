// `duban-bench import [TASKS]`: generates a plan of TASKS numbered tasks
// (default 5,000) in the text-export layout of the samples — two section
// levels, lead and responsible unit columns, deadlines, merged cells, units
// over several lines — parses it with the shipped chengzihe directory and
// reports the time. The same plan is then written as a Word file (a real
// table: section rows spanning it, units merged down with vMerge, cells of
// several paragraphs), zipped, and imported from its bytes. Ends with
// `tasks=N seconds=X.XXX docx_seconds=Y.YYY`. Target: each under 2 s.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_registry.h"
#include "duban/plan_import/plan_parser.h"
#include "duban/zip_write.h"

namespace duban::bench {

namespace {

const char* kCn[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};

std::string CnNumber(int n) {  // 1..99
  if (n <= 10) return n == 10 ? "十" : kCn[n - 1];
  if (n < 20) return std::string("十") + kCn[n - 11];
  return std::string(kCn[n / 10 - 1]) + "十" + (n % 10 ? kCn[n % 10 - 1] : "");
}

std::string GeneratePlan(int tasks) {
  static const char* kLead[] = {"区政府办公室", "区发改局", "区财政局", "区司法局", "区卫生健康局"};
  static const char* kDeadline[] = {"2021年\n12月底前", "全年", "2021年\n6月30日前", "10月底前"};
  std::string s = "\t城子河区2021年政务公开工作台账\n\t工作任务\n\t牵头单位\n\t责任单位\n\t时限要求\n\n";
  int section = 0, sub = 0;
  for (int n = 1; n <= tasks; ++n) {
    std::string s1, s2;
    if ((n - 1) % 250 == 0) {
      ++section;
      s1 = CnNumber(section % 99 + 1) + "、第" + std::to_string(section) + "部分重点工作";
    }
    if ((n - 1) % 10 == 0) {
      ++sub;
      s2 = "（" + CnNumber(sub % 99 + 1) + "）做好第" + std::to_string(sub) + "项工作";
    }
    const bool merged = n % 3 == 0 && (n - 1) % 10 != 0;  // merged unit/deadline cells, never opening a section
    s += "\t" + s1 + "\n\t" + s2 + "\n\t" + std::to_string(n) +
         ".在政府门户网站政府信息公开专栏主动公开本地各类规划信息，做好历史规划的归集整理和主动公开工作，"
         "加强数据互联互通，全面展示定位准确、边界清晰的规划体系。\n";
    if (merged) {
      s += "\t\n\t\n\t\n\n";
    } else {
      s += std::string("\t") + kLead[n % 5] + "\n区发改局\n\t区政府各部门和单位\n各乡、各街道办事处\n\t" +
           kDeadline[n % 4] + "\n\n";
    }
  }
  return s;
}

// The generated plan's table as word/document.xml.
std::string GenerateDocumentXml(int tasks) {
  static const char* kLead[] = {"区政府办公室", "区发改局", "区财政局", "区司法局", "区卫生健康局"};
  static const char* kDeadline[] = {"2021年</w:t></w:r></w:p><w:p><w:r><w:t>12月底前", "全年",
                                    "2021年</w:t></w:r></w:p><w:p><w:r><w:t>6月30日前", "10月底前"};
  auto cell = [](const std::string& inner, const std::string& props = "") {
    return "<w:tc><w:tcPr>" + props + "</w:tcPr><w:p><w:r><w:t>" + inner + "</w:t></w:r></w:p></w:tc>";
  };
  std::string s =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document "
      "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>"
      "<w:p><w:r><w:t>城子河区2021年政务公开工作台账</w:t></w:r></w:p><w:tbl><w:tr>" +
      cell("工作任务") + cell("牵头单位") + cell("责任单位") + cell("时限要求") + "</w:tr>";
  int section = 0, sub = 0;
  for (int n = 1; n <= tasks; ++n) {
    if ((n - 1) % 250 == 0) {
      ++section;
      s += "<w:tr>" +
           cell(CnNumber(section % 99 + 1) + "、第" + std::to_string(section) + "部分重点工作",
                "<w:gridSpan w:val=\"4\"/>") +
           "</w:tr>";
    }
    if ((n - 1) % 10 == 0) {
      ++sub;
      s += "<w:tr>" +
           cell("（" + CnNumber(sub % 99 + 1) + "）做好第" + std::to_string(sub) + "项工作",
                "<w:gridSpan w:val=\"4\"/>") +
           "</w:tr>";
    }
    const bool merged = n % 3 == 0 && (n - 1) % 10 != 0;
    s += "<w:tr>" +
         cell(std::to_string(n) +
              ".在政府门户网站政府信息公开专栏主动公开本地各类规划信息，做好历史规划的归集整理和主动公开工作，"
              "加强数据互联互通，全面展示定位准确、边界清晰的规划体系。");
    if (merged) {
      const std::string cont = "<w:vMerge/>";
      s += cell("", cont) + cell("", cont) + cell("", cont);
    } else {
      const std::string restart = "<w:vMerge w:val=\"restart\"/>";
      s += cell(std::string(kLead[n % 5]) + "</w:t></w:r></w:p><w:p><w:r><w:t>区发改局", restart) +
           cell("区政府各部门和单位</w:t></w:r></w:p><w:p><w:r><w:t>各乡、各街道办事处", restart) +
           cell(kDeadline[n % 4], restart);
    }
    s += "</w:tr>";
  }
  s += "</w:tbl><w:sectPr/></w:body></w:document>";
  return s;
}

int Main(int argc, char** argv) {
  int tasks = 5000;
  CLI::App app{"duban-bench import: parse a generated plan of TASKS tasks"};
  app.add_option("tasks", tasks, "tasks in the plan")->check(CLI::Range(1, 1'000'000'000))->capture_default_str();
  if (const std::optional<int> exit_code = ParseBenchOptions(app, argc, argv)) return *exit_code;
  using namespace duban::plan_import;
  const std::string plan = GeneratePlan(tasks);
  auto dir = UnitDirectory::ChooseEmbedded(plan);
  const UnitDirectory directory = dir ? *dir : UnitDirectory();
  ParseOptions opts;
  const auto t0 = std::chrono::steady_clock::now();
  const ParsedPlan parsed = ParsePlan(plan, directory, opts);
  const auto t1 = std::chrono::steady_clock::now();
  const std::string json = ParsedPlanToJson(parsed);
  const auto t2 = std::chrono::steady_clock::now();
  const double parse_s = std::chrono::duration<double>(t1 - t0).count();
  const double json_s = std::chrono::duration<double>(t2 - t1).count();
  size_t due = 0;
  for (const auto& t : parsed.tasks) due += t.deadline.due_on.has_value();
  std::printf("input: %zu bytes, %d tasks generated, directory %s\n", plan.size(), tasks, directory.id().c_str());
  std::printf("parsed: %zu tasks, %zu with a due date, %zu problems\n", parsed.tasks.size(), due,
              parsed.problems.size());
  for (size_t k = 0; k < parsed.problems.size() && k < 3; ++k)
    std::printf("  problem: line %d: %s\n", parsed.problems[k].line, parsed.problems[k].message.c_str());
  std::printf("parse: %.3f s (%.0f tasks/s), json: %.3f s (%zu bytes)\n", parse_s,
              parse_s > 0 ? parsed.tasks.size() / parse_s : 0.0, json_s, json.size());

  auto docx = ZipBytes({{"[Content_Types].xml", "<Types/>"}, {"word/document.xml", GenerateDocumentXml(tasks)}});
  if (!docx.ok()) {
    std::fprintf(stderr, "duban-bench import: %s\n", docx.status().message().c_str());
    return 1;
  }
  const auto t3 = std::chrono::steady_clock::now();
  const ParsedPlan from_docx = ParsePlan(docx.value(), directory, opts);
  const auto t4 = std::chrono::steady_clock::now();
  const double docx_s = std::chrono::duration<double>(t4 - t3).count();
  size_t same = 0;
  for (size_t k = 0; k < parsed.tasks.size() && k < from_docx.tasks.size(); ++k) {
    const auto& a = parsed.tasks[k];
    const auto& b = from_docx.tasks[k];
    same += a.number == b.number && a.content == b.content && a.section == b.section && a.lead_units == b.lead_units &&
            a.responsible_units == b.responsible_units && a.deadline.text == b.deadline.text;
  }
  std::printf("docx: %zu bytes zipped, %zu tasks, %zu the same as the text export's, %.3f s (%.0f tasks/s)\n",
              docx.value().size(), from_docx.tasks.size(), same, docx_s,
              docx_s > 0 ? from_docx.tasks.size() / docx_s : 0.0);
  std::printf("tasks=%zu seconds=%.3f docx_seconds=%.3f\n", parsed.tasks.size(), parse_s, docx_s);
  return parsed.tasks.size() == static_cast<size_t>(tasks) && same == parsed.tasks.size() ? 0 : 1;
}

}  // namespace

DUBAN_REGISTER_BENCH("import", "parse a generated 5,000-task plan (text export layout, then as .docx)", Main);

}  // namespace duban::bench

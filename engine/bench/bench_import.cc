// `duban-bench import [TASKS]`: generates a plan of TASKS numbered tasks
// (default 5,000) in the text-export layout of the samples — two section
// levels, lead and responsible unit columns, deadlines, merged cells, units
// over several lines — parses it with the shipped chengzihe directory and
// reports the time. Ends with `tasks=N seconds=X.XXX`. Target: under 2 s.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench_registry.h"
#include "duban/plan_import/plan_parser.h"

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
  std::printf("tasks=%zu seconds=%.3f\n", parsed.tasks.size(), parse_s);
  return parsed.tasks.size() == static_cast<size_t>(tasks) ? 0 : 1;
}

}  // namespace

DUBAN_REGISTER_BENCH("import", "parse a generated 5,000-task plan (text export layout)", Main);

}  // namespace duban::bench

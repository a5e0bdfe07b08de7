// duban-crash-load: a deterministic command load for the crash test. Command
// i (id "c<i>") always decides to exactly one event (a progress report, or
// every 997th an auditor's write, which is rejected and logged), so the test
// can check that each acknowledged command is in the log exactly once.
// Prints "ack <i>" after the batch holding command i is committed. With
// --hold-at H it acknowledges nothing past command H: before the batch that
// would cross H it prints "hold" and waits to be killed, so the test can kill
// it at a chosen point of the load however fast the machine is.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "duban/engine.h"

using namespace duban;

namespace {
constexpr int kTasks = 200;
constexpr int kUnits = 5;
const char* kPlan = "crash-plan";

std::string Unit(int u) { return "单位" + std::to_string(u); }

schemas::Command Base(const std::string& id, schemas::Role role, const std::string& actor, Instant at) {
  schemas::Command c;
  c.command_id = id;
  c.plan_id = kPlan;
  c.actor = schemas::Actor{actor, role, actor};
  c.issued_at = at;
  return c;
}
}  // namespace

schemas::Command LoadCommand(uint64_t i) {
  const int a = static_cast<int>(i % (kTasks * kUnits));
  const int task = a / kUnits + 1;
  const std::string unit = Unit(a % kUnits);
  const Instant at = 1'600'000'000'000LL + static_cast<Instant>(i) * 1000;
  if (i % 997 == 0) {
    auto c = Base("c" + std::to_string(i), schemas::Role::kAuditor, "auditor", at);
    c.body = schemas::Accept{task, unit};
    return c;
  }
  auto c = Base("c" + std::to_string(i), schemas::Role::kUnit, unit, at);
  c.body = schemas::ReportProgress{task, unit, static_cast<int32_t>(i % 101), "r" + std::to_string(i), "", "", ""};
  return c;
}

int main(int argc, char** argv) {
  std::string data;
  uint64_t start = 0, end = 100000, batch = 64, hold_at = UINT64_MAX;
  for (int k = 1; k + 1 < argc; k += 2) {
    if (!std::strcmp(argv[k], "--data"))
      data = argv[k + 1];
    else if (!std::strcmp(argv[k], "--start"))
      start = std::strtoull(argv[k + 1], nullptr, 10);
    else if (!std::strcmp(argv[k], "--end"))
      end = std::strtoull(argv[k + 1], nullptr, 10);
    else if (!std::strcmp(argv[k], "--batch"))
      batch = std::strtoull(argv[k + 1], nullptr, 10);
    else if (!std::strcmp(argv[k], "--hold-at"))
      hold_at = std::strtoull(argv[k + 1], nullptr, 10);
  }
  if (data.empty()) {
    std::fprintf(stderr, "usage: duban-crash-load --data DIR [--start I] [--end N] [--batch B] [--hold-at H]\n");
    return 2;
  }
  EngineOptions o;
  o.data_dir = data;
  auto engine = Engine::Open(o);
  if (!engine.ok()) {
    std::fprintf(stderr, "open: %s\n", engine.status().ToString().c_str());
    return 1;
  }
  Engine& e = **engine;
  // Setup (idempotent by its fixed command ids).
  {
    std::vector<schemas::Command> setup;
    auto imp = Base("setup-import", schemas::Role::kSupervisor, "office", 1'500'000'000'000LL);
    schemas::ImportPlan p;
    p.plan.title = "crash test plan";
    p.plan.year = 2020;
    for (int u = 0; u < kUnits; ++u) p.plan.units.push_back(Unit(u));
    for (int t = 1; t <= kTasks; ++t) {
      schemas::ImportTask task;
      task.number = t;
      task.title = "任务" + std::to_string(t);
      task.deadline.due_on = "2027-12-31";  // after every load command (2020), within ten years of the import (2017)
      for (int u = 0; u < kUnits; ++u) task.responsible_units.push_back(Unit(u));
      p.tasks.push_back(std::move(task));
    }
    imp.body = p;
    setup.push_back(std::move(imp));
    for (int t = 1; t <= kTasks; ++t)
      for (int u = 0; u < kUnits; ++u) {
        auto c = Base("setup-accept-" + std::to_string(t) + "-" + std::to_string(u), schemas::Role::kUnit, Unit(u),
                      1'500'000'000'000LL);
        c.body = schemas::Accept{t, Unit(u)};
        setup.push_back(std::move(c));
      }
    for (const auto& out : e.SubmitBatch(setup))
      if (!out.status.ok()) {
        std::fprintf(stderr, "setup: %s\n", out.status.ToString().c_str());
        return 1;
      }
  }
  std::printf("ready\n");
  std::fflush(stdout);
  for (uint64_t i = start; i < end; i += batch) {
    if (std::min(end, i + batch) - 1 > hold_at) {
      std::printf("hold\n");
      std::fflush(stdout);
      for (;;) pause();  // until the test's SIGKILL
    }
    std::vector<schemas::Command> cmds;
    for (uint64_t j = i; j < std::min(end, i + batch); ++j) cmds.push_back(LoadCommand(j));
    for (const auto& out : e.SubmitBatch(cmds)) {
      const bool expected = out.status.ok() || out.status.code() == Status::Code::kRejected;
      if (!expected || (out.status.ok() && out.events.size() != 1 && !out.duplicate)) {
        std::fprintf(stderr, "unexpected outcome for %s: %s\n", out.command_id.c_str(), out.status.ToString().c_str());
        return 1;
      }
    }
    std::printf("ack %llu\n", static_cast<unsigned long long>(std::min(end, i + batch) - 1));
    std::fflush(stdout);
  }
  std::printf("done\n");
  return 0;
}

#include "bench_kafka_load.h"

#include "duban/kafka/producer.h"

#include "duban/kafka/kafka_engine.h"

namespace duban::bench {
namespace {

std::string Unit(int u) { return "单位" + std::to_string(u); }

}  // namespace

E2eLoad BuildE2eLoad(int messages, int size, int partitions) {
  const int plans = partitions * 8, tasks = 5, units = 2;
  E2eLoad load;
  auto& records = load.records;
  uint64_t& expected_events = load.expected_events;
  Instant& now = load.now;
  uint64_t seq = 0;
  auto base_cmd = [&](int plan, schemas::Role role, const std::string& actor) {
    schemas::Command c;
    c.command_id = "e2e-" + std::to_string(seq++);
    c.plan_id = "plan-" + std::to_string(plan);
    c.actor = schemas::Actor{actor, role, actor};
    c.issued_at = now++;
    return c;
  };
  auto add = [&](const schemas::Command& c) { records.emplace_back(c.plan_id, kafka::CommandRecord(c)); };
  for (int pl = 0; pl < plans && static_cast<int>(records.size()) < messages; ++pl) {
    auto c = base_cmd(pl, schemas::Role::kSupervisor, "office");
    schemas::ImportPlan imp;
    imp.plan.title = "基准台账" + std::to_string(pl);
    imp.plan.year = 2021;
    for (int u = 0; u < units; ++u) imp.plan.units.push_back(Unit(u));
    for (int t = 1; t <= tasks; ++t) {
      schemas::ImportTask task;
      task.number = t;
      task.title = task.content = "第" + std::to_string(t) + "项";
      task.deadline.text = "10月底前";
      task.deadline.due_on = "2021-10-31";
      task.lead_units.push_back(Unit(0));
      task.responsible_units.push_back(Unit(1));
      imp.tasks.push_back(std::move(task));
    }
    c.body = std::move(imp);
    add(c);
    expected_events += 1 + tasks + tasks * units;
  }
  for (int pl = 0; pl < plans; ++pl)
    for (int t = 1; t <= tasks; ++t)
      for (int u = 0; u < units && static_cast<int>(records.size()) < messages; ++u) {
        auto c = base_cmd(pl, schemas::Role::kUnit, Unit(u));
        c.body = schemas::Accept{t, Unit(u)};
        add(c);
        ++expected_events;
      }
  std::string text;
  {
    auto c = base_cmd(0, schemas::Role::kUnit, Unit(0));
    c.body = schemas::ReportProgress{1, Unit(0), 50, "", "", "", ""};
    const size_t bare = kafka::CommandRecord(c).size();
    if (bare < static_cast<size_t>(size)) text.assign(size - bare, 'x');
    --seq;
  }
  const int assignments = plans * tasks * units;
  for (uint64_t i = 0; static_cast<int>(records.size()) < messages; ++i) {
    const int idx = static_cast<int>(i % assignments);
    const int pl = idx / (tasks * units), t = idx / units % tasks + 1, u = idx % units;
    auto c = base_cmd(pl, schemas::Role::kUnit, Unit(u));
    c.body = schemas::ReportProgress{t, Unit(u), static_cast<int32_t>(i % 101), text, "", "", ""};
    add(c);
    ++expected_events;
  }

  return load;
}

schemas::Command WarmupCommand(const std::string& id, Instant issued_at, const std::string& plan) {
  schemas::Command c;
  c.command_id = id;
  c.plan_id = plan;
  c.actor = schemas::Actor{"office", schemas::Role::kSupervisor, "office"};
  c.issued_at = issued_at;
  c.body = schemas::Accept{1, "nobody"};
  return c;
}

std::string WarmupPlanOn(int32_t partition, int32_t partitions) {
  for (int i = 0;; ++i) {
    std::string plan = "warmup-" + std::to_string(i);
    if (kafka::PartitionForKey(plan, partitions) == partition) return plan;
  }
}

void DistinctEvents::Add(std::string_view id) {
  IdBits b;
  bool hex = id.size() == 32;
  for (size_t i = 0; hex && i < 32; ++i) {
    const char c = id[i];
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) hex = false;
    uint64_t& half = i < 16 ? b.hi : b.lo;
    half = half << 4 | static_cast<uint64_t>(d);
  }
  if (hex)
    bits_.insert(b);
  else
    other_.emplace(id);
}

}  // namespace duban::bench

// Kafka-mode commands of the `duban` binary:
//   duban engine         the engine as a member of a consumer group on duban.commands
//   duban project        the read model: apply duban.events (all partitions) to --data
//   duban submit-kafka   send one command through duban.commands and wait for its outcome
//   duban decode         print framed events read from stdin (kcat -f '%R%s' output)
#include <signal.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli_common.h"
#include "cli_registry.h"
#include "plan_commands.h"
#include "duban/coding.h"
#include "duban/core/workflow_timer_policy.h"
#include "duban/kafka/kafka_engine.h"
#include "duban/plan_import/plan_parser.h"
#include "duban/plan_import/unit_directory.h"
#include "duban/process_memory.h"
#include "duban/schemas/codec.h"
#include "duban/terminal_text.h"

namespace duban::cli {
namespace {

std::atomic<bool> g_stop{false};
void OnStop(int) { g_stop.store(true); }

struct KafkaArgs {
  std::string bootstrap;
  std::string group = "duban-engine";
  double tick_interval_s = 60;  // engine: how often owned partitions fire due timers
  size_t max_batch_events = kafka::KafkaEngineOptions{}.max_batch_events;  // engine: a group commit's weight
  std::string commands_topic = "duban.commands";
  std::string events_topic = "duban.events";
  int session_timeout_ms = 6000;
  std::string transactions = "auto";  // engine: auto | on | off
  std::string hold_file;              // engine: test hook (hidden option)
  double status_interval_s = 30;      // engine: lag report interval (0 = never)
  std::string metrics_file;           // engine: Prometheus text file, rewritten each interval
  bool follow = false;
  // submit-kafka
  std::string plan, unit, text, command_id, kind = "accept", at, file;
  int task = 0, percent = 0, timeout_ms = 30000;
  // decode
  bool raw = false;
};

kafka::KafkaConfig ConfigOf(const KafkaArgs& a) {
  kafka::KafkaConfig cfg;
  cfg.bootstrap = a.bootstrap;
  cfg.commands_topic = a.commands_topic;
  cfg.events_topic = a.events_topic;
  cfg.session_timeout_ms = a.session_timeout_ms;
  return cfg;
}

std::shared_ptr<TimerPolicy> Policy() {
  static const auto policy = WorkflowTimerPolicy::Default();
  return policy.ok() ? std::shared_ptr<TimerPolicy>(*policy) : DefaultTimerPolicy();
}

// The lag line on stderr and, if asked, the Prometheus text file (written
// whole to a temporary name, then renamed: a scraper never reads half).
void ReportLag(const KafkaArgs& a, const std::vector<kafka::PartitionLag>& lag) {
  std::string line = "duban engine: lag";
  int64_t total = 0;
  for (const auto& l : lag) {
    line += " p" + std::to_string(l.partition) + "=" + (l.lag < 0 ? std::string("?") : std::to_string(l.lag));
    total += std::max<int64_t>(l.lag, 0);
  }
  if (lag.empty()) line += " (no partition owned)";
  std::fprintf(stderr, "%s total=%lld\n", line.c_str(), static_cast<long long>(total));
  if (a.metrics_file.empty()) return;
  std::ostringstream m;
  m << "# HELP duban_engine_owned_partitions Partitions of " << a.commands_topic << " this engine owns.\n"
    << "# TYPE duban_engine_owned_partitions gauge\n"
    << "duban_engine_owned_partitions{group=\"" << a.group << "\"} " << lag.size() << "\n"
    << "# HELP duban_engine_consumer_lag Commands in the partition not decided yet (-1: end not fetched yet).\n"
    << "# TYPE duban_engine_consumer_lag gauge\n";
  for (const auto& l : lag)
    m << "duban_engine_consumer_lag{group=\"" << a.group << "\",partition=\"" << l.partition << "\"} " << l.lag << "\n";
  m << "# HELP duban_engine_next_offset Next command offset to decide.\n"
    << "# TYPE duban_engine_next_offset gauge\n";
  for (const auto& l : lag)
    m << "duban_engine_next_offset{group=\"" << a.group << "\",partition=\"" << l.partition << "\"} " << l.next << "\n";
  m << "# HELP duban_engine_end_offset End offset of the partition as last fetched.\n"
    << "# TYPE duban_engine_end_offset gauge\n";
  for (const auto& l : lag)
    m << "duban_engine_end_offset{group=\"" << a.group << "\",partition=\"" << l.partition << "\"} " << l.end << "\n";
  const std::string tmp = a.metrics_file + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << m.str();
    if (!f) {
      std::fprintf(stderr, "duban engine: cannot write %s\n", tmp.c_str());
      return;
    }
  }
  if (std::rename(tmp.c_str(), a.metrics_file.c_str()) != 0)
    std::fprintf(stderr, "duban engine: cannot rename %s to %s\n", tmp.c_str(), a.metrics_file.c_str());
}

int RunEngine(const KafkaArgs& a, Globals& g) {
  KeepFreedMemoryForReuse();  // a long-running process: see process_memory.h
  signal(SIGTERM, OnStop);
  signal(SIGINT, OnStop);
  kafka::KafkaEngineOptions o;
  o.kafka = ConfigOf(a);
  o.kafka.client_id = "duban-engine";
  o.data_dir = g.data_dir;
  o.block_cache_mb = g.block_cache_mb;
  o.group = a.group;
  o.timers = Policy();
  o.clock = SystemClock();  // the engine, not the sender, says when a command was taken
  o.time_rules = CliTimeRules(g);
  o.tick_interval_ms = static_cast<int64_t>(a.tick_interval_s * 1000);
  o.transactions = a.transactions == "on"    ? kafka::Transactions::kOn
                   : a.transactions == "off" ? kafka::Transactions::kOff
                                             : kafka::Transactions::kAuto;
  o.hold_file = a.hold_file;
  o.max_batch_events = a.max_batch_events;
  o.status_interval_ms = static_cast<int64_t>(a.status_interval_s * 1000);
  o.on_status = [&a](const std::vector<kafka::PartitionLag>& lag) { ReportLag(a, lag); };
  auto engine = kafka::KafkaEngine::Create(o);
  if (!engine.ok()) {
    std::fprintf(stderr, "duban engine: %s\n", engine.status().ToString().c_str());
    return kExitRejected;
  }
  std::fprintf(stderr, "duban engine: group %s on %s, data %s, transactions %s\n", a.group.c_str(),
               a.commands_topic.c_str(), g.data_dir.c_str(), (*engine)->stats().transactional ? "on" : "off");
  Status st = (*engine)->Run(g_stop);
  auto s = (*engine)->stats();
  std::printf(
      "commands=%llu undecodable=%llu produced=%llu reproduced=%llu restored=%llu ticks=%llu "
      "timer_events=%llu\n",
      (unsigned long long)s.commands, (unsigned long long)s.undecodable, (unsigned long long)s.produced,
      (unsigned long long)s.reproduced, (unsigned long long)s.restored, (unsigned long long)s.ticks,
      (unsigned long long)s.timer_events);
  std::printf("transactional=%d transactions=%llu aborted=%llu rebuilt=%llu\n", s.transactional ? 1 : 0,
              (unsigned long long)s.transactions, (unsigned long long)s.aborted, (unsigned long long)s.rebuilt);
  std::printf("polls=%llu batches=%llu fetch_s=%.2f decide_wait_s=%.2f delivery_wait_s=%.2f decide_s=%.2f\n",
              (unsigned long long)s.polls, (unsigned long long)s.batches, s.fetch_seconds, s.decide_wait_seconds,
              s.delivery_wait_seconds, s.decide_seconds);
  if (st.code() == Status::Code::kConflict) {
    // Fenced: another engine owns the partition. Restarting would only
    // rejoin the group as a new member (which is safe: it fences nobody
    // who owns a partition), so exit with a code of its own.
    std::fprintf(stderr, "duban engine: stepping down: %s\n", st.message().c_str());
    return kExitConflict;
  }
  if (!st.ok()) {
    std::fprintf(stderr, "duban engine: %s\n", st.ToString().c_str());
    return kExitRejected;
  }
  return kExitOk;
}

int RunProject(const KafkaArgs& a, Globals& g) {
  signal(SIGTERM, OnStop);
  signal(SIGINT, OnStop);
  auto store = OpenEngine(g);
  if (!store) return g.exit_code ? g.exit_code : kExitRejected;
  auto r = kafka::ProjectEvents(ConfigOf(a), *store, a.follow, &g_stop);
  if (!r.ok()) {
    std::fprintf(stderr, "duban project: %s\n", r.status().ToString().c_str());
    return kExitRejected;
  }
  std::printf("records=%llu appended=%llu duplicates=%llu forks=%llu undecodable=%llu\n",
              (unsigned long long)r->records, (unsigned long long)r->appended, (unsigned long long)r->duplicates,
              (unsigned long long)r->forks, (unsigned long long)r->undecodable);
  return kExitOk;
}

// The ImportPlan command for a plan file, as `duban plan import` builds it
// (embedded unit directory chosen from the text; unknown units accepted).
std::optional<schemas::Command> ImportCommand(const KafkaArgs& a, Globals& g) {
  auto read = ReadPlanFile(a.file);
  if (!read.ok()) {
    std::fprintf(stderr, "duban submit-kafka: %s\n", read.status().message().c_str());
    g.exit_code = kExitUsage;
    return std::nullopt;
  }
  const std::string bytes = std::move(read).value();
  plan_import::UnitDirectory dir;
  if (auto chosen = plan_import::UnitDirectory::ChooseEmbedded(bytes)) dir = *chosen;
  const plan_import::ParsedPlan parsed = plan_import::ParsePlan(bytes, dir, plan_import::ParseOptions{});
  // As `duban plan import` refuses it (this path has no --year: import such a plan with that).
  if (auto doubt = plan_import::YearInDoubtOn(parsed, DayOf(*IssuedAt(g, "")))) {
    std::fprintf(stderr, "duban submit-kafka: %s (import it with `duban plan import --year`)\n",
                 doubt->message.c_str());
    g.exit_code = kExitUsage;
    return std::nullopt;
  }
  if (auto impossible = plan_import::ImpossibleDeadline(parsed)) {
    std::fprintf(stderr, "duban submit-kafka: line %d: %s\n", impossible->line,
                 ForTerminal(impossible->message).c_str());
    g.exit_code = kExitUsage;
    return std::nullopt;
  }
  if (auto unplaced = plan_import::RowsNotImported(parsed)) {
    std::fprintf(stderr, "duban submit-kafka: %s\n", ForTerminal(unplaced->message).c_str());
    g.exit_code = kExitUsage;
    return std::nullopt;
  }
  ImportRequest req;
  req.plan_id = a.plan.empty() ? PlanIdFromPath(a.file) : a.plan;
  req.source_bytes = bytes;
  req.accept_unknown_units = true;
  req.directory = &dir;
  auto cmd = MakeCommand(g, req.plan_id, schemas::Role::kSupervisor, "office", "", a.at, BuildImportPlan(parsed, req));
  if (cmd && a.command_id.empty())
    cmd->command_id = DerivedImportId(*cmd);
  else if (cmd)
    cmd->command_id = a.command_id;
  return cmd;
}

int RunSubmit(const KafkaArgs& a, Globals& g) {
  std::optional<schemas::Command> cmd;
  if (a.kind == "import") {
    cmd = ImportCommand(a, g);
    if (!cmd) return g.exit_code ? g.exit_code : kExitUsage;
    auto out = kafka::SubmitViaKafka(ConfigOf(a), *cmd, a.timeout_ms);
    if (!out.ok()) {
      Fail(g, out.status());
      return g.exit_code;
    }
    PrintOutcome(g, *out);
    return g.exit_code;
  }
  if (a.plan.empty() || a.unit.empty() || a.task <= 0) {
    std::fprintf(stderr, "duban submit-kafka: --plan, --task and --unit are required for --kind %s\n", a.kind.c_str());
    return kExitUsage;
  }
  schemas::CommandBody body;
  if (a.kind == "accept")
    body = schemas::Accept{a.task, a.unit};
  else if (a.kind == "progress")
    body = schemas::ReportProgress{a.task, a.unit, a.percent, a.text, "", "", ""};
  else if (a.kind == "submit")
    body = schemas::Submit{a.task, a.unit, a.text, ""};
  else if (a.kind == "approve")
    body = schemas::Approve{a.task, a.unit, a.text};
  else if (a.kind == "reject")
    body = schemas::Reject{a.task, a.unit, a.text};
  else {
    std::fprintf(stderr, "duban submit-kafka: unknown --kind %s\n", a.kind.c_str());
    return kExitUsage;
  }
  const bool unit_acts = a.kind == "accept" || a.kind == "progress" || a.kind == "submit";
  cmd = MakeCommand(g, a.plan, unit_acts ? schemas::Role::kUnit : schemas::Role::kSupervisor,
                    unit_acts ? a.unit : "office", a.command_id, a.at, std::move(body));
  if (!cmd) return g.exit_code ? g.exit_code : kExitUsage;
  auto out = kafka::SubmitViaKafka(ConfigOf(a), *cmd, a.timeout_ms);
  if (!out.ok()) {
    Fail(g, out.status());
    return g.exit_code;
  }
  PrintOutcome(g, *out);
  return g.exit_code;
}

// Reads kcat's '%R%s' output (4-byte big-endian length, then the value) or,
// with --raw, frames back to back; prints one line (or JSON object) per event.
int RunDecode(const KafkaArgs& a, Globals& g) {
  std::string in((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  size_t pos = 0, n = 0, bad = 0;
  while (pos < in.size()) {
    std::string_view record;
    if (a.raw) {
      record = std::string_view(in).substr(pos);
    } else {
      if (in.size() - pos < 4) {
        std::fprintf(stderr, "duban decode: %zu trailing bytes\n", in.size() - pos);
        ++bad;
        break;
      }
      const uint32_t len = DecodeFixed32BE(in.data() + pos);
      if (len > in.size() - pos - 4) {
        std::fprintf(stderr, "duban decode: record at byte %zu claims %u bytes, %zu left\n", pos, len,
                     in.size() - pos - 4);
        ++bad;
        break;
      }
      record = std::string_view(in).substr(pos + 4, len);
      pos += 4 + len;
    }
    std::string_view payload;
    size_t consumed = 0;
    Status st = UnframeRecord(record, &payload, &consumed);
    if (a.raw) {
      if (!st.ok()) {
        std::fprintf(stderr, "duban decode: bad frame at byte %zu: %s\n", pos, st.ToString().c_str());
        ++bad;
        break;
      }
      pos += consumed;
    }
    auto ev = st.ok() ? schemas::DecodeEvent(payload) : Result<schemas::Event>(st);
    if (!ev.ok()) {
      std::fprintf(stderr, "duban decode: record %zu: %s\n", n + bad, ev.status().ToString().c_str());
      ++bad;
      continue;
    }
    ++n;
    if (g.json) {
      std::cout << schemas::EventToJson(*ev) << "\n";
    } else {
      std::cout << ev->stream << " #" << ev->stream_seq << " " << EventLine(*ev) << "  cmd=" << ev->command_id
                << " id=" << ev->event_id << "\n";
    }
  }
  std::fprintf(stderr, "duban decode: %zu events, %zu bad records\n", n, bad);
  return bad ? kExitRejected : kExitOk;
}

// `duban engine`'s own options (beside the topics and bootstrap all Kafka
// commands share).
void AddEngineOptions(CLI::App& engine, KafkaArgs& a) {
  engine.add_option("--group", a.group, "consumer group of the engines");
  engine.add_option("--session-timeout-ms", a.session_timeout_ms, "group session timeout");
  engine
      .add_option("--transactions", a.transactions,
                  "Kafka transactions on duban.events: auto (on, unless the cluster is the dev broker), on, off")
      ->check(CLI::IsMember({"auto", "on", "off"}));
  engine
      .add_option("--test-hold-file", a.hold_file,
                  "test hook: while this file exists, decided batches wait before they are produced (after N "
                  "productions if it holds N)")
      ->group("");  // hidden
  engine.add_option("--status-interval", a.status_interval_s,
                    "seconds between lag reports (per owned partition, on stderr and --metrics-file); 0 = never");
  engine.add_option("--metrics-file", a.metrics_file,
                    "Prometheus text file rewritten at each lag report (node_exporter textfile collector)");
  engine
      .add_option(
          "--max-batch-events", a.max_batch_events,
          "most events expected of one group commit (a plan import counts 1 + its tasks and their units, a review "
          "cycle or a withdrawal 1 + the plan's assignments): a backlog of them is decided in batches of this "
          "weight, each its own group commit (and transaction)")
      ->check(CLI::Range(size_t{1}, size_t{100'000'000}));
  engine
      .add_option("--tick-interval", a.tick_interval_s,
                  "seconds between timer ticks of the owned partitions (system clock); 0: never")
      ->check(CLI::NonNegativeNumber);
}

void AddKafkaEngineCommands(CLI::App& app, Globals& g) {
  auto a = std::make_shared<KafkaArgs>();
  if (const char* env = std::getenv("DUBAN_KAFKA_BOOTSTRAP"); env && *env) a->bootstrap = env;
  auto common = [a](CLI::App* sub) {
    sub->add_option("--bootstrap", a->bootstrap, "Kafka bootstrap servers (default: $DUBAN_KAFKA_BOOTSTRAP)");
    sub->add_option("--commands-topic", a->commands_topic, "name of the commands topic");
    sub->add_option("--events-topic", a->events_topic, "name of the events topic");
  };
  auto need = [a, &g](const char* what) {
    if (a->bootstrap.empty()) {
      std::fprintf(stderr, "duban %s: --bootstrap HOST:PORT is required (or set $DUBAN_KAFKA_BOOTSTRAP)\n", what);
      g.exit_code = kExitUsage;
      return false;
    }
    return true;
  };

  auto* engine =
      app.add_subcommand("engine",
                         "run the engine in Kafka mode: decide duban.commands into duban.events (one store per "
                         "partition under --data); stops on SIGTERM/SIGINT; exits 3 when fenced (another engine took "
                         "its partition over while it was paused)");
  common(engine);
  AddEngineOptions(*engine, *a);
  engine->callback([a, &g, need] {
    if (need("engine")) g.exit_code = RunEngine(*a, g);
  });

  auto* project = app.add_subcommand("project",
                                     "apply every partition of duban.events to the store at --data (the read model for "
                                     "status/history queries); stops at the current end unless --follow");
  common(project);
  project->add_flag("--follow", a->follow, "keep applying new events until SIGTERM/SIGINT");
  project->callback([a, &g, need] {
    if (need("project")) g.exit_code = RunProject(*a, g);
  });

  auto* submit = app.add_subcommand("submit-kafka",
                                    "send one command through duban.commands and wait for its events (exit 1 when "
                                    "rejected, Unavailable on timeout)");
  common(submit);
  submit->add_option("--kind", a->kind, "import | accept | progress | submit | approve | reject");
  submit->add_option("--file", a->file, "plan file (import)");
  submit->add_option("--plan", a->plan, "plan id (import: default from the file name)");
  submit->add_option("--task", a->task, "task number");
  submit->add_option("--unit", a->unit, "unit");
  submit->add_option("--percent", a->percent, "progress percent (progress)");
  submit->add_option("--text", a->text, "text, comment or reason");
  submit->add_option("--id", a->command_id, "command id (default: new)");
  submit->add_option("--at", a->at, "issue time YYYY-MM-DD[THH:MM[:SS]] (default: now)");
  submit->add_option("--timeout-ms", a->timeout_ms, "how long to wait for the outcome");
  submit->callback([a, &g, need] {
    if (need("submit-kafka")) g.exit_code = RunSubmit(*a, g);
  });

  auto* decode =
      app.add_subcommand("decode",
                         "print the events in framed records read from stdin: kcat -C -t duban.events -o beginning "
                         "-e -f '%R%s' | duban decode [--json]");
  decode->add_flag("--raw", a->raw, "stdin holds frames back to back (no kcat length prefix)");
  decode->callback([a, &g] { g.exit_code = RunDecode(*a, g); });
}

}  // namespace

DUBAN_REGISTER_COMMANDS(81, &AddKafkaEngineCommands);

}  // namespace duban::cli

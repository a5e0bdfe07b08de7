// duban-reminders: the reminders consumer as its own process (consumers/README.md).
// Follows the embedded store's log (--store DIR, the `duban --data` directory)
// or duban.events (--bootstrap). Runs until SIGINT/SIGTERM (or, with
// --exit-when-idle, until it has caught up), then prints one line of counters
// on stdout. `dlq list` / `dlq retry` act on the dead letters of a --data
// directory. Exit 0 ok, 1 error (dlq retry: some entries still fail), 2 usage.
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "duban/consumers/config.h"
#include "duban/consumers/digest.h"
#include "duban/consumers/reminders.h"
#include "duban/consumers/state.h"
#include "duban/consumers/templates.h"
#include "duban/terminal_text.h"
#include "duban/utf8.h"
#include "duban/date.h"
#include "duban/log.h"

namespace {
std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }

void AddSinkFlags(CLI::App& app, duban::consumers::ConsumerConfig& c) {
  app.add_option("--webhook", c.webhook, "POST each notification as JSON to this URL");
  app.add_option("--outbox", c.outbox, "append each notification as one JSON line to this file");
  app.add_option("--channels", c.channels,
                 "YAML channels file: email (SMTP), wecom and dingtalk robots, sms, webhook, outbox, per recipient "
                 "(consumers/README.md)");
  app.add_flag("--workbench", c.workbench,
               "also list each notification in the workbench (--data/workbench.jsonl), read by `duban serve "
               "--notifications DIR`");
  app.add_option("--webhook-timeout-ms", c.webhook_timeout_ms, "per-attempt HTTP timeout")->capture_default_str();
}

// Exit code 1 (a file that cannot be opened) or 2 (a usage or configuration
// mistake) on failure, with the message printed.
int MakeSinks(const duban::consumers::ConsumerConfig& c, std::vector<std::unique_ptr<duban::consumers::Sink>>* sinks) {
  auto made = duban::consumers::MakeConfiguredSinks(c);
  if (!made.ok()) {
    std::cerr << "duban-reminders: " << made.status().message() << "\n";
    return made.status().code() == duban::Status::Code::kInvalidArgument ? 2 : 1;
  }
  *sinks = std::move(made).value();
  return 0;
}

std::string FormatTime(int64_t ms) {
  if (ms <= 0) return "-";
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// A cell of the list, cut to `width` columns (CJK counts two) and padded.
std::string Cell(const std::string& text, size_t width) {
  std::string t = duban::ForTerminal(text);
  while (duban::utf8::DisplayWidth(t) > width) {
    t = duban::utf8::Prefix(t, duban::utf8::CodePoints(t) - 1);
    if (duban::utf8::DisplayWidth(t) + 1 <= width) {
      t += "…";
      break;
    }
  }
  return t + std::string(width - std::min(width, duban::utf8::DisplayWidth(t)), ' ');
}

int DlqList(const std::string& data, bool json) {
  using namespace duban::consumers;
  auto list = ListDeadLetters(data);
  if (!list.ok()) {
    std::cerr << "duban-reminders: " << list.status().ToString() << "\n";
    return 1;
  }
  if (json) {
    for (const auto& d : *list) {
      nlohmann::ordered_json j;
      j["id"] = d.id;
      j["notification_id"] = d.notification_id;
      j["channel"] = d.channel;
      j["error"] = d.error;
      j["attempts"] = d.attempts;
      j["first_attempt"] = FormatTime(d.first_attempt);
      j["last_attempt"] = FormatTime(d.last_attempt);
      j["source"] = d.source;
      std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    }
    return 0;
  }
  std::cout << Cell("id", 5) << " " << Cell("notification", 48) << " " << Cell("channel", 10) << " "
            << Cell("attempts", 8) << " " << Cell("first attempt", 20) << " " << Cell("last attempt", 20) << " "
            << "error\n";
  for (const auto& d : *list) {
    std::cout << Cell(std::to_string(d.id), 5) << " "
              << Cell(d.poison() ? "(poison " + d.source + ")" : d.notification_id, 48) << " "
              << Cell(d.channel.empty() ? "-" : d.channel, 10) << " " << Cell(std::to_string(d.attempts), 8) << " "
              << Cell(FormatTime(d.first_attempt), 20) << " " << Cell(FormatTime(d.last_attempt), 20) << " "
              << duban::ForTerminal(d.error) << "\n";
  }
  std::cout << list->size() << " dead letter(s)\n";
  return 0;
}

// `duban-reminders receipts --data STATE [filters]`: who was told what,
// when and how, from delivered.log.
struct ReceiptFlags {
  std::string data, recipient, plan;
  int task = 0;
  bool json = false;
  CLI::App* command = nullptr;
};

void AddReceiptsCommand(CLI::App& app, ReceiptFlags& f) {
  f.command = app.add_subcommand(
      "receipts", "who was told what, when and on which channel (delivered.log; safe while the consumer runs)");
  f.command->add_option("--data", f.data, "the consumer's state directory")->required();
  f.command->add_option("--recipient", f.recipient, "only this recipient (a unit, the office, a leader)");
  auto* plan = f.command->add_option("--plan", f.plan, "only this plan (its id)");
  f.command->add_option("--task", f.task, "only this task number of --plan")
      ->check(CLI::Range(1, 1 << 30))
      ->needs(plan);
  f.command->add_flag("--json", f.json, "one JSON object per line");
}

bool Selected(const ReceiptFlags& f, const duban::consumers::Receipt& r) {
  if (!f.recipient.empty() && r.recipient != f.recipient) return false;
  if (!f.plan.empty() && r.plan != f.plan) return false;
  return f.task == 0 || r.task == f.task;
}

// When and how a receipt's notification reached its recipient. An item of a
// digest was told when the digest was first accepted by a channel (after a
// `dlq retry`, the retry's time), by the channels that accepted it; while
// the digest waits in the dead letters it has not been told at all.
struct Told {
  int64_t at = 0;  // 0: not (yet) told, or a line from before receipts
  bool told = false;
  std::string how;
};

Told HowTold(const duban::consumers::Receipt& r,
             const std::map<std::string, std::vector<const duban::consumers::Receipt*>>& deliveries) {
  if (r.via.empty()) return {r.at, true, r.channel};
  auto it = deliveries.find(r.via);
  if (it == deliveries.end()) return {0, false, "not told: its digest waits in the dead letters (dlq list)"};
  Told t{0, true, "digest via"};
  for (const auto* d : it->second) {
    if (t.at == 0 || (d->at > 0 && d->at < t.at)) t.at = d->at;
    t.how += " " + d->channel;
  }
  return t;
}

int ReceiptsCommand(const ReceiptFlags& f) {
  using namespace duban::consumers;
  auto read = ReadReceipts(f.data);
  if (!read.ok()) {
    std::cerr << "duban-reminders: " << read.status().message() << "\n";
    return 1;
  }
  // Deliveries by notification id, digests' included (not the items' own
  // "digest" lines).
  std::map<std::string, std::vector<const Receipt*>> deliveries;
  for (const auto& r : read->receipts)
    if (r.channel != kDigestedSink) deliveries[r.notification_id].push_back(&r);
  size_t told = 0, waiting = 0;
  if (!f.json)
    std::cout << Cell("told at (CST)", 19) << " " << Cell("recipient", 24) << " " << Cell("kind", 19) << " "
              << Cell("plan / task", 22) << " " << Cell("title", 44) << " how\n";
  for (const auto& r : read->receipts) {
    if (!Selected(f, r) || r.kind == "digest") continue;  // a digest is shown through its items
    const Told t = HowTold(r, deliveries);
    ++(t.told ? told : waiting);
    if (f.json) {
      nlohmann::ordered_json j;
      j["told"] = t.told;
      j["at"] = t.at > 0 ? duban::FormatInstant(t.at) : "";
      j["recipient"] = r.recipient;
      j["kind"] = r.kind;
      j["plan"] = r.plan;
      j["task"] = r.task;
      j["due_on"] = r.due_on;
      j["channel"] = r.channel;
      j["how"] = t.how;
      j["via"] = r.via;
      j["notification_id"] = r.notification_id;
      j["title"] = r.title;
      std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      continue;
    }
    std::string at = t.at > 0 ? duban::FormatInstant(t.at).substr(0, 19) : "-";
    if (at.size() > 10) at[10] = ' ';  // 2026-12-04 09:00:01: a date and a time to an office
    std::cout << Cell(at, 19) << " " << Cell(r.recipient.empty() ? "-" : r.recipient, 24) << " "
              << Cell(r.kind.empty() ? "-" : r.kind, 19) << " "
              << Cell(r.plan.empty() ? r.notification_id : r.plan + " #" + std::to_string(r.task), 22) << " "
              << Cell(r.title.empty() ? "-" : r.title, 44) << " " << duban::ForTerminal(t.how) << "\n";
  }
  if (!f.json) {
    std::cout << told << " told";
    if (waiting > 0) std::cout << ", " << waiting << " not yet told (their digests are dead letters: dlq list)";
    std::cout << "\n";
  }
  for (const auto& d : read->damaged) std::cerr << "duban-reminders: damaged receipt left out: " << d << "\n";
  return read->damaged.empty() ? 0 : 1;
}

// What a run of the consumer is given on the command line (or in --config).
struct RunFlags {
  duban::consumers::ConsumerConfig c;
  std::string log_level = "warn";
  bool exit_when_idle = false;
  int idle_poll_ms = 3000;
  std::string config;
};

// --help lists the options in the order they are declared here.
void AddRunOptions(CLI::App& app, RunFlags& f) {
  duban::consumers::RemindersOptions& o = f.c.options;
  app.add_option("--config", f.config,
                 "YAML file as ops/kafka/duban.kafka.example.yaml (kafka: and reminders: blocks); flags override it");
  app.add_option("--store", o.store_dir,
                 "embedded mode: follow the log of this duban data directory (`duban --data DIR`), read-only, "
                 "also while `duban serve` holds it");
  app.add_option("--bootstrap", o.kafka.bootstrap, "Kafka mode: bootstrap servers host:port[,...] (or in --config)");
  app.add_option("--data", o.data_dir,
                 "this consumer's own state directory: delivered.log, directory.log; embedded mode also cursor and "
                 "dead-letters.jsonl (required here or in --config; never the store itself)");
  AddSinkFlags(app, f.c);
  app.add_option("--topic", o.kafka.events_topic, "events topic")->capture_default_str();
  app.add_option("--dlq-topic", o.dlq_topic, "dead-letter topic")->capture_default_str();
  app.add_option("--group", o.group, "consumer group")->capture_default_str();
  app.add_option("--office", o.render.office, "recipient who also hears of escalations")->capture_default_str();
  app.add_option("--max-attempts", o.retry.max_attempts, "delivery attempts per notification before dead-lettering")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--backoff-ms", o.retry.initial_backoff_ms, "first retry delay, doubled each time")
      ->capture_default_str();
  app.add_option("--max-backoff-ms", o.retry.max_backoff_ms, "largest retry delay")->capture_default_str();
  app.add_option("--session-timeout-ms", o.kafka.session_timeout_ms, "group session timeout")->capture_default_str();
  app.add_option("--digest-at", f.c.digest_at,
                 "HH:MM: gather notifications that are not urgent into one digest per recipient and working day, "
                 "sent at this time (China Standard Time); none on rest days or at night. Default: each at once");
  app.add_option("--digest-at-for", f.c.digest_at_for,
                 "RECIPIENT=HH:MM: this recipient's own digest hour, or RECIPIENT=now: told of each at once "
                 "(repeatable; YAML digest_at_for: {RECIPIENT: \"HH:MM\"})");
  app.add_option("--templates", f.c.templates,
                 "YAML file of message wording (title and text per message, {placeholders}); messages it leaves "
                 "out keep the built-in wording (`duban-reminders templates` prints it)");
  app.add_option("--poll-ms", f.c.poll_ms, "embedded mode: how often the store is read for new events")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_flag(
      "--exit-when-idle", f.exit_when_idle,
      "stop once caught up (embedded: the log read to its end; Kafka: a poll of --idle-poll-ms finds nothing new)");
  app.add_option("--idle-poll-ms", f.idle_poll_ms, "Kafka mode: poll wait used by --exit-when-idle")
      ->capture_default_str();
  app.add_option("--log-level", f.log_level, "trace|debug|info|warn|error")->capture_default_str();
}

// `duban-reminders dlq list|retry --data STATE`: the flags, and the
// subcommands and option whose presence tells what was asked.
struct DlqFlags {
  std::string data;
  bool json = false;
  duban::consumers::ConsumerConfig sinks;
  uint64_t id = 0;
  bool all = false;
  duban::consumers::RetryPolicy policy{3, 200, 10000};
  CLI::App* list = nullptr;
  CLI::App* retry = nullptr;
  CLI::Option* id_option = nullptr;
};

void AddDlqCommands(CLI::App& app, DlqFlags& f) {
  CLI::App* dlq = app.add_subcommand("dlq", "the dead letters of a --data directory: list them, deliver them again");
  dlq->require_subcommand(1);
  f.list = dlq->add_subcommand("list", "table of dead letters not yet delivered (safe while the consumer runs)");
  f.list->add_option("--data", f.data, "the consumer's state directory")->required();
  f.list->add_flag("--json", f.json, "one JSON object per line");
  f.retry = dlq->add_subcommand(
      "retry", "deliver dead letters again and remove those delivered (stop the consumer first: it holds --data)");
  f.retry->add_option("--data", f.data, "the consumer's state directory")->required();
  f.id_option = f.retry->add_option("--id", f.id, "the dead letter to retry (see dlq list)");
  auto* all_opt = f.retry->add_flag("--all", f.all, "retry every dead letter");
  f.id_option->excludes(all_opt);
  AddSinkFlags(*f.retry, f.sinks);
  f.retry->add_option("--max-attempts", f.policy.max_attempts, "attempts per entry and channel")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  f.retry->add_option("--backoff-ms", f.policy.initial_backoff_ms, "first retry delay, doubled each time")
      ->capture_default_str();
}

// `duban-reminders templates [--check FILE]`.
struct TemplateFlags {
  std::string check;
  CLI::App* command = nullptr;
};

void AddTemplatesCommand(CLI::App& app, TemplateFlags& f) {
  f.command = app.add_subcommand(
      "templates", "print the built-in message wording (a templates file to copy and edit), or check a file");
  f.command->add_option("--check", f.check, "check this templates file as the consumer would at start");
}

int TemplatesCommand(const TemplateFlags& f) {
  if (f.check.empty()) {
    std::cout << duban::consumers::Templates::BuiltinText();
    return 0;
  }
  auto t = duban::consumers::LoadTemplates(f.check);
  if (!t.ok()) {
    std::cerr << "duban-reminders: " << t.status().message() << "\n";
    return 2;
  }
  std::cout << f.check << ": ok\n";
  return 0;
}

int DlqRetry(const DlqFlags& f) {
  using namespace duban::consumers;
  if (!f.all && f.id_option->count() == 0) {
    std::cerr << "duban-reminders: dlq retry needs --id N or --all\n";
    return 2;
  }
  if (!f.sinks.AnySink()) {
    std::cerr << "duban-reminders: dlq retry needs the consumer's channels: --channels FILE, --webhook URL, "
                 "--outbox FILE and/or --workbench\n";
    return 2;
  }
  ConsumerConfig config = f.sinks;
  config.options.data_dir = f.data;
  std::vector<std::unique_ptr<Sink>> sinks;
  if (int rc = MakeSinks(config, &sinks); rc != 0) return rc;
  auto report = RetryDeadLetters(f.data, sinks, f.all ? std::nullopt : std::optional<uint64_t>(f.id), f.policy);
  if (!report.ok()) {
    std::cerr << "duban-reminders: " << report.status().ToString() << "\n";
    return 1;
  }
  for (const auto& e : report->errors) std::cerr << "duban-reminders: " << e << "\n";
  std::cout << "delivered=" << report->delivered << " already_delivered=" << report->already_delivered
            << " failed=" << report->failed << " poison=" << report->poison << " remaining=" << report->remaining
            << std::endl;
  return report->failed == 0 ? 0 : 1;
}

// 0, or 2 with the message printed: --config's values where no flag was
// given, checked and resolved.
int ConfigureRun(const CLI::App& app, RunFlags& f) {
  duban::consumers::ConsumerConfig& c = f.c;
  if (!f.config.empty()) {
    auto st = ApplyConfigFile(
        f.config, [&](const char* flag) { return app.count(flag) > 0; }, c);
    if (!st.ok()) {
      std::cerr << "duban-reminders: " << st.message() << "\n";
      return 2;
    }
  }
  if (c.options.data_dir.empty() || c.options.store_dir.empty() == c.options.kafka.bootstrap.empty()) {
    std::cerr << "duban-reminders: give --data and one of --store DIR (embedded store) or --bootstrap "
                 "(Kafka; flags or --config)\n";
    return 2;
  }
  if (!c.AnySink()) {
    std::cerr << "duban-reminders: give --channels FILE, --webhook URL, --outbox FILE and/or --workbench\n";
    return 2;
  }
  if (auto st = ResolveConfig(c); !st.ok()) {
    std::cerr << "duban-reminders: " << st.message() << "\n";
    return 2;
  }
  return 0;
}

// The first error of the loop, else that of Close.
duban::Status CloseAfter(duban::consumers::Reminders& r, const duban::Status& loop) {
  duban::Status c = r.Close();
  return loop.ok() ? c : loop;
}

// Embedded: idle is exact, the cursor has reached the log's end as it stood
// at the last read.
duban::Status StepEmbeddedUntilIdle(duban::consumers::Reminders& r) {
  while (!g_stop.load()) {
    auto n = r.Step(0);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
  }
  return duban::Status::Ok();
}

duban::Status StepEmbeddedUntilStopped(duban::consumers::Reminders& r, int poll_ms) {
  while (!g_stop.load()) {
    auto n = r.Step(poll_ms);
    if (!n.ok()) return n.status();
  }
  return duban::Status::Ok();
}

duban::Status StepKafkaUntilIdle(duban::consumers::Reminders& r, int idle_poll_ms) {
  bool seen_any = false;
  int empty_while_assigned = 0;
  while (!g_stop.load()) {
    auto n = r.Step(idle_poll_ms);
    if (!n.ok()) return n.status();
    // The first polls may be empty while the group assigns partitions. Once
    // it has, two empty polls in a row (the first fetch may still be
    // starting) mean there is nothing to read: an empty topic must not
    // keep an --exit-when-idle run up forever.
    if (*n > 0) {
      seen_any = true;
      continue;
    }
    if (seen_any) break;
    auto assigned = r.AssignedPartitions();
    if (assigned.ok() && *assigned > 0 && ++empty_while_assigned >= 2) break;
  }
  return duban::Status::Ok();
}

duban::Status RunLoop(duban::consumers::Reminders& r, const RunFlags& f) {
  if (f.exit_when_idle && r.embedded()) return CloseAfter(r, StepEmbeddedUntilIdle(r));
  if (r.embedded()) return CloseAfter(r, StepEmbeddedUntilStopped(r, f.c.poll_ms));
  if (f.exit_when_idle) return CloseAfter(r, StepKafkaUntilIdle(r, f.idle_poll_ms));
  return r.Run(g_stop);
}

int RunConsumer(const CLI::App& app, RunFlags& f) {
  using namespace duban::consumers;
  if (int rc = ConfigureRun(app, f); rc != 0) return rc;
  f.c.options.kafka.client_id = "duban-reminders";

  std::vector<std::unique_ptr<Sink>> sinks;
  if (int rc = MakeSinks(f.c, &sinks); rc != 0) return rc;
  auto created = Reminders::Create(f.c.options, std::move(sinks));
  if (!created.ok()) {
    std::cerr << "duban-reminders: " << created.status().ToString() << "\n";
    return 1;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  Reminders& r = **created;
  const duban::Status result = RunLoop(r, f);
  std::cout << Reminders::FormatStats(r.stats(), r.embedded(), r.digests()) << std::endl;
  if (!result.ok()) {
    std::cerr << "duban-reminders: " << result.ToString() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "duban-reminders: turns deadline, escalation and report events of duban's log (an embedded store "
      "or duban.events) into notifications"};
  RunFlags run;
  AddRunOptions(app, run);
  DlqFlags dlq;
  AddDlqCommands(app, dlq);
  TemplateFlags templates;
  AddTemplatesCommand(app, templates);
  ReceiptFlags receipts;
  AddReceiptsCommand(app, receipts);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  spdlog::set_level(spdlog::level::from_str(run.log_level));
  duban::log::LoadLevelsFromEnvironment();
  if (dlq.list->parsed()) return DlqList(dlq.data, dlq.json);
  if (dlq.retry->parsed()) return DlqRetry(dlq);
  if (templates.command->parsed()) return TemplatesCommand(templates);
  if (receipts.command->parsed()) return ReceiptsCommand(receipts);
  return RunConsumer(app, run);
}

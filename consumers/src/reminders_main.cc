// duban-reminders: the reminders consumer as its own process (consumers/README.md).
// Follows the embedded store's log (--store DIR, the `duban --data` directory)
// or duban.events (--bootstrap). Runs until SIGINT/SIGTERM (or, with
// --exit-when-idle, until it has caught up), then prints one line of counters
// on stdout. Exit 0 ok, 1 error, 2 usage.
#include <csignal>
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include "duban/consumers/reminders.h"

namespace {
std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }

// Sets `out` from node[key] unless the flag was given on the command line.
template <typename T>
void FromYaml(const CLI::App& app, const char* flag, const YAML::Node& node, const char* key, T& out) {
  if (app.count(flag) == 0 && node && node[key]) out = node[key].as<T>();
}
}  // namespace

int main(int argc, char** argv) {
  using namespace duban::consumers;
  CLI::App app{"duban-reminders: turns deadline, escalation and report events of duban's log (an embedded store "
               "or duban.events) into notifications"};
  RemindersOptions o;
  std::string webhook, outbox, log_level = "warn";
  int webhook_timeout_ms = 10000;
  bool exit_when_idle = false;
  int idle_poll_ms = 3000;
  int poll_ms = 1000;
  std::string config;
  app.add_option("--config", config,
                 "YAML file as ops/kafka/duban.kafka.example.yaml (kafka: and reminders: blocks); flags override it");
  app.add_option("--store", o.store_dir,
                 "embedded mode: follow the log of this duban data directory (`duban --data DIR`), read-only, "
                 "also while `duban serve` holds it");
  app.add_option("--bootstrap", o.kafka.bootstrap, "Kafka mode: bootstrap servers host:port[,...] (or in --config)");
  app.add_option("--data", o.data_dir,
                 "this consumer's own state directory: delivered.log, directory.log; embedded mode also cursor and "
                 "dead-letters.jsonl (required here or in --config; never the store itself)");
  app.add_option("--webhook", webhook, "POST each notification as JSON to this URL");
  app.add_option("--outbox", outbox, "append each notification as one JSON line to this file");
  app.add_option("--topic", o.kafka.events_topic, "events topic")->capture_default_str();
  app.add_option("--dlq-topic", o.dlq_topic, "dead-letter topic")->capture_default_str();
  app.add_option("--group", o.group, "consumer group")->capture_default_str();
  app.add_option("--office", o.render.office, "recipient who also hears of escalations")->capture_default_str();
  app.add_option("--max-attempts", o.retry.max_attempts, "delivery attempts per notification before dead-lettering")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--backoff-ms", o.retry.initial_backoff_ms, "first retry delay, doubled each time")->capture_default_str();
  app.add_option("--max-backoff-ms", o.retry.max_backoff_ms, "largest retry delay")->capture_default_str();
  app.add_option("--webhook-timeout-ms", webhook_timeout_ms, "per-attempt HTTP timeout")->capture_default_str();
  app.add_option("--session-timeout-ms", o.kafka.session_timeout_ms, "group session timeout")->capture_default_str();
  app.add_option("--poll-ms", poll_ms, "embedded mode: how often the store is read for new events")
      ->capture_default_str()->check(CLI::PositiveNumber);
  app.add_flag("--exit-when-idle", exit_when_idle,
               "stop once caught up (embedded: the log read to its end; Kafka: a poll of --idle-poll-ms finds nothing new)");
  app.add_option("--idle-poll-ms", idle_poll_ms, "Kafka mode: poll wait used by --exit-when-idle")->capture_default_str();
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (!config.empty()) {
    try {
      YAML::Node root = YAML::LoadFile(config);
      YAML::Node k = root["kafka"], r = root["reminders"];
      FromYaml(app, "--bootstrap", k, "bootstrap", o.kafka.bootstrap);
      FromYaml(app, "--topic", k, "events_topic", o.kafka.events_topic);
      FromYaml(app, "--session-timeout-ms", k, "session_timeout_ms", o.kafka.session_timeout_ms);
      if (k && k["extra"] && k["extra"].IsMap())
        for (const auto& kv : k["extra"]) o.kafka.extra[kv.first.as<std::string>()] = kv.second.as<std::string>();
      FromYaml(app, "--group", r, "group_id", o.group);
      FromYaml(app, "--dlq-topic", r, "dead_letter_topic", o.dlq_topic);
      FromYaml(app, "--webhook", r, "webhook_url", webhook);
      FromYaml(app, "--outbox", r, "outbox", outbox);
      FromYaml(app, "--data", r, "state_dir", o.data_dir);
      FromYaml(app, "--store", r, "store", o.store_dir);
      FromYaml(app, "--office", r, "office", o.render.office);
      FromYaml(app, "--max-attempts", r, "max_attempts", o.retry.max_attempts);
      FromYaml(app, "--backoff-ms", r, "backoff_ms", o.retry.initial_backoff_ms);
      FromYaml(app, "--max-backoff-ms", r, "max_backoff_ms", o.retry.max_backoff_ms);
    } catch (const YAML::Exception& e) {
      std::cerr << "duban-reminders: " << config << ": " << e.what() << "\n";
      return 2;
    }
  }
  if (o.data_dir.empty() || o.store_dir.empty() == o.kafka.bootstrap.empty()) {
    std::cerr << "duban-reminders: give --data and one of --store DIR (embedded store) or --bootstrap "
                 "(Kafka; flags or --config)\n";
    return 2;
  }
  if (webhook.empty() && outbox.empty()) {
    std::cerr << "duban-reminders: give --webhook URL and/or --outbox FILE\n";
    return 2;
  }
  spdlog::set_default_logger(spdlog::default_logger());
  spdlog::set_level(spdlog::level::from_str(log_level));
  o.kafka.client_id = "duban-reminders";

  std::vector<std::unique_ptr<Sink>> sinks;
  if (!webhook.empty()) {
    WebhookOptions w;
    w.url = webhook;
    w.timeout_ms = webhook_timeout_ms;
    auto s = MakeWebhookSink(w);
    if (!s.ok()) {
      std::cerr << "duban-reminders: " << s.status().ToString() << "\n";
      return 2;
    }
    sinks.push_back(std::move(s.value()));
  }
  if (!outbox.empty()) {
    auto s = MakeJsonlOutboxSink(outbox);
    if (!s.ok()) {
      std::cerr << "duban-reminders: " << s.status().ToString() << "\n";
      return 1;
    }
    sinks.push_back(std::move(s.value()));
  }
  auto created = Reminders::Create(o, std::move(sinks));
  if (!created.ok()) {
    std::cerr << "duban-reminders: " << created.status().ToString() << "\n";
    return 1;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  Reminders& r = **created;
  duban::Status result;
  if (exit_when_idle && r.embedded()) {
    // Embedded: idle is exact, the cursor has reached the log's end as it
    // stood at the last read.
    while (!g_stop.load()) {
      auto n = r.Step(0);
      if (!n.ok()) {
        result = n.status();
        break;
      }
      if (*n == 0) break;
    }
    duban::Status c = r.Close();
    if (result.ok()) result = c;
  } else if (r.embedded()) {
    while (!g_stop.load()) {
      auto n = r.Step(poll_ms);
      if (!n.ok()) {
        result = n.status();
        break;
      }
    }
    duban::Status c = r.Close();
    if (result.ok()) result = c;
  } else if (exit_when_idle) {
    bool seen_any = false;
    int empty_while_assigned = 0;
    while (!g_stop.load()) {
      auto n = r.Step(idle_poll_ms);
      if (!n.ok()) {
        result = n.status();
        break;
      }
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
    duban::Status c = r.Close();
    if (result.ok()) result = c;
  } else {
    result = r.Run(g_stop);
  }
  std::cout << Reminders::FormatStats(r.stats(), r.embedded()) << std::endl;
  if (!result.ok()) {
    std::cerr << "duban-reminders: " << result.ToString() << "\n";
    return 1;
  }
  return 0;
}

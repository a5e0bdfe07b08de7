// Kafka commands of the `duban` binary:
//   duban dev-broker   the librdkafka mock cluster in this process, for
//                      development and tests (see duban/kafka/mock_cluster.h)
//   duban topics       create / list duban's topics through the Admin API
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli_registry.h"
#include "duban/kafka/admin.h"
#include "duban/kafka/topics_check.h"
#include "duban/kafka/config.h"
#include "duban/kafka/mock_cluster.h"
#include "duban/process_memory.h"

namespace duban::cli {
namespace {

struct DevBrokerArgs {
  int brokers = 1;
  int partitions = 4;
  std::vector<std::string> topics;
  std::string commands_topic = "duban.commands";
  std::string events_topic = "duban.events";
  bool no_default_topics = false;
  std::string bootstrap_file;
};

// Writes `text` to `path` via a temporary file and rename, so a reader never
// sees a half-written bootstrap list.
bool WriteAtomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) return false;
  bool ok = std::fputs(text.c_str(), f) >= 0;
  ok = std::fclose(f) == 0 && ok;
  if (ok) ok = std::rename(tmp.c_str(), path.c_str()) == 0;
  if (!ok) std::remove(tmp.c_str());
  return ok;
}

int RunDevBroker(const DevBrokerArgs& a) {
  // Long-running, and every request and response buffer is allocated and
  // freed again: see process_memory.h.
  KeepFreedMemoryForReuse();
  // Block the stop signals in every thread (librdkafka's threads inherit this
  // mask) and take them with sigwait on this one.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a parent that closed our stdout must not kill the broker

  auto cluster = kafka::MockCluster::Create(a.brokers);
  if (!cluster.ok()) {
    std::fprintf(stderr, "duban dev-broker: %s\n", cluster.status().ToString().c_str());
    return kExitUsage;
  }
  kafka::MockCluster& mc = **cluster;
  std::vector<std::pair<std::string, int>> topics;
  if (!a.no_default_topics) {
    topics.emplace_back(a.commands_topic, a.partitions);
    topics.emplace_back(a.events_topic, a.partitions);
  }
  for (auto& t : a.topics) {
    auto colon = t.rfind(':');
    if (colon == std::string::npos) {
      topics.emplace_back(t, a.partitions);
    } else {
      int n = 0;
      const auto [end, ec] = std::from_chars(t.data() + colon + 1, t.data() + t.size(), n);
      if (ec != std::errc() || end != t.data() + t.size() || n < 1) {
        std::fprintf(stderr, "duban dev-broker: bad --topic %s (want NAME[:PARTITIONS])\n", t.c_str());
        return kExitUsage;
      }
      topics.emplace_back(t.substr(0, colon), n);
    }
  }
  for (auto& [name, n] : topics) {
    Status st = mc.CreateTopic(name, n);
    if (!st.ok()) {
      std::fprintf(stderr, "duban dev-broker: %s\n", st.ToString().c_str());
      return kExitRejected;
    }
  }
  // File first: whoever reads the stdout line may rely on the file existing.
  if (!a.bootstrap_file.empty() && !WriteAtomically(a.bootstrap_file, mc.bootstrap() + "\n")) {
    std::fprintf(stderr, "duban dev-broker: cannot write %s\n", a.bootstrap_file.c_str());
    return kExitRejected;
  }
  std::fprintf(stdout, "%s\n", mc.bootstrap().c_str());
  std::fflush(stdout);
  std::fprintf(stderr,
               "duban dev-broker: %d broker(s) at %s; topics created: %zu; memory only, "
               "stop with Ctrl-C; control commands on stdin (ping, create, down, up, leader, rtt, error)\n",
               a.brokers, mc.bootstrap().c_str(), topics.size());

  // Control channel: one command per stdin line, one reply line on stdout.
  // End of stdin only ends the channel, not the broker.
  std::thread control([&mc] {
    std::string line;
    while (std::getline(std::cin, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      std::string reply = mc.Execute(line);
      std::fprintf(stdout, "%s\n", reply.c_str());
      std::fflush(stdout);
    }
  });
  control.detach();

  int sig = 0;
  sigwait(&stop, &sig);
  if (!a.bootstrap_file.empty()) std::remove(a.bootstrap_file.c_str());
  std::fflush(stdout);
  cluster.value().reset();
  // The control thread may be blocked reading stdin: leave without unwinding.
  std::_Exit(kExitOk);
}

struct TopicsArgs {
  std::string bootstrap;
  int partitions = 4;
  int replication_factor = -1;
  std::string commands_topic = "duban.commands";
  std::string events_topic = "duban.events";
  int timeout_ms = 15000;
};

kafka::KafkaConfig ConfigFrom(const TopicsArgs& a) {
  kafka::KafkaConfig cfg;
  cfg.bootstrap = a.bootstrap;
  cfg.client_id = "duban-topics";
  cfg.partitions = a.partitions;
  cfg.replication_factor = a.replication_factor;
  cfg.commands_topic = a.commands_topic;
  cfg.events_topic = a.events_topic;
  return cfg;
}

int RunTopicsCreate(const TopicsArgs& a, const Globals& g) {
  kafka::KafkaConfig cfg = ConfigFrom(a);
  auto admin = kafka::Admin::Create(cfg);
  if (!admin.ok()) {
    std::fprintf(stderr, "duban topics create: %s\n", admin.status().ToString().c_str());
    return kExitUsage;
  }
  auto specs = kafka::DubanTopicSpecs(cfg);
  auto res = (*admin)->CreateTopics(specs, a.timeout_ms);
  if (!res.ok()) {
    std::fprintf(stderr, "duban topics create: %s\n", res.status().ToString().c_str());
    // librdkafka 2.0.2's mock cluster names no controller, so CreateTopics
    // waits for one until the timeout.
    if (res.status().message().find("controller") != std::string::npos ||
        res.status().message().find("nsupported") != std::string::npos)
      std::fprintf(
          stderr,
          "  (if this is `duban dev-broker`: it has no CreateTopics API: start it with --partitions N, or send it "
          "'create TOPIC N' on its stdin)\n");
    return kExitRejected;
  }
  nlohmann::json out = nlohmann::json::array();
  for (auto& r : *res) {
    bool created = r.outcome == kafka::TopicOutcome::kCreated;
    if (g.json) {
      out.push_back(
          {{"topic", r.name}, {"outcome", created ? "created" : "already_exists"}, {"partitions", r.partitions}});
    } else if (created) {
      std::printf("created %s (%d partitions)\n", r.name.c_str(), r.partitions);
    } else {
      std::printf("%s already exists (%d partitions), left as it is\n", r.name.c_str(), r.partitions);
    }
    if (!created && r.partitions != a.partitions)
      std::fprintf(stderr, "warning: %s has %d partitions, not the %d asked for\n", r.name.c_str(), r.partitions,
                   a.partitions);
  }
  if (g.json) std::printf("%s\n", nlohmann::json{{"topics", out}}.dump().c_str());
  return kExitOk;
}

int RunTopicsList(const TopicsArgs& a, const Globals& g) {
  auto admin = kafka::Admin::Create(ConfigFrom(a));
  if (!admin.ok()) {
    std::fprintf(stderr, "duban topics list: %s\n", admin.status().ToString().c_str());
    return kExitUsage;
  }
  auto topics = (*admin)->ListTopics(a.timeout_ms);
  if (!topics.ok()) {
    std::fprintf(stderr, "duban topics list: %s\n", topics.status().ToString().c_str());
    return kExitRejected;
  }
  if (g.json) {
    nlohmann::json out = nlohmann::json::object();
    for (auto& [name, n] : *topics) out[name] = n;
    std::printf("%s\n", out.dump().c_str());
  } else {
    for (auto& [name, n] : *topics) std::printf("%s\t%d\n", name.c_str(), n);
  }
  return kExitOk;
}

int RunTopicsCheck(const TopicsArgs& a, const Globals& g) {
  auto admin = kafka::Admin::Create(ConfigFrom(a));
  if (!admin.ok()) {
    std::fprintf(stderr, "duban topics check: %s\n", admin.status().ToString().c_str());
    return kExitUsage;
  }
  auto seen = kafka::ReadTopics(**admin, ConfigFrom(a), a.timeout_ms);
  if (!seen.ok()) {
    std::fprintf(stderr, "duban topics check: %s\n", seen.status().ToString().c_str());
    return kExitRejected;
  }
  const auto findings = kafka::CheckTopics(*seen);
  int fails = 0, warns = 0;
  for (const auto& f : findings) {
    fails += f.level == kafka::CheckLevel::kFail;
    warns += f.level == kafka::CheckLevel::kWarn;
  }
  if (g.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& f : findings)
      out.push_back({{"level", kafka::CheckLevelName(f.level)}, {"topic", f.topic}, {"message", f.message}});
    std::printf("%s\n", out.dump().c_str());
  } else {
    for (const auto& f : findings)
      std::printf("%-4s  %s: %s\n", kafka::CheckLevelName(f.level), f.topic.c_str(), f.message.c_str());
    std::printf("%d failed, %d warning(s)\n", fails, warns);
  }
  return fails > 0 ? kExitRejected : kExitOk;
}

void AddKafkaCommands(CLI::App& app, Globals& g) {
  auto db = std::make_shared<DevBrokerArgs>();
  auto* dev =
      app.add_subcommand("dev-broker",
                         "serve the Kafka protocol on loopback (librdkafka mock cluster, memory only) for development "
                         "and tests; prints the bootstrap servers as its first line");
  dev->add_option("--brokers", db->brokers, "number of brokers, 1..3")->check(CLI::Range(1, 3));
  dev->add_option("--partitions", db->partitions, "partitions of the duban topics (and of --topic without :N)")
      ->check(CLI::Range(1, 1024));
  dev->add_option("--topic", db->topics, "extra topic to create, NAME[:PARTITIONS] (repeatable)");
  dev->add_option("--commands-topic", db->commands_topic, "name of the commands topic");
  dev->add_option("--events-topic", db->events_topic, "name of the events topic");
  dev->add_flag("--no-default-topics", db->no_default_topics, "do not create the commands and events topics");
  dev->add_option("--bootstrap-file", db->bootstrap_file,
                  "also write the bootstrap servers to this file (atomically; removed on exit)");
  dev->callback([db, &g] { g.exit_code = RunDevBroker(*db); });

  auto ta = std::make_shared<TopicsArgs>();
  if (const char* env = std::getenv("DUBAN_KAFKA_BOOTSTRAP"); env && *env) ta->bootstrap = env;
  auto* topics = app.add_subcommand("topics", "create, list or check duban's Kafka topics");
  topics->require_subcommand(1);
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("--bootstrap", ta->bootstrap, "Kafka bootstrap servers (default: $DUBAN_KAFKA_BOOTSTRAP)");
    sub->add_option("--timeout-ms", ta->timeout_ms, "how long to wait for the cluster");
  };
  auto* create = topics->add_subcommand(
      "create", "create duban.commands and duban.events (idempotent; settings in ops/kafka/topics.md)");
  add_common(create);
  create->add_option("--partitions", ta->partitions, "partitions per topic")->check(CLI::Range(1, 10000));
  create->add_option("--replication-factor", ta->replication_factor, "replicas per partition (-1: broker default)");
  create->add_option("--commands-topic", ta->commands_topic, "name of the commands topic");
  create->add_option("--events-topic", ta->events_topic, "name of the events topic");
  auto need_bootstrap = [ta, &g]() {
    if (ta->bootstrap.empty()) {
      std::fprintf(stderr, "duban topics: --bootstrap HOST:PORT is required (or set $DUBAN_KAFKA_BOOTSTRAP)\n");
      g.exit_code = kExitUsage;
      return false;
    }
    return true;
  };
  create->callback([ta, &g, need_bootstrap] {
    if (need_bootstrap()) g.exit_code = RunTopicsCreate(*ta, g);
  });
  auto* check = topics->add_subcommand(
      "check",
      "check the duban topics against what the engine relies on: same partition counts, leaders, "
      "replication, events kept forever (exit 1 when a guarantee is broken)");
  add_common(check);
  check->add_option("--commands-topic", ta->commands_topic, "name of the commands topic");
  check->add_option("--events-topic", ta->events_topic, "name of the events topic");
  check->callback([ta, &g, need_bootstrap] {
    if (need_bootstrap()) g.exit_code = RunTopicsCheck(*ta, g);
  });
  auto* list = topics->add_subcommand("list", "list topics and their partition counts");
  add_common(list);
  list->callback([ta, &g, need_bootstrap] {
    if (need_bootstrap()) g.exit_code = RunTopicsList(*ta, g);
  });
}

}  // namespace

DUBAN_REGISTER_COMMANDS(80, &AddKafkaCommands);

}  // namespace duban::cli

// Shared by the Kafka engine tests: `duban engine` as a child process, a
// synthetic load with the events each command must produce, a reader of
// duban.events that dedupes by event id, and the fixture's checks (exactly
// once, a projected store verifies).
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "broker_fixture.h"
#include "duban/coding.h"
#include "duban/date.h"
#include "duban/engine.h"
#include "duban/kafka/consumer.h"
#include "duban/kafka/kafka_engine.h"
#include "duban/kafka/producer.h"
#include "duban/schemas/codec.h"

namespace duban::kafka::testing {

constexpr int kSessionMs = 3000;

inline std::string TempDir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("duban-kafka-engine-" + name + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}

// `duban --data DIR engine ...` as a child process; output to DIR.log.
class EngineProcess {
 public:
  EngineProcess(std::string bootstrap, std::string data, std::vector<std::string> extra = {})
      : bootstrap_(std::move(bootstrap)), data_(std::move(data)), extra_(std::move(extra)) {}
  ~EngineProcess() { Kill(SIGKILL); }
  void Start() {
    // Built before fork: the child of a threaded process must not allocate.
    const std::string st = std::to_string(kSessionMs);
    const std::string log_path = data_ + ".log";
    // No timer ticks: these tests count each command's events exactly, and
    // on the system clock their loads' 2021 deadlines are long past (timers
    // have their own test, on a fake clock).
    std::vector<std::string> args{
        DubanExe(), "--data",          data_, "engine", "--bootstrap", bootstrap_, "--session-timeout-ms",
        st,         "--tick-interval", "0"};
    args.insert(args.end(), extra_.begin(), extra_.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      FILE* log = std::fopen(log_path.c_str(), "a");
      if (log) {
        dup2(fileno(log), 1);
        dup2(fileno(log), 2);
      }
      execv(DubanExe(), argv.data());
      _exit(127);
    }
  }
  // Sends a signal and does not wait (SIGSTOP / SIGCONT).
  void Signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
  }
  // Waits for the process to exit by itself; returns as Kill does.
  int Wait() { return Kill(0); }
  // Returns the exit status (or -signal).
  int Kill(int sig) {
    if (pid_ <= 0) return 0;
    if (sig) ::kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

 private:
  std::string bootstrap_, data_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
};

inline std::string Unit(int u) { return "单位" + std::to_string(u); }

struct Load {
  std::vector<schemas::Command> commands;
  uint64_t expected_events = 0;
  // command id -> the types of the events it should produce (counted by hand
  // from the command, not by asking the engine).
  std::map<std::string, std::multiset<std::string>> expected;
};

// `plans` imports of tasks x units assignments, every assignment accepted, then
// short progress reports until `total` commands.
inline Load MakeLoad(int plans, int tasks, int units, size_t total, const std::string& prefix) {
  Load load;
  uint64_t seq = 0;
  Instant now = 1'609'459'200'000LL;
  auto base = [&](int p, schemas::Role role, const std::string& actor) {
    schemas::Command c;
    c.command_id = prefix + std::to_string(seq++);
    c.plan_id = "plan-" + std::to_string(p);
    c.actor = schemas::Actor{actor, role, actor};
    c.issued_at = now++;
    return c;
  };
  for (int p = 0; p < plans; ++p) {
    auto c = base(p, schemas::Role::kSupervisor, "office");
    schemas::ImportPlan imp;
    imp.plan.title = "测试台账" + std::to_string(p);
    imp.plan.year = 2021;
    for (int u = 0; u < units; ++u) imp.plan.units.push_back(Unit(u));
    for (int t = 1; t <= tasks; ++t) {
      schemas::ImportTask task;
      task.number = t;
      task.title = "第" + std::to_string(t) + "项";
      task.content = task.title;
      task.deadline.text = "10月底前";
      task.deadline.due_on = "2021-10-31";
      task.lead_units.push_back(Unit(0));
      for (int u = 1; u < units; ++u) task.responsible_units.push_back(Unit(u));
      imp.tasks.push_back(std::move(task));
    }
    c.body = std::move(imp);
    auto& want = load.expected[c.command_id];
    want.insert("PlanImported");
    for (int t = 0; t < tasks; ++t) want.insert("TaskAdded");
    for (int a = 0; a < tasks * units; ++a) want.insert("AssignmentCreated");
    load.commands.push_back(std::move(c));
    load.expected_events += 1 + tasks + tasks * units;
  }
  for (int p = 0; p < plans; ++p)
    for (int t = 1; t <= tasks; ++t)
      for (int u = 0; u < units; ++u) {
        auto c = base(p, schemas::Role::kUnit, Unit(u));
        c.body = schemas::Accept{t, Unit(u)};
        load.expected[c.command_id] = {"AssignmentAccepted"};
        load.commands.push_back(std::move(c));
        ++load.expected_events;
      }
  const int assignments = plans * tasks * units;
  for (uint64_t i = 0; load.commands.size() < total; ++i) {
    const int idx = static_cast<int>(i % assignments);
    const int p = idx / (tasks * units), t = idx / units % tasks + 1, u = idx % units;
    auto c = base(p, schemas::Role::kUnit, Unit(u));
    c.body = schemas::ReportProgress{t, Unit(u), static_cast<int32_t>(i % 101), "进展", "", "", ""};
    load.expected[c.command_id] = {"ProgressReported"};
    load.commands.push_back(std::move(c));
    ++load.expected_events;
  }
  return load;
}

// One record that is no command on every partition of duban.commands: the
// engine logs it, counts it as undecodable and skips it.
inline void ProduceGarbage(const KafkaConfig& cfg) {
  auto producer = Producer::Create(cfg);
  ASSERT_TRUE(producer.ok());
  for (int p = 0; p < cfg.partitions; ++p)
    ASSERT_TRUE((*producer)->Produce(cfg.commands_topic, "x", "not a framed command", {}, p).ok());
  auto f = (*producer)->Flush(10000);
  ASSERT_TRUE(f.ok() && f->empty());
}

inline void ProduceAll(const KafkaConfig& cfg, const std::vector<schemas::Command>& cmds, size_t from = 0,
                       size_t to = SIZE_MAX) {
  auto producer = Producer::Create(cfg);
  ASSERT_TRUE(producer.ok());
  to = std::min(to, cmds.size());
  for (size_t i = from; i < to; ++i)
    ASSERT_TRUE((*producer)->Produce(cfg.commands_topic, cmds[i].plan_id, CommandRecord(cmds[i])).ok());
  auto failures = (*producer)->Flush(60000);
  ASSERT_TRUE(failures.ok());
  ASSERT_TRUE(failures->empty());
}

// What duban.events holds, deduped by event id.
struct EventCensus {
  uint64_t wire = 0;        // records read
  uint64_t duplicates = 0;  // records whose event id was seen before (same hash): legitimate on the wire
  uint64_t undecodable = 0;
  std::map<std::string, std::string> event_ids;   // event id -> its hash, as first read
  std::vector<std::string> conflicts;             // an event id read again with another hash (a fork)
  std::map<std::string, int> events_per_command;  // distinct events
  std::map<std::string, std::multiset<std::string>> types_per_command;  // distinct events' types
  std::map<std::string, int> rejected;                                  // command id -> CommandRejected events
};

// Incremental reader of every partition of duban.events.
class EventsReader {
 public:
  explicit EventsReader(const KafkaConfig& cfg) : cfg_(cfg) {
    auto c = Consumer::Create(cfg, "");
    EXPECT_TRUE(c.ok());
    consumer_ = std::move(*c);
    std::vector<TopicPartition> tps;
    for (int p = 0; p < cfg.partitions; ++p) tps.push_back({cfg.events_topic, p, kOffsetBeginning});
    EXPECT_TRUE(consumer_->Assign(tps).ok());
  }
  // Reads what is there now (one poll round).
  void PollOnce() {
    auto msgs = consumer_->Poll(500, 20000);
    ASSERT_TRUE(msgs.ok()) << msgs.status().ToString();
    for (const auto& m : *msgs) {
      ++census.wire;
      next_[m.partition] = std::max(next_[m.partition], m.offset + 1);
      std::string_view payload;
      size_t consumed = 0;
      auto ev = UnframeRecord(m.value, &payload, &consumed).ok() ? schemas::DecodeEvent(payload)
                                                                 : Result<schemas::Event>(Status::Corruption("frame"));
      if (!ev.ok()) {
        ++census.undecodable;
        continue;
      }
      auto [seen, fresh] = census.event_ids.emplace(ev->event_id, ev->hash);
      if (!fresh) {
        ++census.duplicates;
        if (seen->second != ev->hash)
          census.conflicts.push_back(ev->event_id + " of command " + ev->command_id + " at " + m.topic + "[" +
                                     std::to_string(m.partition) + "]@" + std::to_string(m.offset));
        continue;
      }
      ++census.events_per_command[ev->command_id];
      census.types_per_command[ev->command_id].insert(schemas::EventTypeName(ev->type));
      if (std::holds_alternative<schemas::CommandRejected>(ev->body)) ++census.rejected[ev->command_id];
    }
  }
  // Reads up to the end offsets of every partition as they are now.
  void CatchUp() {
    std::map<int32_t, int64_t> high;
    for (int p = 0; p < cfg_.partitions; ++p) {
      auto wm = consumer_->Watermarks(cfg_.events_topic, p, 10000);
      ASSERT_TRUE(wm.ok());
      high[p] = wm->second;
    }
    bool behind = true;
    while (behind) {
      behind = false;
      for (const auto& [p, h] : high) {
        // Transaction markers take offsets and are never returned: the
        // consumer's position is past them.
        next_[p] = std::max(next_[p], consumer_->Position(cfg_.events_topic, p));
        if (next_[p] < h) behind = true;
      }
      if (behind) PollOnce();
    }
  }
  EventCensus census;

 private:
  std::map<int32_t, int64_t> next_;
  KafkaConfig cfg_;
  std::unique_ptr<Consumer> consumer_;
};

inline std::string ReadFile(const std::string& path) {
  std::string out;
  if (FILE* f = std::fopen(path.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    std::fclose(f);
  }
  return out;
}

class KafkaEngineTest : public BrokerTest {
 protected:
  KafkaConfig EngineConfig() const {
    KafkaConfig cfg = Config();
    cfg.partitions = BrokerOptions().partitions;
    cfg.session_timeout_ms = kSessionMs;
    return cfg;
  }
  // Projects duban.events into a fresh store and verifies it.
  void ProjectAndVerify(const KafkaConfig& cfg, const std::string& dir, uint64_t expected_events) {
    EngineOptions eo;
    eo.data_dir = dir;
    auto store = Engine::Open(eo);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto r = ProjectEvents(cfg, **store, false);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    std::printf("project: records=%llu appended=%llu duplicates=%llu\n", (unsigned long long)r->records,
                (unsigned long long)r->appended, (unsigned long long)r->duplicates);
    EXPECT_EQ(r->appended, expected_events);
    auto v = (*store)->Verify();
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_TRUE(v->ok()) << (v->problems.empty() ? "" : v->problems.front());
    EXPECT_EQ(v->events, expected_events);
  }
  // Reads duban.events until every command has an event. The limit only
  // catches a hang (the fault test's load takes about a minute here).
  void AwaitAll(EventsReader& reader, const Load& load, int limit_seconds = 600) {
    EXPECT_TRUE(Eventually(
        [&] {
          reader.PollOnce();
          return reader.census.events_per_command.size() >= load.commands.size();
        },
        limit_seconds))
        << "gave up after " << limit_seconds << " s with " << reader.census.events_per_command.size() << " of "
        << load.commands.size() << " commands answered";
  }
  // Exactly once, after dedupe by event id (duplicates on the wire are
  // legitimate: readers dedupe): each command of the load has exactly the
  // events it should produce (count and types), no other command has any, and
  // no event id came with two different hashes.
  void ExpectExactlyOnce(const EventCensus& c, const Load& load) {
    uint64_t missing = 0, wrong = 0;
    std::set<std::string> ids;
    for (const auto& cmd : load.commands) {
      ids.insert(cmd.command_id);
      auto want = load.expected.find(cmd.command_id);
      ASSERT_NE(want, load.expected.end()) << "the load says nothing of " << cmd.command_id;
      auto got = c.types_per_command.find(cmd.command_id);
      if (got == c.types_per_command.end()) {
        ++missing;
        ADD_FAILURE() << cmd.command_id << " has no event";
      } else if (got->second != want->second) {
        if (++wrong <= 10)
          ADD_FAILURE() << cmd.command_id << " has " << got->second.size() << " events ("
                        << ::testing::PrintToString(got->second) << "), expected " << want->second.size() << " ("
                        << ::testing::PrintToString(want->second) << ")";
      }
    }
    uint64_t unexpected = 0;
    for (const auto& [id, types] : c.types_per_command)
      if (!ids.count(id) && ++unexpected <= 10) ADD_FAILURE() << "events of a command not in the load: " << id;
    std::printf(
        "commands=%zu events=%zu expected_events=%llu wire_records=%llu duplicates_on_wire=%llu "
        "conflicting_duplicates=%zu rejected=%zu undecodable=%llu missing=%llu wrong=%llu unexpected=%llu\n",
        load.commands.size(), c.event_ids.size(), (unsigned long long)load.expected_events, (unsigned long long)c.wire,
        (unsigned long long)c.duplicates, c.conflicts.size(), c.rejected.size(), (unsigned long long)c.undecodable,
        (unsigned long long)missing, (unsigned long long)wrong, (unsigned long long)unexpected);
    EXPECT_EQ(missing, 0u);
    EXPECT_EQ(wrong, 0u) << "commands whose events differ from what they should produce";
    EXPECT_EQ(unexpected, 0u);
    EXPECT_TRUE(c.conflicts.empty()) << "event ids read with two different hashes (a fork), first: "
                                     << (c.conflicts.empty() ? "" : c.conflicts.front());
    EXPECT_EQ(c.event_ids.size(), load.expected_events);
    EXPECT_EQ(c.undecodable, 0u);
  }
  // Runs `duban engine` on `data` (with `extra` arguments) until every
  // command of `load` has its events, stops it, checks them exactly once and
  // returns how many batches its exit stats say it decided.
  uint64_t DecideAllAndCountBatches(const KafkaConfig& cfg, const std::string& data, const Load& load,
                                    std::vector<std::string> extra) {
    EngineProcess engine(cfg.bootstrap, data, std::move(extra));
    engine.Start();
    EventsReader reader(cfg);
    AwaitAll(reader, load, 120);
    EXPECT_EQ(engine.Kill(SIGTERM), 0);
    reader.CatchUp();
    ExpectExactlyOnce(reader.census, load);
    const std::string log = ReadFile(data + ".log");
    const size_t at = log.rfind("batches=");
    if (at == std::string::npos) {
      ADD_FAILURE() << "no exit stats in the engine's log: " << log;
      return 0;
    }
    std::printf("engine: %s", log.substr(log.rfind("commands=")).c_str());
    return std::stoull(log.substr(at + 8));
  }
};

}  // namespace duban::kafka::testing

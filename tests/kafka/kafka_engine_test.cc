// The engine in Kafka mode against `duban dev-broker` over TCP: `duban engine`
// runs as a child process (so kill -9 is real), commands go in through
// duban.commands, and the tests read duban.events back, dedupe by event id
// and check that every command has its events exactly once, and that a store
// projected from duban.events verifies.
#include "engine_test_support.h"

namespace duban::kafka::testing {
namespace {

// Needs no broker: a bad cache size is refused before any partition is
// fenced or any store made (it would otherwise fail only at the first
// partition's open, after the previous owner was fenced).
TEST(KafkaEngineOptionsTest, ABlockCacheOutsideItsBoundsIsRefusedBeforeAnythingIsTouched) {
  for (size_t mb : {size_t{0}, EngineOptions::kMaxBlockCacheMb + 1}) {
    KafkaEngineOptions o;
    o.kafka.bootstrap = "127.0.0.1:1";  // nothing listens: the refusal must come first
    o.data_dir = "/nonexistent/duban-kafka-cache-test";
    o.block_cache_mb = mb;
    auto engine = KafkaEngine::Create(o);
    ASSERT_FALSE(engine.ok()) << mb;
    EXPECT_EQ(engine.status().code(), Status::Code::kInvalidArgument) << engine.status().ToString();
    EXPECT_NE(engine.status().message().find("block cache"), std::string::npos) << engine.status().ToString();
  }
}

TEST_F(KafkaEngineTest, SubmittedCommandsComeBackAsTheirEventsAndKcatDecodesThem) {
  const KafkaConfig cfg = EngineConfig();
  const std::string dir = TempDir("e2e");
  EngineProcess engine(cfg.bootstrap, dir + "/engine");
  engine.Start();
  Load load = MakeLoad(2, 3, 2, 0, "e2e-");
  for (const auto& c : load.commands) {
    if (!std::holds_alternative<schemas::ImportPlan>(c.body)) continue;
    auto out = SubmitViaKafka(cfg, c, 60000);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_TRUE(out->status.ok());
    EXPECT_EQ(out->events.size(), 1u + 3 + 3 * 2);
  }
  for (const auto& c : load.commands) {
    if (std::holds_alternative<schemas::ImportPlan>(c.body)) continue;
    auto out = SubmitViaKafka(cfg, c, 60000);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_TRUE(out->status.ok()) << out->status.ToString();
    EXPECT_EQ(out->events.size(), 1u);
  }
  // A command the plan cannot take comes back rejected, by its command id.
  schemas::Command bad = load.commands.back();
  bad.command_id = "e2e-bad";
  bad.body = schemas::Accept{99, Unit(0)};
  auto rej = SubmitViaKafka(cfg, bad, 60000);
  ASSERT_TRUE(rej.ok()) << rej.status().ToString();
  EXPECT_EQ(rej->status.code(), Status::Code::kRejected);

  EventsReader reader(cfg);
  reader.CatchUp();
  load.commands.push_back(bad);
  load.expected[bad.command_id] = {"CommandRejected"};
  EXPECT_EQ(reader.census.rejected.count("e2e-bad"), 1u);
  ++load.expected_events;
  ExpectExactlyOnce(reader.census, load);

  // The second half needs kcat (ops/install-deps.sh installs it): without it
  // the test ends as skipped, saying so, rather than passing on half.
  const bool have_kcat = std::system("command -v kcat > /dev/null 2>&1") == 0;
  if (have_kcat) {
    const std::string cmd = "kcat -b " + cfg.bootstrap + " -C -t " + cfg.events_topic +
                            " -o beginning -e -q -f '%R%s' | " + DubanExe() + " decode";
    FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string out;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    EXPECT_EQ(pclose(p), 0);
    for (const auto& c : load.commands) {
      EXPECT_NE(out.find("cmd=" + c.command_id + " "), std::string::npos) << c.command_id;
    }
    EXPECT_NE(out.find("CommandRejected"), std::string::npos);
  }
  EXPECT_EQ(engine.Kill(SIGTERM), 0);
  ProjectAndVerify(cfg, dir + "/read", load.expected_events);
  std::filesystem::remove_all(dir);
  if (!have_kcat) GTEST_SKIP() << "kcat is not installed: duban.events was not read back through kcat";
}

TEST_F(KafkaEngineTest, DecidedButNeverProducedIsProducedOnRestartOrDiscardedUnderTransactionsAndGarbageIsSkipped) {
  const KafkaConfig cfg = EngineConfig();
  const std::string dir = TempDir("reproduce");
  ProduceGarbage(cfg);  // logged, counted, skipped
  Load load = MakeLoad(1, 2, 1, 0, "rp-");
  load.commands.resize(2);  // the import and one accept
  load.expected_events = 1 + 2 + 2 + 1;
  EngineProcess engine(cfg.bootstrap, dir + "/engine");
  engine.Start();
  auto imported = SubmitViaKafka(cfg, load.commands[0], 60000);
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_EQ(engine.Kill(SIGTERM), 0);
  EXPECT_NE(ReadFile(dir + "/engine.log").find("undecodable=" + std::to_string(cfg.partitions)), std::string::npos)
      << ReadFile(dir + "/engine.log");

  // Simulate a crash between the RocksDB commit and the produce: decide the
  // next command straight into the partition's store, leaving produced.end.
  int decided = 0;
  for (int p = 0; p < cfg.partitions; ++p) {
    EngineOptions eo;
    eo.data_dir = dir + "/engine/partition-" + std::to_string(p);
    eo.create_if_missing = false;
    eo.rejected_stream = "!rejected/" + std::to_string(p);
    eo.clock = SystemClock();  // as `duban engine` decides: its clock takes the command
    auto e = Engine::Open(eo);
    if (!e.ok() || !(*e)->Plan("plan-0").ok()) continue;
    auto out = (*e)->SubmitBatch({load.commands[1]});
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0].status.ok()) << out[0].status.ToString();
    ++decided;
  }
  ASSERT_EQ(decided, 1);
  engine.Start();
  EventsReader reader(cfg);
  if (!OnRealBroker()) {
    // Idempotent mode (the dev broker): the restarted engine produces the
    // committed event; the command itself never went through Kafka.
    AwaitAll(reader, load, 60);
    EXPECT_EQ(engine.Kill(SIGTERM), 0);
    reader.CatchUp();
    ExpectExactlyOnce(reader.census, load);
    EXPECT_NE(ReadFile(dir + "/engine.log").find("reproduced=1 "), std::string::npos) << ReadFile(dir + "/engine.log");
    std::filesystem::remove_all(dir);
    return;
  }
  // Transactional mode: a decision no committed transaction carries is void
  // (another owner may have decided otherwise meanwhile). The engine
  // rebuilds the store from duban.events and produces nothing of it; the
  // command, sent through duban.commands now, is decided afresh, once.
  ASSERT_TRUE(Eventually([&] {
    return ReadFile(dir + "/engine.log").find("rebuilding the partition's store") != std::string::npos;
  })) << ReadFile(dir + "/engine.log");
  reader.CatchUp();
  EXPECT_EQ(reader.census.events_per_command.count(load.commands[1].command_id), 0u)
      << "a decision that was never committed reached duban.events";
  ProduceAll(cfg, load.commands, 1, 2);
  AwaitAll(reader, load, 60);
  EXPECT_EQ(engine.Kill(SIGTERM), 0);
  reader.CatchUp();
  ExpectExactlyOnce(reader.census, load);
  const std::string log = ReadFile(dir + "/engine.log");
  EXPECT_NE(log.find("rebuilt=1\n"), std::string::npos) << log;
  EXPECT_NE(log.find("reproduced=0 "), std::string::npos) << log;
  int discarded = 0;  // the void store is kept aside for inspection
  for (int p = 0; p < cfg.partitions; ++p)
    discarded += std::filesystem::exists(dir + "/engine/partition-" + std::to_string(p) + ".discarded");
  EXPECT_EQ(discarded, 1);
  std::filesystem::remove_all(dir);
}

// A backlog of plan imports (the engine was down while they were sent) is
// decided in batches of bounded weight (--max-batch-events), each its own
// group commit with its own consumed offset. The engine is killed after its
// first productions, with the next batch committed to RocksDB and held
// before it is produced: whatever poll and batch that was, the restart loses
// and repeats nothing. Weights here: an import of 3 tasks with a lead and a
// responsible unit each counts 1 + 3 x 3 = 10, so a batch of weight 15 holds
// one import. Undecodable records lie between the imports and at the end.
TEST_F(KafkaEngineTest, ABacklogOfImportsIsDecidedInBatchesOfBoundedWeightExactlyOnceAcrossACrash) {
  const KafkaConfig cfg = EngineConfig();
  const std::string dir = TempDir("batches");
  const std::string hold = dir + "/hold";
  Load load = MakeLoad(16, 3, 2, 0, "bk-");
  // All there before the engine starts.
  ProduceAll(cfg, load.commands, 0, 8);
  ProduceGarbage(cfg);
  ProduceAll(cfg, load.commands, 8, load.commands.size());
  ProduceGarbage(cfg);
  {
    std::FILE* f = std::fopen(hold.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("3", f);  // three productions pass, then the hold
    std::fclose(f);
  }
  {
    EngineProcess held(cfg.bootstrap, dir + "/engine", {"--max-batch-events", "15", "--test-hold-file", hold});
    held.Start();
    ASSERT_TRUE(Eventually([&] {
      return ReadFile(dir + "/engine.log").find("holding a decided batch") != std::string::npos;
    })) << ReadFile(dir + "/engine.log");
    EXPECT_EQ(held.Kill(SIGKILL), -SIGKILL);
  }
  // Some partition's store recorded a batch's offset short of that
  // partition's end: the kill fell inside a backlog, not after it.
  {
    auto consumer = Consumer::Create(cfg, "");
    ASSERT_TRUE(consumer.ok());
    int inside = 0;
    for (int p = 0; p < cfg.partitions; ++p) {
      EngineOptions eo;
      eo.data_dir = dir + "/engine/partition-" + std::to_string(p);
      eo.create_if_missing = false;
      eo.read_only = true;
      auto e = Engine::Open(eo);
      if (!e.ok()) continue;
      auto offset = (*e)->GetMeta("cmd.offset." + std::to_string(p));
      auto wm = (*consumer)->Watermarks(cfg.commands_topic, p, 10000);
      ASSERT_TRUE(offset.ok() && wm.ok());
      if (*offset && std::stoll(**offset) < wm->second) ++inside;
    }
    EXPECT_GE(inside, 1) << ReadFile(dir + "/engine.log");
  }
  std::filesystem::remove(hold);
  // The killed engine decided at most 3 + 2 batches (one import each at
  // most): the restarted one at least 11 imports, one batch each.
  EXPECT_GE(DecideAllAndCountBatches(cfg, dir + "/engine", load, {"--max-batch-events", "15"}), 11u);
  ProjectAndVerify(cfg, dir + "/read", load.expected_events);
  std::filesystem::remove_all(dir);
}

// A review cycle fans out over its plan's open assignments: a backlog of
// them (an office starting one over every plan) is weighed by the plans'
// assignments in the store, not as one event each, so it too is cut.
TEST_F(KafkaEngineTest, ABacklogOfReviewCyclesIsWeighedByThePlansAssignmentsAndDecidedInBatches) {
  const KafkaConfig cfg = EngineConfig();
  const std::string dir = TempDir("cycles");
  Load load = MakeLoad(8, 3, 2, 0, "rc-");  // 8 plans of 6 assignments, all accepted
  ProduceAll(cfg, load.commands);
  DecideAllAndCountBatches(cfg, dir + "/engine", load, {});
  const size_t first = load.commands.size();
  // Due on a day to come by the engine's clock, within the ten years a date for work may be.
  const std::string next_year = std::to_string(DayOf(SystemClock()->Now()).year + 1);
  for (int p = 0; p < 8; ++p) {
    schemas::Command c;
    c.command_id = "rc-cycle-" + std::to_string(p);
    c.plan_id = "plan-" + std::to_string(p);
    c.actor = schemas::Actor{"office", schemas::Role::kSupervisor, "office"};
    c.issued_at = 1'625'097'600'000LL + p;  // 2021-07-01
    c.body = schemas::StartReviewCycle{"q3", "plan", "quarterly", next_year + "-07-15", ""};
    auto& want = load.expected[c.command_id];
    want.insert("ReviewCycleStarted");
    for (int a = 0; a < 6; ++a) want.insert("ProgressReportRequested");
    load.expected_events += 7;
    load.commands.push_back(std::move(c));
  }
  ProduceAll(cfg, load.commands, first);  // all there before the engine starts again
  // Each cycle weighs 1 + 6 > 5: a batch of its own.
  EXPECT_EQ(DecideAllAndCountBatches(cfg, dir + "/engine", load, {"--max-batch-events", "5"}), 8u);
  ProjectAndVerify(cfg, dir + "/read", load.expected_events);
  std::filesystem::remove_all(dir);
}

// The read model merges partitions into one log, where a command's events
// must sit together (its commands row is the run of positions they took, as a
// rebuild computes it). A command cut between two reads, with another
// partition's events read meanwhile, waits for its rest instead of being
// split around them.
TEST_F(KafkaEngineTest, TheReadModelWaitsForTheRestOfACommandInsteadOfSplittingIt) {
  const KafkaConfig cfg = EngineConfig();
  const std::string dir = TempDir("cut");
  Load load = MakeLoad(2, 1, 2, 0, "cut-");
  std::vector<std::vector<schemas::Event>> events;  // per plan import: 4 events each
  {
    EngineOptions eo;
    eo.data_dir = dir + "/decide";
    auto e = Engine::Open(eo);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    for (int i = 0; i < 2; ++i) {
      auto out = (*e)->Submit(load.commands[i]);
      ASSERT_TRUE(out.status.ok()) << out.status.ToString();
      ASSERT_EQ(out.events.size(), 4u);
      events.push_back(out.events);
    }
  }
  auto producer = Producer::Create(cfg);
  ASSERT_TRUE(producer.ok());
  auto produce = [&](int plan, size_t from, size_t to, int32_t partition) {
    for (size_t i = from; i < to; ++i) {
      const auto& ev = events[plan][i];
      Headers h{{kHeaderCmdEvents, "4"}};
      ASSERT_TRUE(
          (*producer)->Produce(cfg.events_topic, ev.stream, FrameRecord(schemas::EncodeEvent(ev)), h, partition).ok());
    }
    auto f = (*producer)->Flush(10000);
    ASSERT_TRUE(f.ok() && f->empty());
  };
  produce(0, 0, 2, 0);  // plan-0's import, cut after two of its four events
  produce(1, 0, 4, 1);  // plan-1's import, whole, on another partition

  EngineOptions so;
  so.data_dir = dir + "/read";
  auto store = Engine::Open(so);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto first = ProjectEvents(cfg, **store, false);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->records, 6u);
  EXPECT_EQ(first->appended, 4u);  // plan-1 only; plan-0's two events wait
  EXPECT_FALSE((*store)->Plan("plan-0").ok());
  auto offset = (*store)->GetMeta("events.offset.0");
  ASSERT_TRUE(offset.ok() && offset->has_value());
  EXPECT_EQ(**offset, "0");  // a restart reads them again

  produce(0, 2, 4, 0);
  auto second = ProjectEvents(cfg, **store, false);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->appended, 4u);
  auto v = (*store)->Verify();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->ok()) << (v->problems.empty() ? "" : v->problems.front());
  EXPECT_EQ(v->events, 8u);
  auto outcome = (*store)->OutcomeOf(load.commands[0].command_id);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->events.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(outcome->events[i].event_id, events[0][i].event_id);
  std::filesystem::remove_all(dir);
}

// Every DeadlineMissed event in duban.events: event id -> records on the wire.
std::map<std::string, int> DeadlineMissedOnWire(const KafkaConfig& cfg) {
  std::map<std::string, int> out;
  auto consumer = Consumer::Create(cfg, "");
  EXPECT_TRUE(consumer.ok());
  std::map<int32_t, int64_t> high, next;
  std::vector<TopicPartition> tps;
  for (int p = 0; p < cfg.partitions; ++p) {
    auto wm = (*consumer)->Watermarks(cfg.events_topic, p, 10000);
    EXPECT_TRUE(wm.ok());
    high[p] = wm.ok() ? wm->second : 0;
    next[p] = 0;
    tps.push_back({cfg.events_topic, p, kOffsetBeginning});
  }
  EXPECT_TRUE((*consumer)->Assign(tps).ok());
  auto behind = [&] {
    for (const auto& [p, h] : high)
      if (next[p] < h) return true;
    return false;
  };
  while (behind()) {
    auto msgs = (*consumer)->Poll(500, 20000);
    EXPECT_TRUE(msgs.ok());
    if (!msgs.ok()) break;
    // Transaction markers take offsets and are never returned.
    for (auto& [p, at] : next) at = std::max(at, (*consumer)->Position(cfg.events_topic, p));
    for (const auto& m : *msgs) {
      next[m.partition] = std::max(next[m.partition], m.offset + 1);
      std::string_view payload;
      size_t consumed = 0;
      if (!UnframeRecord(m.value, &payload, &consumed).ok()) continue;
      auto ev = schemas::DecodeEvent(payload);
      if (ev.ok() && std::holds_alternative<schemas::DeadlineMissed>(ev->body)) ++out[ev->event_id];
    }
  }
  return out;
}

// Timers in Kafka mode: the owner of a partition ticks its store on the
// engine's clock (a fake one here) and the fired timers' events go out
// through the outbox. Each fires once: not again after a restart on the same
// store, nor after a hand-over to an engine that restores the store from
// duban.events.
// A broker refuses a member whose session timeout is out of its range;
// librdkafka would retry the JoinGroup forever, so the engine used to sit
// silent, owning nothing. It must stop, naming the setting.
TEST_F(KafkaEngineTest, ASessionTimeoutTheBrokerRefusesStopsTheEngineNamingTheSetting) {
  if (!OnRealBroker()) GTEST_SKIP() << "librdkafka's mock accepts any session timeout";
  const std::string dir = TempDir("session");
  const std::string cmd = std::string(DubanExe()) + " --data " + dir + "/engine engine --bootstrap " + bootstrap() +
                          " --tick-interval 0 --session-timeout-ms 500 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << out;
  EXPECT_NE(out.find("Invalid session timeout"), std::string::npos) << out;
  EXPECT_NE(out.find("group.min.session.timeout.ms"), std::string::npos) << out;
}

TEST_F(KafkaEngineTest, DueTimersFireIntoDubanEventsOnceAcrossRestartAndHandOver) {
  const KafkaConfig cfg = EngineConfig();
  const std::string dir = TempDir("timers");
  std::atomic<Instant> clock{StartOfDay(*Date::Parse("2021-10-01"))};
  // The engine reads the clock once per loop, where it decides whether to
  // tick: counting the reads tells the test that loops have passed.
  std::atomic<uint64_t> clock_reads{0};
  // Runs an in-process KafkaEngine on `data` while `body` runs.
  auto with_engine = [&](const std::string& data, const std::function<void()>& body) {
    KafkaEngineOptions o;
    o.kafka = cfg;
    o.kafka.client_id = "timers-engine";
    o.data_dir = data;
    o.group = "timers-engines";
    o.now = [&clock, &clock_reads] {
      ++clock_reads;
      return clock.load();
    };
    o.tick_interval_ms = 1000;
    auto engine = KafkaEngine::Create(o);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    std::atomic<bool> stop{false};
    Status run;
    std::thread t([&] { run = (*engine)->Run(stop); });
    body();
    stop = true;
    t.join();
    EXPECT_TRUE(run.ok()) << run.ToString();
    auto s = (*engine)->stats();
    std::printf("engine on %s: ticks=%llu timer_events=%llu restored=%llu\n", data.c_str(), (unsigned long long)s.ticks,
                (unsigned long long)s.timer_events, (unsigned long long)s.restored);
  };
  // A round trip proves the engine owns its partitions; two more clock reads
  // prove a whole loop has passed since, whose tick check saw the assignment
  // (a partition just assigned ticks at once).
  int n = 0;
  auto round_trip = [&] {
    schemas::Command c;
    c.command_id = "timers-rt-" + std::to_string(n++);
    c.plan_id = "plan-0";
    c.actor = schemas::Actor{Unit(1), schemas::Role::kUnit, Unit(1)};
    c.issued_at = clock.load();
    c.body = schemas::ReportProgress{1, Unit(1), 10, "进展", "", "", ""};
    auto out = SubmitViaKafka(cfg, c, 60000);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    const uint64_t reads = clock_reads.load();
    ASSERT_TRUE(Eventually([&] { return clock_reads.load() >= reads + 2; }, 60)) << "the engine loop stopped";
  };
  // One plan, one task due 2021-10-31, two units: two open assignments, so
  // two "missed" timers armed for the start of 2021-11-01.
  Load load = MakeLoad(1, 1, 2, 0, "timers-");
  const schemas::Command import = load.commands.front();
  std::map<std::string, int> fired;
  with_engine(dir + "/a", [&] {
    auto out = SubmitViaKafka(cfg, import, 60000);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_TRUE(out->status.ok()) << out->status.ToString();
    round_trip();
    EXPECT_TRUE(DeadlineMissedOnWire(cfg).empty()) << "nothing is due on 2021-10-01";
    clock = StartOfDay(*Date::Parse("2021-11-02"));
    ASSERT_TRUE(Eventually(
        [&] {
          fired = DeadlineMissedOnWire(cfg);
          return fired.size() >= 2;
        },
        60));
  });
  EXPECT_EQ(fired.size(), 2u);
  for (const auto& [id, records] : fired) EXPECT_EQ(records, 1) << id;

  // Restart on the same store, the clock still past the due date.
  with_engine(dir + "/a", round_trip);
  // Hand-over: an engine without the store restores it from duban.events.
  with_engine(dir + "/b", round_trip);
  EXPECT_EQ(DeadlineMissedOnWire(cfg), fired) << "no timer fired twice";

  for (const std::string& store : {dir + "/a", dir + "/b"}) {
    EngineOptions eo;
    eo.read_only = true;
    std::map<std::string, int> in_store;
    for (int p = 0; p < cfg.partitions; ++p) {
      eo.data_dir = store + "/partition-" + std::to_string(p);
      if (!std::filesystem::exists(eo.data_dir)) continue;
      auto e = Engine::Open(eo);
      ASSERT_TRUE(e.ok()) << e.status().ToString();
      ASSERT_TRUE((*e)->ScanLog(1,
                                [&](uint64_t, const schemas::Event& ev) {
                                  if (std::holds_alternative<schemas::DeadlineMissed>(ev.body)) ++in_store[ev.event_id];
                                  return true;
                                })
                      .ok());
    }
    EXPECT_EQ(in_store, fired) << store;
  }
  std::filesystem::remove_all(dir);
}

class KafkaEngineFaultTest : public KafkaEngineTest {
 protected:
  DevBrokerOptions BrokerOptions() const override {
    DevBrokerOptions o;
    o.brokers = 3;
    // The mock keeps only the newest 5 MiB of a partition, and a read model
    // reads from the first offset kept. With 24 partitions the busiest one
    // (8 of the 96 plans) once held 13,022 records after the kills'
    // re-productions, over 5 MiB: its oldest events were dropped. 64 puts at
    // most 4 plans on a partition (murmur2 of plan-0..plan-95).
    o.partitions = 64;
    return o;
  }
};

TEST_F(KafkaEngineFaultTest, EveryCommandHasItsEventsExactlyOnceAfterKillsAndLeaderMoves) {
  NeedDevBroker("moves leaders and takes a broker down in-process");
  const KafkaConfig cfg = EngineConfig();
  const std::string dir = TempDir("fault");
  Load load = MakeLoad(96, 5, 2, 100'000, "f-");
  EngineProcess engine(cfg.bootstrap, dir + "/engine");
  engine.Start();
  ProduceAll(cfg, load.commands);
  EventsReader reader(cfg);
  // Kill -9 three times while the engine works through the load, and move and
  // take down the leader of a partition in between.
  for (int round = 0; round < 3; ++round) {
    const size_t target = load.commands.size() * (round + 1) / 5;
    ASSERT_TRUE(Eventually([&] {
      reader.PollOnce();
      return reader.census.events_per_command.size() >= target;
    })) << "the engine stopped making progress before "
        << target << " commands";
    EXPECT_EQ(engine.Kill(SIGKILL), -SIGKILL);
    std::printf("round %d: killed the engine at %zu commands with events\n", round,
                reader.census.events_per_command.size());
    if (round == 0) {
      EXPECT_TRUE(dev_broker().SetLeader(cfg.events_topic, 0, 2).ok());
    }
    if (round == 1) {
      EXPECT_TRUE(dev_broker().BrokerDown(2).ok());
      engine.Start();
      for (int i = 0; i < 4; ++i) reader.PollOnce();
      EXPECT_TRUE(dev_broker().BrokerUp(2).ok());
      continue;
    }
    engine.Start();
  }
  AwaitAll(reader, load);
  EXPECT_EQ(engine.Kill(SIGTERM), 0);
  reader.CatchUp();  // late duplicates, if any
  ExpectExactlyOnce(reader.census, load);
  {
    // A read model starts at each partition's first offset: if the mock
    // dropped old messages (its 5 MiB cap), the check below cannot pass, and
    // the test is sized wrong rather than the engine.
    auto c = Consumer::Create(cfg, "");
    ASSERT_TRUE(c.ok());
    for (int p = 0; p < cfg.partitions; ++p) {
      auto wm = (*c)->Watermarks(cfg.events_topic, p, 10000);
      ASSERT_TRUE(wm.ok()) << wm.status().ToString();
      EXPECT_EQ(wm->first, 0) << cfg.events_topic << "[" << p << "] holds " << wm->second
                              << " records and the mock dropped the oldest: more partitions needed";
    }
  }
  ProjectAndVerify(cfg, dir + "/read", load.expected_events);
  if (HasFailure()) {
    std::printf("kept for diagnosis: %s (engine.log: the engine's output)\n", dir.c_str());
    return;
  }
  std::filesystem::remove_all(dir);
}

class KafkaEngineScaleOutTest : public KafkaEngineTest {
 protected:
  DevBrokerOptions BrokerOptions() const override {
    DevBrokerOptions o;
    o.partitions = 8;
    return o;
  }
};

TEST_F(KafkaEngineScaleOutTest, TheSurvivorOfTwoEnginesFinishesEveryPartition) {
  const KafkaConfig cfg = EngineConfig();
  const std::string dir = TempDir("scale");
  Load load = MakeLoad(32, 4, 2, 30'000, "s-");
  EngineProcess a(cfg.bootstrap, dir + "/a"), b(cfg.bootstrap, dir + "/b");
  EventsReader reader(cfg);
  // Each partition an engine is assigned opens its own store directory.
  auto partitions_of = [&](const std::string& d) {
    int n = 0;
    if (std::filesystem::exists(d))
      for (const auto& e : std::filesystem::directory_iterator(d))
        n += e.path().filename().string().rfind("partition-", 0) == 0;
    return n;
  };
  // a alone takes every partition and works through a first share; then b
  // joins and the group splits the partitions: each waits for what it needs,
  // not for time, so the shares are the same on a fast or a slow machine.
  a.Start();
  ProduceAll(cfg, load.commands, 0, 2000);
  ASSERT_TRUE(Eventually([&] {
    reader.PollOnce();
    return reader.census.events_per_command.size() >= 2000 && partitions_of(dir + "/a") == 8;
  })) << "engine a did not take all 8 partitions and decide the first 2,000 commands";
  b.Start();
  ASSERT_TRUE(Eventually([&] {
    reader.PollOnce();
    return partitions_of(dir + "/b") > 0;
  })) << "engine b was never assigned a partition";
  // Kill a while the first half is being worked through; the second half
  // arrives after, on every partition.
  const size_t half = load.commands.size() / 2;
  ProduceAll(cfg, load.commands, 2000, half);
  ASSERT_TRUE(Eventually([&] {
    reader.PollOnce();
    return reader.census.events_per_command.size() >= half / 2;
  }));
  const int b_before = partitions_of(dir + "/b");
  EXPECT_GT(b_before, 0);
  EXPECT_LT(b_before, 8) << "a kept no share";
  EXPECT_EQ(a.Kill(SIGKILL), -SIGKILL);
  std::printf("killed one engine at %zu commands with events\n", reader.census.events_per_command.size());
  ProduceAll(cfg, load.commands, half);
  AwaitAll(reader, load);
  EXPECT_EQ(b.Kill(SIGTERM), 0);
  reader.CatchUp();
  EXPECT_EQ(partitions_of(dir + "/b"), 8);
  // The survivor rebuilt the partitions it took over from duban.events.
  const std::string log = ReadFile(dir + "/b.log");
  auto at = log.rfind("restored=");
  ASSERT_NE(at, std::string::npos) << log;
  EXPECT_GT(std::atoll(log.c_str() + at + 9), 0) << log.substr(at);
  std::printf("survivor: %s", log.substr(log.rfind("commands=")).c_str());
  ExpectExactlyOnce(reader.census, load);
  ProjectAndVerify(cfg, dir + "/read", load.expected_events);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace duban::kafka::testing

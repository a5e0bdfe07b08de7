// Engine::AppendExternal: events decided by another engine (Kafka mode reads
// them back from duban.events) applied to a store exactly once, in order, with
// gaps and forged events refused.
#include <gtest/gtest.h>

#include "duban/engine.h"
#include "duban/engine_bench.h"
#include "duban/schemas/codec.h"
#include "store_util.h"

namespace duban {
namespace {

using namespace schemas;
using testing::Cmd;
using testing::OpenAt;
using testing::TempDir;

std::vector<Event> SourceEvents(Engine& source) {
  std::vector<Command> cmds = testing::MixedCommands();  // c3 is rejected, and logged
  source.SubmitBatch(cmds);
  return testing::LogEvents(source);
}

TEST(AppendExternalTest, EventsFromAnotherEngineGiveTheSameProjections) {
  TempDir a, b;
  auto source = OpenAt(a.path());
  auto events = SourceEvents(*source);
  ASSERT_EQ(events.size(), 7u);  // plan, task, 2 assignments, accept, rejection, progress
  auto sink = OpenAt(b.path());
  auto r = sink->AppendExternal(events, {{"kafka.offset.0", "42"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->appended, 7u);
  EXPECT_EQ(*source->ProjectionDigest(), *sink->ProjectionDigest());
  EXPECT_EQ(sink->GetMeta("kafka.offset.0")->value_or(""), "42");
  auto outcome = sink->OutcomeOf("c3");
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->status.reason(), "forbidden_role");
  EXPECT_TRUE(sink->Verify()->ok());
}

TEST(AppendExternalTest, RedeliveredEventsAreAppliedOnce) {
  TempDir a, b;
  auto source = OpenAt(a.path());
  auto events = SourceEvents(*source);
  auto sink = OpenAt(b.path());
  // At-least-once delivery: a prefix, then everything again.
  ASSERT_TRUE(sink->AppendExternal({events.begin(), events.begin() + 3}).ok());
  auto r = sink->AppendExternal(events);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->appended, 4u);
  EXPECT_EQ(r->duplicates, 3u);
  EXPECT_EQ(sink->LogEnd(), 8u);
  EXPECT_EQ(*source->ProjectionDigest(), *sink->ProjectionDigest());
}

TEST(AppendExternalTest, AGapInAStreamIsRefusedAndNothingIsWritten) {
  TempDir a, b;
  auto source = OpenAt(a.path());
  auto events = SourceEvents(*source);
  auto sink = OpenAt(b.path());
  std::vector<Event> gap = {events[0], events[2]};  // skips seq 2 of stream p1
  auto r = sink->AppendExternal(gap);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  EXPECT_EQ(sink->LogEnd(), 1u);
  // A seq that skips ahead while prev_hash names the right predecessor (and
  // the event's own hash is valid) is a gap too: the seq alone gives it away.
  Event ahead = events[1];
  ahead.stream_seq = 3;
  ahead.hash = ComputeHash(ahead);
  auto r2 = sink->AppendExternal({events[0], ahead});
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.status().code(), Status::Code::kCorruption);
  EXPECT_NE(r2.status().message().find("does not follow seq 1"), std::string::npos) << r2.status().ToString();
  EXPECT_EQ(sink->LogEnd(), 1u);
  // And the store still accepts the right sequence afterwards.
  EXPECT_TRUE(sink->AppendExternal(events).ok());
}

TEST(AppendExternalTest, AnEventWhoseBytesWereAlteredIsRefused) {
  TempDir a, b;
  auto source = OpenAt(a.path());
  auto events = SourceEvents(*source);
  auto sink = OpenAt(b.path());
  events[0].actor.id = "someone else";  // hash no longer matches
  auto r = sink->AppendExternal(events);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  EXPECT_EQ(sink->LogEnd(), 1u);
}

// Two engines that decided different commands on the same plan after a common
// prefix hold two branches of its stream. The sink has branch A; branch B's
// next event has the right seq and a valid own hash, but its prev_hash names
// B's previous event, not A's: a fork, refused, and nothing of the call written.
TEST(AppendExternalTest, AForkedStreamIsRefusedEvenWhenItsSeqFollows) {
  TempDir a, b, c;
  auto engine_a = OpenAt(a.path());
  auto engine_b = OpenAt(b.path());
  const auto mixed = testing::MixedCommands();
  ASSERT_TRUE(engine_a->Submit(mixed[0]).status.ok());
  ASSERT_TRUE(engine_b->Submit(mixed[0]).status.ok());
  ASSERT_TRUE(engine_a->Submit(Cmd("a2", Role::kUnit, "市财政局", Accept{1, "市财政局"})).status.ok());
  ASSERT_TRUE(engine_b->Submit(Cmd("b2", Role::kUnit, "市公安局", Accept{1, "市公安局"})).status.ok());
  Outcome b3 =
      engine_b->Submit(Cmd("b3", Role::kUnit, "市公安局", ReportProgress{1, "市公安局", 30, "启动", "", "", ""}));
  ASSERT_TRUE(b3.status.ok()) << b3.status.ToString();
  ASSERT_EQ(b3.events.size(), 1u);

  const std::vector<Event> branch_a = testing::LogEvents(*engine_a);
  auto sink = OpenAt(c.path());
  ASSERT_TRUE(sink->AppendExternal(branch_a).ok());
  const Event& fork = b3.events[0];
  ASSERT_EQ(fork.stream_seq, branch_a.back().stream_seq + 1) << "the seq alone does not give the fork away";
  ASSERT_EQ(fork.hash, ComputeHash(fork));
  ASSERT_NE(fork.prev_hash, branch_a.back().hash);

  const uint64_t end = sink->LogEnd();
  const std::string digest = *sink->ProjectionDigest();
  auto r = sink->AppendExternal({fork}, {{"kafka.offset.0", "7"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  EXPECT_NE(r.status().message().find("fork"), std::string::npos) << r.status().ToString();
  EXPECT_EQ(sink->LogEnd(), end);
  EXPECT_EQ(*sink->ProjectionDigest(), digest);
  EXPECT_FALSE(sink->GetMeta("kafka.offset.0")->has_value());
  EXPECT_TRUE(sink->Verify()->ok());
}

// Kafka mode restores a partition's store from duban.events through
// AppendExternal: a sink that holds one plan at a time drops the others as it
// goes, snapshotting those grown by a quarter of the snapshot interval (the
// parting snapshots of records.h), and ends with every plan, projection and
// as-of answer the source has.
TEST(AppendExternalTest, ASinkHoldingOnePlanLeavesPartingSnapshotsAndEndsAsTheSource) {
  TempDir a, b;
  auto source = OpenAt(a.path());
  std::vector<Command> cmds;
  for (int p = 0; p < 3; ++p) {
    Command imp = Cmd("imp" + std::to_string(p), Role::kSupervisor, "office", testing::TestPlan(4, {"甲局", "乙局"}));
    imp.plan_id = "p" + std::to_string(p);
    cmds.push_back(imp);
  }
  for (int p = 0; p < 3; ++p)
    for (int t = 1; t <= 4; ++t)
      for (const char* u : {"甲局", "乙局"}) {
        Command acc = Cmd("acc" + std::to_string(p) + u + std::to_string(t), Role::kUnit, u, Accept{t, u});
        acc.plan_id = "p" + std::to_string(p);
        cmds.push_back(acc);
      }
  for (int i = 0; i < 1800; ++i) {  // 600 reports a plan, the plans interleaved
    const std::string u = i % 2 ? "甲局" : "乙局";
    Command c =
        Cmd("r" + std::to_string(i), Role::kUnit, u, ReportProgress{1 + i / 3 % 4, u, i % 100, "进展", "", "", ""});
    c.plan_id = "p" + std::to_string(i % 3);
    c.issued_at += static_cast<Instant>(i) * 60'000;
    cmds.push_back(c);
  }
  for (const auto& o : source->SubmitBatch(cmds)) ASSERT_TRUE(o.status.ok()) << o.status.ToString();
  const std::vector<Event> events = testing::LogEvents(*source);
  EngineOptions so;
  so.data_dir = b.path();
  so.plan_cache_weight = 1;  // only the newest plan is held
  auto sink = Engine::Open(so);
  ASSERT_TRUE(sink.ok());
  for (size_t i = 0; i < events.size(); i += 7)  // as Kafka polls deliver them, a few at a time
    ASSERT_TRUE((*sink)
                    ->AppendExternal({events.begin() + static_cast<std::ptrdiff_t>(i),
                                      events.begin() + static_cast<std::ptrdiff_t>(std::min(events.size(), i + 7))})
                    .ok());
  const bench::WriteStats ws = bench::EngineWriteStats(**sink);
  EXPECT_GE(ws.parting_snapshots, 3u * 2);  // each plan grew past 250 twice
  EXPECT_LT(ws.plan_load_events, 250u * ws.plan_loads);
  EXPECT_EQ(*source->ProjectionDigest(), *(*sink)->ProjectionDigest());
  for (int p = 0; p < 3; ++p) {
    const std::string id = "p" + std::to_string(p);
    auto want = source->Plan(id), got = (*sink)->Plan(id);
    ASSERT_TRUE(want.ok() && got.ok());
    EXPECT_TRUE(*want == *got) << id;
    for (Instant n : {100, 900, 1500, 1799}) {
      const Instant at = 1'620'000'000'000LL + n * 60'000;
      auto w = source->PlanAsOf(id, at), g = (*sink)->PlanAsOf(id, at);
      ASSERT_TRUE(w.ok() && g.ok());
      EXPECT_TRUE(*w == *g) << id << " as of report " << n;
    }
  }
  EXPECT_TRUE((*sink)->Verify()->ok());
}

}  // namespace
}  // namespace duban

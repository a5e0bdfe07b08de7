// Engine::AppendExternal: events decided by another engine (Kafka mode reads
// them back from duban.events) applied to a store exactly once, in order, with
// gaps and forged events refused.
#include <gtest/gtest.h>

#include "duban/engine.h"
#include "duban/schemas/codec.h"
#include "store_util.h"

namespace duban {
namespace {

using namespace schemas;
using testing::TempDir;

std::unique_ptr<Engine> OpenAt(const std::string& dir) {
  EngineOptions o;
  o.data_dir = dir;
  auto e = Engine::Open(o);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return std::move(e).value();
}

Command Cmd(const std::string& id, Role role, const std::string& actor, CommandBody body) {
  Command c;
  c.command_id = id;
  c.plan_id = "p1";
  c.actor = Actor{actor, role, actor};
  c.issued_at = 1'620'000'000'000LL;
  c.body = std::move(body);
  return c;
}

std::vector<Event> SourceEvents(Engine& source) {
  ImportPlan imp;
  imp.plan.title = "台账";
  imp.plan.year = 2021;
  imp.plan.units = {"市财政局", "市公安局"};
  ImportTask t;
  t.number = 1;
  t.title = "公开预算";
  t.deadline.due_on = "2021-10-31";
  t.responsible_units = {"市财政局", "市公安局"};
  imp.tasks.push_back(t);
  std::vector<Command> cmds = {
      Cmd("c1", Role::kSupervisor, "office", imp),
      Cmd("c2", Role::kUnit, "市财政局", Accept{1, "市财政局"}),
      Cmd("c3", Role::kAuditor, "auditor", Accept{1, "市公安局"}),  // rejected, logged
      Cmd("c4", Role::kUnit, "市财政局", ReportProgress{1, "市财政局", 50, "过半", "", "", ""}),
  };
  source.SubmitBatch(cmds);
  std::vector<Event> out;
  EXPECT_TRUE(source.ScanLog(1, [&](uint64_t, const Event& e) {
    out.push_back(e);
    return true;
  }).ok());
  return out;
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

}  // namespace
}  // namespace duban

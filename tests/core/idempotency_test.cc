// Honest idempotency: a command id repeated for the same command returns the
// first outcome and writes nothing; the same id for another command (another
// body, actor or plan) is a conflict (Status::kConflict), never "already
// done", and writes nothing either; a retry sent later (another issued_at) is
// the same command. AppendExternal: a known event id with other content is a
// fork, counted and not applied, not a duplicate.
#include <gtest/gtest.h>

#include "duban/engine.h"
#include "duban/schemas/codec.h"
#include "store_util.h"

namespace duban::testing {
namespace {

class IdempotencyTest : public EngineFixture {
 protected:
  void SetUp() override {
    EngineFixture::SetUp();
    for (const auto& c : MixedCommands()) engine->Submit(c);
    end = engine->LogEnd();
  }
  uint64_t end = 0;
  Command Accept2() { return ::duban::testing::Cmd("k1", Role::kUnit, "市公安局", Accept{1, "市公安局"}); }
};

TEST_F(IdempotencyTest, TheSameCommandAgainIsAlreadyDone) {
  Outcome first = engine->Submit(Accept2());
  ASSERT_TRUE(first.status.ok()) << first.status.ToString();
  Command retry = Accept2();
  retry.issued_at += 60'000;  // sent again a minute later: still the same command
  Outcome again = engine->Submit(retry);
  EXPECT_TRUE(again.status.ok()) << again.status.ToString();
  EXPECT_TRUE(again.duplicate);
  ASSERT_EQ(again.events.size(), first.events.size());
  EXPECT_EQ(again.events[0].hash, first.events[0].hash);
  EXPECT_EQ(engine->LogEnd(), end + first.events.size());
}

TEST_F(IdempotencyTest, TheSameIdForAnotherBodyActorOrPlanIsAConflict) {
  ASSERT_TRUE(engine->Submit(Accept2()).status.ok());
  const uint64_t after = engine->LogEnd();
  Command other_body =
      ::duban::testing::Cmd("k1", Role::kUnit, "市公安局", ReportProgress{1, "市公安局", 10, "开始", "", "", ""});
  Command other_actor = Accept2();
  other_actor.actor = Actor{"市财政局", Role::kUnit, "市财政局"};
  Command other_role = Accept2();
  other_role.actor.role = Role::kSupervisor;
  Command other_plan = Accept2();
  other_plan.plan_id = "p2";
  for (const Command& c : {other_body, other_actor, other_role, other_plan}) {
    Outcome o = engine->Submit(c);
    EXPECT_EQ(o.status.code(), Status::Code::kConflict) << o.status.ToString();
    EXPECT_FALSE(o.duplicate);
    EXPECT_TRUE(o.events.empty());
    // Who used it first is said only to that same actor: to another, it names no one.
    const bool same_actor = c.actor.id == "市公安局" && c.actor.role == Role::kUnit;
    EXPECT_NE(o.status.message().find(same_actor ? "(by you)" : "(by another account)"), std::string::npos)
        << o.status.message();
    if (!same_actor) {
      EXPECT_EQ(o.status.message().find("市公安局"), std::string::npos) << o.status.message();
    }
  }
  EXPECT_EQ(engine->LogEnd(), after);
  // The first outcome stands, and survives a reopen and a rebuild.
  Reopen();
  ASSERT_TRUE(engine->Rebuild().ok());
  EXPECT_EQ(engine->Submit(other_body).status.code(), Status::Code::kConflict);
  EXPECT_TRUE(engine->Submit(Accept2()).duplicate);
}

TEST_F(IdempotencyTest, ARejectedCommandsIdIsAConflictForAnotherActorNotItsRejection) {
  // c3: the auditor's accept of 市公安局's assignment, rejected (forbidden role) and logged.
  Outcome auditor = engine->Submit(MixedCommands()[2]);
  ASSERT_EQ(auditor.status.code(), Status::Code::kRejected);
  EXPECT_TRUE(auditor.duplicate);
  // The rightful unit's command under that id is not told "forbidden role":
  // it is a conflict, and a fresh id does it.
  Command unit = ::duban::testing::Cmd("c3", Role::kUnit, "市公安局", Accept{1, "市公安局"});
  Outcome o = engine->Submit(unit);
  EXPECT_EQ(o.status.code(), Status::Code::kConflict) << o.status.ToString();
  unit.command_id = "c3-unit";
  EXPECT_TRUE(engine->Submit(unit).status.ok());
}

TEST_F(IdempotencyTest, OneIdTwiceInABatchForDifferentCommandsIsAConflict) {
  Command b =
      ::duban::testing::Cmd("k1", Role::kUnit, "市公安局", ReportProgress{1, "市公安局", 10, "开始", "", "", ""});
  auto outcomes = engine->SubmitBatch({Accept2(), b, Accept2()});
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_TRUE(outcomes[0].status.ok());
  EXPECT_EQ(outcomes[1].status.code(), Status::Code::kConflict);
  EXPECT_TRUE(outcomes[2].duplicate);
  EXPECT_EQ(engine->LogEnd(), end + outcomes[0].events.size());
}

TEST_F(IdempotencyTest, WithoutAKeptDigestTheActorStillDecides) {
  // A store written before digests were kept: only the log's actor and plan can be compared.
  ASSERT_TRUE(engine->Submit(Accept2()).status.ok());
  Close();
  WithRawStore(dir.path(), [](rocksdb::DB* db, auto& cf) {
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), cf.at("meta"), "command/k1").ok());
  });
  Open();
  Command other_actor = Accept2();
  other_actor.actor = Actor{"市财政局", Role::kUnit, "市财政局"};
  EXPECT_EQ(engine->Submit(other_actor).status.code(), Status::Code::kConflict);
  EXPECT_TRUE(engine->Submit(Accept2()).duplicate);
}

TEST(AppendExternalForkTest, AKnownEventIdWithOtherContentIsAForkNotADuplicate) {
  TempDir a, b;
  auto source = OpenAt(a.path());
  source->SubmitBatch(MixedCommands());
  const std::vector<Event> events = testing::LogEvents(*source);
  ASSERT_EQ(events.size(), 7u);
  Event other = events[4];  // the accept, decided elsewhere at another moment
  other.occurred_at += 1000;
  other.hash = schemas::ComputeHash(other);
  ASSERT_NE(other.hash, events[4].hash);

  auto sink = OpenAt(b.path());
  ASSERT_TRUE(sink->AppendExternal(events).ok());
  const uint64_t end = sink->LogEnd();
  auto r = sink->AppendExternal({other});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->forks, 1u);
  EXPECT_EQ(r->duplicates, 0u);
  EXPECT_NE(r->first_fork.find("fork"), std::string::npos);
  EXPECT_EQ(sink->LogEnd(), end);
  auto again = sink->AppendExternal({events[4]});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->duplicates, 1u);
  EXPECT_EQ(again->forks, 0u);
  // Within one call: the second version of an id appended in the same call.
  TempDir c;
  auto fresh = OpenAt(c.path());
  std::vector<Event> both(events.begin(), events.begin() + 5);
  both.push_back(other);
  auto r2 = fresh->AppendExternal(both);
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->appended, 5u);
  EXPECT_EQ(r2->forks, 1u);
}

}  // namespace
}  // namespace duban::testing

// Evolve on its own: the version and hash advance for any event, and a
// replay of the recorded events gives the same state.
#include <gtest/gtest.h>

#include "domain_fixture.h"

namespace duban::core {
namespace {

// ---- evolve details -------------------------------------------------------------

TEST_F(DomainTest, EvolveAdvancesTheVersionAndHashEvenForAnUnknownEvent) {
  GivenPlan();
  const PlanState before = state;
  Apply(UnknownEvent{999, 1, "bytes"});
  EXPECT_EQ(state.version, before.version + 1);
  EXPECT_EQ(state.last_hash, "h" + std::to_string(state.version));
  EXPECT_EQ(state.assignments, before.assignments);
  EXPECT_EQ(state.tasks, before.tasks);
}

TEST_F(DomainTest, ReplayingTheRecordedEventsGivesTheSameState) {
  GivenPlan();
  GivenInProgress(1, kFinance);
  Do(StartReviewCycle{"Q2", "", "quarterly", "2021-06-30", ""}, Supervisor());
  GivenOverdue(2, kPolice);
  // Replay: only Evolve, over the events recorded while deciding, into a fresh state.
  // import 8, accept + progress 2, the cycle and a request to each of the 4 open assignments 5, missed 1
  ASSERT_EQ(applied.size(), 16u);
  PlanState replayed;
  for (const Event& e : applied) Evolve(replayed, e);
  EXPECT_EQ(replayed, state);
  // And that state is the one the events describe, not merely the same twice.
  EXPECT_EQ(replayed.version, 16u);
  EXPECT_EQ(replayed.last_hash, "h16");
  EXPECT_EQ(replayed.cycles.at("Q2").requested.size(), 4u);
  EXPECT_EQ(replayed.assignments.at({1, kFinance}).status, AssignmentStatus::kInProgress);
  EXPECT_EQ(replayed.assignments.at({1, kEducation}).status, AssignmentStatus::kAssigned);
  EXPECT_TRUE(replayed.assignments.at({2, kPolice}).overdue);
  EXPECT_FALSE(replayed.assignments.at({1, kFinance}).overdue);
  // A prefix replays to the state as it stood then: the import alone.
  PlanState imported;
  for (size_t i = 0; i < 8; ++i) Evolve(imported, applied[i]);
  EXPECT_EQ(imported.version, 8u);
  EXPECT_EQ(imported.assignments.at({1, kFinance}).status, AssignmentStatus::kAssigned);
  EXPECT_NE(imported, state);
}

}  // namespace
}  // namespace duban::core

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

// The office's events (issue 20) evolve on their own, without decide: a
// task-level DeadlineChanged moves only the task's date; an AssignmentMerged
// closes its source and gives the target its role; a NoteAdded changes
// nothing but the version; and a replay of them gives the same state.
TEST_F(DomainTest, TheOfficesEventsEvolveAndReplayToTheSameState) {
  GivenPlan();
  Apply(DeadlineChanged{3, "", "", "2021-12-20", "明确时限"});
  EXPECT_EQ(state.tasks.at(3).deadline.due_on, "2021-12-20");
  EXPECT_EQ(A(3, kFinance).due_on, "") << "each assignment moves by its own event";
  Apply(DeadlineChanged{3, kFinance, "", "2021-12-20", "明确时限"});
  EXPECT_EQ(A(3, kFinance).due_on, "2021-12-20");
  EXPECT_EQ(A(3, kFinance).due_set_at, now);
  Apply(AssignmentReturned{1, kFinance, "应由教育局牵头"}, UnitActor(kFinance));
  Apply(AssignmentMerged{1, kFinance, kEducation, "改由教育局牵头", AssignmentRole::kLead});
  EXPECT_EQ(A(1, kFinance).status, AssignmentStatus::kCancelled);
  EXPECT_EQ(A(1, kEducation).role, AssignmentRole::kLead);
  Apply(AssignmentCancelled{2, kPolice, "职能划转"});
  EXPECT_EQ(A(2, kPolice).status, AssignmentStatus::kCancelled);
  EXPECT_EQ(A(2, kPolice).last_reason, "职能划转");
  const PlanState before_note = state;
  Apply(NoteAdded{1, kEducation, "instruction", "抓紧"});
  EXPECT_EQ(state.assignments, before_note.assignments);
  EXPECT_EQ(state.version, before_note.version + 1);
  PlanState replayed;
  for (const Event& e : applied) Evolve(replayed, e);
  EXPECT_EQ(replayed, state);
}

}  // namespace
}  // namespace duban::core

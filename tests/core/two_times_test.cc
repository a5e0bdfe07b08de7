// The two times (TimeRules): the effective time a writer claims, held to the
// engine's clock; the office's back-entries and their reasons.
#include <gtest/gtest.h>

#include "domain_fixture.h"

namespace duban::core {
namespace {

// ---- two times: the effective time a writer claims (TimeRules) ------------------

class TwoTimesTest : public DomainTest {
 public:
  // Decides a command the engine took `now` that claims `effective`, as the
  // engine would: the events take effect then and carry the back-entry reason.
  Result<Events> WhenAt(CommandBody body, Actor actor, Instant effective, std::string reason = "",
                        const TimeRules& rules = TimeRules{}) {
    Command c = Cmd(std::move(body), std::move(actor));
    c.effective_at = effective;
    c.back_entry_reason = std::move(reason);
    return Decide(state, c, rules);
  }
  Events DoAt(CommandBody body, Actor actor, Instant effective, const std::string& reason = "") {
    auto r = WhenAt(std::move(body), actor, effective, reason);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    const Instant saved = now;
    now = effective;  // Apply stamps occurred_at with `now`
    for (const auto& b : *r) Apply(b, actor, effective < saved ? reason : "");
    now = saved;
    return *r;
  }
  static constexpr Instant kMinute = 60 * 1000;
};

TEST_F(TwoTimesTest, AUnitCannotBackdateItsActBeyondTheClockSkew) {
  GivenPlan();
  GivenInProgress(1, kFinance);
  now = At("2021-11-20");  // three weeks after the due date 2021-10-31
  auto r = WhenAt(Submit{1, kFinance, "完成", ""}, UnitActor(kFinance), At("2021-10-25"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), reason::kBackdated);
  EXPECT_NE(r.status().message().find("engine's clock"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("--back-entry"), std::string::npos) << "says how the office does it";
}

TEST_F(TwoTimesTest, AUnitMayDifferFromTheClockByTheSkewOnlyAndNeverIntoTheFuture) {
  GivenPlan();
  now = At("2021-03-22");
  EXPECT_TRUE(WhenAt(Accept{1, kFinance}, UnitActor(kFinance), now - 4 * kMinute).ok());
  EXPECT_TRUE(WhenAt(Accept{1, kFinance}, UnitActor(kFinance), now + 4 * kMinute).ok());
  auto late = WhenAt(Accept{1, kFinance}, UnitActor(kFinance), now - 6 * kMinute);
  EXPECT_EQ(late.status().reason(), reason::kBackdated);
  auto ahead = WhenAt(Accept{1, kFinance}, UnitActor(kFinance), now + 6 * kMinute);
  EXPECT_EQ(ahead.status().reason(), reason::kTimeInFuture);
  auto office_ahead = WhenAt(Approve{1, kFinance, ""}, Supervisor(), At("2021-04-01"), "纸质件");
  EXPECT_EQ(office_ahead.status().reason(), reason::kTimeInFuture) << "no one records the future, reason or not";
}

TEST_F(TwoTimesTest, AUnitCannotPlaceItsActBeforeItsAssignmentsLastEvent) {
  GivenPlan();
  now = At("2021-03-22");
  GivenAccepted(1, kFinance);  // recorded and effective 2021-03-22 09:00
  const Instant last = now;
  now = last + 3 * kMinute;  // within the skew of the clock, but before the acceptance
  auto r = WhenAt(ReportProgress{1, kFinance, 10, "启动", "", "", ""}, UnitActor(kFinance), last - kMinute);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), reason::kBackdated);
  EXPECT_NE(r.status().message().find("last recorded"), std::string::npos) << r.status().message();
}

TEST_F(TwoTimesTest, AUnitCannotCallItsActABackEntry) {
  GivenPlan();
  auto r = WhenAt(Accept{1, kFinance}, UnitActor(kFinance), now, "我单位补录");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), reason::kForbiddenRole);
}

TEST_F(TwoTimesTest, TheOfficeBackEntersOnlyWithAReason) {
  GivenPlan();
  GivenSubmitted(1, kFinance);
  now = At("2021-04-20");
  auto bare = WhenAt(Approve{1, kFinance, "同意"}, Supervisor(), At("2021-04-01"));
  ASSERT_FALSE(bare.ok());
  EXPECT_EQ(bare.status().reason(), reason::kBackEntryNeedsReason);
  auto blank = WhenAt(Approve{1, kFinance, "同意"}, Supervisor(), At("2021-04-01"), "  ");
  EXPECT_EQ(blank.status().reason(), reason::kBackEntryNeedsReason);
  // A full-width space (what a Chinese input method types) or a zero-width
  // character says nothing either.
  for (const char* invisible : {"\u3000", "\u00a0\u200b", "\x1b"}) {
    auto r = WhenAt(Approve{1, kFinance, "同意"}, Supervisor(), At("2021-04-01"), invisible);
    EXPECT_EQ(r.status().reason(), reason::kBackEntryNeedsReason);
  }
  EXPECT_TRUE(WhenAt(Approve{1, kFinance, "同意"}, Supervisor(), At("2021-04-01"), "4月1日纸质审核意见").ok());
}

TEST_F(TwoTimesTest, TheWorkflowDefinitionMaySetTheSkewAndForbidBackEntries) {
  GivenPlan();
  GivenSubmitted(1, kFinance);
  now = At("2021-04-20");
  TimeRules strict;
  strict.office_back_entry = false;
  auto r = WhenAt(Approve{1, kFinance, ""}, Supervisor(), At("2021-04-01"), "纸质件", strict);
  EXPECT_EQ(r.status().reason(), reason::kBackdated);
  TimeRules wide;
  wide.max_skew_ms = 60 * kMinute;
  EXPECT_TRUE(WhenAt(Approve{1, kFinance, ""}, Supervisor(), now - 30 * kMinute, "", wide).ok());
  EXPECT_FALSE(WhenAt(Approve{1, kFinance, ""}, Supervisor(), now - 30 * kMinute).ok());
}

TEST_F(TwoTimesTest, TheOfficeMayEnterAUnitsPaperSubmissionOnlyAsABackEntry) {
  GivenPlan();
  GivenInProgress(1, kFinance);
  now = At("2021-04-20");
  auto without = WhenAt(Submit{1, kFinance, "完成", ""}, Supervisor(), now);
  ASSERT_FALSE(without.ok());
  EXPECT_EQ(without.status().reason(), reason::kForbiddenRole) << "the office does not act for a unit unrecorded";
  auto with = WhenAt(Submit{1, kFinance, "完成", ""}, Supervisor(), At("2021-04-02"), "4月2日纸质报送件");
  ASSERT_TRUE(with.ok()) << with.status().ToString();
  EXPECT_EQ(*with, (Events{CompletionSubmitted{1, kFinance, "完成", ""}}));
}

// The case of the issue: a unit escalated to 约谈 cannot pretend it submitted
// on time; the office, holding the paper submission dated before the
// deadline, can enter it, and then it counts as on time.
TEST_F(TwoTimesTest, APaperSubmissionBackEnteredAsOnTimeWithdrawsTheClocksEscalation) {
  GivenPlan();
  GivenInProgress(1, kFinance);
  now = At("2021-11-01");
  GivenOverdue(1, kFinance);
  Do(FireTimer{1, kFinance, TimerKind::kEscalation, "2021-10-31", 3, "约谈", 0, {"督查室"}}, Clock());
  ASSERT_EQ(A(1, kFinance).escalation_level, 3);
  now = At("2021-11-20");
  EXPECT_EQ(WhenAt(Submit{1, kFinance, "完成", ""}, UnitActor(kFinance), At("2021-10-29")).status().reason(),
            reason::kBackdated);
  auto events = DoAt(Submit{1, kFinance, "完成", ""}, Supervisor(), At("2021-10-29"), "10月29日纸质报送件（收文登记）");
  EXPECT_EQ(events, (Events{CompletionSubmitted{1, kFinance, "完成", ""},
                            EscalationCleared{1, kFinance, 3, "submitted on time (back-entered)"}}));
  EXPECT_EQ(A(1, kFinance).status, AssignmentStatus::kSubmitted);
  EXPECT_EQ(A(1, kFinance).submitted_at, At("2021-10-29")) << "the review limit counts from the paper date";
  EXPECT_FALSE(A(1, kFinance).overdue);
  EXPECT_EQ(A(1, kFinance).escalation_level, 0);
}

// Recorded late but not yet escalated: the miss is withdrawn on the record
// too (level 0), so the unit told 逾期 hears it was not (a review found the
// flag cleared silently).
TEST_F(TwoTimesTest, APaperSubmissionBackEnteredAsOnTimeWithdrawsAMissNotYetEscalated) {
  GivenPlan();
  GivenInProgress(1, kFinance);
  now = At("2021-11-01");
  GivenOverdue(1, kFinance);
  ASSERT_EQ(A(1, kFinance).escalation_level, 0);
  now = At("2021-11-03");
  auto events = DoAt(Submit{1, kFinance, "完成", ""}, Supervisor(), At("2021-10-29"), "10月29日纸质报送件");
  EXPECT_EQ(events, (Events{CompletionSubmitted{1, kFinance, "完成", ""},
                            EscalationCleared{1, kFinance, 0, "submitted on time (back-entered)"}}));
  EXPECT_FALSE(A(1, kFinance).overdue);
}

TEST_F(TwoTimesTest, APaperSubmissionBackEnteredAfterTheDeadlineStaysLate) {
  GivenPlan();
  GivenInProgress(1, kFinance);
  now = At("2021-11-02");
  GivenOverdue(1, kFinance);
  Do(FireTimer{1, kFinance, TimerKind::kEscalation, "2021-10-31", 1, "督促整改", 0, {}}, Clock());
  now = At("2021-11-20");
  auto events = DoAt(Submit{1, kFinance, "完成", ""}, Supervisor(), At("2021-11-05"), "11月5日纸质报送件");
  EXPECT_EQ(events, (Events{CompletionSubmitted{1, kFinance, "完成", ""}}));
  EXPECT_TRUE(A(1, kFinance).overdue);
  EXPECT_EQ(A(1, kFinance).escalation_level, 1);
}

TEST_F(TwoTimesTest, TheOfficeCannotBackEnterBeforeAPersonsLastActOnTheAssignment) {
  GivenPlan();
  now = At("2021-04-10");
  GivenInProgress(1, kFinance);  // the unit's acts, 2021-04-10
  now = At("2021-05-10");
  auto r = WhenAt(Submit{1, kFinance, "完成", ""}, Supervisor(), At("2021-04-01"), "纸质件");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().reason(), reason::kBackdated);
  EXPECT_EQ(A(1, kFinance).last_act_at, At("2021-04-10"));
}

TEST_F(TwoTimesTest, TheClocksOwnEventsDoNotMoveThePersonsFloor) {
  GivenPlan();
  now = At("2021-04-10");
  GivenInProgress(1, kFinance);
  now = At("2021-11-01");
  GivenOverdue(1, kFinance);
  EXPECT_EQ(A(1, kFinance).last_act_at, At("2021-04-10"));
  EXPECT_EQ(A(1, kFinance).updated_at, At("2021-11-01"));
}

// A review cycle back-entered from paper is not due before the plan was
// issued (a review back-entered one at 1899-12-01 due 1900-01-01, and the
// next tick climbed every unit to 约谈).
TEST_F(TwoTimesTest, ABackEnteredReviewCycleIsNotDueBeforeThePlanWasIssued) {
  GivenPlan();
  state.meta.issued_on = "2021-03-15";
  now = At("2021-05-10");
  auto before =
      WhenAt(StartReviewCycle{"Q0", "", "monthly", "1900-01-01", ""}, Supervisor(), At("1899-12-01"), "纸质件");
  ASSERT_FALSE(before.ok());
  EXPECT_EQ(before.status().reason(), reason::kInvalidArgument);
  EXPECT_NE(before.status().message().find("before the plan was issued (2021-03-15)"), std::string::npos)
      << before.status().message();
  EXPECT_TRUE(
      WhenAt(StartReviewCycle{"Q1", "", "monthly", "2021-04-30", ""}, Supervisor(), At("2021-04-01"), "纸质件").ok());
}

}  // namespace
}  // namespace duban::core

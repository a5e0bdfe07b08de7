// What decide refuses: roles, optimistic concurrency, and every rejection
// reason code of domain.h, each for its case with a plain message.
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "domain_fixture.h"

namespace duban::core {
namespace {

// ---- roles ------------------------------------------------------------------------

TEST_F(DomainTest, AnAuditorCanWriteNothing) {
  GivenPlan();
  std::vector<CommandBody> all = {SamplePlan(),
                                  AddTask{},
                                  CancelTask{1, "x y"},
                                  WithdrawPlan{"x y"},
                                  Assign{2, kHealth},
                                  Accept{1, kFinance},
                                  Return{1, kFinance, "x"},
                                  Reassign{1, kEducation, kHealth, "x"},
                                  ReportProgress{1, kFinance, 1, "x"},
                                  Submit{1, kFinance},
                                  Approve{1, kFinance},
                                  Reject{1, kFinance, "x"},
                                  RequestExtension{1, kFinance, "2021-12-01", "x"},
                                  GrantExtension{1, kFinance},
                                  DenyExtension{1, kFinance, "x"},
                                  FireTimer{1, kFinance, TimerKind::kMissed, "2021-10-31"},
                                  StartReviewCycle{"c", "", "", "2021-06-30", ""},
                                  CloseReviewCycle{"c"},
                                  ReopenAssignment{1, kFinance, "x y", "c"},
                                  SetDeadline{1, kFinance, "2021-12-01", "x"},
                                  CancelAssignment{1, kFinance, "x"},
                                  ResolveReturn{1, kFinance, "", "x"},
                                  AddNote{1, "", "comment", "x"},
                                  SetSchedule{1, "quarter:1", "x", 0},
                                  Delegate{1, kFinance, kHealth, "", "x"},
                                  SetConsolidation{"lead", "x"},
                                  AddUnit{"市民政局", {}, "x"}};
  ASSERT_EQ(all.size(), std::variant_size_v<CommandBody>);
  for (const auto& body : all) {
    Actor auditor = Auditor();
    auditor.id = kFinance;  // even under a unit's name
    EXPECT_TRUE(IsRejection(When(body, auditor), reason::kForbiddenRole)) << CommandName(body);
  }
}

TEST_F(DomainTest, OnlyTheSupervisorMayRunTheOfficesCommands) {
  GivenPlan();
  GivenSubmitted(1, kFinance);
  Do(RequestExtension{2, kPolice, "2022-01-31", "原因"}, UnitActor(kPolice));
  Do(StartReviewCycle{"Q2", "", "quarterly", "2021-06-30", ""}, Supervisor());
  std::vector<CommandBody> office = {
      SamplePlan(), AddTask{ImportTask{9, {}, "t", "c", {}, {}, {}}}, CancelTask{3, "合并 任务"}, WithdrawPlan{"废止"},
      Assign{2, kHealth}, Reassign{2, kPolice, kHealth, "调整"}, Approve{1, kFinance}, Reject{1, kFinance, "不全"},
      GrantExtension{2, kPolice}, DenyExtension{2, kPolice, "不准"},
      StartReviewCycle{"Q3", "", "quarterly", "2021-09-30", ""}, CloseReviewCycle{"Q2"},
      // the office's tools: a unit cannot move its own deadline, drop its own
      // assignment, settle its own return or write a leader's instruction
      SetDeadline{1, kFinance, "2021-12-31", "推迟"}, SetDeadline{1, "", "2021-12-31", "推迟"},
      CancelAssignment{1, kFinance, "不再承担"}, ResolveReturn{1, kFinance, "", "同意退回"},
      AddNote{1, kFinance, "comment", "请抓紧"}, AddNote{1, "", "instruction", "请抓紧"},
      SetSchedule{1, "quarter:1", "按方案每季度报送", 0}, SetSchedule{1, "", "停止", 0}};
  for (const auto& body : office) {
    EXPECT_TRUE(IsRejection(When(body, UnitActor(kFinance)), reason::kForbiddenRole)) << CommandName(body);
    EXPECT_TRUE(IsRejection(When(body, Clock()), reason::kForbiddenRole)) << CommandName(body);
  }
}

TEST_F(DomainTest, OnlyAUnitMayActOnAnAssignmentNotTheSupervisorOrTheClock) {
  GivenPlan();
  GivenAccepted(2, kPolice);
  std::vector<CommandBody> unit_only = {Accept{1, kFinance}, Return{1, kFinance, "不属"},
                                        ReportProgress{2, kPolice, 10, "进展"}, Submit{2, kPolice},
                                        RequestExtension{2, kPolice, "2022-01-31", "原因"}};
  for (const auto& body : unit_only) {
    EXPECT_TRUE(IsRejection(When(body, Supervisor()), reason::kForbiddenRole)) << CommandName(body);
    EXPECT_TRUE(IsRejection(When(body, Clock()), reason::kForbiddenRole)) << CommandName(body);
  }
}

TEST_F(DomainTest, AUnitActsOnItsOwnAssignmentsOnly) {
  GivenPlan();
  GivenAccepted(2, kPolice);
  std::vector<CommandBody> others = {Accept{1, kFinance}, Return{1, kFinance, "不属"},
                                     ReportProgress{2, kPolice, 10, "进展"}, Submit{2, kPolice},
                                     RequestExtension{2, kPolice, "2022-01-31", "原因"}};
  for (const auto& body : others)
    EXPECT_TRUE(IsRejection(When(body, UnitActor(kEducation)), reason::kNotAssignee)) << CommandName(body);
  EXPECT_TRUE(IsRejection(When(Accept{1, kFinance}, UnitActor(kHealth)), reason::kNotAssignee))
      << "a unit holding nothing in the task is no different";
}

TEST_F(DomainTest, OnlyTheSystemMayFireTimers) {
  GivenPlan();
  for (const Actor& who : {Supervisor(), UnitActor(kFinance)})
    EXPECT_TRUE(
        IsRejection(When(FireTimer{1, kFinance, TimerKind::kMissed, "2021-10-31"}, who), reason::kForbiddenRole));
  EXPECT_TRUE(When(FireTimer{1, kFinance, TimerKind::kMissed, "2021-10-31"}, Clock()).ok());
}

// ---- what a refused step says ------------------------------------------------------

TEST_F(DomainTest, AStepTakenTooEarlyNamesTheStepThatMustComeFirst) {
  GivenPlan();
  auto progress = When(ReportProgress{1, kFinance, 40, "进展"}, UnitActor(kFinance));
  ASSERT_TRUE(IsRejection(progress, reason::kInvalidTransition));
  EXPECT_NE(progress.status().message().find("while it is assigned (the step \"accept\" must come first"),
            std::string::npos)
      << progress.status().message();
  GivenAccepted(1, kFinance);
  auto approve = When(Approve{1, kFinance}, Supervisor());
  ASSERT_TRUE(IsRejection(approve, reason::kInvalidTransition));
  EXPECT_NE(approve.status().message().find("\"submit\""), std::string::npos) << approve.status().message();
  // A step that needs none first says only why it was refused.
  auto twice = When(Accept{1, kFinance}, UnitActor(kFinance));
  ASSERT_TRUE(IsRejection(twice, reason::kInvalidTransition));
  EXPECT_EQ(twice.status().message().find("must come first"), std::string::npos) << twice.status().message();
}

// ---- optimistic concurrency -------------------------------------------------------

TEST_F(DomainTest, ACommandExpectingTheCurrentVersionIsDecided) {
  GivenPlan();
  Command c = Cmd(Accept{1, kFinance}, UnitActor(kFinance));
  c.expected_version = state.version;
  EXPECT_TRUE(Decide(state, c).ok());
}

TEST_F(DomainTest, ACommandExpectingAnotherVersionIsRejectedAsAConflict) {
  GivenPlan();
  for (uint64_t v : {state.version - 1, state.version + 1, uint64_t{0}}) {
    Command c = Cmd(Accept{1, kFinance}, UnitActor(kFinance));
    c.expected_version = v;
    auto r = Decide(state, c);
    EXPECT_TRUE(IsRejection(r, reason::kVersionConflict)) << v;
    EXPECT_NE(r.status().message().find(std::to_string(state.version)), std::string::npos)
        << "the message names the current version";
  }
}

TEST_F(DomainTest, ImportingIntoANewPlanMayExpectVersionZero) {
  Command c = Cmd(SamplePlan(), Supervisor());
  c.expected_version = 0;
  EXPECT_TRUE(Decide(state, c).ok());
}

// ---- every rejection reason code --------------------------------------------------

struct RejectCase {
  const char* when;  // the sentence this case reads as
  std::function<void(DomainTest&)> given;
  CommandBody command;
  Actor actor;
  const char* reason;
};

TEST_F(DomainTest, EveryRejectionReasonIsGivenForItsCaseWithAPlainMessage) {
  auto plan = [](DomainTest& t) { t.GivenPlan(); };
  auto plan_and = [](std::function<void(DomainTest&)> more) {
    return [more](DomainTest& t) {
      t.GivenPlan();
      more(t);
    };
  };
  auto nothing = [](DomainTest&) {};
  // Task 1's responsible unit returned its share.
  auto returned = plan_and([](DomainTest& t) { t.Do(Return{1, kEducation, "不属本单位职责"}, UnitActor(kEducation)); });
  ImportPlan dup_numbers = SamplePlan();
  dup_numbers.tasks[1].number = 1;
  ImportPlan stranger = SamplePlan();
  stranger.tasks[0].responsible_units.push_back("市不存在局");
  ImportPlan stranger_lead = SamplePlan();
  stranger_lead.tasks[2].lead_units = {"市外单位"};
  ImportPlan no_title = SamplePlan();
  no_title.plan.title = "";
  ImportPlan bad_issue = SamplePlan();
  bad_issue.plan.issued_on = "2021-02-29";
  ImportPlan bad_due = SamplePlan();
  bad_due.tasks[1].deadline.due_on = "2021-04-31";
  ImportPlan zero_task = SamplePlan();
  zero_task.tasks[2].number = 0;
  ImportTask new_task{4, {}, "新", "新", Deadline{}, {kHealth}, {}};
  ImportTask unknown_unit_task{5, {}, "新", "新", Deadline{}, {}, {"市外单位"}};
  ImportTask bad_date_task{6, {}, "新", "新", Deadline{"x", "2021-13-01", "", false, ""}, {}, {}};

  const std::vector<RejectCase> cases = {
      // forbidden_role
      {"an auditor accepts", plan, Accept{1, kFinance}, Auditor(), reason::kForbiddenRole},
      {"a unit imports a plan", nothing, SamplePlan(), UnitActor(kFinance), reason::kForbiddenRole},
      {"the supervisor accepts for a unit", plan, Accept{1, kFinance}, Supervisor(), reason::kForbiddenRole},
      {"a unit fires a timer", plan, FireTimer{1, kFinance, TimerKind::kMissed, "2021-10-31"}, UnitActor(kFinance),
       reason::kForbiddenRole},
      // not_assignee
      {"a unit accepts another unit's assignment", plan, Accept{1, kFinance}, UnitActor(kEducation),
       reason::kNotAssignee},
      // plan_not_found
      {"anyone acts on a plan never imported", nothing, Assign{1, kFinance}, Supervisor(), reason::kPlanNotFound},
      {"a unit accepts in a plan never imported", nothing, Accept{1, kFinance}, UnitActor(kFinance),
       reason::kPlanNotFound},
      // plan_exists
      {"the plan is imported twice", plan, SamplePlan(), Supervisor(), reason::kPlanExists},
      // plan_withdrawn
      {"the office assigns in a withdrawn plan",
       plan_and([](DomainTest& t) { t.Do(WithdrawPlan{"废止"}, Supervisor()); }), Assign{2, kHealth}, Supervisor(),
       reason::kPlanWithdrawn},
      // task_not_found
      {"the office assigns a task that does not exist", plan, Assign{99, kFinance}, Supervisor(),
       reason::kTaskNotFound},
      {"a unit accepts a task that does not exist", plan, Accept{99, kFinance}, UnitActor(kFinance),
       reason::kTaskNotFound},
      {"the office cancels a task that does not exist", plan, CancelTask{99, "合并"}, Supervisor(),
       reason::kTaskNotFound},
      {"the office approves a task that does not exist", plan, Approve{99, kFinance}, Supervisor(),
       reason::kTaskNotFound},
      // task_exists
      {"the office adds a task whose number is taken", plan, AddTask{ImportTask{1, {}, "t", "c", {}, {}, {}}},
       Supervisor(), reason::kTaskExists},
      {"a plan lists the same task number twice", nothing, dup_numbers, Supervisor(), reason::kTaskExists},
      // task_closed
      {"the office assigns a cancelled task", plan_and([](DomainTest& t) {
         t.Do(CancelTask{2, "合并"}, Supervisor());
       }),
       Assign{2, kHealth}, Supervisor(), reason::kTaskClosed},
      {"the office cancels a task twice", plan_and([](DomainTest& t) {
         t.Do(CancelTask{2, "合并"}, Supervisor());
       }),
       CancelTask{2, "again"}, Supervisor(), reason::kTaskClosed},
      {"the office assigns a completed task", plan_and([](DomainTest& t) { t.GivenCompleted(2, kPolice); }),
       Assign{2, kHealth}, Supervisor(), reason::kTaskClosed},
      // assignment_not_found
      {"a unit accepts a task it does not hold", plan, Accept{2, kFinance}, UnitActor(kFinance),
       reason::kAssignmentNotFound},
      {"the office approves a unit that holds nothing", plan, Approve{2, kHealth}, Supervisor(),
       reason::kAssignmentNotFound},
      {"the office reassigns from a unit that holds nothing", plan, Reassign{2, kHealth, kFinance, "调整"},
       Supervisor(), reason::kAssignmentNotFound},
      {"the office grants an extension to a unit that holds nothing", plan, GrantExtension{2, kHealth}, Supervisor(),
       reason::kAssignmentNotFound},
      // assignment_exists
      {"the office assigns a unit that already holds the task", plan, Assign{1, kFinance}, Supervisor(),
       reason::kAssignmentExists},
      {"the office reassigns to a unit that already holds the task", plan, Reassign{1, kEducation, kFinance, "调整"},
       Supervisor(), reason::kAssignmentExists},
      {"the office reassigns a unit to itself", plan, Reassign{1, kEducation, kEducation, "调整"}, Supervisor(),
       reason::kAssignmentExists},
      // unknown_unit
      {"a plan names a responsible unit outside its directory", nothing, stranger, Supervisor(), reason::kUnknownUnit},
      {"a plan names a lead unit outside its directory", nothing, stranger_lead, Supervisor(), reason::kUnknownUnit},
      {"the office assigns an unknown unit", plan, Assign{1, "市外单位"}, Supervisor(), reason::kUnknownUnit},
      {"the office reassigns to an unknown unit", plan, Reassign{1, kEducation, "市外单位", "调整"}, Supervisor(),
       reason::kUnknownUnit},
      {"the office adds a task for an unknown unit", plan, AddTask{unknown_unit_task}, Supervisor(),
       reason::kUnknownUnit},
      {"the office starts a cycle for an unknown unit", plan, StartReviewCycle{"Q", "", "q", "2021-06-30", "市外单位"},
       Supervisor(), reason::kUnknownUnit},
      // invalid_transition
      {"a unit accepts twice", plan_and([](DomainTest& t) { t.GivenAccepted(1, kFinance); }), Accept{1, kFinance},
       UnitActor(kFinance), reason::kInvalidTransition},
      {"a unit returns an accepted assignment", plan_and([](DomainTest& t) { t.GivenAccepted(1, kFinance); }),
       Return{1, kFinance, "不属"}, UnitActor(kFinance), reason::kInvalidTransition},
      {"a unit reports progress before accepting", plan, ReportProgress{1, kFinance, 10, "进展"}, UnitActor(kFinance),
       reason::kInvalidTransition},
      {"a unit submits before accepting", plan, Submit{1, kFinance}, UnitActor(kFinance), reason::kInvalidTransition},
      {"a unit submits twice", plan_and([](DomainTest& t) { t.GivenSubmitted(1, kFinance); }), Submit{1, kFinance},
       UnitActor(kFinance), reason::kInvalidTransition},
      {"the office approves before a submit", plan_and([](DomainTest& t) { t.GivenInProgress(1, kFinance); }),
       Approve{1, kFinance}, Supervisor(), reason::kInvalidTransition},
      {"the office approves twice", plan_and([](DomainTest& t) { t.GivenCompleted(1, kFinance); }),
       Approve{1, kFinance}, Supervisor(), reason::kInvalidTransition},
      {"the office rejects what was not submitted", plan, Reject{1, kFinance, "不全"}, Supervisor(),
       reason::kInvalidTransition},
      {"the office reassigns a completed assignment", plan_and([](DomainTest& t) { t.GivenCompleted(1, kFinance); }),
       Reassign{1, kFinance, kHealth, "调整"}, Supervisor(), reason::kInvalidTransition},
      {"a unit asks for an extension of a submitted assignment",
       plan_and([](DomainTest& t) { t.GivenSubmitted(1, kFinance); }),
       RequestExtension{1, kFinance, "2021-11-30", "原因"}, UnitActor(kFinance), reason::kInvalidTransition},
      {"a unit asks for an extension of a returned assignment", plan_and([](DomainTest& t) {
         t.Do(Return{1, kEducation, "不属"}, UnitActor(kEducation));
       }),
       RequestExtension{1, kEducation, "2021-11-30", "原因"}, UnitActor(kEducation), reason::kInvalidTransition},
      {"the office grants an extension nobody asked for", plan, GrantExtension{1, kFinance, "2021-11-30"}, Supervisor(),
       reason::kInvalidTransition},
      {"the office denies an extension nobody asked for", plan, DenyExtension{1, kFinance, "不准"}, Supervisor(),
       reason::kInvalidTransition},
      {"the office closes a closed cycle", plan_and([](DomainTest& t) {
         t.Do(StartReviewCycle{"Q", "", "q", "2021-06-30", ""}, Supervisor());
         t.Do(CloseReviewCycle{"Q"}, Supervisor());
       }),
       CloseReviewCycle{"Q"}, Supervisor(), reason::kInvalidTransition},
      // invalid_argument
      {"a plan has no title", nothing, no_title, Supervisor(), reason::kInvalidArgument},
      {"a plan was issued on an impossible date", nothing, bad_issue, Supervisor(), reason::kInvalidArgument},
      {"a plan's task is due on an impossible date", nothing, bad_due, Supervisor(), reason::kInvalidArgument},
      {"a plan has a task numbered 0", nothing, zero_task, Supervisor(), reason::kInvalidArgument},
      {"the office adds a task due on an impossible date", plan, AddTask{bad_date_task}, Supervisor(),
       reason::kInvalidArgument},
      {"a unit returns without a reason", plan, Return{1, kFinance, " \t"}, UnitActor(kFinance),
       reason::kInvalidArgument},
      {"a unit reports 101 percent", plan_and([](DomainTest& t) { t.GivenAccepted(1, kFinance); }),
       ReportProgress{1, kFinance, 101, "超额"}, UnitActor(kFinance), reason::kInvalidArgument},
      {"a unit reports -1 percent", plan_and([](DomainTest& t) { t.GivenAccepted(1, kFinance); }),
       ReportProgress{1, kFinance, -1, "倒退"}, UnitActor(kFinance), reason::kInvalidArgument},
      {"a unit reports progress without text", plan_and([](DomainTest& t) { t.GivenAccepted(1, kFinance); }),
       ReportProgress{1, kFinance, 10, ""}, UnitActor(kFinance), reason::kInvalidArgument},
      {"the office rejects without a reason", plan_and([](DomainTest& t) { t.GivenSubmitted(1, kFinance); }),
       Reject{1, kFinance, ""}, Supervisor(), reason::kInvalidArgument},
      {"the office cancels a task without a reason", plan, CancelTask{1, ""}, Supervisor(), reason::kInvalidArgument},
      {"the office withdraws a plan without a reason", plan, WithdrawPlan{"\n"}, Supervisor(),
       reason::kInvalidArgument},
      {"a unit asks for an extension to an impossible date", plan, RequestExtension{1, kFinance, "2021-11-31", "原因"},
       UnitActor(kFinance), reason::kInvalidArgument},
      {"a unit asks for an extension to a malformed date", plan, RequestExtension{1, kFinance, "2021/11/30", "原因"},
       UnitActor(kFinance), reason::kInvalidArgument},
      {"a unit asks for an extension that moves the date earlier", plan,
       RequestExtension{1, kFinance, "2021-10-01", "原因"}, UnitActor(kFinance), reason::kInvalidArgument},
      {"a unit asks for an extension to the date already due", plan,
       RequestExtension{1, kFinance, "2021-10-31", "原因"}, UnitActor(kFinance), reason::kInvalidArgument},
      {"a unit asks for an extension without a reason", plan, RequestExtension{1, kFinance, "2021-11-30", ""},
       UnitActor(kFinance), reason::kInvalidArgument},
      {"the office grants an extension to an impossible date", plan_and([](DomainTest& t) {
         t.Do(RequestExtension{1, kFinance, "2021-11-30", "原因"}, UnitActor(kFinance));
       }),
       GrantExtension{1, kFinance, "2021-11-31"}, Supervisor(), reason::kInvalidArgument},
      {"the office denies an extension without a reason", plan_and([](DomainTest& t) {
         t.Do(RequestExtension{1, kFinance, "2021-11-30", "原因"}, UnitActor(kFinance));
       }),
       DenyExtension{1, kFinance, ""}, Supervisor(), reason::kInvalidArgument},
      {"the office starts a cycle without an id", plan, StartReviewCycle{"", "", "q", "2021-06-30", ""}, Supervisor(),
       reason::kInvalidArgument},
      {"the office starts a cycle due on an impossible date", plan, StartReviewCycle{"Q", "", "q", "2021-06-31", ""},
       Supervisor(), reason::kInvalidArgument},
      // (a timer of an unknown kind cannot be made: TimerKind; its name on the wire is refused by the codec)
      // version_conflict: covered with expected_version below
      // ---- the office's tools (issue 20)
      {"a unit sets its own deadline", plan, SetDeadline{1, kFinance, "2021-12-31", "推迟"}, UnitActor(kFinance),
       reason::kForbiddenRole},
      {"a unit cancels its own assignment", plan, CancelAssignment{1, kFinance, "不想做"}, UnitActor(kFinance),
       reason::kForbiddenRole},
      {"a unit accepts its own return", returned, ResolveReturn{1, kEducation, "", "同意"}, UnitActor(kEducation),
       reason::kForbiddenRole},
      {"a unit writes an instruction", plan, AddNote{1, "", "instruction", "抓紧"}, UnitActor(kFinance),
       reason::kForbiddenRole},
      {"the office sets the deadline of a task that does not exist", plan, SetDeadline{99, "", "2021-12-31", "推迟"},
       Supervisor(), reason::kTaskNotFound},
      {"the office cancels an assignment of a task that does not exist", plan,
       CancelAssignment{99, kFinance, "不再承担"}, Supervisor(), reason::kTaskNotFound},
      {"the office notes on a task that does not exist", plan, AddNote{99, "", "comment", "抓紧"}, Supervisor(),
       reason::kTaskNotFound},
      {"the office sets the deadline of a cancelled task", plan_and([](DomainTest& t) {
         t.Do(CancelTask{2, "合并"}, Supervisor());
       }),
       SetDeadline{2, "", "2021-12-31", "推迟"}, Supervisor(), reason::kTaskClosed},
      {"the office sets the deadline of a completed task",
       plan_and([](DomainTest& t) { t.GivenCompleted(2, kPolice); }), SetDeadline{2, kPolice, "2022-01-31", "推迟"},
       Supervisor(), reason::kTaskClosed},
      {"the office moves a return onto a completed task", plan_and([](DomainTest& t) {
         t.Do(Return{1, kEducation, "不属"}, UnitActor(kEducation));
         t.GivenCompleted(1, kFinance);
       }),
       ResolveReturn{1, kEducation, kHealth, "改派"}, Supervisor(), reason::kTaskClosed},
      {"the office sets the deadline of a unit that holds nothing", plan, SetDeadline{1, kHealth, "2021-12-31", "推迟"},
       Supervisor(), reason::kAssignmentNotFound},
      {"the office cancels an assignment twice", plan_and([](DomainTest& t) {
         t.Do(CancelAssignment{1, kEducation, "不再承担"}, Supervisor());
       }),
       CancelAssignment{1, kEducation, "again"}, Supervisor(), reason::kAssignmentNotFound},
      {"the office accepts the return of a unit that holds nothing", plan, ResolveReturn{1, kHealth, "", "同意"},
       Supervisor(), reason::kAssignmentNotFound},
      {"the office notes on an assignment that does not exist", plan, AddNote{1, kHealth, "comment", "抓紧"},
       Supervisor(), reason::kAssignmentNotFound},
      {"the office moves a return onto a unit that completed its part", plan_and([](DomainTest& t) {
         t.Do(Return{1, kEducation, "不属"}, UnitActor(kEducation));
         t.Do(Assign{1, kHealth}, Supervisor());
         t.GivenCompleted(1, kHealth);
       }),
       ResolveReturn{1, kEducation, kHealth, "并入"}, Supervisor(), reason::kAssignmentExists},
      {"the office moves a return to an unknown unit", returned, ResolveReturn{1, kEducation, "市外单位", "改派"},
       Supervisor(), reason::kUnknownUnit},
      {"the office accepts a return nobody made", plan, ResolveReturn{1, kEducation, "", "同意"}, Supervisor(),
       reason::kInvalidTransition},
      {"the office cancels a completed assignment", plan_and([](DomainTest& t) { t.GivenCompleted(2, kPolice); }),
       CancelAssignment{2, kPolice, "不再承担"}, Supervisor(), reason::kInvalidTransition},
      {"the office sets the deadline of a returned assignment", returned,
       SetDeadline{1, kEducation, "2021-12-31", "推迟"}, Supervisor(), reason::kInvalidTransition},
      {"the office sets a deadline to an impossible date", plan, SetDeadline{1, kFinance, "2021-11-31", "推迟"},
       Supervisor(), reason::kInvalidArgument},
      {"the office sets a deadline already past", plan, SetDeadline{1, kFinance, "2021-03-19", "补录"}, Supervisor(),
       reason::kInvalidArgument},
      {"the office starts a review cycle due on a day already past", plan,
       StartReviewCycle{"Q0", "", "monthly", "2021-03-19", ""}, Supervisor(), reason::kInvalidArgument},
      {"the office sets a deadline without a reason", plan, SetDeadline{3, "", "2021-12-31", " "}, Supervisor(),
       reason::kInvalidArgument},
      {"the office sets an assignment's deadline to the date already due", plan,
       SetDeadline{1, kFinance, "2021-10-31", "重申"}, Supervisor(), reason::kInvalidArgument},
      {"the office sets a task's deadline to the date it and its assignments already have", plan,
       SetDeadline{2, "", "2021-12-31", "重申"}, Supervisor(), reason::kInvalidArgument},
      {"the office cancels an assignment without a reason", plan, CancelAssignment{1, kEducation, ""}, Supervisor(),
       reason::kInvalidArgument},
      {"the office accepts a return without a reason", returned, ResolveReturn{1, kEducation, "", "\t"}, Supervisor(),
       reason::kInvalidArgument},
      {"the office moves a return back to the unit that returned it", returned,
       ResolveReturn{1, kEducation, kEducation, "再议"}, Supervisor(), reason::kInvalidArgument},
      {"the office writes a note of an unknown kind", plan, AddNote{1, "", "memo", "抓紧"}, Supervisor(),
       reason::kInvalidArgument},
      {"the office writes an empty note", plan, AddNote{1, "", "comment", " "}, Supervisor(), reason::kInvalidArgument},
      {"a unit urges another unit", plan, AddNote{1, kFinance, "urge", ""}, UnitActor(kEducation),
       reason::kForbiddenRole},
      {"the office urges on a task that does not exist", plan, AddNote{99, kFinance, "urge", ""}, Supervisor(),
       reason::kTaskNotFound},
      {"the office urges on a cancelled task", plan_and([](DomainTest& t) {
         t.Do(CancelTask{2, "合并"}, Supervisor());
       }),
       AddNote{2, kPolice, "urge", ""}, Supervisor(), reason::kTaskClosed},
      {"the office urges a task without naming the unit", plan, AddNote{1, "", "urge", "抓紧"}, Supervisor(),
       reason::kInvalidArgument},
      {"the office urges a unit that holds nothing", plan, AddNote{1, kHealth, "urge", ""}, Supervisor(),
       reason::kAssignmentNotFound},
      {"the office urges a unit whose submission waits for its own review",
       plan_and([](DomainTest& t) { t.GivenSubmitted(1, kFinance); }), AddNote{1, kFinance, "urge", ""}, Supervisor(),
       reason::kInvalidTransition},
      {"the office urges a unit that returned the task", returned, AddNote{1, kEducation, "urge", ""}, Supervisor(),
       reason::kInvalidTransition},
      {"the office urges a unit that completed its part while others work on",
       plan_and([](DomainTest& t) { t.GivenCompleted(1, kFinance); }), AddNote{1, kFinance, "urge", ""}, Supervisor(),
       reason::kInvalidTransition},
      // schedules (每季度报送)
      {"a unit sets its own task's schedule", plan, SetSchedule{1, "month:1", "自报", 0}, UnitActor(kFinance),
       reason::kForbiddenRole},
      {"the office schedules a task that does not exist", plan, SetSchedule{99, "quarter:1", "按方案", 0}, Supervisor(),
       reason::kTaskNotFound},
      {"the office schedules a cancelled task", plan_and([](DomainTest& t) {
         t.Do(CancelTask{2, "合并"}, Supervisor());
       }),
       SetSchedule{2, "quarter:1", "按方案", 0}, Supervisor(), reason::kTaskClosed},
      {"the office schedules a task without a reason", plan, SetSchedule{1, "quarter:1", " ", 0}, Supervisor(),
       reason::kInvalidArgument},
      {"the office schedules by a period that does not exist", plan, SetSchedule{1, "week:1", "每周", 0}, Supervisor(),
       reason::kInvalidArgument},
      {"the office schedules zero times a period", plan, SetSchedule{1, "quarter:0", "按方案", 0}, Supervisor(),
       reason::kInvalidArgument},
      {"the office schedules in an impossible year", plan, SetSchedule{1, "quarter:1", "按方案", 99999}, Supervisor(),
       reason::kInvalidArgument},
      {"the office schedules twice a quarter", plan, SetSchedule{1, "quarter:2", "按方案", 0}, Supervisor(),
       reason::kInvalidArgument},
      {"the office schedules a year already over", plan, SetSchedule{1, "quarter:1", "补设", 2020}, Supervisor(),
       reason::kInvalidArgument},
      {"the office stops a schedule the task does not have", plan, SetSchedule{1, "", "停止", 0}, Supervisor(),
       reason::kInvalidArgument},
      {"the office sets the schedule the task already has", plan_and([](DomainTest& t) {
         t.Do(SetSchedule{1, "quarter:1", "按方案", 0}, Supervisor());
       }),
       SetSchedule{1, "quarter:01", "再次", 2021}, Supervisor(), reason::kInvalidArgument},
      {"the office starts a cycle under a schedule's reserved id", plan,
       StartReviewCycle{"schedule:1:2021-06-30", "", "quarterly", "2021-06-30", ""}, Supervisor(),
       reason::kInvalidArgument},
      {"a plan imports a task with a recurrence no build writes", nothing, [] {
         ImportPlan p = SamplePlan();
         p.tasks[2].deadline.recurrence = "fortnight:1";
         return CommandBody(p);
       }(), Supervisor(), reason::kInvalidArgument},
      // cycle_not_found
      {"the office closes a cycle never started", plan, CloseReviewCycle{"nope"}, Supervisor(), reason::kCycleNotFound},
      // cycle_exists
      {"the office starts a cycle twice", plan_and([](DomainTest& t) {
         t.Do(StartReviewCycle{"Q", "", "q", "2021-06-30", ""}, Supervisor());
       }),
       StartReviewCycle{"Q", "", "q", "2021-09-30", ""}, Supervisor(), reason::kCycleExists},
  };

  std::set<std::string> seen;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.when);
    DomainTest::state = PlanState{};
    c.given(*this);
    ASSERT_FALSE(HasFailure()) << "the given steps failed";
    const PlanState before = state;
    auto r = When(c.command, c.actor);
    EXPECT_TRUE(IsRejection(r, c.reason));
    EXPECT_EQ(state, before);
    seen.insert(c.reason);
  }
  // version_conflict has its own tests above; the table covers every other code.
  seen.insert(reason::kVersionConflict);
  const std::set<std::string> all = {
      reason::kForbiddenRole,      reason::kNotAssignee,      reason::kPlanNotFound,  reason::kPlanExists,
      reason::kPlanWithdrawn,      reason::kTaskNotFound,     reason::kTaskExists,    reason::kTaskClosed,
      reason::kAssignmentNotFound, reason::kAssignmentExists, reason::kUnknownUnit,   reason::kInvalidTransition,
      reason::kInvalidArgument,    reason::kVersionConflict,  reason::kCycleNotFound, reason::kCycleExists};
  EXPECT_EQ(seen, all);
}

}  // namespace
}  // namespace duban::core

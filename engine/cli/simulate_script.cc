// `duban simulate`'s script: what the office and each unit do over the year
// (see simulate_script.h). Deterministic: a unit's behaviour with an
// assignment is a hash of (task, unit).
#include "simulate_script.h"

#include <utility>

namespace duban::cli::sim {

int Behaviour(int task, const std::string& unit) {
  uint32_t h = 2166136261u;
  for (unsigned char c : unit) h = (h ^ c) * 16777619u;
  h = (h ^ static_cast<uint32_t>(task)) * 16777619u;
  return static_cast<int>(h % 100);
}

Group GroupOf(int b) {
  if (b < 4) return Group::kReturned;
  if (b < 60) return Group::kOnTime;
  if (b < 75) return Group::kLate;
  if (b < 85) return Group::kExtended;
  if (b < 90) return Group::kSentBack;
  return Group::kSilent;
}

namespace {

using schemas::CommandBody;
using schemas::Role;
using S = core::AssignmentStatus;
using Make = std::function<CommandBody(const core::PlanState&)>;

Date Later(Date a, Date b) { return a < b ? b : a; }

struct Cycle {
  std::string id, kind;
  Date start, due, close;
};

// Two quarterly progress rounds and the year-end look-back (回头看).
std::vector<Cycle> CyclesOf(int year) {
  return {
      {std::to_string(year) + "-Q2", "quarterly", {year, 6, 15}, {year, 6, 30}, {year, 7, 20}},
      {std::to_string(year) + "-Q3", "quarterly", {year, 9, 15}, {year, 9, 30}, {year, 10, 20}},
      {std::to_string(year) + "-回头看", "lookback", {year, 12, 1}, {year, 12, 15}, {year, 12, 20}},
  };
}

class ScriptWriter {
 public:
  ScriptWriter(int year, Date import_day, const core::PlanState& plan, const WorkflowTimerPolicy& policy)
      : year_(year),
        import_day_(import_day),
        start_(import_day.AddDays(5)),
        plan_(plan),
        policy_(policy),
        cycles_(CyclesOf(year)) {}

  Script Write() {
    ReviewCycles();
    LookBackReopens();
    for (const auto& [k, a] : plan_.assignments) UnitBehaviour(k, a);
    return std::move(script_);
  }

 private:
  void Push(Date day, int hour, Role role, std::string actor, Assignment a, std::vector<S> need, Make make,
            std::string cycle = "") {
    Step s;
    s.day = day;
    s.hour = hour;
    s.seq = script_.steps.size();
    s.role = role;
    s.actor = std::move(actor);
    s.assignment = std::move(a);
    s.need = std::move(need);
    s.make = std::move(make);
    s.cycle = std::move(cycle);
    script_.steps.push_back(std::move(s));
  }
  void Office(Date day, int hour, Assignment a, std::vector<S> need, Make make) {
    Push(day, hour, Role::kSupervisor, "督查室", std::move(a), std::move(need), std::move(make));
  }

  // The office starts and closes each cycle that begins after the import.
  void ReviewCycles() {
    for (const auto& c : cycles_) {
      if (c.start <= import_day_) continue;
      script_.cycle_ids.push_back(c.id);
      const auto* tpl = policy_.definition().FindReviewCycle(c.kind);
      const std::string scope = tpl ? tpl->scope : "open";
      Office(c.start, 9, {0, ""}, {}, [=](const core::PlanState&) {
        return CommandBody{schemas::StartReviewCycle{c.id, scope, c.kind, c.due.ToString(), ""}};
      });
      Office(c.close, 17, {0, ""}, {},
             [=](const core::PlanState&) { return CommandBody{schemas::CloseReviewCycle{c.id}}; });
    }
  }

  // The look-back finds one piece of closed-out work not done: it goes back into the ladder.
  void LookBackReopens() {
    if (script_.cycle_ids.empty() || script_.cycle_ids.back().find("回头看") == std::string::npos) return;
    const std::string id = script_.cycle_ids.back();
    for (const auto& [k, a] : plan_.assignments)
      if (Behaviour(k.first, k.second) >= 4 && Behaviour(k.first, k.second) < kEarly && !a.due_on.empty()) {
        script_.reopen = k;
        break;
      }
    if (!script_.reopen.first) return;
    const Assignment reopen = script_.reopen;
    const int year = year_;
    Office({year_, 12, 3}, 11, reopen, {S::kCompleted}, [=](const core::PlanState&) {
      return CommandBody{schemas::ReopenAssignment{reopen.first, reopen.second,
                                                   "回头看发现：佐证材料与实际不符，工作未完成", id,
                                                   std::to_string(year) + "-12-31"}};
    });
  }

  // One assignment: signed (or returned) two days after the import, the
  // cycles answered, then the work finished as its group does.
  void UnitBehaviour(const Assignment& k, const core::AssignmentState& a) {
    // Named copies, not a structured binding: clang (and so clang-tidy) before 16 cannot capture bindings.
    const int32_t task = k.first;
    const std::string unit = k.second;
    const Group grp = GroupOf(Behaviour(task, unit));
    ++script_.groups[grp];
    const Date signed_on = import_day_.AddDays(2);
    if (grp == Group::kReturned) {
      Push(signed_on, 10, Role::kUnit, unit, k, {S::kAssigned}, [=](const core::PlanState&) {
        return CommandBody{schemas::Return{task, unit, "不属于本单位职责，建议由牵头单位承办"}};
      });
      return;
    }
    Push(signed_on, 10, Role::kUnit, unit, k, {S::kAssigned}, [=](const core::PlanState&) {
      return CommandBody{schemas::Accept{task, unit}};
    });
    CycleAnswers(k, grp);
    auto due = Date::Parse(a.due_on);
    if (!due || grp == Group::kSilent) return;
    Completion(k, grp, *due);
  }

  // Answers to the review cycles: on time three days in, late a week after the due day, or never.
  void CycleAnswers(const Assignment& k, Group grp) {
    const int32_t task = k.first;
    const std::string unit = k.second;
    for (const auto& c : cycles_) {
      if (grp == Group::kSilent || c.start <= import_day_) continue;
      const Date when = grp == Group::kLate ? c.due.AddDays(6) : c.start.AddDays(3);
      Push(
          when, 16, Role::kUnit, unit, k, working_,
          [=](const core::PlanState&) {
            return CommandBody{schemas::ReportProgress{task, unit, grp == Group::kLate ? 30 : 60,
                                                       "按计划推进（" + c.id + "）", "", unit + "联络员",
                                                       "0751-8888000"}};
          },
          c.id);
    }
  }

  void SubmitAndApprove(const Assignment& k, Date on) {
    const int32_t task = k.first;
    const std::string unit = k.second;
    Push(on, 15, Role::kUnit, unit, k, working_, [=](const core::PlanState&) {
      return CommandBody{schemas::Submit{task, unit, "已按要求完成", "见政府网站专栏"}};
    });
    Office(on.AddDays(3), 10, k, {S::kSubmitted}, [=](const core::PlanState&) {
      return CommandBody{schemas::Approve{task, unit, "同意销号"}};
    });
  }

  // The work finished as the unit's group does, around the assignment's due day.
  void Completion(const Assignment& k, Group grp, Date due) {
    const int32_t task = k.first;
    const std::string unit = k.second;
    switch (grp) {
      case Group::kOnTime: {
        // Some finish early (by late October), which the look-back can check.
        Date on = due.AddDays(-10);
        if (Behaviour(task, unit) < kEarly && Date{year_, 10, 25} < on) on = Date{year_, 10, 25};
        SubmitAndApprove(k, Later(on, start_));
        break;
      }
      case Group::kLate:
        SubmitAndApprove(k, Later(due.AddDays(20), start_));
        break;
      case Group::kExtended: {
        const Date asked = Later(due.AddDays(-20), start_);
        const Date new_due = due.AddDays(45);
        Push(asked, 11, Role::kUnit, unit, k, working_, [=](const core::PlanState&) {
          return CommandBody{schemas::RequestExtension{task, unit, new_due.ToString(), "需待上级平台升级后完成"}};
        });
        Office(asked.AddDays(1), 11, k, {}, [=](const core::PlanState&) {
          return CommandBody{schemas::GrantExtension{task, unit, ""}};
        });
        SubmitAndApprove(k, new_due.AddDays(-5));
        break;
      }
      case Group::kSentBack: {
        const Date first = Later(due.AddDays(-12), start_);
        Push(first, 15, Role::kUnit, unit, k, working_, [=](const core::PlanState&) {
          return CommandBody{schemas::Submit{task, unit, "已完成", ""}};
        });
        Office(first.AddDays(2), 10, k, {S::kSubmitted}, [=](const core::PlanState&) {
          return CommandBody{schemas::Reject{task, unit, "佐证材料不足，请补充"}};
        });
        SubmitAndApprove(k, first.AddDays(5));
        break;
      }
      default:
        break;
    }
  }

  const int year_;
  const Date import_day_;
  const Date start_;  // no unit finishes before five days after the import
  const core::PlanState& plan_;
  const WorkflowTimerPolicy& policy_;
  const std::vector<Cycle> cycles_;
  const std::vector<S> working_{S::kAccepted, S::kInProgress};
  Script script_;
};

}  // namespace

Script WriteScript(int year, Date import_day, const core::PlanState& plan, const WorkflowTimerPolicy& policy) {
  return ScriptWriter(year, import_day, plan, policy).Write();
}

}  // namespace duban::cli::sim

// Fixed sample instances of every event body and every command body, with
// every field set to a non-default value, plus generic field walkers built on
// schemas/src/fields.h (the codec's own field lists, so a field added to a
// struct is walked here without editing this file). Shared by the golden-bytes,
// round-trip, hash and JSON tests of tests/schemas/.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "duban/schemas/codec.h"
#include "duban/schemas/commands.h"
#include "duban/schemas/events.h"
#include "fields.h"  // schemas/src: internal, read only by tests

namespace duban::schemas::testing {

// ---- samples ----------------------------------------------------------------

inline Deadline SampleDeadline() { return Deadline{"10月底前", "2021-10-31", "quarter:1", true, "cn-2021.1"}; }

// One body per alternative of EventBody, in variant order, UnknownEvent excluded.
inline std::vector<EventBody> SampleBodies() {
  return {
      PlanImported{"韶关市2021年政务公开工作要点分工方案",
                   "韶关市人民政府办公室",
                   "韶府办〔2021〕7号",
                   "2021-03-15",
                   2021,
                   "5f2b0c1d",
                   {"市财政局", "市教育局"},
                   {{"市财政局预算科", "市财政局"}, {"市财政局预算科一股", "市财政局预算科"}}},
      PlanAmended{"title", "新标题", "印发更正"},
      PlanUnitAdded{"市民政局", {{"市民政局社会救助科", "市民政局"}}, "职责调整"},
      PlanWithdrawn{"方案废止"},
      TaskAdded{
          3, {"一、总体要求", "（二）重点任务"}, "推进决策公开", "全面推进决策、执行、管理公开", SampleDeadline()},
      TaskAmended{3, "content", "修订后的内容", "上级要求"},
      TaskCancelled{4, "任务合并"},
      TaskCompleted{5},
      AssignmentCreated{3, "市财政局", AssignmentRole::kLead, "2021-10-31"},
      AssignmentAccepted{3, "市财政局"},
      AssignmentReturned{3, "市教育局", "不属本单位职责"},
      AssignmentReassigned{3, "市教育局", "市公安局", "职责调整", "2021-12-31"},
      ProgressReported{3, "市财政局", 40, "已完成初稿", "http://example.gov/e/1", "张三", "0751-1234567"},
      CompletionSubmitted{3, "市财政局", "已全部完成", "报告.pdf"},
      CompletionApproved{3, "市财政局", "同意销号"},
      CompletionRejected{3, "市财政局", "材料不全"},
      ExtensionRequested{3, "市财政局", "2021-11-30", "需上级批复"},
      ExtensionGranted{3, "市财政局", "2021-11-30"},
      ExtensionDenied{3, "市财政局", "理由不充分"},
      DeadlineApproaching{3, "市财政局", "2021-10-31", 5, "cn-mainland/2020-11-25", true},
      DeadlineMissed{3, "市财政局", "2021-10-31", "cn-mainland/2020-11-25", true},
      EscalationRaised{3, "市财政局", 2, "通报批评", {"督查室", "分管领导"}, "cn-mainland/2020-11-25", true},
      EscalationCleared{3, "市财政局", 2, "completed"},
      ReviewCycleStarted{"2021-Q3", "plan", "quarterly", "2021-09-30"},
      ProgressReportRequested{"2021-Q3", 3, "市财政局", "2021-09-30"},
      ReviewCycleClosed{"2021-Q3", 7, 2, 1},
      ReportOverdue{"2021-Q3", 3, "市财政局", "2021-09-30", 1, "督促整改", {"督查室"}, "cn-mainland/2020-11-25", true},
      AssignmentReopened{3, "市财政局", "回头看发现未完成", "2021-lookback", "2022-01-31"},
      AcceptanceOverdue{3, "市教育局", "2021-09-29", "2021-10-09", {"unit", "office"}, "cn-mainland/2020-11-25", true},
      ReviewOverdue{3, "市财政局", "2021-11-01", "2021-11-08", {"office"}, "cn-mainland/2020-11-25", true},
      DeadlineRecounted{3,
                        "市财政局",
                        "2027-05-10",
                        "cn-mainland/2025-11-04+provisional",
                        "cn-mainland/2026-11-10",
                        {"reminder 10 2027-04-26 -> 2027-04-23"},
                        true},
      CalendarNoticeAdded{"cn-mainland", "2026-11-10", 2027, true, "notice-2027.yaml",
                          "calendar: cn-mainland\nnotices:\n  - version: 2026-11-10\n    covers: 2027\n"},
      AccountChanged{"czj", "password_reset", "person", "unit", "市财政局", "张三", "忘记密码", 2},
      DeadlineChanged{3, "市财政局", "2021-10-31", "2021-11-15", "市政府常务会议调整"},
      AssignmentCancelled{3, "市教育局", "退回理由成立，不再承担"},
      AssignmentMerged{3, "市教育局", "市财政局", "并入牵头单位", AssignmentRole::kLead},
      NoteAdded{3, "市财政局", "instruction", "请抓紧推进，月底前报结果。——张副市长"},
      ScheduleSet{3, "quarter:1", "month:1", 2021, "分管领导改为每月听取汇报"},
      AssignmentDelegated{3, "市财政局", "市财政局预算科", "2021-10-15", "请预算科牵头起草"},
      CommandRejected{"accept", "not_assignee", "市教育局 cannot act on the assignment of task 3 to 市财政局"},
  };
}

// The fixed envelope every sample travels in; hash computed like the engine does.
inline Event SampleEvent(const EventBody& body) {
  Event e;
  e.event_id = DeriveEventId("cmd-0001", 2);
  e.stream = "shaoguan-2021";
  e.stream_seq = 42;
  e.type = static_cast<uint16_t>(TypeOf(body));
  e.type_version = CurrentVersion(TypeOf(body));
  e.occurred_at = 1625097600000;  // 2021-07-01T08:00:00+08:00
  e.recorded_at = 1625097601234;
  e.actor = Actor{"市财政局", Role::kUnit, "李四"};
  e.command_id = "cmd-0001";
  e.correlation_id = "corr-7";
  e.prev_hash = Sha256Hex("previous event");
  e.body = body;
  // The per-type golden files were frozen in envelope format 1 (no
  // back-entry reason); format 2 has its own file (Envelope_v2.hex).
  e.envelope_format = kEnvelopeFormatV1;
  e.hash = ComputeHash(e);
  return e;
}

// The sample in the current envelope (format 2): an office back-entry, with
// recorded_at after occurred_at and its reason.
inline Event SampleBackEntry(const EventBody& body) {
  Event e = SampleEvent(body);
  e.envelope_format = kEnvelopeFormatCurrent;
  e.actor = Actor{"督查室", Role::kSupervisor, "王五"};
  e.recorded_at = 1638316800000;  // 2021-12-01T08:00:00+08:00, five months after occurred_at
  e.back_entry_reason = "7月1日纸质报送件（收文登记第12号）";
  e.hash = ComputeHash(e);
  return e;
}

inline ImportTask SampleImportTask(int32_t number) {
  return ImportTask{number,           {"一、总体要求"}, "推进决策公开",          "全面推进决策公开",
                    SampleDeadline(), {"市财政局"},     {"市教育局", "市公安局"}};
}

// One body per alternative of CommandBody, in variant order.
inline std::vector<CommandBody> SampleCommandBodies() {
  PlanImported meta = std::get<PlanImported>(SampleBodies()[0]);
  return {
      ImportPlan{meta, {SampleImportTask(1), SampleImportTask(2)}},
      AddTask{SampleImportTask(9)},
      CancelTask{4, "任务合并"},
      WithdrawPlan{"方案废止"},
      Assign{3, "市财政局", AssignmentRole::kLead, "2021-10-31"},
      Accept{3, "市财政局"},
      Return{3, "市教育局", "不属本单位职责"},
      Reassign{3, "市教育局", "市公安局", "职责调整", "2021-12-31"},
      ReportProgress{3, "市财政局", 40, "已完成初稿", "http://example.gov/e/1", "张三", "0751-1234567"},
      Submit{3, "市财政局", "已全部完成", "报告.pdf"},
      Approve{3, "市财政局", "同意销号"},
      Reject{3, "市财政局", "材料不全"},
      RequestExtension{3, "市财政局", "2021-11-30", "需上级批复"},
      GrantExtension{3, "市财政局", "2021-11-30"},
      DenyExtension{3, "市财政局", "理由不充分"},
      FireTimer{3,
                "市财政局",
                TimerKind::kEscalation,
                "2021-10-31",
                2,
                "通报批评",
                4,
                {"督查室"},
                "2021-Q3",
                1'635'000'000'000},
      StartReviewCycle{"2021-Q3", "plan", "quarterly", "2021-09-30", "市财政局"},
      CloseReviewCycle{"2021-Q3"},
      ReopenAssignment{3, "市财政局", "回头看发现未完成", "2021-lookback", "2022-01-31"},
      SetDeadline{3, "市财政局", "2021-11-15", "市政府常务会议调整"},
      CancelAssignment{3, "市教育局", "不再承担"},
      ResolveReturn{3, "市教育局", "市财政局", "改由财政局承担", "2021-12-31"},
      AddNote{3, "市财政局", "comment", "请补充佐证材料"},
      SetSchedule{3, "quarter:1", "方案要求每季度报送", 2021},
      Delegate{3, "市财政局", "市财政局预算科", "2021-10-15", "请预算科牵头起草"},
      SetConsolidation{"lead", "牵头单位汇总报送"},
      AddUnit{"市民政局", {{"市民政局社会救助科", "市民政局"}}, "职责调整"},
  };
}

inline Command SampleCommand(const CommandBody& body) {
  Command c;
  c.command_id = "cmd-0042";
  c.plan_id = "shaoguan-2021";
  c.expected_version = 17;
  c.actor = Actor{"督查室", Role::kSupervisor, "王五"};
  c.issued_at = 1625097600000;
  c.correlation_id = "corr-9";
  c.body = body;
  c.effective_at = 1625011200000;  // command format 2: the claimed time, a day earlier
  c.back_entry_reason = "纸质件";
  return c;
}

// ---- generic walkers over the codec's field lists -----------------------------

template <class T>
struct IsVec : std::false_type {};
template <class T>
struct IsVec<std::vector<T>> : std::true_type {};

// "name=value;" for every leaf, recursively: a structural dump to compare values
// of types that have no operator== (commands) and to spot default-valued leaves.
struct Dumper {
  std::ostringstream& os;
  std::vector<std::string>* empty_leaves = nullptr;
  std::string prefix;

  template <class V>
  void operator()(const char* name, const V& v) const {
    const std::string path = prefix + name;
    if constexpr (HasFields<V>::value) {
      Fields(Dumper{os, empty_leaves, path + "."}, v);
    } else if constexpr (IsVec<V>::value) {
      if (v.empty() && empty_leaves) empty_leaves->push_back(path);
      os << path << "#=" << v.size() << ";";
      for (size_t i = 0; i < v.size(); ++i) (*this)((std::string(name) + "[" + std::to_string(i) + "]").c_str(), v[i]);
    } else if constexpr (std::is_same_v<V, std::string>) {
      if (v.empty() && empty_leaves) empty_leaves->push_back(path);
      os << path << "=" << v.size() << ":" << v << ";";
    } else if constexpr (std::is_enum_v<V>) {
      os << path << "=" << static_cast<int>(v) << ";";
    } else {
      if (v == V{} && empty_leaves) empty_leaves->push_back(path);
      os << path << "=" << +v << ";";
    }
  }
};

template <class T>
std::string Dump(const T& v, std::vector<std::string>* empty_leaves = nullptr) {
  std::ostringstream os;
  Fields(Dumper{os, empty_leaves, ""}, v);
  return os.str();
}
inline std::string DumpBody(const CommandBody& b, std::vector<std::string>* empty = nullptr) {
  return std::visit([&](const auto& x) { return Dump(x, empty); }, b);
}
inline std::string DumpBody(const EventBody& b, std::vector<std::string>* empty = nullptr) {
  return std::visit([&](const auto& x) { return Dump(x, empty); }, b);
}

// Counts the leaves of a value (vectors count as one leaf).
struct LeafCounter {
  int& n;
  template <class V>
  void operator()(const char*, V& v) const {
    if constexpr (HasFields<V>::value)
      Fields(LeafCounter{n}, v);
    else
      ++n;
  }
};
template <class T>
int LeafCount(T& v) {
  int n = 0;
  Fields(LeafCounter{n}, v);
  return n;
}

// Changes the leaf with index `target` (in LeafCounter order) to another value;
// *name receives its name.
struct LeafMutator {
  int target;
  int& seen;
  std::string* name;
  template <class V>
  void operator()(const char* field, V& v) const {
    if constexpr (HasFields<V>::value) {
      Fields(LeafMutator{target, seen, name}, v);
    } else {
      if (seen++ != target) return;
      *name = field;
      if constexpr (std::is_same_v<V, std::string>)
        v += "~";
      else if constexpr (std::is_same_v<V, std::vector<std::string>>)
        v.push_back("另一单位");
      else if constexpr (std::is_same_v<V, bool>)
        v = !v;
      else if constexpr (std::is_same_v<V, Role>)
        v = v == Role::kUnit ? Role::kSupervisor : Role::kUnit;
      else if constexpr (std::is_same_v<V, AssignmentRole>)
        v = v == AssignmentRole::kLead ? AssignmentRole::kResponsible : AssignmentRole::kLead;
      else if constexpr (std::is_arithmetic_v<V>)
        v = static_cast<V>(v + 1);
      else if constexpr (requires { v.push_back(typename V::value_type{}); })
        v.push_back(typename V::value_type{});  // a list of records (PlanImported.sub_units)
      else
        static_assert(sizeof(V) == 0, "teach LeafMutator this field type");
    }
  }
};
template <class T>
std::string MutateLeaf(T& v, int target) {
  int seen = 0;
  std::string name;
  Fields(LeafMutator{target, seen, &name}, v);
  return name;
}

}  // namespace duban::schemas::testing

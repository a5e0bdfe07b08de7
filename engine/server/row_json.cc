#include "duban/server/row_json.h"

#include "duban/date.h"
#include "duban/schemas/codec.h"

namespace duban::server {

nlohmann::json AssignmentRowJson(const AssignmentRow& r) {
  using json = nlohmann::json;
  return json{{"plan", r.plan_id},
              {"task", r.task},
              {"title", r.task_title},
              {"unit", r.a.unit},
              {"role", schemas::AssignmentRoleName(r.a.role)},
              {"status", core::StatusName(r.a.status)},
              {"percent", r.a.percent},
              {"due_on", r.a.due_on.empty() ? json(nullptr) : json(r.a.due_on)},
              {"deadline_text", r.deadline_text},
              {"overdue", r.a.overdue},
              {"escalation_level", r.a.escalation_level},
              {"acceptance_overdue", r.a.acceptance_overdue},
              {"review_overdue", r.a.review_overdue},
              {"pending_extension", r.a.pending_extension},
              // The unit that delegated it (多级下发); null: the office assigned it.
              {"delegated_by", r.a.parent.empty() ? json(nullptr) : json(r.a.parent)},
              {"reminders", r.a.reminders >= 0 ? json(r.a.reminders) : json(nullptr)},
              {"updated_at", FormatInstant(r.a.updated_at)}};
}

nlohmann::json QueueItemJson(const core::QueueItem& i) {
  using json = nlohmann::json;
  return json{{"plan", i.plan},    {"task", i.task},
              {"unit", i.unit},    {"status", core::StatusName(i.status)},
              {"since", i.since},  {"due_on", i.due_on.empty() ? json(nullptr) : json(i.due_on)},
              {"detail", i.detail}};
}

nlohmann::json PlanSummaryJson(const std::string& id, const core::PlanState& p) {
  return nlohmann::json{{"id", id},
                        {"title", p.meta.title},
                        {"year", p.meta.year},
                        {"tasks", p.tasks.size()},
                        {"assignments", p.assignments.size()},
                        {"version", p.version},
                        {"withdrawn", p.withdrawn}};
}

nlohmann::json OutcomeJson(const Outcome& o) {
  nlohmann::json j;
  j["command_id"] = o.command_id;
  const bool rejected = o.status.code() == Status::Code::kRejected;
  j["outcome"] = o.status.ok()                                ? "accepted"
                 : rejected                                   ? "rejected"
                 : o.status.code() == Status::Code::kConflict ? "conflict"
                                                              : "error";
  j["duplicate"] = o.duplicate;
  if (!o.status.ok()) {
    j["reason"] = rejected                                     ? o.status.reason()
                  : o.status.code() == Status::Code::kConflict ? "command_id_conflict"
                                                               : "error";
    j["message"] = o.status.message();
  }
  j["events"] = nlohmann::json::array();
  for (const auto& e : o.events) j["events"].push_back(nlohmann::json::parse(schemas::EventToJson(e), nullptr, false));
  return j;
}

}  // namespace duban::server

// See script.h.
#include "script.h"

#include "embedded_plans.h"

namespace duban::cli {

Instant ScriptTime(const char* when) { return *ParseInstant(when); }

Outcome Script::DoWithId(const std::string& id, schemas::Role role, const std::string& actor, const char* when,
                         schemas::CommandBody body) {
  schemas::Command c;
  c.command_id = id;
  c.plan_id = plan_;
  c.actor = schemas::Actor{actor, role, actor};
  c.issued_at = ScriptTime(when);
  c.body = std::move(body);
  Outcome o = engine_.Submit(c);
  if (o.status.ok())
    ++accepted_;
  else
    ++rejected_;
  return o;
}

SamplePlan::SamplePlan(const std::string& plan_id) {
  const std::string_view text = EmbeddedPlanShaoguan2021();
  directory = plan_import::UnitDirectory::ChooseEmbedded(text);
  plan_import::ParseOptions po;
  po.default_year = 2021;
  parsed = plan_import::ParsePlan(text, directory ? *directory : plan_import::UnitDirectory(), po);
  request.plan_id = plan_id;
  request.source_bytes = std::string(text);
  request.accept_unknown_units = true;
  request.default_due = Date{2021, 12, 31};
  if (directory) request.directory = &*directory;
}

}  // namespace duban::cli

// A scripted office on a simulated clock, shared by `duban demo` and
// `duban scenario`: commands sent as named actors at stated times (ids
// numbered in order, so the same script writes the same log every run), and
// the compiled-in sample plan shaoguan-2021 imported as the office imports it.
#pragma once

#include <optional>
#include <string>

#include "cli_common.h"
#include "duban/plan_import/plan_parser.h"
#include "plan_commands.h"

namespace duban::cli {

class Script {
 public:
  // `id_prefix` + a number is each command's id.
  Script(Engine& e, std::string plan, std::string id_prefix = "demo-")
      : engine_(e), plan_(std::move(plan)), prefix_(std::move(id_prefix)) {}

  // `when`: "YYYY-MM-DDTHH:MM", the command's issued_at.
  Outcome Do(schemas::Role role, const std::string& actor, const char* when, schemas::CommandBody body) {
    return DoWithId(prefix_ + std::to_string(++seq_), role, actor, when, std::move(body));
  }
  // With a chosen command id: the same id sent again answers with its first outcome.
  Outcome DoWithId(const std::string& id, schemas::Role role, const std::string& actor, const char* when,
                   schemas::CommandBody body);
  int accepted() const { return accepted_; }
  int rejected() const { return rejected_; }
  Engine& engine() { return engine_; }
  const std::string& plan() const { return plan_; }

 private:
  Engine& engine_;
  std::string plan_;
  std::string prefix_;
  int seq_ = 0, accepted_ = 0, rejected_ = 0;
};

// "YYYY-MM-DDTHH:MM" as an instant (the script's own literals: a bad one is a bug).
Instant ScriptTime(const char* when);

// The sample plan shaoguan-2021 parsed with its unit directory (year 2021,
// unknown units accepted, default due 2021-12-31), ready for BuildImportPlan.
struct SamplePlan {
  plan_import::ParsedPlan parsed;
  std::optional<plan_import::UnitDirectory> directory;
  ImportRequest request;  // request.directory points into this object: do not copy it
  SamplePlan(const SamplePlan&) = delete;
  SamplePlan& operator=(const SamplePlan&) = delete;
  explicit SamplePlan(const std::string& plan_id);
};

}  // namespace duban::cli

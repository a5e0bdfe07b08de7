// A unit the office adds to a live plan (`duban plan add-unit`, the API's
// add_unit), read against the unit directory the way an import reads the
// plan's units: an alias becomes the directory's name, a group is refused
// (its members are added one by one), a name the directory lacks is refused
// unless the office accepts it as written, and the directory's units below
// it come with it, so the unit may delegate (多级下发) as an imported one may;
// so does the unit the directory puts it below, so a unit of the plan may
// delegate to the one added (a town added to a plan that names its district).
//
// Guarantees: pure (no I/O, no clock); the same name and directory give the
// same AddUnit, whatever the plan holds (its sub-units are every unit the
// directory puts below it, after the unit itself under its parent; decide
// records those that apply), so a retry is the same command.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "duban/status.h"
#include "duban/schemas/commands.h"

namespace duban::plan_import {

class UnitDirectory;

struct UnitAdditionRequest {
  std::string name;    // as the office typed it
  std::string reason;  // why (kept in the history)
  // The plan's directory: the office's own file, or the shipped one matching
  // the plan (ChooseDirectoryForPlan); null: none, the name is not checked.
  const UnitDirectory* directory = nullptr;
  bool accept_unknown = false;  // take a name the directory lacks as written
};

// The AddUnit command's body, or InvalidArgument saying what is wrong with
// the name and what to do (the suggestions of the directory included).
Result<schemas::AddUnit> BuildAddUnit(const UnitAdditionRequest& req);

// The shipped directory whose match words occur in the plan's title, issuer
// or document number (as an import chooses one from the plan's head).
std::optional<UnitDirectory> ChooseDirectoryForPlan(const schemas::PlanImported& meta);

}  // namespace duban::plan_import

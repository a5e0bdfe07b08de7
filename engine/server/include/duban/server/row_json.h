// The JSON shape of an assignment row, one definition for the HTTP API's
// reads and the CLI's `--json` (status, as-of): the same fields, names and
// formats wherever a tool reads an assignment.
#pragma once

#include <nlohmann/json.hpp>

#include "duban/engine.h"

namespace duban::server {

nlohmann::json AssignmentRowJson(const AssignmentRow& r);

}  // namespace duban::server

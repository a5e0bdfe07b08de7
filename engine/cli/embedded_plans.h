// Sample plans compiled into the binary (from workflows/plans/), so the demo
// runs from a bare clone with no data files around.
#pragma once

#include <string_view>

namespace duban::cli {
std::string_view EmbeddedPlanShaoguan2021();
}

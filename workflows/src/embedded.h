// Data files compiled into the library at build time (see workflows/CMakeLists.txt),
// so the default calendar and workflow definition work with no files around.
#pragma once

#include <string_view>

namespace duban::workflows::internal {

// workflows/calendars/cn-mainland.yaml
std::string_view EmbeddedCalendarYaml();
// workflows/definitions/default.yaml
std::string_view EmbeddedDefinitionYaml();

}  // namespace duban::workflows::internal

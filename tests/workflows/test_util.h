// Shared helpers for the workflows tests: readable Date output in failures.
#pragma once

#include <ostream>

#include "duban/date.h"

namespace duban {
inline void PrintTo(const Date& d, std::ostream* os) { *os << d.ToString(); }
}  // namespace duban

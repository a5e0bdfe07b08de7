// Reading a whole file into memory: the one way every module does it (plan,
// calendar, definition, directory, channels and anchor files, evidence, the
// consumer's state). A file that is missing, a directory, unreadable, larger
// than asked or fails part-way is a Status with the system's reason, never a
// silently empty or truncated text.
#pragma once

#include <cstddef>
#include <limits>
#include <string>

#include "duban/status.h"

namespace duban::file_text {

// The bytes of `path`. NotFound when it does not exist; InvalidArgument when
// it is larger than `max_bytes` (said as "larger than N bytes"); IOError for
// the rest. The message is the reason only ("No such file or directory"):
// callers say which file it was and what it was for.
Result<std::string> ReadWhole(const std::string& path, size_t max_bytes = std::numeric_limits<size_t>::max());

// For a state file that may not exist yet: empty when it is absent. Any other
// failure is an IOError "cannot read PATH: reason", never an empty text (read
// as empty, a file that is there would be cut or rewritten and its records lost).
Result<std::string> ReadIfPresent(const std::string& path);

}  // namespace duban::file_text

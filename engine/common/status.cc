#include "duban/status.h"

namespace duban {

std::string Status::ToString() const {
  const char* name = "ok";
  switch (code_) {
    case Code::kOk:
      return "ok";
    case Code::kRejected:
      name = "rejected";
      break;
    case Code::kNotFound:
      name = "not found";
      break;
    case Code::kCorruption:
      name = "corruption";
      break;
    case Code::kInvalidArgument:
      name = "invalid argument";
      break;
    case Code::kIOError:
      name = "I/O error";
      break;
    case Code::kUnavailable:
      name = "unavailable";
      break;
    case Code::kConflict:
      name = "conflict";
      break;
  }
  std::string out = name;
  if (!reason_.empty()) out += " (" + reason_ + ")";
  if (!message_.empty()) out += ": " + message_;
  return out;
}

}  // namespace duban

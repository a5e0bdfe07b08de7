// Small helpers shared by the YAML loaders of this module: errors that name the
// file and line, and checked scalar reads. Internal; includes yaml-cpp, so it
// stays out of public headers.
#pragma once

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "duban/date.h"
#include "duban/status.h"

namespace duban::workflows::internal {

// "file:line: message" (line 1-based; omitted when the node has no mark).
inline Status YamlError(std::string_view source, const YAML::Node& at, const std::string& msg) {
  std::string where(source);
  if (at.IsDefined() && at.Mark().line >= 0) where += ":" + std::to_string(at.Mark().line + 1);
  return Status::InvalidArgument(where + ": " + msg);
}

inline Status YamlError(std::string_view source, const YAML::Mark& mark, const std::string& msg) {
  std::string where(source);
  if (mark.line >= 0) where += ":" + std::to_string(mark.line + 1);
  return Status::InvalidArgument(where + ": " + msg);
}

// Refuses keys outside `allowed` (a typo in a rules file must not pass silently).
inline Status CheckKeys(std::string_view source, const YAML::Node& map,
                        std::initializer_list<std::string_view> allowed) {
  for (const auto& kv : map) {
    std::string key = kv.first.Scalar();
    bool ok = false;
    for (auto a : allowed) ok = ok || key == a;
    if (!ok) return YamlError(source, kv.first, "unknown key '" + key + "'");
  }
  return Status::Ok();
}

inline std::optional<int> AsInt(const YAML::Node& n) {
  if (!n.IsScalar()) return std::nullopt;
  const std::string& s = n.Scalar();
  if (s.empty() || s.size() > 9) return std::nullopt;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  int v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return s[0] == '-' ? -v : v;
}

inline Result<Date> AsDate(std::string_view source, const YAML::Node& n, std::string_view what) {
  if (!n.IsDefined() || n.IsNull()) {
    return YamlError(source, n, "missing " + std::string(what));
  }
  if (!n.IsScalar()) return YamlError(source, n, std::string(what) + " must be a date YYYY-MM-DD");
  auto d = Date::Parse(n.Scalar());
  if (!d) {
    return YamlError(source, n, "impossible or malformed date '" + n.Scalar() + "' for " + std::string(what));
  }
  return *d;
}

}  // namespace duban::workflows::internal

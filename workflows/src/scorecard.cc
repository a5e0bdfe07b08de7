#include "duban/workflows/scorecard.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>

#include "embedded.h"
#include "yaml_util.h"

namespace duban::workflows {

using internal::CheckKeys;
using internal::YamlError;

namespace {

Result<double> Number(std::string_view src, const YAML::Node& n, const std::string& what) {
  double v = 0;
  if (!n || !n.IsScalar() || !YAML::convert<double>::decode(n, v) || !std::isfinite(v) || std::abs(v) > 1e6)
    return YamlError(src, n, "'" + what + "' must be a number");
  return v;
}

}  // namespace

const std::vector<std::string>& ScorecardRule::Measures() {
  static const std::vector<std::string> kMeasures = {
      "assignments",     "completed",        "completed_on_time", "completed_late",  "overdue",
      "peak_escalation", "progress_reports", "reminders",         "reports_on_time", "reports_late",
      "reports_missing", "completion_rate",  "on_time_rate"};
  return kMeasures;
}

Result<ScorecardRule> ScorecardRule::FromDefinition(std::string_view text, std::string_view src) {
  ScorecardRule out;
  out.source = std::string(src);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return YamlError(src, e.mark, "YAML syntax: " + e.msg);
  }
  if (!root.IsMap()) return YamlError(src, root, "a workflow definition must be a mapping");
  const YAML::Node sc = root["scorecard"];
  if (!sc) return out;
  if (!sc.IsMap()) return YamlError(src, sc, "'scorecard' must be a mapping");
  if (auto s = CheckKeys(src, sc, {"base", "weights", "min", "max"}); !s.ok()) return s;
  for (auto [key, field] : {std::pair{"base", &out.base}, std::pair{"min", &out.min}, std::pair{"max", &out.max}}) {
    if (!sc[key]) continue;
    auto v = Number(src, sc[key], key);
    if (!v.ok()) return v.status();
    *field = *v;
  }
  if (out.min > out.max) return YamlError(src, sc, "scorecard 'min' is above 'max'");
  const YAML::Node w = sc["weights"];
  if (!w) return out;
  if (!w.IsMap()) return YamlError(src, w, "scorecard 'weights' must map a measure to a number");
  const auto& measures = Measures();
  for (const auto& kv : w) {
    const std::string m = kv.first.as<std::string>();
    if (std::find(measures.begin(), measures.end(), m) == measures.end()) {
      std::string all;
      for (const auto& x : measures) all += (all.empty() ? "" : ", ") + x;
      return YamlError(src, kv.first, "unknown scorecard measure '" + m + "' (" + all + ")");
    }
    auto v = Number(src, kv.second, m);
    if (!v.ok()) return v.status();
    out.weights.emplace_back(m, *v);
  }
  return out;
}

Result<ScorecardRule> ScorecardRule::Default() {
  return FromDefinition(internal::EmbeddedDefinitionYaml(), "<embedded>/workflows/definitions/default.yaml");
}

double ScorecardRule::Score(const std::map<std::string, double>& measures) const {
  double s = base;
  for (const auto& [m, w] : weights) {
    auto it = measures.find(m);
    if (it != measures.end()) s += w * it->second;
  }
  return std::clamp(s, min, max);
}

}  // namespace duban::workflows

// Reading an office's YAML file (channels, message templates) strictly:
// every mistake becomes InvalidArgument "FILE:LINE: what is wrong", found
// before anything is built from the file.
//
// Guarantees: CheckedYaml never lets a yaml-cpp exception or a Problem
// escape; line numbers count from 1 as an editor shows them.
#pragma once

#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "duban/status.h"

namespace duban::consumers {

// A mistake in the file, located (thrown by Checker, caught by
// CheckedYaml). yaml-cpp counts lines from 0.
struct Problem {
  std::string message;
};

class Checker {
 public:
  explicit Checker(std::string file) : file_(std::move(file)) {}
  const std::string& file() const { return file_; }

  [[noreturn]] void Fail(const YAML::Node& at, const std::string& what) const {
    throw Problem{file_ + ":" + std::to_string(at.Mark().line + 1) + ": " + what};
  }
  void Keys(const YAML::Node& map, const std::set<std::string>& allowed, const std::string& where) const {
    if (!map.IsMap()) Fail(map, where + " must be a mapping");
    for (const auto& kv : map) {
      const std::string k = kv.first.as<std::string>();
      if (!allowed.count(k)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        Fail(kv.first, "unknown key \"" + k + "\" in " + where + " (known: " + list + ")");
      }
    }
  }
  std::string Str(const YAML::Node& map, const std::string& key, const std::string& where, bool required) const {
    const YAML::Node v = map[key];
    if (!v) {
      if (required) Fail(map, where + " needs \"" + key + "\"");
      return "";
    }
    if (!v.IsScalar()) Fail(v, where + ": \"" + key + "\" must be a string");
    return v.as<std::string>();
  }
  int Int(const YAML::Node& map, const std::string& key, const std::string& where, int dflt) const {
    const YAML::Node v = map[key];
    if (!v) return dflt;
    try {
      const int i = v.as<int>();
      if (i <= 0) Fail(v, where + ": \"" + key + "\" must be a positive number");
      return i;
    } catch (const YAML::BadConversion&) {
      Fail(v, where + ": \"" + key + "\" must be a number");
    }
  }
  bool Bool(const YAML::Node& map, const std::string& key, const std::string& where) const {
    const YAML::Node v = map[key];
    if (!v) return false;
    try {
      return v.as<bool>();
    } catch (const YAML::BadConversion&) {
      Fail(v, where + ": \"" + key + "\" must be true or false");
    }
  }
  std::vector<std::string> List(const YAML::Node& map, const std::string& key, const std::string& where) const {
    const YAML::Node v = map[key];
    std::vector<std::string> out;
    if (!v) return out;
    if (!v.IsSequence()) Fail(v, where + ": \"" + key + "\" must be a list");
    for (const auto& e : v) {
      if (!e.IsScalar()) Fail(e, where + ": each of \"" + key + "\" must be a string");
      out.push_back(e.as<std::string>());
    }
    return out;
  }

 private:
  std::string file_;
};

// Runs `parse` with a Checker for `file`; a Problem or a YAML error
// (syntax, a conversion the checks did not foresee) becomes InvalidArgument.
template <class T, class Parse>
Result<T> CheckedYaml(const std::string& file, Parse&& parse) {
  const Checker c(file);
  try {
    return parse(c);
  } catch (const Problem& p) {
    return Status::InvalidArgument(p.message);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

}  // namespace duban::consumers

// Message templates (templates.h).
#include "duban/consumers/templates.h"

#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "duban/file_text.h"
#include "duban/utf8.h"
#include "yaml_checker.h"

namespace duban::consumers {

// consumers/templates/messages.yaml, generated into the build (CMake).
extern const char* const kBuiltinTemplatesYaml;

namespace {

constexpr size_t kMaxTemplateBytes = 4096;

std::set<std::string> With(std::set<std::string> extra) {
  extra.insert({"plan_title", "task", "task_ref", "task_text", "unit", "due_on", "due_clause"});
  return extra;
}

// Refuses (a Problem) an unknown placeholder or an unbalanced brace.
void CheckPlaceholders(const Checker& c, const YAML::Node& at, const std::string& where, const std::string& tmpl,
                       const std::set<std::string>& known) {
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl.compare(i, 2, "{{") == 0 || tmpl.compare(i, 2, "}}") == 0) {
      ++i;
      continue;
    }
    if (tmpl[i] == '}') c.Fail(at, where + ": a lone \"}\" (write }} for a brace)");
    if (tmpl[i] != '{') continue;
    const size_t close = tmpl.find('}', i);
    if (close == std::string::npos) c.Fail(at, where + ": \"{\" is never closed (write {{ for a brace)");
    const std::string name = tmpl.substr(i + 1, close - i - 1);
    if (!known.count(name)) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "{" : " {") + k + "}";
      c.Fail(at, where + ": unknown placeholder {" + name + "} (known here: " + list + ")");
    }
    i = close;
  }
}

void ParseInto(std::map<std::string, MessageTemplate>& messages, const std::string& text, const Checker& c) {
  const YAML::Node root = YAML::Load(text);
  if (root.IsNull()) return;  // an empty file changes nothing
  std::set<std::string> keys;
  for (const auto& [k, v] : MessageKeys()) keys.insert(k);
  c.Keys(root, keys, "the templates file");
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node m = kv.second;
    c.Keys(m, {"title", "text"}, key);
    MessageTemplate& t = messages[key];
    for (const char* field : {"title", "text"}) {
      const YAML::Node v = m[field];
      if (!v) continue;
      const std::string where = key + "." + field;
      if (!v.IsScalar()) c.Fail(v, where + " must be a string");
      const std::string s = v.as<std::string>();
      if (s.find_first_not_of(" \t\r\n") == std::string::npos) c.Fail(v, where + " is empty");
      // A message is read on a phone: a template this long is a mistake
      // (a pasted file), not a wording, and would be sent to everyone.
      if (s.size() > kMaxTemplateBytes)
        c.Fail(v, where + " is " + std::to_string(s.size()) + " bytes; a template is at most " +
                      std::to_string(kMaxTemplateBytes));
      if (!utf8::IsValid(s)) c.Fail(v, where + " is not UTF-8 (save the file as UTF-8)");
      for (char ch : s)
        if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t')
          c.Fail(v, where + " holds a control character (code " + std::to_string(static_cast<int>(ch)) + ")");
      CheckPlaceholders(c, v, where, s, MessageKeys().at(key));
      (std::string(field) == "title" ? t.title : t.text) = s;
    }
  }
}

}  // namespace

const std::map<std::string, std::set<std::string>>& MessageKeys() {
  static const std::map<std::string, std::set<std::string>> k = {
      {"reminder", With({"days_left"})},
      {"overdue", With({})},
      {"overdue_handed_in", With({"submitted_on"})},
      {"escalation_unit", With({"level", "step"})},
      {"escalation_others", With({"level", "step"})},
      {"report_request", With({"cycle_id", "by_when", "due_suffix"})},
      {"completion_rejected", With({"reason", "reason_clause"})},
      {"completion_approved", With({"comment", "comment_clause"})},
      {"extension_granted", With({})},
      {"extension_denied", With({"reason", "reason_clause", "request_sentence"})},
      {"acceptance_overdue_unit", With({"assigned_on"})},
      {"acceptance_overdue_others", With({"assigned_on"})},
      {"review_overdue", With({"submitted_on"})},
      {"report_overdue", With({"cycle_id"})},
      {"report_overdue_escalated_unit", With({"cycle_id", "level", "step"})},
      {"report_overdue_escalated_others", With({"cycle_id", "level", "step"})},
      {"deadline_changed", With({"old_due_on", "old_clause", "reason", "reason_clause", "request_sentence"})},
      {"overdue_withdrawn", With({"effective_due_on", "request_sentence"})},
      {"overdue_stands", With({"old_due_on", "request_sentence"})},
      {"instruction", With({"note"})},
      {"comment", With({"note", "request_sentence"})},
      {"urge", With({"note", "note_clause"})},
      {"schedule_set", With({"schedule", "schedule_sentence", "reason", "reason_clause"})},
      {"delegated_submitted", With({"parent"})},
      {"delegated_extension", With({"parent", "new_due_on", "reason", "reason_clause"})},
      {"delegated_extension_granted", With({"parent", "parent_sentence"})},
      {"delegated_extension_denied", With({"parent", "parent_sentence", "reason", "reason_clause"})},
      {"delegated_deadline_changed",
       With({"parent", "parent_sentence", "old_due_on", "old_clause", "reason", "reason_clause"})},
      {"assignment_cancelled", With({"reason", "reason_clause"})},
      {"task_cancelled", With({"reason", "reason_clause"})},
      {"return_accepted", With({"reason", "reason_clause"})},
      {"assigned", With({"role_words", "request_sentence"})},
      {"delegated", With({"parent", "note", "note_clause", "request_sentence"})},
      {"reassigned_from", With({"from_unit", "to_unit", "moved_words", "reason", "reason_clause"})},
      {"reassigned_to",
       With({"from_unit", "moved_words", "reason", "reason_clause", "request_sentence", "notice_name"})},
      {"reassigned_parent", With({"from_unit", "to_unit", "moved_words", "reason", "reason_clause"})},
      {"escalation_cleared", With({"level", "submitted_on", "voided", "notice_name"})},
      {"escalation_cleared_others", With({"level", "submitted_on", "voided", "voided_others", "notice_name"})},
      {"digest", {"recipient", "date", "count"}},
  };
  return k;
}

namespace {
bool EndsInQuestion(std::string_view words) {
  for (const std::string_view mark : {"？", "?"})
    if (words.size() >= mark.size() && words.substr(words.size() - mark.size()) == mark) return true;
  return false;
}
}  // namespace

std::string FillTemplate(const std::string& tmpl, const TemplateValues& values) {
  std::string out;
  out.reserve(tmpl.size() + 64);
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl.compare(i, 2, "{{") == 0 || tmpl.compare(i, 2, "}}") == 0) {
      out += tmpl[i++];
      continue;
    }
    const size_t close = tmpl[i] == '{' ? tmpl.find('}', i) : std::string::npos;
    if (close == std::string::npos) {
      out += tmpl[i];
      continue;
    }
    auto it = values.find(tmpl.substr(i + 1, close - i - 1));
    size_t skip = 0;
    if (it == values.end()) {
      out += tmpl.substr(i, close - i + 1);
    } else {
      out += it->second;
      // Words ending in a question (理由：是否属实？) end their sentence:
      // the template's full stop after them would read ？。
      static constexpr std::string_view kStop = "。";
      if (EndsInQuestion(it->second) && tmpl.compare(close + 1, kStop.size(), kStop) == 0) skip = kStop.size();
    }
    i = close + skip;
  }
  return out;
}

MessageTemplate Templates::Fill(const std::string& key, const TemplateValues& values) const {
  const MessageTemplate& t = Get(key);
  return {FillTemplate(t.title, values), FillTemplate(t.text, values)};
}

const std::string& Templates::BuiltinText() {
  static const std::string text(kBuiltinTemplatesYaml);
  return text;
}

const Templates& Templates::Builtin() {
  static const Templates t = [] {
    auto parsed = ParseOver({}, BuiltinText(), "consumers/templates/messages.yaml");
    // The built-in file is part of the build: a mistake in it, or a message
    // it does not word, is a bug.
    if (!parsed.ok()) throw std::logic_error("built-in templates: " + parsed.status().message());
    for (const auto& [key, placeholders] : MessageKeys()) {
      auto it = parsed->messages_.find(key);
      if (it == parsed->messages_.end() || it->second.title.empty() || it->second.text.empty())
        throw std::logic_error("built-in templates: no title or text for " + key);
    }
    return std::move(parsed).value();
  }();
  return t;
}

Result<Templates> Templates::ParseOver(std::map<std::string, MessageTemplate> base, const std::string& text,
                                       const std::string& file) {
  return CheckedYaml<Templates>(file, [&](const Checker& c) {
    ParseInto(base, text, c);
    Templates out;
    out.messages_ = std::move(base);
    return out;
  });
}

Result<Templates> ParseTemplates(const std::string& text, const std::string& file) {
  return Templates::ParseOver(Templates::Builtin().messages_, text, file);
}

Result<Templates> LoadTemplates(const std::string& path) {
  auto text = file_text::ReadWhole(path);
  if (!text.ok())
    return Status::InvalidArgument("cannot read the templates file " + path + ": " + text.status().message());
  return ParseTemplates(*text, path);
}

}  // namespace duban::consumers

// Message templates: the wording of every reminder notification, kept as a
// data file the office can edit (consumers/templates/messages.yaml is the
// built-in wording, compiled in from that one file).
//
// A template is a title and a text with {placeholders}; each message key
// (reminder, escalation_unit, digest, ...) knows a fixed set of them.
//
// Guarantees: an office's file is checked whole before use; an unknown
// message key, field or placeholder, an unclosed brace or an empty template
// is InvalidArgument "FILE:LINE: what is wrong", so a typo never reaches a
// recipient as "{dayz_left}". A key the file leaves out keeps the built-in
// wording. Filling is pure: the same template and values give the same bytes,
// so a replay gives the same notifications and digests.
#pragma once

#include <map>
#include <set>
#include <string>

#include "duban/status.h"

namespace duban::consumers {

struct MessageTemplate {
  std::string title;
  std::string text;
};

using TemplateValues = std::map<std::string, std::string>;

class Templates {
 public:
  // The wording of consumers/templates/messages.yaml.
  static const Templates& Builtin();
  // The built-in file's text, for `duban-reminders templates`.
  static const std::string& BuiltinText();

  // `key` is one of MessageKeys(); any other is a bug (std::out_of_range).
  const MessageTemplate& Get(const std::string& key) const { return messages_.at(key); }
  // Fills key's title and text with `values`.
  MessageTemplate Fill(const std::string& key, const TemplateValues& values) const;

 private:
  friend Result<Templates> ParseTemplates(const std::string& text, const std::string& file);
  static Result<Templates> ParseOver(std::map<std::string, MessageTemplate> base, const std::string& text,
                                     const std::string& file);
  std::map<std::string, MessageTemplate> messages_;
};

// Every message key, with the placeholders it knows.
const std::map<std::string, std::set<std::string>>& MessageKeys();

// Replaces each {name} by values[name] and {{ / }} by a brace. A name with
// no value is kept as written (ParseTemplates has refused unknown names).
std::string FillTemplate(const std::string& tmpl, const TemplateValues& values);

// `text` (named `file` in messages) over the built-in wording.
Result<Templates> ParseTemplates(const std::string& text, const std::string& file);
Result<Templates> LoadTemplates(const std::string& path);

}  // namespace duban::consumers

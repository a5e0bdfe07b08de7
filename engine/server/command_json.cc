// DecodeCommandJson (command_json.h): one table of types and their fields,
// and field readers that name the field in every refusal.
#include "duban/server/command_json.h"
#include "duban/server/strict_json.h"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "duban/date.h"
#include "duban/terminal_text.h"
#include "duban/utf8.h"

namespace duban::server {
namespace {

using nlohmann::json;

enum class Kind { kName, kText, kDate, kTask, kPercent, kEvidence, kYear, kFlag };
struct Field {
  const char* name;
  Kind kind;
  bool required;
};
struct TypeSpec {
  bool unit_may;
  std::vector<Field> fields;
};

const Field kTask{"task", Kind::kTask, true};
const Field kUnit{"unit", Kind::kName, true};

const std::map<std::string, TypeSpec, std::less<>>& Specs() {
  static const std::map<std::string, TypeSpec, std::less<>> specs = {
      {"accept", {true, {kTask, kUnit}}},
      {"return", {true, {kTask, kUnit, {"reason", Kind::kText, true}}}},
      {"progress",
       {true,
        {kTask,
         kUnit,
         {"percent", Kind::kPercent, true},
         {"text", Kind::kText, true},
         {"reporter", Kind::kName, false},
         {"contact", Kind::kName, false},
         {"evidence", Kind::kEvidence, false}}}},
      {"submit", {true, {kTask, kUnit, {"text", Kind::kText, false}, {"evidence", Kind::kEvidence, false}}}},
      {"request_extension", {true, {kTask, kUnit, {"new_due_on", Kind::kDate, true}, {"reason", Kind::kText, true}}}},
      {"approve", {false, {kTask, kUnit, {"comment", Kind::kText, false}}}},
      {"reject", {false, {kTask, kUnit, {"reason", Kind::kText, true}}}},
      // 多级下发: a unit passes its assignment to a sub-unit; due_on absent: the unit's own.
      {"delegate",
       {true,
        {kTask, kUnit, {"to_unit", Kind::kName, true}, {"due_on", Kind::kDate, false}, {"note", Kind::kText, false}}}},
      // reassign and resolve_return's due_on: the moved work's new date (absent: the date it had, not past).
      {"reassign",
       {false,
        {kTask,
         kUnit,
         {"to_unit", Kind::kName, true},
         {"reason", Kind::kText, false},
         {"due_on", Kind::kDate, false}}}},
      {"grant_extension", {false, {kTask, kUnit, {"new_due_on", Kind::kDate, false}}}},
      {"deny_extension", {false, {kTask, kUnit, {"reason", Kind::kText, true}}}},
      {"cancel", {false, {kTask, {"reason", Kind::kText, true}}}},
      {"reopen",
       {false,
        {kTask,
         kUnit,
         {"reason", Kind::kText, true},
         {"cycle_id", Kind::kName, true},
         {"new_due_on", Kind::kDate, false}}}},
      {"start_cycle",
       {false,
        {{"cycle_id", Kind::kName, true},
         {"kind", Kind::kName, true},
         {"due_on", Kind::kDate, true},
         {"unit", Kind::kName, false}}}},
      {"close_cycle", {false, {{"cycle_id", Kind::kName, true}}}},
      // The office's tools (issue 20). set_deadline without a unit: the task and its open assignments;
      // resolve_return without to_unit: the returned assignment is dropped.
      {"set_deadline",
       {false, {kTask, {"unit", Kind::kName, false}, {"due_on", Kind::kDate, true}, {"reason", Kind::kText, true}}}},
      {"cancel_assignment", {false, {kTask, kUnit, {"reason", Kind::kText, true}}}},
      {"resolve_return",
       {false,
        {kTask,
         kUnit,
         {"to_unit", Kind::kName, false},
         {"reason", Kind::kText, true},
         {"due_on", Kind::kDate, false}}}},
      // add_note's text is required but for kind urge (催办): DecodeCommandJson says so.
      {"add_note",
       {false, {kTask, {"unit", Kind::kName, false}, {"kind", Kind::kName, true}, {"text", Kind::kText, false}}}},
      // recurrence "quarter:1" (month|quarter|half_year|year:N), "" stops the schedule; year 0 or absent: the plan's.
      {"set_schedule",
       {false,
        {kTask, {"recurrence", Kind::kText, true}, {"year", Kind::kYear, false}, {"reason", Kind::kText, true}}}},
      // mode "lead" (a task's lead unit consolidates its units' reports) or "per_unit".
      {"set_consolidation", {false, {{"mode", Kind::kName, true}, {"reason", Kind::kText, true}}}},
      // A unit the plan never named: read against the plan's unit directory by the server (plan add-unit).
      {"add_unit",
       {false, {{"name", Kind::kName, true}, {"reason", Kind::kText, true}, {"accept_unknown", Kind::kFlag, false}}}},
      // role "lead" or "responsible" (absent: responsible); due_on absent: the task's date, not past.
      {"assign", {false, {kTask, kUnit, {"role", Kind::kName, false}, {"due_on", Kind::kDate, false}}}},
  };
  return specs;
}

const std::set<std::string, std::less<>> kCommon = {"type", "plan", "command_id", "at", "back_entry_reason"};

Status Bad(const std::string& field, const std::string& what) {
  return Status::InvalidArgument("field '" + field + "': " + what);
}

bool HasControl(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

Status CheckString(const std::string& field, const json& v, Kind kind, std::string* out) {
  if (!v.is_string()) return Bad(field, "must be a string");
  const auto& s = v.get_ref<const std::string&>();
  if (!utf8::IsValid(s)) return Bad(field, "is not valid UTF-8");
  if (HasBidiControl(s))
    return Bad(field,
               "holds a bidirectional control character (U+202A..U+202E, U+2066..U+2069), which would show "
               "the text after it reversed");
  if (kind == Kind::kText) {
    if (utf8::CodePoints(s) > kMaxTextChars)
      return Bad(field, "is longer than " + std::to_string(kMaxTextChars) + " characters");
  } else {
    if (s.empty()) return Bad(field, "must not be empty");
    if (s.size() > kMaxNameBytes) return Bad(field, "is longer than " + std::to_string(kMaxNameBytes) + " bytes");
    if (HasControl(s)) return Bad(field, "holds a control character");
    // 市财政局 + U+200B is refused as another unit's (403) in words that read as the unit's own.
    if (HasInvisibleCharacter(s))
      return Bad(field, "holds an invisible character (zero-width, soft hyphen, ...): type the name again");
  }
  if (kind == Kind::kDate && !Date::Parse(s)) return Bad(field, "must be a date YYYY-MM-DD");
  *out = s;
  return Status::Ok();
}

Status CheckInt(const std::string& field, const json& v, int64_t lo, int64_t hi, int32_t* out) {
  if (!v.is_number_integer()) return Bad(field, "must be an integer");
  const bool in_range = v.is_number_unsigned() ? v.get<uint64_t>() <= static_cast<uint64_t>(hi) &&
                                                     v.get<uint64_t>() >= static_cast<uint64_t>(lo)
                                               : v.get<int64_t>() >= lo && v.get<int64_t>() <= hi;
  if (!in_range) return Bad(field, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  *out = static_cast<int32_t>(v.get<int64_t>());
  return Status::Ok();
}

bool IsSha256Hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

Status CheckEvidence(const json& v, std::vector<EvidenceRef>* out) {
  if (!v.is_array()) return Bad("evidence", "must be an array of {\"sha256\", \"name\"}");
  if (v.size() > kMaxEvidencePerCommand)
    return Bad("evidence", "names more than " + std::to_string(kMaxEvidencePerCommand) + " files");
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string at = "evidence[" + std::to_string(i) + "]";
    const json& e = v[i];
    if (!e.is_object()) return Bad(at, "must be an object {\"sha256\", \"name\"}");
    for (const auto& [k, _] : e.items())
      if (k != "sha256" && k != "name") return Bad(at + "." + k, "unknown field");
    if (!e.contains("sha256")) return Bad(at + ".sha256", "is required");
    if (!e.contains("name")) return Bad(at + ".name", "is required");
    EvidenceRef r;
    if (auto st = CheckString(at + ".sha256", e["sha256"], Kind::kName, &r.sha256); !st.ok()) return st;
    if (!IsSha256Hex(r.sha256)) return Bad(at + ".sha256", "must be 64 lowercase hexadecimal digits");
    if (auto st = CheckString(at + ".name", e["name"], Kind::kName, &r.name); !st.ok()) return st;
    out->push_back(std::move(r));
  }
  return Status::Ok();
}

// The fields read into one flat map of strings and integers.
struct Values {
  std::map<std::string, std::string> s;
  int32_t task = 0, percent = 0, year = 0;
  bool flag = false;
  std::vector<EvidenceRef> evidence;
  std::string Get(const char* k) const {
    auto it = s.find(k);
    return it == s.end() ? "" : it->second;
  }
};

Status ReadField(const json& body, const Field& f, Values* v) {
  if (!body.contains(f.name)) return f.required ? Bad(f.name, "is required") : Status::Ok();
  const json& x = body[f.name];
  switch (f.kind) {
    case Kind::kTask:
      return CheckInt(f.name, x, 1, kMaxTaskNumber, &v->task);
    case Kind::kPercent:
      return CheckInt(f.name, x, 0, 100, &v->percent);
    case Kind::kEvidence:
      return CheckEvidence(x, &v->evidence);
    case Kind::kYear:
      return CheckInt(f.name, x, 1900, 2999, &v->year);
    case Kind::kFlag:
      if (!x.is_boolean()) return Bad(f.name, "must be true or false");
      v->flag = x.get<bool>();
      return Status::Ok();
    default:
      return CheckString(f.name, x, f.kind, &v->s[f.name]);
  }
}

schemas::CommandBody BodyOf(const std::string& type, const Values& v) {
  const int32_t t = v.task;
  const std::string u = v.Get("unit");
  if (type == "accept") return schemas::Accept{t, u};
  if (type == "return") return schemas::Return{t, u, v.Get("reason")};
  if (type == "progress")
    return schemas::ReportProgress{t, u, v.percent, v.Get("text"), "", v.Get("reporter"), v.Get("contact")};
  if (type == "submit") return schemas::Submit{t, u, v.Get("text"), ""};
  if (type == "request_extension") return schemas::RequestExtension{t, u, v.Get("new_due_on"), v.Get("reason")};
  if (type == "approve") return schemas::Approve{t, u, v.Get("comment")};
  if (type == "reject") return schemas::Reject{t, u, v.Get("reason")};
  if (type == "delegate") return schemas::Delegate{t, u, v.Get("to_unit"), v.Get("due_on"), v.Get("note")};
  if (type == "reassign") return schemas::Reassign{t, u, v.Get("to_unit"), v.Get("reason"), v.Get("due_on")};
  if (type == "grant_extension") return schemas::GrantExtension{t, u, v.Get("new_due_on")};
  if (type == "deny_extension") return schemas::DenyExtension{t, u, v.Get("reason")};
  if (type == "cancel") return schemas::CancelTask{t, v.Get("reason")};
  if (type == "reopen") return schemas::ReopenAssignment{t, u, v.Get("reason"), v.Get("cycle_id"), v.Get("new_due_on")};
  if (type == "set_deadline") return schemas::SetDeadline{t, u, v.Get("due_on"), v.Get("reason")};
  if (type == "cancel_assignment") return schemas::CancelAssignment{t, u, v.Get("reason")};
  if (type == "resolve_return") return schemas::ResolveReturn{t, u, v.Get("to_unit"), v.Get("reason"), v.Get("due_on")};
  if (type == "add_note") return schemas::AddNote{t, u, v.Get("kind"), v.Get("text")};
  if (type == "set_schedule") return schemas::SetSchedule{t, v.Get("recurrence"), v.Get("reason"), v.year};
  if (type == "set_consolidation") return schemas::SetConsolidation{v.Get("mode"), v.Get("reason")};
  if (type == "add_unit") return schemas::AddUnit{v.Get("name"), {}, v.Get("reason")};
  if (type == "assign")
    return schemas::Assign{
        t, u, v.Get("role") == "lead" ? schemas::AssignmentRole::kLead : schemas::AssignmentRole::kResponsible,
        v.Get("due_on")};
  if (type == "start_cycle") return schemas::StartReviewCycle{v.Get("cycle_id"), "", "", v.Get("due_on"), u};
  return schemas::CloseReviewCycle{v.Get("cycle_id")};
}

Status CheckFieldNames(const json& body, const TypeSpec& spec, const std::string& type) {
  for (const auto& [k, _] : body.items()) {
    if (kCommon.count(k)) continue;
    bool known = false;
    for (const auto& f : spec.fields) known = known || k == f.name;
    if (known) continue;
    if (k == "actor" || k == "role" || k == "actor_id")
      return Bad(k, "unknown field: who acts is the signed-in account, never the request");
    return Bad(k, "unknown field for type '" + type + "'");
  }
  return Status::Ok();
}

Status ReadCommon(const json& body, DecodedCommand* out) {
  auto& c = out->command;
  if (!body.contains("plan")) return Bad("plan", "is required");
  if (auto st = CheckString("plan", body["plan"], Kind::kName, &c.plan_id); !st.ok()) return st;
  if (!body.contains("command_id")) return Bad("command_id", "is required (a client's retry with the same id is safe)");
  if (auto st = CheckString("command_id", body["command_id"], Kind::kName, &c.command_id); !st.ok()) return st;
  if (utf8::CodePoints(c.command_id) > kMaxCommandIdChars)
    return Bad("command_id", "is longer than " + std::to_string(kMaxCommandIdChars) + " characters");
  if (body.contains("at")) {
    std::string at;
    if (auto st = CheckString("at", body["at"], Kind::kName, &at); !st.ok()) return st;
    auto t = ParseInstant(at);
    if (!t) return Bad("at", "must be YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (China time)");
    c.effective_at = *t;
  }
  if (body.contains("back_entry_reason"))
    return CheckString("back_entry_reason", body["back_entry_reason"], Kind::kText, &c.back_entry_reason);
  return Status::Ok();
}

}  // namespace

const std::vector<std::string>& CommandTypes() {
  static const std::vector<std::string> types = {"accept",
                                                 "return",
                                                 "progress",
                                                 "submit",
                                                 "approve",
                                                 "reject",
                                                 "reassign",
                                                 "request_extension",
                                                 "grant_extension",
                                                 "deny_extension",
                                                 "cancel",
                                                 "reopen",
                                                 "start_cycle",
                                                 "close_cycle",
                                                 "set_deadline",
                                                 "cancel_assignment",
                                                 "resolve_return",
                                                 "add_note",
                                                 "set_schedule",
                                                 "delegate",
                                                 "set_consolidation",
                                                 "add_unit",
                                                 "assign"};
  return types;
}

bool IsUnitCommandType(std::string_view type) {
  auto it = Specs().find(type);
  return it != Specs().end() && it->second.unit_may;
}

Result<json> ParseJsonObject(std::string_view bytes) {
  if (!utf8::IsValid(bytes)) return Status::InvalidArgument("the body is not valid UTF-8");
  // JSON text holds no raw NUL, and nlohmann's reader takes one for the end
  // of input: "{…}\0garbage" would pass as "{…}".
  if (bytes.find('\0') != std::string_view::npos)
    return Status::InvalidArgument("the body is not valid JSON (it holds a NUL byte)");
  std::vector<std::set<std::string>> keys;  // one set per open object
  std::optional<std::string> repeated;
  auto watch = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      keys.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      if (!keys.empty()) keys.pop_back();
    } else if (event == json::parse_event_t::key && !keys.empty() && parsed.is_string()) {
      if (!keys.back().insert(parsed.get<std::string>()).second && !repeated) repeated = parsed.get<std::string>();
    }
    return true;
  };
  json body = json::parse(bytes.begin(), bytes.end(), watch, /*allow_exceptions=*/false);
  if (body.is_discarded()) return Status::InvalidArgument("the body is not valid JSON");
  if (repeated) {
    std::string key = *repeated;
    if (key.size() > 64) key = key.substr(0, 64) + "...";  // cut on a byte: the message is escaped as JSON
    return Status::InvalidArgument("field '" + key + "': given twice");
  }
  if (!body.is_object()) return Status::InvalidArgument("the body must be a JSON object");
  return body;
}

Result<DecodedCommand> DecodeCommandJson(std::string_view bytes) {
  auto parsed = ParseJsonObject(bytes);
  if (!parsed.ok()) return parsed.status();
  json body = std::move(parsed).value();
  if (!body.contains("type")) return Bad("type", "is required");
  if (!body["type"].is_string()) return Bad("type", "must be a string");
  DecodedCommand out;
  out.type = body["type"].get<std::string>();
  auto spec = Specs().find(out.type);
  if (spec == Specs().end()) return Bad("type", "unknown command type (see the API's command types)");
  if (auto st = CheckFieldNames(body, spec->second, out.type); !st.ok()) return st;
  if (auto st = ReadCommon(body, &out); !st.ok()) return st;
  Values v;
  for (const auto& f : spec->second.fields)
    if (auto st = ReadField(body, f, &v); !st.ok()) return st;
  if (out.type == "add_note" && v.Get("kind") != "urge" && !body.contains("text"))
    return Bad("text", "is required (but for kind urge)");
  if (out.type == "assign" && body.contains("role") && v.Get("role") != "lead" && v.Get("role") != "responsible")
    return Bad("role", "must be \"lead\" (牵头) or \"responsible\" (责任)");
  out.command.body = BodyOf(out.type, v);
  out.evidence = std::move(v.evidence);
  out.cycle_kind = v.Get("kind");
  out.accept_unknown_unit = v.flag;
  return out;
}

}  // namespace duban::server

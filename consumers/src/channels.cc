// The channels file (channels.h): YAML -> routed sinks, checked whole first.
#include "duban/consumers/channels.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include <yaml-cpp/yaml.h>

#include "duban/consumers/notification.h"
#include "duban/file_text.h"
#include "duban/plan_import/unit_directory.h"
#include "yaml_checker.h"

namespace duban::consumers {
namespace {

bool IsEmailAddress(const std::string& a) {
  const auto at = a.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == a.size() || a.find('@', at + 1) != std::string::npos)
    return false;
  for (char c : a)
    if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == ',' || c == ';') return false;
  return true;
}

bool IsMobile(const std::string& m) {
  if (m.empty() || m.size() > 20) return false;
  for (size_t i = 0; i < m.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(m[i])) && !(i == 0 && m[i] == '+')) return false;
  return true;
}

struct ChannelDef {
  std::string type;
  YAML::Node node;
};

// The "channels" block: each channel's type and keys checked, by name.
std::map<std::string, ChannelDef> ParseChannelDefs(const YAML::Node& channels, const Checker& c) {
  std::map<std::string, ChannelDef> defs;
  for (const auto& kv : channels) {
    const std::string name = kv.first.as<std::string>();
    const std::string where = "channel " + name;
    // The name is the dedupe key in delivered.log ("name<TAB>id" lines).
    if (name.empty() ||
        std::any_of(name.begin(), name.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20; }))
      c.Fail(kv.first, "a channel name must be non-empty without tabs, line breaks or other control characters");
    if (name == "webhook" || name == "outbox" || name == "workbench")
      c.Fail(kv.first, "channel name \"" + name + "\" is kept for the --" + name + " flag; choose another");
    const YAML::Node d = kv.second;
    if (!d.IsMap()) c.Fail(d, where + " must be a mapping with a \"type\"");
    const std::string type = c.Str(d, "type", where, true);
    if (type == "email")
      c.Keys(d, {"type", "url", "from", "from_name", "username", "password", "starttls", "timeout_ms"}, where);
    else if (type == "wecom")
      c.Keys(d, {"type", "url", "markdown", "timeout_ms"}, where);
    else if (type == "dingtalk")
      c.Keys(d, {"type", "url", "secret", "timeout_ms"}, where);
    else if (type == "webhook")
      c.Keys(d, {"type", "url", "timeout_ms"}, where);
    else if (type == "outbox")
      c.Keys(d, {"type", "path"}, where);
    else if (type == "sms")
      c.Keys(d,
             {"type", "url", "method", "content_type", "body", "headers", "success_field", "success_value", "max_chars",
              "timeout_ms"},
             where);
    else
      c.Fail(d["type"], where + ": unknown type \"" + type + "\" (email, wecom, dingtalk, sms, webhook, outbox)");
    defs[name] = {type, d};
  }
  return defs;
}

// The addresses of one {channel: NAME, ...} entry of a recipient, as its
// channel's type takes them: email "to", robot "mobiles", others none.
std::vector<std::string> EntryAddresses(const YAML::Node& e, const std::string& ch, const std::string& type,
                                        const std::string& where, const Checker& c) {
  std::vector<std::string> addresses;
  if (type == "email") {
    if (e["mobiles"]) c.Fail(e["mobiles"], where + ": an email channel takes \"to\", not \"mobiles\"");
    addresses = c.List(e, "to", where);
    if (addresses.empty()) c.Fail(e, where + ": email channel \"" + ch + "\" needs \"to\": [addresses]");
    for (const auto& a : addresses)
      if (!IsEmailAddress(a)) c.Fail(e["to"], where + ": \"" + a + "\" is not an email address");
  } else if (type == "wecom" || type == "dingtalk" || type == "sms") {
    if (e["to"]) c.Fail(e["to"], where + ": a " + type + " channel takes \"mobiles\", not \"to\"");
    addresses = c.List(e, "mobiles", where);
    if (type == "sms" && addresses.empty())
      c.Fail(e, where + ": sms channel \"" + ch + "\" needs \"mobiles\": [numbers]");
    for (const auto& m : addresses)
      if (!IsMobile(m)) c.Fail(e["mobiles"], where + ": \"" + m + "\" is not a mobile number");
  } else if (e["to"] || e["mobiles"]) {
    c.Fail(e, where + ": channel \"" + ch + "\" (" + type + ") takes no addresses");
  }
  return addresses;
}

// The "recipients" block turned around: routes per channel, and every
// recipient the file names.
struct Routing {
  std::map<std::string, Routes> routes;
  std::set<std::string> named;
};

Routing ParseRecipients(const YAML::Node& recipients, const std::map<std::string, ChannelDef>& defs, const Checker& c) {
  Routing out;
  for (const auto& [name, def] : defs) out.routes[name] = Routes{};
  for (const auto& kv : recipients) {
    const std::string who = kv.first.as<std::string>();
    const std::string where = "recipient " + who;
    if (who != "default") out.named.insert(who);
    const YAML::Node list = kv.second;
    if (!list.IsSequence() || list.size() == 0) c.Fail(list, where + " must be a list of {channel: NAME, ...} entries");
    std::set<std::string> seen;
    for (const auto& e : list) {
      c.Keys(e, {"channel", "to", "mobiles"}, where);
      const std::string ch = c.Str(e, "channel", where, true);
      auto def = defs.find(ch);
      if (def == defs.end()) c.Fail(e["channel"], where + ": channel \"" + ch + "\" is not defined under \"channels\"");
      if (!seen.insert(ch).second) c.Fail(e, where + ": channel \"" + ch + "\" listed twice");
      std::vector<std::string> addresses = EntryAddresses(e, ch, def->second.type, where, c);
      if (who == "default")
        out.routes[ch].fallback = addresses;
      else
        out.routes[ch].recipients[who] = addresses;
    }
  }
  return out;
}

// The "directory" block: the unit directory's contacts as recipients. A
// unit's liaison is the unit itself, its leader "<unit>主要负责同志" (the name
// the renderer gives the unit's leaders); their email goes out on the
// `email` channel, their mobile on the `mobile` one. A recipient the
// "recipients" block names keeps what the block says.
void AddDirectoryContacts(const YAML::Node& d, const std::map<std::string, ChannelDef>& defs, const Checker& c,
                          Routing& routing) {
  const std::string where = "directory";
  c.Keys(d, {"file", "email", "mobile"}, where);
  std::filesystem::path path = c.Str(d, "file", where, true);
  if (path.is_relative()) path = std::filesystem::path(c.file()).parent_path() / path;
  const std::string email = c.Str(d, "email", where, false), mobile = c.Str(d, "mobile", where, false);
  if (email.empty() && mobile.empty())
    c.Fail(d, "directory needs \"email\" and/or \"mobile\": the channels that carry the contacts' addresses");
  auto check = [&](const std::string& key, const std::string& ch, const std::set<std::string>& types) {
    if (ch.empty()) return;
    auto def = defs.find(ch);
    if (def == defs.end()) c.Fail(d[key], where + ": channel \"" + ch + "\" is not defined under \"channels\"");
    if (!types.count(def->second.type))
      c.Fail(d[key], where + ": \"" + key + "\" needs a channel of type " +
                         (key == "email" ? "email" : "sms, wecom or dingtalk") + ", not " + def->second.type);
  };
  check("email", email, {"email"});
  check("mobile", mobile, {"sms", "wecom", "dingtalk"});
  auto dir = plan_import::UnitDirectory::LoadFile(path.string());
  if (!dir.ok()) c.Fail(d["file"], where + ": " + dir.status().message());
  const std::set<std::string> explicitly = routing.named;
  // A contact none of the two channels can reach (an email-only liaison and
  // only a mobile channel) is left to `default`, not made a dead end.
  auto add = [&](const std::string& who, const std::optional<plan_import::UnitDirectory::Contact>& contact) {
    if (!contact || explicitly.count(who)) return;
    bool routed = false;
    if (!email.empty() && !contact->email.empty()) {
      routing.routes[email].recipients[who] = {contact->email};
      routed = true;
    }
    if (!mobile.empty() && !contact->mobile.empty()) {
      routing.routes[mobile].recipients[who] = {contact->mobile};
      routed = true;
    }
    if (routed) routing.named.insert(who);
  };
  const std::string leaders = RenderOptions{}.unit_leaders_suffix;
  for (const auto& unit : dir->units()) {
    // Plans (and so notifications) may name a unit by an alias it keeps.
    std::vector<std::string> names = {unit.name};
    names.insert(names.end(), unit.aliases.begin(), unit.aliases.end());
    for (const auto& name : names) {
      add(name, unit.liaison);
      add(name + leaders, unit.leader);
    }
  }
}

// An sms channel: the gateway's templates, checked now (a typo in a
// placeholder or a body that is not JSON is a mistake in the file).
Result<std::unique_ptr<Sink>> MakeSmsChannel(const std::string& name, const YAML::Node& d, const Checker& c) {
  const std::string where = "channel " + name;
  SmsOptions o;
  o.name = name;
  o.url = c.Str(d, "url", where, true);
  o.method = d["method"] ? c.Str(d, "method", where, false) : o.method;
  o.content_type = d["content_type"] ? c.Str(d, "content_type", where, false) : o.content_type;
  o.body = c.Str(d, "body", where, o.method == "POST");
  o.success_field = c.Str(d, "success_field", where, false);
  o.success_value = c.Str(d, "success_value", where, !o.success_field.empty());
  o.max_chars = static_cast<size_t>(c.Int(d, "max_chars", where, static_cast<int>(o.max_chars)));
  o.timeout_ms = c.Int(d, "timeout_ms", where, o.timeout_ms);
  if (const YAML::Node h = d["headers"]) {
    if (!h.IsMap()) c.Fail(h, where + ": \"headers\" must be a mapping of header: value");
    for (const auto& kv : h) {
      if (!kv.second.IsScalar()) c.Fail(kv.second, where + ": each header value must be a string");
      o.headers.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
    }
  }
  auto sink = MakeSmsSink(o);
  if (!sink.ok()) c.Fail(d, sink.status().message());
  return sink;
}

// The sink of one channel, from its definition's keys.
Result<std::unique_ptr<Sink>> MakeChannelSink(const std::string& name, const ChannelDef& def, const Checker& c) {
  const YAML::Node& d = def.node;
  const std::string where = "channel " + name;
  if (def.type == "email") {
    SmtpOptions o;
    o.name = name;
    o.url = c.Str(d, "url", where, true);
    o.from = c.Str(d, "from", where, true);
    o.from_name = c.Str(d, "from_name", where, false);
    o.username = c.Str(d, "username", where, false);
    o.password = c.Str(d, "password", where, false);
    o.starttls = c.Bool(d, "starttls", where);
    o.timeout_ms = c.Int(d, "timeout_ms", where, o.timeout_ms);
    return MakeSmtpSink(o);
  }
  if (def.type == "wecom" || def.type == "dingtalk") {
    RobotOptions o;
    o.kind = def.type == "wecom" ? RobotKind::kWeCom : RobotKind::kDingTalk;
    o.name = name;
    o.url = c.Str(d, "url", where, true);
    if (o.kind == RobotKind::kWeCom)
      o.markdown = c.Bool(d, "markdown", where);
    else
      o.secret = c.Str(d, "secret", where, false);
    o.timeout_ms = c.Int(d, "timeout_ms", where, o.timeout_ms);
    return MakeRobotSink(o);
  }
  if (def.type == "sms") return MakeSmsChannel(name, d, c);
  if (def.type == "webhook") {
    WebhookOptions o;
    o.name = name;
    o.url = c.Str(d, "url", where, true);
    o.timeout_ms = c.Int(d, "timeout_ms", where, o.timeout_ms);
    return MakeWebhookSink(o);
  }
  return MakeJsonlOutboxSink(c.Str(d, "path", where, true), name);
}

std::vector<std::unique_ptr<Sink>> Parse(const std::string& text, const Checker& c) {
  const YAML::Node root = YAML::Load(text);
  if (!root.IsMap()) c.Fail(root, "the channels file must be a mapping with \"channels\" and \"recipients\"");
  c.Keys(root, {"channels", "recipients", "directory"}, "the channels file");
  const YAML::Node channels = root["channels"], recipients = root["recipients"], directory = root["directory"];
  if (!channels || !channels.IsMap() || channels.size() == 0)
    c.Fail(root, "\"channels\" must name at least one channel");
  if (!directory && (!recipients || !recipients.IsMap() || recipients.size() == 0))
    c.Fail(root,
           "\"recipients\" must name at least one recipient (or \"default\"), or \"directory\" the unit directory");
  if (recipients && !recipients.IsMap()) c.Fail(recipients, "\"recipients\" must be a mapping");

  const std::map<std::string, ChannelDef> defs = ParseChannelDefs(channels, c);
  Routing routing = recipients ? ParseRecipients(recipients, defs, c) : Routing{};
  if (!recipients)
    for (const auto& [name, def] : defs) routing.routes[name] = Routes{};
  if (directory) AddDirectoryContacts(directory, defs, c, routing);
  std::vector<std::unique_ptr<Sink>> sinks;
  for (const auto& [name, def] : defs) {
    Routes& r = routing.routes[name];
    if (r.recipients.empty() && !r.fallback) continue;  // defined, used by no one
    r.named = routing.named;
    Result<std::unique_ptr<Sink>> sink = MakeChannelSink(name, def, c);
    if (!sink.ok()) c.Fail(def.node, sink.status().message());
    (*sink)->set_routes(r);
    sinks.push_back(std::move(sink).value());
  }
  return sinks;
}

}  // namespace

Result<std::vector<std::unique_ptr<Sink>>> ParseChannels(const std::string& text, const std::string& file) {
  return CheckedYaml<std::vector<std::unique_ptr<Sink>>>(file, [&](const Checker& c) { return Parse(text, c); });
}

Result<std::vector<std::unique_ptr<Sink>>> LoadChannels(const std::string& path) {
  auto text = file_text::ReadWhole(path);
  if (!text.ok())
    return Status::InvalidArgument("cannot read the channels file " + path + ": " + text.status().message());
  return ParseChannels(*text, path);
}

}  // namespace duban::consumers

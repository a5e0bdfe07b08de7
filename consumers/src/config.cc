// ConsumerConfig from a YAML file and the flags (config.h).
#include "duban/consumers/config.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>

#include "duban/consumers/channels.h"
#include "duban/consumers/digest.h"
#include "duban/consumers/templates.h"

namespace duban::consumers {

namespace {

namespace fs = std::filesystem;

// Reads node[key] into `out` unless the flag was given; a path is resolved
// against the file's folder.
class Reader {
 public:
  Reader(const std::function<bool(const char*)>& given, fs::path base) : given_(given), base_(std::move(base)) {}
  template <typename T>
  void Value(const YAML::Node& node, const char* key, const char* flag, T& out) const {
    if ((flag == nullptr || !given_(flag)) && node && node[key]) out = node[key].as<T>();
  }
  void Path(const YAML::Node& node, const char* key, const char* flag, std::string& out) const {
    if ((flag != nullptr && given_(flag)) || !node || !node[key]) return;
    out = node[key].as<std::string>();
    if (!out.empty() && fs::path(out).is_relative()) out = (base_ / out).lexically_normal().string();
  }

 private:
  const std::function<bool(const char*)>& given_;
  fs::path base_;
};

}  // namespace

Status ApplyConfigFile(const std::string& path, const std::function<bool(const char* flag)>& given, ConsumerConfig& c) {
  RemindersOptions& o = c.options;
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (root && !root.IsNull() && !root.IsMap())
      return Status::InvalidArgument(path + ": the file must be a mapping with kafka: and reminders: blocks");
    YAML::Node k = root["kafka"], r = root["reminders"];
    if (r && !r.IsNull() && !r.IsMap())
      return Status::InvalidArgument(path + ": reminders: must be a mapping of keys (consumers/README.md)");
    if (k && !k.IsNull() && !k.IsMap()) return Status::InvalidArgument(path + ": kafka: must be a mapping of keys");
    static const std::set<std::string> kKnown = {"group_id",
                                                 "dead_letter_topic",
                                                 "webhook_url",
                                                 "outbox",
                                                 "channels",
                                                 "workbench",
                                                 "state_dir",
                                                 "store",
                                                 "office",
                                                 "max_attempts",
                                                 "backoff_ms",
                                                 "max_backoff_ms",
                                                 "webhook_timeout_ms",
                                                 "digest_at",
                                                 "templates",
                                                 "poll_ms",
                                                 "digest_at_for"};
    if (r && r.IsMap())
      for (const auto& kv : r) {
        const std::string key = kv.first.as<std::string>();
        if (!kKnown.count(key))
          return Status::InvalidArgument(path + ":" + std::to_string(kv.first.Mark().line + 1) +
                                         ": reminders: unknown key \"" + key + "\" (consumers/README.md lists them)");
        if (kv.second.IsNull() || (kv.second.IsScalar() && kv.second.Scalar().empty()))
          return Status::InvalidArgument(path + ":" + std::to_string(kv.first.Mark().line + 1) + ": reminders: " + key +
                                         " is empty");
      }
    const Reader read(given, fs::path(path).parent_path());
    read.Value(k, "bootstrap", "--bootstrap", o.kafka.bootstrap);
    read.Value(k, "events_topic", "--topic", o.kafka.events_topic);
    read.Value(k, "session_timeout_ms", "--session-timeout-ms", o.kafka.session_timeout_ms);
    if (k && k["extra"] && k["extra"].IsMap())
      for (const auto& kv : k["extra"]) o.kafka.extra[kv.first.as<std::string>()] = kv.second.as<std::string>();
    read.Value(r, "group_id", "--group", o.group);
    read.Value(r, "dead_letter_topic", "--dlq-topic", o.dlq_topic);
    read.Value(r, "webhook_url", "--webhook", c.webhook);
    read.Path(r, "outbox", "--outbox", c.outbox);
    read.Path(r, "channels", "--channels", c.channels);
    read.Value(r, "workbench", "--workbench", c.workbench);
    read.Path(r, "state_dir", "--data", o.data_dir);
    read.Path(r, "store", "--store", o.store_dir);
    read.Value(r, "office", "--office", o.render.office);
    read.Value(r, "max_attempts", "--max-attempts", o.retry.max_attempts);
    read.Value(r, "backoff_ms", "--backoff-ms", o.retry.initial_backoff_ms);
    read.Value(r, "max_backoff_ms", "--max-backoff-ms", o.retry.max_backoff_ms);
    read.Value(r, "webhook_timeout_ms", "--webhook-timeout-ms", c.webhook_timeout_ms);
    read.Value(r, "digest_at", "--digest-at", c.digest_at);
    read.Path(r, "templates", "--templates", c.templates);
    read.Value(r, "poll_ms", "--poll-ms", c.poll_ms);
    if (!given("--digest-at-for") && r && r["digest_at_for"]) {
      if (!r["digest_at_for"].IsMap())
        return Status::InvalidArgument(path + ": digest_at_for must map recipients to \"HH:MM\" or now");
      for (const auto& kv : r["digest_at_for"])
        c.digest_at_for.push_back(kv.first.as<std::string>() + "=" + kv.second.as<std::string>());
    }
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(path + ": " + e.what());
  }
  return Status::Ok();
}

Status ResolveConfig(ConsumerConfig& c) {
  RemindersOptions& o = c.options;
  if (c.options.retry.max_attempts < 1) return Status::InvalidArgument("--max-attempts: at least 1");
  if (c.poll_ms < 1) return Status::InvalidArgument("--poll-ms: at least 1");
  if (!c.digest_at.empty()) {
    o.digest_minute = ParseDigestTime(c.digest_at);
    if (!o.digest_minute)
      return Status::InvalidArgument("--digest-at " + c.digest_at + ": give a time of day as HH:MM, e.g. 09:00");
  }
  for (const auto& entry : c.digest_at_for) {
    const size_t eq = entry.rfind('=');
    const std::string who = eq == std::string::npos ? "" : entry.substr(0, eq);
    const std::string when = eq == std::string::npos ? "" : entry.substr(eq + 1);
    const auto minute = ParseDigestTime(when);
    if (who.empty() || (when != "now" && !minute))
      return Status::InvalidArgument("--digest-at-for " + entry +
                                     ": give RECIPIENT=HH:MM (e.g. 市财政局=08:30) or RECIPIENT=now");
    o.digest_minute_for[who] = when == "now" ? std::nullopt : minute;
  }
  if (!c.templates.empty()) {
    auto t = LoadTemplates(c.templates);
    if (!t.ok()) return Status::InvalidArgument(t.status().message());
    o.render.templates = std::make_shared<const Templates>(std::move(t).value());
  }
  return Status::Ok();
}

Result<std::vector<std::unique_ptr<Sink>>> MakeConfiguredSinks(const ConsumerConfig& c) {
  std::vector<std::unique_ptr<Sink>> sinks;
  if (!c.channels.empty()) {
    auto loaded = LoadChannels(c.channels);
    if (!loaded.ok()) return Status::InvalidArgument(loaded.status().message());
    for (auto& s : *loaded) sinks.push_back(std::move(s));
  }
  if (!c.webhook.empty()) {
    WebhookOptions w;
    w.url = c.webhook;
    w.timeout_ms = c.webhook_timeout_ms;
    auto s = MakeWebhookSink(w);
    if (!s.ok()) return Status::InvalidArgument(s.status().ToString());
    sinks.push_back(std::move(s).value());
  }
  if (!c.outbox.empty()) {
    auto s = MakeJsonlOutboxSink(c.outbox);
    if (!s.ok()) return s.status();
    sinks.push_back(std::move(s).value());
  }
  if (c.workbench) {
    if (c.options.data_dir.empty())
      return Status::InvalidArgument(
          "the workbench channel keeps its list in the consumer's state directory: give --data");
    auto s = MakeWorkbenchSink(c.options.data_dir);
    if (!s.ok()) return s.status();
    sinks.push_back(std::move(s).value());
  }
  return sinks;
}

}  // namespace duban::consumers

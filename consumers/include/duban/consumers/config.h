// What a reminders consumer runs with, one definition for its two homes:
// `duban-reminders` (its flags and --config FILE) and the reminders thread of
// `duban serve --reminders FILE` (reminders_thread.h). The YAML file has the
// kafka: and reminders: blocks of ops/kafka/duban.kafka.example.yaml;
// consumers/README.md lists every key.
//
// Errors are InvalidArgument (a configuration mistake: the message says which
// key or flag and what to write) or IOError (a file that cannot be opened),
// never an exception: a mistake stops the consumer at start, before it reads
// a record.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "duban/consumers/reminders.h"
#include "duban/consumers/sink.h"
#include "duban/status.h"

namespace duban::consumers {

struct ConsumerConfig {
  RemindersOptions options;
  // Where notifications go (at least one, checked by MakeConfiguredSinks'
  // caller): the channels file, the two plain sinks, the workbench.
  std::string channels, webhook, outbox;
  int webhook_timeout_ms = 10000;
  bool workbench = false;                  // every notification also to the workbench's list (WorkbenchFile)
  std::string digest_at;                   // HH:MM, or "" for no digests
  std::vector<std::string> digest_at_for;  // RECIPIENT=HH:MM or RECIPIENT=now
  std::string templates;                   // the office's wording, or "" for the built-in
  int poll_ms = 1000;                      // embedded mode: how often the store is read
  bool AnySink() const { return workbench || !channels.empty() || !webhook.empty() || !outbox.empty(); }
};

// Fills `c` from the YAML file at `path`, leaving each value whose flag
// `given` says the command line set (given("--outbox")). A relative path in
// the file (channels, outbox, templates, state_dir, store) is taken relative
// to the file's own folder, so a file works from any working directory.
Status ApplyConfigFile(const std::string& path, const std::function<bool(const char* flag)>& given, ConsumerConfig& c);

// Checks what ApplyConfigFile and the flags gave and resolves it: the digest
// hours into options.digest_minute(_for), the templates file into
// options.render.templates. The messages name the flags (--digest-at ...).
Status ResolveConfig(ConsumerConfig& c);

// The sinks `c` names, in the order channels file, webhook, outbox,
// workbench (the workbench needs options.data_dir).
Result<std::vector<std::unique_ptr<Sink>>> MakeConfiguredSinks(const ConsumerConfig& c);

}  // namespace duban::consumers

// How subcommands join the single `duban` binary: each cmd_*.cc file registers
// a function that adds its subcommands to the CLI11 app. Keeps the CLI11
// header out of everything but the CLI's own files, and lets each module own
// its commands without one central switch.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "duban/engine.h"

namespace CLI {
class App;
}

namespace duban::cli {

// Options every command shares. Filled by the top-level parser before any
// subcommand callback runs.
struct Globals {
  std::string data_dir;    // --data, default $DUBAN_DATA, else ./duban-data
  bool json = false;       // --json: machine-readable output on stdout
  std::string as;          // --as, default $DUBAN_AS: the account a write acts as (duban/accounts.h)
  bool as_given = false;   // --as was on the command line (not only $DUBAN_AS)
  std::string actor;       // --actor: who acts, free text: simulated stores only
  std::string role;        // --role: supervisor | unit | auditor | system: simulated stores only
  std::string anchor_key;  // --anchor-key, default $DUBAN_ANCHOR_KEY: signs every commit (docs/RUNBOOK.md)
  size_t block_cache_mb =
      EngineOptions{}.block_cache_mb;  // --block-cache-mb, default $DUBAN_BLOCK_CACHE_MB: EngineOptions::block_cache_mb
  int exit_code = 0;                   // 0 ok, 1 rejected / not found, 2 usage, 3 command id conflict
};

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRejected = 1;
inline constexpr int kExitUsage = 2;
// The command id is known for another command (or actor): nothing was done
// (Status::kConflict; the HTTP API answers 409).
inline constexpr int kExitConflict = 3;

using Registrar = std::function<void(CLI::App& app, Globals& globals)>;

// Order of registration decides the order in --help; `order` sorts them.
bool RegisterCommands(int order, Registrar registrar);
const std::vector<std::pair<int, Registrar>>& Registered();

}  // namespace duban::cli

#define DUBAN_CLI_CONCAT2(a, b) a##b
#define DUBAN_CLI_CONCAT(a, b) DUBAN_CLI_CONCAT2(a, b)
// Use once per file at namespace scope: DUBAN_REGISTER_COMMANDS(50, &AddMyCommands);
#define DUBAN_REGISTER_COMMANDS(order, fn) \
  static const bool DUBAN_CLI_CONCAT(duban_cli_registered_, __LINE__) = ::duban::cli::RegisterCommands(order, fn)

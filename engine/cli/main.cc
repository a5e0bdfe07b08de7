// Entry point of the `duban` binary: global options, then whichever
// subcommands the cmd_*.cc files registered.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

#include "cli_registry.h"
#include "duban/engine.h"
#include "duban/log.h"

namespace duban::cli {

namespace {
std::vector<std::pair<int, Registrar>>& Table() {
  static std::vector<std::pair<int, Registrar>> table;
  return table;
}

constexpr const char* kBlockCacheExpected = "expected a whole number of MiB from 1 to 1048576, in decimal digits";

// --block-cache-mb and $DUBAN_BLOCK_CACHE_MB: decimal digits only, within
// EngineOptions' bounds.
std::optional<size_t> ParseBlockCacheMb(const std::string& text) {
  if (text.empty() || text.size() > 7 ||
      !std::all_of(text.begin(), text.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
    return std::nullopt;
  const size_t mb = std::stoull(text);
  if (mb < 1 || mb > duban::EngineOptions::kMaxBlockCacheMb) return std::nullopt;
  return mb;
}

}  // namespace

bool RegisterCommands(int order, Registrar registrar) {
  Table().emplace_back(order, std::move(registrar));
  return true;
}
const std::vector<std::pair<int, Registrar>>& Registered() { return Table(); }

}  // namespace duban::cli

int main(int argc, char** argv) {
  using namespace duban::cli;
  spdlog::set_level(spdlog::level::warn);
  spdlog::set_default_logger(spdlog::stderr_color_mt("duban"));
  spdlog::set_level(spdlog::level::warn);
  duban::log::LoadLevelsFromEnvironment();

  CLI::App app{"duban — event-sourced supervision of government work plans (督办)"};
  app.require_subcommand(1);
  app.fallthrough();
  Globals g;
  const char* env_data = std::getenv("DUBAN_DATA");
  g.data_dir = env_data && *env_data ? env_data : "./duban-data";
  app.add_option("--data", g.data_dir, "data directory (default: $DUBAN_DATA, else ./duban-data)");
  app.add_flag("--json", g.json, "machine-readable JSON on stdout");
  const char* env_as = std::getenv("DUBAN_AS");
  g.as = env_as ? env_as : "";
  app.add_option("--as", g.as,
                 "the account a write acts as (default: $DUBAN_AS; see `duban user add`): every event's actor "
                 "comes from it");
  app.add_option("--actor", g.actor, "who acts, free text: only in a simulated store (demo, simulate)");
  app.add_option("--role", g.role, "supervisor | unit | auditor | system: only in a simulated store");
  const char* env_key = std::getenv("DUBAN_ANCHOR_KEY");
  g.anchor_key = env_key ? env_key : "";
  app.add_option("--anchor-key", g.anchor_key,
                 "Ed25519 key (PEM, mode 600, outside the data directory) that signs every commit "
                 "(default: $DUBAN_ANCHOR_KEY; see `duban anchor keygen`)");
  // The flag and the variable are read by one decimal-only parser: CLI11's
  // own would take "-18446744073709551615" (as 1), "0x10" and "010" (as 8).
  std::string cache_flag;
  app.add_option("--block-cache-mb", cache_flag,
                 "RocksDB's block cache, MiB (default: $DUBAN_BLOCK_CACHE_MB, else 512): the largest share of "
                 "a big store's resident memory; smaller makes more queries read from the OS page cache")
      ->type_name("MIB")
      ->check(CLI::Validator(
          [](std::string& v) { return ParseBlockCacheMb(v) ? std::string() : std::string(kBlockCacheExpected); },
          "1..1048576"));
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "log engine internals to stderr");
  app.parse_complete_callback([&] {
    g.as_given = app.get_option("--as")->count() > 0;
    // A typo in the environment is refused, even under the flag: not a silent default.
    if (const char* env = std::getenv("DUBAN_BLOCK_CACHE_MB"); env && *env) {
      const std::optional<size_t> mb = ParseBlockCacheMb(env);
      if (!mb) throw CLI::ValidationError(std::string("DUBAN_BLOCK_CACHE_MB=") + env, kBlockCacheExpected);
      g.block_cache_mb = *mb;
    }
    if (!cache_flag.empty()) g.block_cache_mb = *ParseBlockCacheMb(cache_flag);
    if (verbose) spdlog::set_level(spdlog::level::debug);
  });

  auto registered = Registered();
  std::stable_sort(registered.begin(), registered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [order, reg] : registered) reg(app, g);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // "duban frobnicate" reads better as an unknown command than as a missing one.
    if (app.get_subcommands().empty() && argc > 1) {
      for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (!a.empty() && a[0] != '-' &&
            (i == 1 || std::string(argv[i - 1]).rfind("--", 0) != 0 || std::string(argv[i - 1]) == "--json")) {
          std::cerr << "duban: unknown command '" << a << "'\n(see duban --help)\n";
          return kExitUsage;
        }
      }
    }
    std::cerr << "duban: " << e.what() << "\n(see duban --help)\n";
    return kExitUsage;
  }
  return g.exit_code;
}

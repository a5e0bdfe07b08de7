// `duban evidence uncited`: the evidence files (duban serve's uploads) that no
// event cites, older than a number of days; listed (read-only, beside `duban
// serve`), and removed when asked (with the store to itself).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "cli_registry.h"
#include "duban/terminal_text.h"
#include "duban/server/evidence.h"

namespace duban::cli {
namespace {

struct UncitedArgs {
  int older_than_days = 30;
  bool remove = false;
};

int RunUncited(Globals& g, const UncitedArgs& a) {
  // Removing needs the store to itself: opened as its writer, no command can
  // cite a file between the scan of the log and the removal (while `duban
  // serve` runs, the open is refused and nothing is removed).
  auto engine = OpenEngine(g, /*read_only=*/!a.remove);
  if (!engine) {
    if (a.remove)
      std::fprintf(stderr,
                   "duban evidence uncited: --remove needs the store to itself (stop `duban serve` first); "
                   "without --remove the list runs beside the server\n");
    return g.exit_code ? g.exit_code : kExitRejected;
  }
  if (a.remove && IsKafkaReadModel(*engine)) {
    std::fprintf(stderr,
                 "duban evidence uncited: %s is a Kafka read model: a file may be cited by a command still "
                 "in Kafka, not yet projected here; nothing removed\n",
                 g.data_dir.c_str());
    return kExitRejected;
  }
  auto files = evidence::FindUncited(*engine, evidence::DirFor(g.data_dir), int64_t{a.older_than_days} * 86400);
  if (!files.ok()) {
    Fail(g, files.status());
    return g.exit_code;
  }
  uint64_t bytes = 0, removed = 0;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& f : *files) {
    bytes += f.size;
    bool gone = false;
    if (a.remove) {
      if (Status st = evidence::RemoveUncited(f); !st.ok()) {
        std::fprintf(stderr, "duban evidence uncited: %s\n", st.message().c_str());
      } else {
        gone = true;
        ++removed;
      }
    }
    if (g.json) {
      list.push_back({{"sha256", f.sha256},
                      {"size", f.size},
                      {"age_days", f.age_seconds / 86400},
                      {"uploaders", f.uploaders},
                      {"removed", gone}});
    } else {
      std::printf("%s  %10llu bytes  %4lld days  %s%s\n", f.sha256.c_str(), static_cast<unsigned long long>(f.size),
                  static_cast<long long>(f.age_seconds / 86400), ForTerminal(f.uploaders).c_str(),
                  gone ? "  removed" : "");
    }
  }
  if (g.json) {
    std::cout << nlohmann::json{{"files", list}, {"bytes", bytes}, {"removed", removed}}.dump(
                     -1, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
  } else {
    std::printf("uncited: %zu file(s), %llu bytes, stored more than %d day(s) ago%s\n", files->size(),
                static_cast<unsigned long long>(bytes), a.older_than_days,
                a.remove ? (", removed: " + std::to_string(removed)).c_str() : " (--remove deletes them)");
  }
  return removed == (a.remove ? files->size() : 0) ? kExitOk : kExitRejected;
}

void AddEvidenceCommands(CLI::App& app, Globals& g) {
  auto* ev = app.add_subcommand("evidence", "evidence files kept beside the store (duban serve's uploads)");
  ev->require_subcommand(1);
  auto a = std::make_shared<UncitedArgs>();
  auto* sub = ev->add_subcommand(
      "uncited",
      "list the evidence files no event cites, stored more than --older-than-days ago; --remove deletes them");
  sub->add_option("--older-than-days", a->older_than_days,
                  "only files stored at least this many days ago (default 30: a newer upload may still be cited)")
      ->check(CLI::Range(1, 36500));
  sub->add_flag("--remove", a->remove,
                "delete the files listed (and who uploaded them); cited files are never touched");
  sub->callback([&g, a] { g.exit_code = RunUncited(g, *a); });
}

}  // namespace
}  // namespace duban::cli

DUBAN_REGISTER_COMMANDS(62, &duban::cli::AddEvidenceCommands);

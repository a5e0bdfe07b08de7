// Entry point of `duban-bench`: dispatches to the registered sub-benchmark.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <map>

#include "bench_registry.h"

namespace duban::bench {
namespace {
struct Entry {
  std::string help;
  BenchFn fn;
};
std::map<std::string, Entry>& Table() {
  static std::map<std::string, Entry> t;
  return t;
}
}  // namespace

bool RegisterBench(const std::string& name, const std::string& help, BenchFn fn) {
  Table()[name] = Entry{help, std::move(fn)};
  return true;
}

std::optional<int> ParseBenchOptions(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return std::nullopt;
}

}  // namespace duban::bench

int main(int argc, char** argv) {
  auto& table = duban::bench::Table();
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || !table.count(argv[1])) {
    std::fprintf(stderr, "usage: duban-bench NAME [options]\n\n");
    for (auto& [name, e] : table) std::fprintf(stderr, "  %-10s %s\n", name.c_str(), e.help.c_str());
    return argc < 2 || std::strcmp(argv[1], "--help") == 0 ? 0 : 2;
  }
  return table[argv[1]].fn(argc - 1, argv + 1);
}

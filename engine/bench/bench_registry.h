// How sub-benchmarks join the single `duban-bench` executable: each
// bench_*.cc registers `duban-bench NAME [args]`. Every sub-benchmark prints
// its figures and ends with one line of key=value pairs.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace duban::bench {

using BenchFn = std::function<int(int argc, char** argv)>;
bool RegisterBench(const std::string& name, const std::string& help, BenchFn fn);

// Parses a sub-benchmark's options with CLI11: the exit code when parsing ends
// the run (--help, or an error CLI11 reported), nullopt to go on.
std::optional<int> ParseBenchOptions(CLI::App& app, int argc, char** argv);

}  // namespace duban::bench

#define DUBAN_BENCH_CONCAT2(a, b) a##b
#define DUBAN_BENCH_CONCAT(a, b) DUBAN_BENCH_CONCAT2(a, b)
#define DUBAN_REGISTER_BENCH(name, help, fn)                                \
  static const bool DUBAN_BENCH_CONCAT(duban_bench_registered_, __LINE__) = \
      ::duban::bench::RegisterBench(name, help, fn)

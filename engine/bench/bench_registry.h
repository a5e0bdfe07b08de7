// How sub-benchmarks join the single `duban-bench` executable: each
// bench_*.cc registers `duban-bench NAME [args]`. Every sub-benchmark prints
// its figures and ends with one line of key=value pairs.
#pragma once

#include <functional>
#include <string>

namespace duban::bench {

using BenchFn = std::function<int(int argc, char** argv)>;
bool RegisterBench(const std::string& name, const std::string& help, BenchFn fn);

}  // namespace duban::bench

#define DUBAN_BENCH_CONCAT2(a, b) a##b
#define DUBAN_BENCH_CONCAT(a, b) DUBAN_BENCH_CONCAT2(a, b)
#define DUBAN_REGISTER_BENCH(name, help, fn)                                \
  static const bool DUBAN_BENCH_CONCAT(duban_bench_registered_, __LINE__) = \
      ::duban::bench::RegisterBench(name, help, fn)

// A small Prometheus text-format writer (exposition format 0.0.4): counters
// of requests by route and status, a latency histogram by route, commands by
// outcome; gauges of the store are added at scrape time by the caller.
#pragma once

#include <array>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace duban::server {

class Metrics {
 public:
  static constexpr std::array<double, 10> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5};
  void Request(const std::string& method, const std::string& route, int status, double seconds);
  void Command(const std::string& outcome);  // accepted | rejected | duplicate | conflict | refused
  // The counters and histograms, then `gauges` (name, help, labelled values).
  struct Gauge {
    std::string name, help;
    std::vector<std::pair<std::string, double>> values;  // label text ("" or `level="1"`) -> value
  };
  std::string Render(const std::vector<Gauge>& gauges);

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::map<std::string, uint64_t> commands_;
};

// A label value escaped for the text format (backslash, quote, newline).
std::string LabelValue(const std::string& v);

}  // namespace duban::server

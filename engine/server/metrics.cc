#include "metrics.h"

#include <cstdio>
#include <tuple>

namespace duban::server {

std::string LabelValue(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

void Metrics::Request(const std::string& method, const std::string& route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{method, route, status}];
  Histogram& h = latency_[route];
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.counts[i];
  ++h.count;
  h.sum += seconds;
}

void Metrics::Command(const std::string& outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  ++commands_[outcome];
}

namespace {
std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
}  // namespace

std::string Metrics::Render(const std::vector<Gauge>& gauges) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string o;
  o += "# HELP duban_http_requests_total HTTP requests by method, route template and status.\n";
  o += "# TYPE duban_http_requests_total counter\n";
  for (const auto& [k, n] : requests_)
    o += "duban_http_requests_total{method=\"" + LabelValue(std::get<0>(k)) + "\",route=\"" +
         LabelValue(std::get<1>(k)) + "\",status=\"" + std::to_string(std::get<2>(k)) + "\"} " + std::to_string(n) +
         "\n";
  o += "# HELP duban_http_request_duration_seconds Time to answer a request, by route template.\n";
  o += "# TYPE duban_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    const std::string r = "route=\"" + LabelValue(route) + "\"";
    for (size_t i = 0; i < kBuckets.size(); ++i)
      o += "duban_http_request_duration_seconds_bucket{" + r + ",le=\"" + Num(kBuckets[i]) + "\"} " +
           std::to_string(h.counts[i]) + "\n";
    o += "duban_http_request_duration_seconds_bucket{" + r + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
    o += "duban_http_request_duration_seconds_sum{" + r + "} " + Num(h.sum) + "\n";
    o += "duban_http_request_duration_seconds_count{" + r + "} " + std::to_string(h.count) + "\n";
  }
  o += "# HELP duban_commands_total Commands taken by POST /api/v1/commands, by outcome.\n";
  o += "# TYPE duban_commands_total counter\n";
  for (const auto& [outcome, n] : commands_)
    o += "duban_commands_total{outcome=\"" + LabelValue(outcome) + "\"} " + std::to_string(n) + "\n";
  for (const auto& g : gauges) {
    o += "# HELP " + g.name + " " + g.help + "\n# TYPE " + g.name + " gauge\n";
    for (const auto& [labels, v] : g.values)
      o += g.name + (labels.empty() ? "" : "{" + labels + "}") + " " + Num(v) + "\n";
  }
  return o;
}

}  // namespace duban::server

// Operations and files: /healthz, /metrics, the OpenAPI document, evidence
// upload and download.
#include <limits>

#include "duban/core/workflow_timer_policy.h"
#include "duban/date.h"
#include "duban/schemas/codec.h"
#include "duban/workflows/calendar.h"
#include "server_impl.h"

namespace duban::server {

void Server::Impl::Healthz(Ctx& c) {
  const uint64_t end = host.Use([](Engine& e) { return e.LogEnd(); });
  std::string body = " log_end=" + std::to_string(end);
  bool healthy = true;
  if (host.kafka_mode()) {
    body += " mode=kafka";
  } else if (opts.tick_interval_ms > 0) {
    // The clock is part of health: a store whose timers stopped firing sends
    // no reminder and no escalation, silently. The last tick failing (a full
    // disk, a store that can no longer write) makes the server unhealthy.
    const TickStats t = host.tick_stats();
    body += " last_tick=" + (t.last_ok ? FormatInstant(t.last_ok) : std::string("none")) +
            " tick_failures=" + std::to_string(t.failures);
    if (t.failing) {
      healthy = false;
      body += " failing: the last " + std::to_string(t.failing) + " tick(s) failed: " + t.last_error;
    }
  } else {
    body += " clock=off";  // --tick-interval 0: nothing fires while this server holds the store
  }
  if (opts.health_probe) body += opts.health_probe(&healthy);
  c.res.status = healthy ? 200 : 503;
  c.res.set_content((healthy ? "ok" : "unhealthy") + body + "\n", "text/plain; charset=utf-8");
}

void Server::Impl::OpenApi(Ctx& c) {
  static const std::string doc = OpenApiJson();
  c.res.status = 200;
  c.res.set_content(doc, "application/json; charset=utf-8");
}

namespace {

// Open overdue assignments, and open ones by escalation level reached. From
// the counts (a key per group of alike assignments, whose status, overdue
// flag and level are its rows'), not the rows: a scrape every few seconds
// must not read every row of a province's store. A store without counts
// yet (made before them, until a writer rebuilds it) reads the rows.
void CountOpenOverdue(Engine& e, double& open_overdue, std::map<int32_t, double>& levels) {
  if (auto counts = e.CountAssignments(""); counts.ok()) {
    for (const auto& gc : counts->groups) {
      if (!core::IsOpen(gc.group.status)) continue;
      if (gc.group.overdue) open_overdue += static_cast<double>(gc.count);
      if (gc.group.escalation_level > 0) levels[gc.group.escalation_level] += static_cast<double>(gc.count);
    }
    return;
  }
  if (auto rows = e.Assignments(StatusFilter{}); rows.ok())
    for (const auto& r : *rows) {
      if (!core::IsOpen(r.a.status)) continue;
      if (r.a.overdue) ++open_overdue;
      if (r.a.escalation_level > 0) ++levels[r.a.escalation_level];
    }
}

// Gauges of the store, read at scrape time.
std::vector<Metrics::Gauge> StoreGauges(Engine& e, size_t sessions) {
  std::vector<Metrics::Gauge> g;
  double open_overdue = 0;
  std::map<int32_t, double> levels;
  CountOpenOverdue(e, open_overdue, levels);
  g.push_back({"duban_open_overdue_assignments", "Open assignments past their due date.", {{"", open_overdue}}});
  Metrics::Gauge esc{"duban_open_escalations", "Open assignments by escalation level reached.", {}};
  for (const auto& [level, n] : levels) esc.values.push_back({"level=\"" + std::to_string(level) + "\"", n});
  g.push_back(esc);
  double timers = 0;
  if (auto t = e.PendingTimers(std::numeric_limits<Instant>::max() - 1, std::numeric_limits<size_t>::max()); t.ok())
    timers = static_cast<double>(t->size());
  g.push_back({"duban_timers_pending", "Timers armed and not yet fired.", {{"", timers}}});
  double last_year = 0;
  if (auto* p = dynamic_cast<const WorkflowTimerPolicy*>(e.timer_policy().get());
      p && !p->latest_calendar().covered_years().empty())
    last_year = *p->latest_calendar().covered_years().rbegin();
  g.push_back(
      {"duban_calendar_covered_until_year", "The last year the working-day calendar covers.", {{"", last_year}}});
  g.push_back({"duban_log_end", "The next log position to be written.", {{"", static_cast<double>(e.LogEnd())}}});
  g.push_back({"duban_sessions", "Sessions held in memory.", {{"", static_cast<double>(sessions)}}});
  return g;
}

std::string ContentType(const std::string& type) {
  static const std::map<std::string, std::string> types = {
      {"pdf", "application/pdf"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"zip", "application/zip"},
      {"doc", "application/msword"},
      {"xls", "application/vnd.ms-excel"},
      {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}};
  auto it = types.find(type);
  return it == types.end() ? "application/octet-stream" : it->second;
}

}  // namespace

void Server::Impl::MetricsText(Ctx& c) {
  const size_t n = sessions.size();
  auto gauges = host.Use([&](Engine& e) { return StoreGauges(e, n); });
  // In Kafka mode `duban engine` ticks: its figures are the engine's to report.
  const TickStats t = host.tick_stats();
  if (!host.kafka_mode()) {
    gauges.push_back({"duban_clock_ticks",
                      "Ticks that fired the due timers since start (counter).",
                      {{"", static_cast<double>(t.ticks)}}});
    gauges.push_back({"duban_clock_tick_failures",
                      "Ticks that failed since start (counter; each is logged).",
                      {{"", static_cast<double>(t.failures)}}});
    gauges.push_back({"duban_timer_events",
                      "Events written by fired timers since start (counter).",
                      {{"", static_cast<double>(t.timer_events)}}});
    gauges.push_back({"duban_clock_last_tick_seconds",
                      "Business time of the last successful tick, Unix seconds (0: none).",
                      {{"", static_cast<double>(t.last_ok) / 1000.0}}});
  }
  c.res.status = 200;
  c.res.set_content(metrics.Render(gauges), "text/plain; version=0.0.4; charset=utf-8");
}

void Server::Impl::UploadEvidence(Ctx& c) {
  if (!c.req.has_param("name")) return c.Error(400, "bad_request", "query parameter 'name': the file name is required");
  const std::string name = c.req.get_param_value("name");
  if (Status st = evidence::CheckFileName(name); !st.ok())
    return c.Error(400, "bad_request", "query parameter 'name': " + st.message());
  if (c.req.body.empty()) return c.Error(400, "bad_request", "the body is empty: send the file's bytes");
  {
    // A day's quota per uploader, so one account cannot fill the disk; a
    // file already stored costs nothing (content-addressed).
    const std::string day = DayOf(Now()).ToString();
    std::lock_guard<std::mutex> lock(evidence_mu);
    for (auto it = uploaded_today.begin(); it != uploaded_today.end();)
      it = it->first.second != day ? uploaded_today.erase(it) : std::next(it);
    uint64_t& used = uploaded_today[{c.Uploader(), day}];
    const bool stored = files.Read(schemas::Sha256Hex(c.req.body)).ok();
    if (!stored && used + c.req.body.size() > opts.max_upload_bytes_per_day)
      return c.Error(429, "quota_exceeded",
                     "this account's evidence uploads today reached " +
                         std::to_string(opts.max_upload_bytes_per_day >> 20) +
                         " MiB (--max-upload-mb-per-day); upload again tomorrow or ask the office");
    if (!stored) used += c.req.body.size();
  }
  auto f = files.Put(name, c.req.body);
  if (!f.ok()) {
    if (f.status().code() == Status::Code::kRejected) return c.Error(415, "unsupported_type", f.status().message());
    return c.Error(500, "store_error", f.status().message());
  }
  if (Status st = files.AddUploader(f->sha256, c.Uploader()); !st.ok())
    return c.Error(500, "store_error", st.message());
  c.Json(200, {{"sha256", f->sha256}, {"name", f->name}, {"size", f->size}, {"type", f->type}});
}

void Server::Impl::DownloadEvidence(Ctx& c) {
  const std::string sha = c.req.matches[1];
  if (c.IsUnit() && !UnitReadsEvidence(c, sha))
    return c.Error(403, "not_assignee", "this file belongs to no assignment of this unit, nor to one it delegated");
  auto bytes = files.Read(sha);
  if (!bytes.ok()) {
    if (bytes.status().code() == Status::Code::kInvalidArgument)
      return c.Error(400, "bad_request", "path parameter 'sha256': " + bytes.status().message());
    return c.Error(404, "not_found", bytes.status().message());
  }
  std::string type = "bin";
  for (const auto& ext : evidence::AllowedExtensions())
    if (auto t = evidence::TypeOf("f." + ext, std::string_view(*bytes).substr(0, 16)); t.ok()) {
      type = *t;
      break;
    }
  c.res.status = 200;
  c.res.set_header("Content-Disposition", "attachment; filename=\"evidence-" + sha.substr(0, 16) + "." + type + "\"");
  c.res.set_header("X-Content-Type-Options", "nosniff");
  c.res.set_content(std::move(bytes).value(), ContentType(type).c_str());
}

}  // namespace duban::server

// The working-day calendar over HTTP: GET /api/v1/calendar (what `duban
// calendar status --json` prints) and POST /api/v1/calendar/notices (what
// `duban calendar add` does), so an office records the year's State Council
// notice while `duban serve` holds the store. The notice goes through the
// running engine, under its mutex: the clock's next tick already counts on it.
#include <algorithm>
#include <set>

#include "duban/server/calendar_json.h"
#include "duban/server/command_json.h"
#include "duban/utf8.h"
#include "server_impl.h"

namespace duban::server {

namespace {
// A notice file is a few hundred bytes; anything far larger is not one (as
// `duban calendar add` says).
constexpr size_t kMaxNoticeBytes = size_t{64} << 10;
}  // namespace

void Server::Impl::GetCalendar(Ctx& c) {
  auto doc = host.Use([](Engine& e) { return CalendarStatusJson(e); });
  if (!doc.ok()) return Answer(c, doc.status());
  c.Json(200, *doc);
}

void Server::Impl::AddCalendarNotice(Ctx& c) {
  if (host.kafka_mode())
    return c.Error(501, "not_in_kafka_mode",
                   "a calendar notice is recorded in the embedded store only; in Kafka mode the engines count on "
                   "their build's calendar");
  if (c.req.body.size() > kMaxNoticeBytes)
    return c.Error(413, "too_large", "a notice file is at most 64 KiB; a notice is a few hundred bytes");
  auto usable = [](const std::string& s) {
    return !s.empty() && s.size() <= kMaxNameBytes && utf8::IsValid(s) && std::none_of(s.begin(), s.end(), [](char ch) {
      return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f;
    });
  };
  Engine::CalendarNoticeRequest r;
  r.source = c.req.has_param("source") ? c.req.get_param_value("source") : "notice.yaml";
  if (!usable(r.source))
    return c.Error(400, "bad_request",
                   "query parameter 'source': the notice's file name, at most " + std::to_string(kMaxNameBytes) +
                       " bytes of UTF-8 without control characters");
  if (c.req.body.empty()) return c.Error(400, "bad_request", "the body is the notice's YAML, and it is empty");
  r.actor = accounts::ActorOf(*c.account);
  r.issued_at = Now();
  r.text = c.req.body;
  r.command_id = c.req.has_param("id") ? c.req.get_param_value("id") : NoticeCommandId(r.actor, r.text);
  if (!usable(r.command_id))
    return c.Error(400, "bad_request",
                   "query parameter 'id': not a usable command id (at most " + std::to_string(kMaxNameBytes) +
                       " bytes of UTF-8 without control characters)");
  std::string version;
  const Outcome o = host.Use([&](Engine& e) {
    Outcome out = e.AddCalendarNotice(r);
    version = e.timer_policy()->CalendarVersion();
    return out;
  });
  json out = OutcomeJson(o);
  out.erase("events");  // one per open assignment: the counts and the changes say enough
  out["event_count"] = o.events.size();
  if (o.status.ok()) {
    const NoticeRecount n = CountRecount(o);
    out["calendar_version"] = version;
    out["recounted_assignments"] = n.assignments;
    out["assignments_with_timers_moved"] = n.moved;
    out["task_deadlines"] = n.tasks;
    out["task_deadlines_moved"] = n.redated;
    out["changes"] = RecountChangesJson(o);
  }
  c.Json(OutcomeStatus(o), out);
}

}  // namespace duban::server

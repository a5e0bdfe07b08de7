// The signed-in account's notifications (docs/API.md "Notifications"): what
// the reminders consumer's workbench channel listed for it, read/unread per
// account (notification_inbox.h says who sees what).
#include <charconv>

#include "server_impl.h"

namespace duban::server {

namespace {

// A unit's leaders are told as "<unit>主要负责同志" (the reminders consumer's
// RenderOptions::unit_leaders_suffix): the unit's accounts see those too.
constexpr const char* kLeadersSuffix = "主要负责同志";
constexpr size_t kDefaultLimit = 50, kMaxLimit = 500, kMaxIds = 1000;

NotificationInbox::Reader ReaderOf(const Ctx& c) {
  NotificationInbox::Reader r;
  r.account = c.account->name;
  if (c.IsUnit()) {
    r.recipients = {c.account->unit, c.account->unit + kLeadersSuffix};
  } else {
    r.office = true;
  }
  return r;
}

json ItemJson(const NotificationInbox::Item& i, bool read) {
  json j = {{"id", i.id},         {"kind", i.kind},           {"level", i.level},           {"title", i.title},
            {"text", i.text},     {"plan", i.plan},           {"plan_title", i.plan_title}, {"task", i.task},
            {"due_on", i.due_on}, {"recipient", i.recipient}, {"at", FormatInstant(i.at)},  {"read", read}};
  if (!i.items.empty()) j["items"] = i.items.size();
  return j;
}

}  // namespace

void Server::Impl::ListNotifications(Ctx& c) {
  if (!inbox) {
    // No consumer keeps a list for this server: say so, rather than an empty list that looks like silence.
    return c.Json(200, {{"enabled", false}, {"notifications", json::array()}, {"unread", 0}, {"total", 0}});
  }
  size_t limit = kDefaultLimit;
  if (c.req.has_param("limit")) {
    const std::string v = c.req.get_param_value("limit");
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), limit);
    if (ec != std::errc() || end != v.data() + v.size() || limit == 0 || limit > kMaxLimit)
      return c.Error(400, "bad_request", "limit: a number from 1 to 500");
  }
  bool unread_only = false;
  if (!c.Flag("unread", &unread_only)) return;
  auto page = inbox->List(ReaderOf(c), limit, unread_only);
  if (!page.ok()) return c.Error(500, "store_error", page.status().message());
  json list = json::array();
  for (const auto& i : page->items) list.push_back(ItemJson(i, page->read.count(i.id) > 0));
  c.Json(200, {{"enabled", true}, {"notifications", list}, {"unread", page->unread}, {"total", page->total}});
}

void Server::Impl::MarkNotificationsRead(Ctx& c) {
  if (!inbox) return c.Error(404, "not_found", "this server shows no notifications (start it with --reminders FILE)");
  auto parsed = ParseJsonObject(c.req.body);
  if (!parsed.ok()) return c.Error(400, "bad_request", parsed.status().message());
  const json& body = *parsed;
  std::vector<std::string> ids;
  std::string through;
  bool all = false;
  for (const auto& [k, v] : body.items()) {
    if (k == "all") {
      if (!v.is_boolean()) return c.Error(400, "bad_request", "field 'all': true or false");
      all = v.get<bool>();
    } else if (k == "ids") {
      if (!v.is_array() || v.size() > kMaxIds)
        return c.Error(400, "bad_request", "field 'ids': an array of at most 1000 notification ids");
      for (const auto& id : v) {
        if (!id.is_string() || id.get<std::string>().empty())
          return c.Error(400, "bad_request", "field 'ids': each a notification id (a string)");
        ids.push_back(id.get<std::string>());
      }
    } else if (k == "through") {
      if (!v.is_string() || v.get<std::string>().empty())
        return c.Error(400, "bad_request", "field 'through': the newest notification id the reader saw");
      through = v.get<std::string>();
    } else {
      return c.Error(400, "bad_request", "field '" + k + "': unknown field (ids, all, through)");
    }
  }
  if (all == !ids.empty()) return c.Error(400, "bad_request", "give either ids or all: true");
  if (!through.empty() && !all) return c.Error(400, "bad_request", "field 'through' goes with all: true");
  const NotificationInbox::Reader who = ReaderOf(c);
  auto marked = inbox->MarkRead(who, ids, all, through, Now());
  if (!marked.ok()) {
    if (marked.status().code() == Status::Code::kNotFound) return c.Error(404, "not_found", marked.status().message());
    return c.Error(500, "store_error", marked.status().message());
  }
  auto page = inbox->List(who, 1, /*unread_only=*/true);
  c.Json(200, {{"marked", *marked}, {"unread", page.ok() ? page->unread : 0}});
}

}  // namespace duban::server

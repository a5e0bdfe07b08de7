// Daily digests and quiet hours (digest.h).
#include "duban/consumers/digest.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "duban/consumers/state.h"
#include "duban/file_text.h"
#include "duban/schemas/codec.h"
#include "posix_io.h"

namespace duban::consumers {
namespace {

constexpr int64_t kMinuteMs = int64_t{60} * 1000;
// A slot or a working-day count never looks further than this: a calendar
// without a working day in a year is a broken calendar, not a long wait.
constexpr int kMaxDaysSearched = 400;
constexpr const char* kFile = "digests.jsonl";

int LevelRank(const std::string& level) {
  if (level == "urgent") return 2;
  if (level == "warning") return 1;
  return 0;
}

// "（到期日2021-12-31，剩3个工作日）" on the slot's day, or "已逾期N个工作日";
// "" when the item has no due date or the calendar cannot count it. A stated
// date on a rest day is due on the next working day (the engine's timers
// count from it: Civil Code art. 203), so the days are counted from that
// one and the note says so: "（到期日2026-10-11，顺延至2026-10-12，今日到期）".
std::string DueNote(const std::string& due_on, Date today, const workflows::WorkCalendar& cal) {
  auto stated = Date::Parse(due_on);
  if (!stated) return "";
  auto effective = cal.EffectiveDue(*stated);
  const Date due = effective.ok() ? *effective : *stated;
  const std::string head = "（到期日" + due_on + (due == *stated ? std::string() : "，顺延至" + due.ToString());
  int count = 0;
  const bool overdue = due < today;
  Date from = overdue ? due : today, to = overdue ? today : due;
  for (Date d = from.AddDays(1); d <= to; d = d.AddDays(1)) {
    if (d.ToDays() - from.ToDays() > kMaxDaysSearched) return head + "）";
    auto working = cal.IsWorkingDay(d);
    if (!working.ok()) return head + "）";
    if (*working) ++count;
  }
  if (overdue) return head + "，已逾期" + std::to_string(count) + "个工作日）";
  if (count == 0) return head + "，今日到期）";
  return head + "，剩" + std::to_string(count) + "个工作日）";
}

std::string ItemLine(size_t index, const Notification& n, Date today, const workflows::WorkCalendar& cal) {
  std::string line = std::to_string(index) + ". " + n.text;
  if (!n.due_on.empty()) line += DueNote(n.due_on, today, cal);
  return line;
}

std::string QueueLine(Instant slot, const Notification& n) {
  nlohmann::ordered_json j;
  j["slot"] = slot;
  j["notification"] = nlohmann::ordered_json::parse(NotificationToJson(n));
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

std::optional<int> ParseDigestTime(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  for (size_t i : {0, 1, 3, 4})
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  const int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

bool SentAtOnce(const Notification& n) { return n.level == "urgent"; }

Result<Instant> DigestSlot(Instant t, int minute_of_day, const workflows::WorkCalendar& cal) {
  Date d = DayOf(t);
  for (int i = 0; i <= kMaxDaysSearched; ++i, d = d.AddDays(1)) {
    const Instant slot = StartOfDay(d) + minute_of_day * kMinuteMs;
    if (slot < t) continue;
    auto working = cal.IsWorkingDay(d);
    if (!working.ok()) return working.status();
    if (*working) return slot;
  }
  return Status::InvalidArgument("the calendar has no working day within " + std::to_string(kMaxDaysSearched) +
                                 " days after " + DayOf(t).ToString());
}

Notification ComposeDigest(const std::string& recipient, Instant slot, const std::vector<Notification>& items,
                           const workflows::WorkCalendar& cal, const Templates& templates) {
  const Date today = DayOf(slot);
  Notification d;
  std::string joined;
  for (const auto& n : items) joined += n.notification_id + "\n";
  d.notification_id = "digest:" + today.ToString() + ":" + recipient + ":" + schemas::Sha256Hex(joined).substr(0, 16);
  d.event_id = d.notification_id;
  d.event_type = "Digest";
  d.recipient = recipient;
  d.channel = "digest";
  d.level = "notice";
  d.occurred_at = slot;
  if (!items.empty()) d.recipient_kind = items.front().recipient_kind;
  for (const auto& n : items) {
    if (LevelRank(n.level) > LevelRank(d.level)) d.level = n.level;
    if (!n.due_on.empty() && (d.due_on.empty() || n.due_on < d.due_on)) d.due_on = n.due_on;
    d.items.push_back(n.notification_id);
  }
  // One plan named on the digest when all items share it (a unit usually
  // hears about one plan at a time); the items name theirs anyway.
  if (!items.empty() &&
      std::all_of(items.begin(), items.end(), [&](const Notification& n) { return n.plan == items.front().plan; })) {
    d.plan = items.front().plan;
    d.plan_title = items.front().plan_title;
  }
  const MessageTemplate m = templates.Fill(
      "digest", {{"recipient", recipient}, {"date", today.ToString()}, {"count", std::to_string(items.size())}});
  d.title = m.title;
  d.text = m.text;
  for (size_t i = 0; i < items.size(); ++i) d.text += "\n" + ItemLine(i + 1, items[i], today, cal);
  return d;
}

Result<std::unique_ptr<DigestQueue>> DigestQueue::Open(const std::string& data_dir, const DeliveredLog& delivered) {
  const std::string path = data_dir + "/" + kFile;
  auto text = file_text::ReadIfPresent(path);
  if (!text.ok()) return text.status();
  std::unique_ptr<DigestQueue> q(new DigestQueue(data_dir, -1));
  std::string_view rest = *text;
  size_t line_no = 0;
  while (true) {
    const auto nl = rest.find('\n');
    if (nl == std::string_view::npos) break;  // a torn last line: its event is read again
    const std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    ++line_no;
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("slot") || !j["slot"].is_number_integer() || !j.contains("notification"))
      return Status::Corruption(path + ":" + std::to_string(line_no) +
                                ": not a queued digest item; the file is not guessed at (its items' events "
                                "are still in the log: move the file away and remove the cursor to queue them "
                                "again)");
    auto n = NotificationFromJson(j["notification"].dump());
    if (!n.ok()) return Status::Corruption(path + ":" + std::to_string(line_no) + ": " + n.status().ToString());
    if (delivered.Contains(DeliveredLog::Key(kDigestedSink, n->notification_id))) continue;
    if (!q->ids_.insert(n->notification_id).second) continue;
    Notification item = std::move(n).value();
    auto& items = q->slots_[j["slot"].get<Instant>()][item.recipient];
    items.push_back(std::move(item));
    ++q->count_;
  }
  // Rewritten whole: digested items and a torn tail are dropped.
  if (Status s = q->RemoveThrough(INT64_MIN); !s.ok()) return s;
  return q;
}

DigestQueue::~DigestQueue() {
  if (fd_ >= 0) ::close(fd_);
}

Status DigestQueue::Add(Instant slot, const Notification& n) {
  if (!ids_.insert(n.notification_id).second) return Status::Ok();
  if (Status s = posix_io::WriteAll(fd_, QueueLine(slot, n), "append " + dir_ + "/" + kFile); !s.ok()) {
    ids_.erase(n.notification_id);
    return s;
  }
  slots_[slot][n.recipient].push_back(n);
  ++count_;
  dirty_ = true;
  return Status::Ok();
}

Status DigestQueue::Sync() {
  if (!dirty_) return Status::Ok();
  if (::fsync(fd_) != 0) return posix_io::Errno("fsync " + dir_ + "/" + kFile);
  dirty_ = false;
  return Status::Ok();
}

std::vector<DigestQueue::Due> DigestQueue::DueThrough(Instant through) const {
  std::vector<Due> out;
  for (auto it = slots_.begin(); it != slots_.end() && it->first <= through; ++it)
    for (const auto& [recipient, items] : it->second) out.push_back({it->first, recipient, items});
  return out;
}

Status DigestQueue::RemoveThrough(Instant through) {
  while (!slots_.empty() && slots_.begin()->first <= through) {
    for (const auto& [recipient, items] : slots_.begin()->second) {
      count_ -= items.size();
      for (const auto& n : items) ids_.erase(n.notification_id);
    }
    slots_.erase(slots_.begin());
  }
  std::string text;
  for (const auto& [slot, recipients] : slots_)
    for (const auto& [recipient, items] : recipients)
      for (const auto& n : items) text += QueueLine(slot, n);
  if (Status s = posix_io::ReplaceFile(dir_, kFile, text); !s.ok()) return s;
  dirty_ = false;
  return Reopen();
}

Status DigestQueue::Reopen() {
  if (fd_ >= 0) ::close(fd_);
  const std::string path = dir_ + "/" + kFile;
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  return fd_ < 0 ? posix_io::Errno("open " + path) : Status::Ok();
}

}  // namespace duban::consumers

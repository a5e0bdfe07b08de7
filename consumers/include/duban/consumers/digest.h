// Daily digests and quiet hours for the reminders consumer.
//
// With a digest hour set (`duban-reminders --digest-at 09:00`), a notification
// that is not urgent is not sent when its event is read: it waits in
// DATA/digests.jsonl for its slot, the first working day (the statutory
// calendar, 调休 included) at the digest hour at or after the event's time.
// When the slot has passed, every waiting notification of a recipient for
// that slot goes out as one message, listing each item with its deadline and
// the working days left on the slot's day (the hour may differ per recipient:
// RemindersOptions::digest_minute_for). So a unit hears from the office at
// most once per working day, never on a rest day or at night; urgent ones
// (escalations, escalated report silences) are still sent at once.
//
// Guarantees:
//  - Deterministic from the log: a slot, its items (in log order) and the
//    digest's text and id depend only on the events, the calendar and the
//    hour. A slot closes when the log shows a later event (log time), or
//    when the consumer has caught up and the wall clock has passed it;
//    replaying a log therefore gives the same digests as following it live.
//  - Nothing lost or repeated across crashes: a waiting item is on disk
//    (fsynced) before the cursor or offset moves past its event; once its
//    digest has been delivered (or dead-lettered) the item is recorded in
//    delivered.log under kDigestedSink, so an event read again is not queued
//    again. The digest's id names its recipient, slot and a hash of its
//    items: the same digest sent again after a crash is deduplicated by each
//    channel; an item that comes late for a slot already sent (an event
//    whose time lies before the previous one's) is sent in a digest of its
//    own rather than lost.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "duban/consumers/notification.h"
#include "duban/consumers/templates.h"
#include "duban/date.h"
#include "duban/status.h"
#include "duban/workflows/calendar.h"

namespace duban::consumers {

class DeliveredLog;

// The delivered.log "sink" under which a notification sent in a digest is
// recorded.
inline constexpr const char* kDigestedSink = "digest";

// "09:00" -> 540 (minutes after midnight, China Standard Time). nullopt
// unless HH:MM with 00 <= HH <= 23 and 00 <= MM <= 59.
std::optional<int> ParseDigestTime(std::string_view hhmm);

// Urgent notifications skip digests and quiet hours.
bool SentAtOnce(const Notification& n);

// The first instant at or after t that is `minute_of_day` on a working day.
Result<Instant> DigestSlot(Instant t, int minute_of_day, const workflows::WorkCalendar& cal);

// One recipient's digest for one slot: `items` in the order they were read.
// notification_id = "digest:<YYYY-MM-DD>:<recipient>:<hash of the item ids>";
// occurred_at = the slot; level the highest of the items'; `items` the
// item ids; title and first line worded by the "digest" template.
Notification ComposeDigest(const std::string& recipient, Instant slot, const std::vector<Notification>& items,
                           const workflows::WorkCalendar& cal, const Templates& templates = Templates::Builtin());

// The waiting items, in DATA/digests.jsonl: one JSON line per item
// {"slot": ms, "notification": {...}}, appended as items arrive and
// rewritten (atomically) without the items of a digest once it has gone out.
class DigestQueue {
 public:
  // Loads the file, leaving out items `delivered` records as digested and
  // a torn last line.
  static Result<std::unique_ptr<DigestQueue>> Open(const std::string& data_dir, const DeliveredLog& delivered);
  ~DigestQueue();
  DigestQueue(const DigestQueue&) = delete;
  DigestQueue& operator=(const DigestQueue&) = delete;

  // Queues n for `slot` unless it waits already. Appended, not yet fsynced.
  Status Add(Instant slot, const Notification& n);
  // fsyncs what Add appended (before the cursor moves past its events).
  Status Sync();

  struct Due {
    Instant slot = 0;
    std::string recipient;
    std::vector<Notification> items;
  };
  // The digests whose slot is at or before `through`, oldest slot first,
  // recipients in name order; they stay queued until Remove.
  std::vector<Due> DueThrough(Instant through) const;
  // Drops every item of slots at or before `through` and rewrites the file.
  // Call once their digests are sent and the items recorded as digested.
  Status RemoveThrough(Instant through);
  size_t size() const { return count_; }

 private:
  DigestQueue(std::string dir, int fd) : dir_(std::move(dir)), fd_(fd) {}
  Status Reopen();
  std::string dir_;
  int fd_ = -1;
  bool dirty_ = false;
  size_t count_ = 0;
  // slot -> recipient -> items in arrival order
  std::map<Instant, std::map<std::string, std::vector<Notification>>> slots_;
  std::set<std::string> ids_;
};

}  // namespace duban::consumers

// The workbench's notifications: each account's list, read from what the
// reminders consumer's workbench channel wrote (CONSUMER_STATE/workbench.jsonl,
// one notification as JSON per line, consumers/README.md), and who has read
// what, kept beside it in CONSUMER_STATE/workbench-read.log
// ("account<TAB>notification_id<TAB>ms" lines, appended and fsynced).
//
// Who sees what: a unit account the notifications addressed to its unit and
// to its unit's leaders (unit + leaders_suffix); an office account those
// addressed to the office (recipient_kind "office"). Read marks are per
// account: two people of one unit each see what they have not read.
//
// Guarantees: the server never writes workbench.jsonl (the consumer owns it);
// only whole lines are read (a line being written is read at the next
// request); a line that is not a notification is skipped, counted and
// logged once, never fatal. A read mark is durable before it is answered.
// Thread safety: every member may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "duban/date.h"
#include "duban/status.h"

namespace duban::server {

class NotificationInbox {
 public:
  struct Item {
    std::string id, recipient, recipient_kind, kind, level, title, text, plan, plan_title, due_on;
    int32_t task = 0;
    Instant at = 0;                  // when the event behind it happened
    std::vector<std::string> items;  // a digest: the notifications it gathers
  };
  // Whose notifications: the recipients (a unit and its leaders) or the office.
  struct Reader {
    std::string account;
    std::set<std::string> recipients;
    bool office = false;
  };
  struct Page {
    std::vector<Item> items;       // newest first
    std::set<std::string> read;    // of those, the ids this account has read
    size_t total = 0, unread = 0;  // of all this account's notifications
  };

  explicit NotificationInbox(const std::string& consumer_state_dir);
  // This reader's notifications, newest first: at most `limit`, only the
  // unread ones if `unread_only`. IOError when the files cannot be read.
  Result<Page> List(const Reader& who, size_t limit, bool unread_only);
  // Marks `ids` (or, with `all`, every one of the reader's notifications,
  // or with `all` and `through` those listed up to and including `through`:
  // what the reader saw, not what came after) read for who.account; returns
  // how many were newly marked. NotFound names an id that is not one of the
  // reader's notifications (nothing is marked).
  Result<size_t> MarkRead(const Reader& who, const std::vector<std::string>& ids, bool all, const std::string& through,
                          Instant now);
  size_t damaged_lines();

 private:
  Status Refresh();  // REQUIRES mu_
  bool Sees(const Reader& who, const Item& item) const;
  std::mutex mu_;
  std::string list_path_, read_path_;
  uint64_t list_offset_ = 0;
  uint64_t list_inode_ = 0;                            // the file read so far: another one is read from its start
  std::vector<Item> items_;                            // file order
  std::map<std::string, size_t> index_;                // id -> items_ position
  std::map<std::string, std::set<std::string>> read_;  // account -> ids
  bool read_loaded_ = false;
  size_t damaged_ = 0;
};

}  // namespace duban::server

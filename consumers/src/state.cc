// The consumer's state files (state.h).
#include "duban/consumers/state.h"
#include "duban/file_text.h"
#include "posix_io.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

namespace duban::consumers {
namespace {

using file_text::ReadIfPresent;
using posix_io::Errno;
using posix_io::ReplaceFile;
using posix_io::WriteAll;

// Whole lines of `text`; *good is the length of the text they cover (a
// torn last line, with no newline, is left out).
std::vector<std::string_view> WholeLines(std::string_view text, size_t* good) {
  std::vector<std::string_view> out;
  *good = 0;
  while (true) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) break;
    out.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
    *good += nl + 1;
  }
  return out;
}

// Opens `path` for appending after cutting it to `good` bytes.
Result<int> OpenCut(const std::string& path, size_t good) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("open " + path);
  if (::ftruncate(fd, static_cast<off_t>(good)) != 0 || ::lseek(fd, 0, SEEK_END) < 0) {
    Status s = Errno("cut " + path);
    ::close(fd);
    return s;
  }
  return fd;
}

// "sink\tnotification_id" of a delivered.log line, with or without its
// receipt (lines from before receipts have none).
std::string_view DeliveredKeyOf(std::string_view line) {
  const size_t first = line.find('\t');
  if (first == std::string_view::npos) return line;
  return line.substr(0, line.find('\t', first + 1));
}

// The recipient a notification id names, for lines from before receipts:
// "<event>:<recipient>" or "digest:<day>:<recipient>:<hash>".
std::string RecipientOfId(const std::string& id) {
  if (id.rfind("digest:", 0) == 0) {
    const size_t a = id.find(':', 7), b = id.rfind(':');
    return a == std::string::npos || b <= a ? std::string() : id.substr(a + 1, b - a - 1);
  }
  const size_t colon = id.find(':');
  return colon == std::string::npos ? std::string() : id.substr(colon + 1);
}

std::string DeadLetterKey(const DeadLetter& d) {
  return d.poison() ? "poison\t" + d.source : d.channel + "\t" + d.notification_id;
}

std::string ToLine(const DeadLetter& d) {
  nlohmann::ordered_json j;
  j["id"] = d.id;
  j["notification_id"] = d.notification_id;
  j["channel"] = d.channel;
  j["error"] = d.error;
  j["attempts"] = d.attempts;
  j["first_attempt"] = d.first_attempt;
  j["last_attempt"] = d.last_attempt;
  j["source"] = d.source;
  if (d.notification) j["notification"] = nlohmann::json::parse(NotificationToJson(*d.notification));
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Result<DeadLetter> FromLine(std::string_view line) {
  auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::Corruption("not a JSON object");
  DeadLetter d;
  try {
    // Lines written before dead letters had ids (one per event: source,
    // reason, attempts, notifications) load as entries to read, not retry;
    // Open numbers them.
    if (!j.contains("id") && j.contains("reason")) {
      d.error = j.value("reason", "") + " [" + j.value("notifications", "") + "]";
      d.attempts = j.value("attempts", 0);
      d.source = j.value("source", "");
      return d;
    }
    d.id = j.at("id").get<uint64_t>();
    d.notification_id = j.value("notification_id", "");
    d.channel = j.value("channel", "");
    d.error = j.value("error", "");
    d.attempts = j.value("attempts", 0);
    d.first_attempt = j.value("first_attempt", int64_t{0});
    d.last_attempt = j.value("last_attempt", int64_t{0});
    d.source = j.value("source", "");
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(e.what());
  }
  if (j.contains("notification")) {
    auto n = NotificationFromJson(j["notification"].dump());
    if (!n.ok()) return Status::Corruption(n.status().message());
    d.notification = std::move(n).value();
  }
  return d;
}

}  // namespace

Result<std::unique_ptr<StateLock>> StateLock::Acquire(const std::string& data_dir) {
  const std::string lock = data_dir + "/LOCK";
  int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("open " + lock);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    Status s = errno == EWOULDBLOCK
                   ? Status::Unavailable("reminders: --data " + data_dir +
                                         " is in use by another duban-reminders process; run one per state directory")
                   : Errno("lock " + lock);
    ::close(fd);
    return s;
  }
  return std::unique_ptr<StateLock>(new StateLock(fd));
}

StateLock::~StateLock() { ::close(fd_); }

Result<std::unique_ptr<DeliveredLog>> DeliveredLog::Open(const std::string& path) {
  auto text = ReadIfPresent(path);
  if (!text.ok()) return text.status();
  size_t good = 0;
  WholeLines(*text, &good);
  auto keys = ReadDeliveredKeys(path);
  if (!keys.ok()) return keys.status();
  auto fd = OpenCut(path, good);
  if (!fd.ok()) return fd.status();
  return std::unique_ptr<DeliveredLog>(new DeliveredLog(*fd, std::move(keys).value()));
}

DeliveredLog::~DeliveredLog() { ::close(fd_); }

Status DeliveredLog::Record(const std::string& key, const std::string& receipt) {
  Status s = Note(key, receipt);
  return s.ok() ? Sync() : s;
}

Status DeliveredLog::Note(const std::string& key, const std::string& receipt) {
  Status s = WriteAll(fd_, key + "\t" + receipt + "\n", "append delivered.log");
  if (!s.ok()) return s;
  keys_.insert(key);
  dirty_ = true;
  return Status::Ok();
}

Status DeliveredLog::Sync() {
  if (!dirty_) return Status::Ok();
  if (::fsync(fd_) != 0) return Errno("fsync delivered.log");
  dirty_ = false;
  return Status::Ok();
}

Status DeliveredLog::RecordAll(const std::vector<std::pair<std::string, std::string>>& entries) {
  if (entries.empty()) return Status::Ok();
  std::string text;
  for (const auto& [key, receipt] : entries) text += key + "\t" + receipt + "\n";
  Status s = WriteAll(fd_, text, "append delivered.log");
  if (!s.ok()) return s;
  if (::fsync(fd_) != 0) return Errno("fsync delivered.log");
  dirty_ = false;
  for (const auto& e : entries) keys_.insert(e.first);
  return Status::Ok();
}

std::string ReceiptJson(const Notification& n, int64_t at_ms, const std::string& via) {
  nlohmann::ordered_json j;
  j["at"] = at_ms;
  j["recipient"] = n.recipient;
  j["kind"] = n.channel;
  j["plan"] = n.plan;
  j["task"] = n.task;
  j["due_on"] = n.due_on;
  j["title"] = n.title;
  if (!via.empty()) j["via"] = via;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

struct LoadedDeadLetters {
  std::vector<DeadLetter> entries;
  uint64_t next_id = 1;
  size_t good = 0;  // bytes of whole lines
};

Result<LoadedDeadLetters> LoadDeadLetters(const std::string& data_dir) {
  const std::string path = data_dir + "/dead-letters.jsonl";
  auto text = ReadIfPresent(path);
  if (!text.ok()) return text.status();
  LoadedDeadLetters out;
  size_t line_no = 0;
  for (auto line : WholeLines(*text, &out.good)) {
    ++line_no;
    if (line.empty()) continue;
    auto d = FromLine(line);
    if (!d.ok())
      return Status::Corruption(path + ":" + std::to_string(line_no) + ": not a dead letter (" + d.status().message() +
                                "); fix or remove the line, nothing is guessed");
    out.next_id = std::max(out.next_id, d->id + 1);
    out.entries.push_back(std::move(d).value());
  }
  for (auto& d : out.entries)
    if (d.id == 0) d.id = out.next_id++;
  // dlq.next survives the removal of the newest entries by a retry.
  auto next_text = ReadIfPresent(data_dir + "/dlq.next");
  if (!next_text.ok()) return next_text.status();
  std::istringstream next_file(*next_text);
  uint64_t recorded = 0;
  if (next_file >> recorded) out.next_id = std::max(out.next_id, recorded);
  return out;
}

}  // namespace

Result<std::unordered_set<std::string>> ReadDeliveredKeys(const std::string& path) {
  auto text = ReadIfPresent(path);
  if (!text.ok()) return text.status();
  size_t good = 0;
  std::unordered_set<std::string> keys;
  for (auto line : WholeLines(*text, &good)) keys.emplace(DeliveredKeyOf(line));
  return keys;
}

Result<Receipts> ReadReceipts(const std::string& data_dir) {
  const std::string path = data_dir + "/delivered.log";
  if (!std::filesystem::exists(path))
    return Status::NotFound(data_dir + " has no delivered.log: not the --data directory of duban-reminders");
  auto text = ReadIfPresent(path);
  if (!text.ok()) return text.status();
  size_t good = 0, line_no = 0;
  Receipts out;
  for (auto line : WholeLines(*text, &good)) {
    ++line_no;
    const std::string where = path + ":" + std::to_string(line_no) + ": ";
    const size_t tab = line.find('\t');
    if (tab == std::string_view::npos) {
      out.damaged.push_back(where + "not \"channel<TAB>notification\"");
      continue;
    }
    Receipt r;
    r.channel = std::string(line.substr(0, tab));
    const std::string_view key = DeliveredKeyOf(line);
    r.notification_id = std::string(key.substr(tab + 1));
    if (key.size() < line.size()) {
      const auto j = nlohmann::json::parse(line.substr(key.size() + 1), nullptr, false);
      try {
        if (!j.is_object()) throw nlohmann::json::other_error::create(501, "not a JSON object", nullptr);
        r.at = j.at("at").get<int64_t>();
        r.recipient = j.value("recipient", "");
        r.kind = j.value("kind", "");
        r.plan = j.value("plan", "");
        r.task = j.value("task", 0);
        r.due_on = j.value("due_on", "");
        r.title = j.value("title", "");
        r.via = j.value("via", "");
      } catch (const nlohmann::json::exception& e) {
        out.damaged.push_back(where + "the receipt does not read: " + e.what());
        continue;
      }
    } else {
      r.recipient = RecipientOfId(r.notification_id);
    }
    out.receipts.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<DeadLetter>> ReadDeadLetters(const std::string& data_dir) {
  auto loaded = LoadDeadLetters(data_dir);
  if (!loaded.ok()) return loaded.status();
  return std::move(loaded->entries);
}

Result<std::unique_ptr<DeadLetterStore>> DeadLetterStore::Open(const std::string& data_dir) {
  auto loaded = LoadDeadLetters(data_dir);
  if (!loaded.ok()) return loaded.status();
  auto fd = OpenCut(data_dir + "/dead-letters.jsonl", loaded->good);
  if (!fd.ok()) return fd.status();
  return std::unique_ptr<DeadLetterStore>(
      new DeadLetterStore(data_dir, *fd, std::move(loaded->entries), loaded->next_id));
}

DeadLetterStore::DeadLetterStore(std::string dir, int fd, std::vector<DeadLetter> entries, uint64_t next_id)
    : dir_(std::move(dir)), fd_(fd), entries_(std::move(entries)), next_id_(next_id) {
  for (const auto& d : entries_) keys_.insert(DeadLetterKey(d));
}

DeadLetterStore::~DeadLetterStore() { ::close(fd_); }

Result<uint64_t> DeadLetterStore::Add(DeadLetter d) {
  const std::string key = DeadLetterKey(d);
  if (keys_.count(key))
    for (const auto& e : entries_)
      if (DeadLetterKey(e) == key) return e.id;
  d.id = next_id_;
  Status s = WriteAll(fd_, ToLine(d), "append dead-letters.jsonl");
  if (s.ok() && ::fsync(fd_) != 0) s = Errno("fsync dead-letters.jsonl");
  if (!s.ok()) return s;
  ++next_id_;
  keys_.insert(key);
  entries_.push_back(std::move(d));
  return entries_.back().id;
}

Status DeadLetterStore::Rewrite(std::vector<DeadLetter> keep) {
  // The next id first: once the file without the newest entries is in
  // place, dlq.next is what keeps their ids from being given again.
  if (Status s = ReplaceFile(dir_, "dlq.next", std::to_string(next_id_) + "\n"); !s.ok()) return s;
  std::string text;
  for (const auto& d : keep) text += ToLine(d);
  if (Status s = ReplaceFile(dir_, "dead-letters.jsonl", text); !s.ok()) return s;
  // The appending descriptor still points at the replaced file.
  auto fd = OpenCut(dir_ + "/dead-letters.jsonl", text.size());
  if (!fd.ok()) return fd.status();
  ::close(fd_);
  fd_ = *fd;
  entries_ = std::move(keep);
  keys_.clear();
  for (const auto& d : entries_) keys_.insert(DeadLetterKey(d));
  return Status::Ok();
}

}  // namespace duban::consumers

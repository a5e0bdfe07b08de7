// NotificationInbox (notification_inbox.h).
#include "notification_inbox.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "duban/log.h"

namespace duban::server {

namespace {

namespace fs = std::filesystem;

std::string Str(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool ItemFrom(const std::string& line, NotificationInbox::Item* out) {
  auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return false;
  NotificationInbox::Item it;
  it.id = Str(j, "notification_id");
  it.recipient = Str(j, "recipient");
  if (it.id.empty() || it.recipient.empty()) return false;
  it.recipient_kind = Str(j, "recipient_kind");
  it.kind = Str(j, "channel");
  it.level = Str(j, "level");
  it.title = Str(j, "title");
  it.text = Str(j, "text");
  it.plan = Str(j, "plan");
  it.plan_title = Str(j, "plan_title");
  it.due_on = Str(j, "due_on");
  if (auto t = j.find("task"); t != j.end() && t->is_number_integer()) it.task = t->get<int32_t>();
  if (auto t = j.find("occurred_at"); t != j.end() && t->is_number_integer()) it.at = t->get<Instant>();
  if (auto t = j.find("items"); t != j.end() && t->is_array())
    for (const auto& i : *t)
      if (i.is_string()) it.items.push_back(i.get<std::string>());
  *out = std::move(it);
  return true;
}

}  // namespace

NotificationInbox::NotificationInbox(const std::string& consumer_state_dir)
    : list_path_((fs::path(consumer_state_dir) / "workbench.jsonl").string()),
      read_path_((fs::path(consumer_state_dir) / "workbench-read.log").string()) {}

Status NotificationInbox::Refresh() {
  if (!read_loaded_) {
    std::ifstream in(read_path_, std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
      if (in.eof()) break;  // a mark cut short by a crash was never answered
      const size_t a = line.find('\t'), b = line.find('\t', a == std::string::npos ? a : a + 1);
      if (a == std::string::npos || b == std::string::npos) continue;
      read_[line.substr(0, a)].insert(line.substr(a + 1, b - a - 1));
    }
    read_loaded_ = true;
  }
  std::error_code ec;
  const uintmax_t size = fs::file_size(list_path_, ec);
  if (ec)
    return ec == std::errc::no_such_file_or_directory ? Status::Ok()  // nothing delivered yet
                                                      : Status::IOError(list_path_ + ": " + ec.message());
  struct stat st {};
  const bool replaced = ::stat(list_path_.c_str(), &st) == 0 && list_inode_ != 0 && st.st_ino != list_inode_;
  if (::stat(list_path_.c_str(), &st) == 0) list_inode_ = st.st_ino;
  if (size < list_offset_ || replaced) {  // replaced (a restore, a new state directory): read it again whole
    items_.clear();
    index_.clear();
    list_offset_ = 0;
  }
  if (size == list_offset_) return Status::Ok();
  std::ifstream in(list_path_, std::ios::binary);
  if (!in) return Status::IOError("cannot open " + list_path_);
  in.seekg(static_cast<std::streamoff>(list_offset_));
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // the consumer is still writing it
    list_offset_ += line.size() + 1;
    Item item;
    if (!ItemFrom(line, &item)) {
      if (damaged_++ == 0) log::Server().warn("{}: a line that is not a notification is skipped", list_path_);
      continue;
    }
    if (index_.count(item.id)) continue;
    index_[item.id] = items_.size();
    items_.push_back(std::move(item));
  }
  return Status::Ok();
}

bool NotificationInbox::Sees(const Reader& who, const Item& item) const {
  if (who.office) return item.recipient_kind == "office";
  return item.recipient_kind != "office" && who.recipients.count(item.recipient) > 0;
}

Result<NotificationInbox::Page> NotificationInbox::List(const Reader& who, size_t limit, bool unread_only) {
  std::lock_guard lock(mu_);
  if (Status st = Refresh(); !st.ok()) return st;
  Page page;
  const auto marks = read_.find(who.account);
  for (auto it = items_.rbegin(); it != items_.rend(); ++it) {
    if (!Sees(who, *it)) continue;
    const bool read = marks != read_.end() && marks->second.count(it->id) > 0;
    ++page.total;
    if (!read) ++page.unread;
    if ((unread_only && read) || page.items.size() >= limit) continue;
    if (read) page.read.insert(it->id);
    page.items.push_back(*it);
  }
  return page;
}

Result<size_t> NotificationInbox::MarkRead(const Reader& who, const std::vector<std::string>& ids, bool all,
                                           const std::string& through, Instant now) {
  std::lock_guard lock(mu_);
  if (Status st = Refresh(); !st.ok()) return st;
  std::vector<std::string> mark;
  std::set<std::string>& mine = read_[who.account];
  if (all) {
    size_t end = items_.size();
    if (!through.empty()) {
      auto at = index_.find(through);
      if (at == index_.end() || !Sees(who, items_[at->second]))
        return Status::NotFound("no notification " + through + " for this account");
      end = at->second + 1;
    }
    for (size_t i = 0; i < end; ++i)
      if (Sees(who, items_[i]) && !mine.count(items_[i].id)) mark.push_back(items_[i].id);
  } else {
    for (const std::string& id : ids) {
      auto at = index_.find(id);
      if (at == index_.end() || !Sees(who, items_[at->second]))
        return Status::NotFound("no notification " + id + " for this account");
      if (!mine.count(id) && std::find(mark.begin(), mark.end(), id) == mark.end()) mark.push_back(id);
    }
  }
  if (mark.empty()) return size_t{0};
  std::string lines;
  for (const std::string& id : mark) lines += who.account + "\t" + id + "\t" + std::to_string(now) + "\n";
  const int fd = ::open(read_path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("open " + read_path_ + ": " + std::strerror(errno));
  struct stat before {};
  const bool sized = ::fstat(fd, &before) == 0;
  // A mark a crash cut short has no newline: end it first, so this one starts a line.
  if (sized && before.st_size > 0) {
    char last = '\n';
    if (::pread(fd, &last, 1, before.st_size - 1) == 1 && last != '\n') lines.insert(lines.begin(), '\n');
  }
  const ssize_t w = ::write(fd, lines.data(), lines.size());
  const bool synced = w == static_cast<ssize_t>(lines.size()) && ::fsync(fd) == 0;
  const int err = errno;
  // A short write (a full disk) is cut off, so the next mark starts a line.
  if (!synced && sized && w > 0) [[maybe_unused]]
    int cut = ::ftruncate(fd, before.st_size);
  ::close(fd);
  if (!synced) return Status::IOError("write " + read_path_ + ": " + std::strerror(err));
  mine.insert(mark.begin(), mark.end());
  return mark.size();
}

size_t NotificationInbox::damaged_lines() {
  std::lock_guard lock(mu_);
  return damaged_;
}

}  // namespace duban::server

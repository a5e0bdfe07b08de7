// The webhook and JSONL outbox sinks (see sink.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "duban/consumers/sink.h"
#include "http_channel.h"

namespace duban::consumers {
namespace {

class WebhookSink final : public Sink {
 public:
  WebhookSink(const std::string& origin, std::string path, const WebhookOptions& o)
      : name_(o.name), client_(origin), path_(std::move(path)) {
    ConfigureHttpClient(client_, o.connect_timeout_ms, o.timeout_ms);
  }
  std::string name() const override { return name_; }
  Status Deliver(const Notification& n) override {
    httplib::Headers headers{{"Idempotency-Key", n.notification_id}};
    auto res = client_.Post(path_, headers, NotificationToJson(n), "application/json; charset=utf-8");
    if (!res) return Status::Unavailable(name_ + ": " + httplib::to_string(res.error()));
    if (res->status < 200 || res->status >= 300)
      return Status::Unavailable(name_ + ": HTTP " + std::to_string(res->status));
    return Status::Ok();
  }

 private:
  std::string name_;
  httplib::Client client_;
  std::string path_;
};

class JsonlOutboxSink final : public Sink {
 public:
  JsonlOutboxSink(int fd, std::unordered_set<std::string> written, std::string name)
      : fd_(fd), written_(std::move(written)), name_(std::move(name)) {}
  ~JsonlOutboxSink() override { ::close(fd_); }
  std::string name() const override { return name_; }
  Status Deliver(const Notification& n) override {
    if (written_.count(n.notification_id)) return Status::Ok();
    std::string line = NotificationToJson(n) + "\n";
    // One write per line: O_APPEND keeps lines whole between writers; a
    // short write (disk full, SIGKILL) leaves a torn line that the next
    // open cuts off.
    ssize_t w = ::write(fd_, line.data(), line.size());
    if (w != static_cast<ssize_t>(line.size()))
      return Status::IOError(std::string("outbox write: ") + std::strerror(errno));
    written_.insert(n.notification_id);
    dirty_ = true;
    return Status::Ok();
  }
  Status Sync() override {
    if (!dirty_) return Status::Ok();
    if (::fsync(fd_) != 0) return Status::IOError(std::string("outbox fsync: ") + std::strerror(errno));
    dirty_ = false;
    return Status::Ok();
  }

 private:
  int fd_;
  std::unordered_set<std::string> written_;
  std::string name_;
  bool dirty_ = false;  // lines written since the last fsync
};

}  // namespace

const std::vector<std::string>* Routes::Find(const std::string& recipient) const {
  static const std::vector<std::string> kNone;
  if (everyone) return &kNone;
  if (auto it = recipients.find(recipient); it != recipients.end()) return &it->second;
  if (named.count(recipient) || !fallback) return nullptr;
  return &*fallback;
}

bool IsRetryable(const Status& s) {
  return s.code() == Status::Code::kUnavailable || s.code() == Status::Code::kIOError;
}

Result<std::unique_ptr<Sink>> MakeWebhookSink(const WebhookOptions& options) {
  auto target =
      SplitHttpUrl(options.url, options.name == "webhook" ? std::string("webhook") : "webhook channel " + options.name);
  if (!target.ok()) return target.status();
  return std::unique_ptr<Sink>(new WebhookSink(target->origin, target->path, options));
}

Result<std::unique_ptr<Sink>> MakeJsonlOutboxSink(const std::string& path, const std::string& name) {
  // The outbox may live in a directory not made yet (e.g. the consumer's
  // --data, which is created later): make it rather than refuse.
  if (const auto parent = std::filesystem::path(path).parent_path(); !parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) return Status::IOError("create the outbox's directory " + parent.string() + ": " + ec.message());
  }
  std::unordered_set<std::string> written;
  off_t whole = 0;  // bytes of whole lines
  {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
      if (in.eof()) break;  // the last line had no newline: torn
      whole += static_cast<off_t>(line.size() + 1);
      auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (j.is_object() && j.contains("notification_id") && j["notification_id"].is_string())
        written.insert(j["notification_id"].get<std::string>());
    }
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("open outbox " + path + ": " + std::strerror(errno));
  // A line a crash (or a full disk) cut short was never recorded as
  // delivered: it is cut off and its notification written again whole, so
  // every line of the outbox is one complete JSON object for its readers.
  // (SIGKILL can cut a write of a regular file between pages.)
  struct stat st {};
  if (::fstat(fd, &st) != 0 || (st.st_size > whole && ::ftruncate(fd, whole) != 0)) {
    Status s = Status::IOError("outbox " + path + ": cutting a torn last line: " + std::strerror(errno));
    ::close(fd);
    return s;
  }
  return std::unique_ptr<Sink>(new JsonlOutboxSink(fd, std::move(written), name));
}

std::string WorkbenchFile(const std::string& state_dir) {
  return (std::filesystem::path(state_dir) / kWorkbenchFileName).string();
}

Result<std::unique_ptr<Sink>> MakeWorkbenchSink(const std::string& state_dir) {
  return MakeJsonlOutboxSink(WorkbenchFile(state_dir), "workbench");
}

}  // namespace duban::consumers

// log_end: the durable record of where a store's log ended (see log_end.h).
#include "log_end.h"

#include <rocksdb/env.h>

#include <sstream>

namespace duban::log_end {

// "duban-log-end 1\nnext N\nstate open|closed\nwal NAME SIZE\n..."
std::string Format(const LogEnd& end) {
  std::ostringstream out;
  out << "duban-log-end 1\nnext " << end.next << "\nstate " << (end.closed ? "closed" : "open") << "\n";
  for (const auto& [name, size] : end.wals) out << "wal " << name << " " << size << "\n";
  return out.str();
}

Result<LogEnd> Parse(const std::string& text) {
  const Status damaged = Status::Corruption(std::string("its log-end file ") + kFile + " is damaged");
  std::istringstream in(text);
  std::string magic, key, state;
  int format = 0;
  LogEnd end;
  if (!(in >> magic >> format) || magic != "duban-log-end" || format != 1) return damaged;
  if (!(in >> key >> end.next) || key != "next" || end.next == 0) return damaged;
  if (!(in >> key >> state) || key != "state" || (state != "open" && state != "closed")) return damaged;
  end.closed = state == "closed";
  while (in >> key) {
    std::string name;
    uint64_t size = 0;
    if (key != "wal" || !(in >> name >> size) || name.find('/') != std::string::npos) return damaged;
    end.wals.emplace_back(name, size);
  }
  if (!in.eof()) return damaged;
  if (!end.closed && !end.wals.empty()) return damaged;
  return end;
}

Result<std::optional<LogEnd>> Read(rocksdb::Env* env, const std::string& dir) {
  const std::string path = dir + "/" + kFile;
  rocksdb::Status exists = env->FileExists(path);
  if (exists.IsNotFound()) return std::optional<LogEnd>();
  std::string text;
  rocksdb::Status s = exists.ok() ? rocksdb::ReadFileToString(env, path, &text) : exists;
  if (!s.ok()) return Status::IOError("cannot read " + path + ": " + s.ToString());
  auto end = Parse(text);
  if (!end.ok()) return end.status();
  return std::optional<LogEnd>(std::move(*end));
}

Status Write(rocksdb::Env* env, const std::string& dir, const LogEnd& end) {
  const std::string path = dir + "/" + kFile;
  const std::string tmp = path + ".tmp";
  rocksdb::Status s = rocksdb::WriteStringToFile(env, Format(end), tmp, /*should_sync=*/true);
  if (s.ok()) s = env->RenameFile(tmp, path);
  std::unique_ptr<rocksdb::Directory> d;
  if (s.ok()) s = env->NewDirectory(dir, &d);
  if (s.ok()) s = d->Fsync();
  if (!s.ok()) return Status::IOError("cannot record the log end in " + path + ": " + s.ToString());
  return Status::Ok();
}

Status CheckWals(rocksdb::Env* env, const std::string& dir, const LogEnd& end) {
  if (!end.closed) return Status::Ok();
  for (const auto& [name, size] : end.wals) {
    const std::string path = dir + "/" + name;
    uint64_t now = 0;
    rocksdb::Status s = env->GetFileSize(path, &now);
    if (s.IsNotFound() || s.IsPathNotFound() || (!s.ok() && s.ToString().find("No such file") != std::string::npos))
      return Status::Corruption("its write-ahead log file " + name + " (" + std::to_string(size) +
                                " bytes when the last writer closed) is missing");
    if (!s.ok()) return Status::IOError("cannot read the size of " + path + ": " + s.ToString());
    if (now != size)
      return Status::Corruption("its write-ahead log file " + name + " has " + std::to_string(now) +
                                " bytes, but had " + std::to_string(size) + " when the last writer closed (" +
                                (now < size ? "cut short" : "written to since") + ")");
  }
  return Status::Ok();
}

}  // namespace duban::log_end

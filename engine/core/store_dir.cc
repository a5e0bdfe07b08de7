// store_dir: telling an empty data directory from a store, a damaged store
// and a foreign directory (see store_dir.h).
#include "store_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <vector>

#include "duban/file_text.h"

namespace duban::store_dir {
namespace fs = std::filesystem;

namespace {

bool StartsWith(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }
bool EndsWith(const std::string& s, const char* p) {
  const size_t n = std::strlen(p);
  return s.size() >= n && s.compare(s.size() - n, n, p) == 0;
}

// RocksDB's own files, and what duban leaves beside them.
bool IsRocksFile(const std::string& name) {
  return name == "CURRENT" || name == "IDENTITY" || name == "LOCK" || StartsWith(name, "MANIFEST-") ||
         StartsWith(name, "OPTIONS-") || StartsWith(name, "LOG") || EndsWith(name, ".sst") || EndsWith(name, ".log") ||
         EndsWith(name, ".blob") || EndsWith(name, ".dbtmp");
}

// DUBAN-STORE: "duban-store <format>\nid <hex>\n".
bool ParseIdentity(const std::string& text, std::string* id, int* format) {
  std::istringstream in(text);
  std::string magic, key;
  if (!(in >> magic >> *format >> key >> *id)) return false;
  return magic == "duban-store" && *format >= 1 && key == "id" && id->size() == 32;
}

Status SyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Status::IOError("cannot fsync " + path + ": " + std::strerror(err));
  return Status::Ok();
}

Inspection Told(Kind kind, std::string detail) {
  Inspection r;
  r.kind = kind;
  r.detail = std::move(detail);
  return r;
}

// The directory's file names, split into RocksDB's and others.
struct Listing {
  std::vector<std::string> names, foreign;
  bool rocks_files = false;
};

Listing ListFiles(const std::string& dir, std::error_code& ec) {
  Listing l;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    l.names.push_back(name);
    // The identity file, its temporary twin, and a scratch store verify left.
    if (StartsWith(name, kIdentityFile) || StartsWith(name, "verify-scratch-")) continue;
    if (IsRocksFile(name))
      l.rocks_files = true;
    else
      l.foreign.push_back(name);
  }
  return l;
}

// Whether RocksDB wrote anything it would write once the store held data.
bool HoldsData(const std::string& dir, const std::vector<std::string>& names) {
  std::error_code ec;
  bool data = false;
  for (const auto& n : names)
    if (StartsWith(n, "MANIFEST-") || EndsWith(n, ".sst") ||
        (EndsWith(n, ".log") && fs::file_size(fs::path(dir) / n, ec) > 0))
      data = true;
  return data;
}

// A directory with an identity file: what it says, and whether RocksDB's
// CURRENT is there too.
Inspection InspectIdentified(const std::string& dir, const std::vector<std::string>& names, bool has_current) {
  Inspection r;
  auto text = file_text::ReadWhole((fs::path(dir) / kIdentityFile).string(), 4096);
  if (!text.ok()) {
    r.kind = Kind::kDamaged;
    r.detail = "its identity file " + std::string(kIdentityFile) + " cannot be read (" + text.status().message() + ")";
    return r;
  }
  if (!ParseIdentity(*text, &r.store_id, &r.format)) {
    r.kind = Kind::kDamaged;
    r.detail = "its identity file " + std::string(kIdentityFile) + " is damaged";
    return r;
  }
  if (r.format > kFormatVersion) {
    r.kind = Kind::kForeign;
    r.detail = dir + " holds a duban store of format " + std::to_string(r.format) +
               ", newer than this duban reads (format " + std::to_string(kFormatVersion) +
               "): open it with the duban that wrote it";
    return r;
  }
  if (!has_current) {
    // Nothing RocksDB would have written once the store held data: the
    // creation was killed before it got that far (the identity comes first).
    if (!HoldsData(dir, names)) {
      r.kind = Kind::kEmpty;
      r.detail = "an unfinished store: its creation was interrupted before it held anything";
      return r;
    }
    r.kind = Kind::kDamaged;
    r.detail = "RocksDB's CURRENT file is missing, so the store cannot say which of its files are live";
    return r;
  }
  r.kind = Kind::kStore;
  r.detail = "duban store " + r.store_id;
  return r;
}

// A directory without an identity file.
Inspection InspectUnidentified(const std::string& dir, const Listing& files, bool has_current,
                               bool (*is_duban_rocksdb)(const std::string& dir)) {
  if (has_current) {
    if (is_duban_rocksdb && is_duban_rocksdb(dir))
      return Told(Kind::kLegacy, "a duban store without an identity file (made before it was kept)");
    return Told(Kind::kForeign, dir + " holds a RocksDB database that is not a duban store");
  }
  if (files.rocks_files)
    return Told(Kind::kDamaged, "it holds a store's files but no CURRENT file (and no identity file)");
  return Told(Kind::kForeign, dir + " holds " + std::to_string(files.foreign.size()) +
                                  " file(s) that are not a duban store (e.g. " + files.foreign.front() + ")");
}

}  // namespace

Inspection Inspect(const std::string& dir, bool (*is_duban_rocksdb)(const std::string& dir)) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return Told(Kind::kMissing, "the directory " + dir + " does not exist");
  if (!fs::is_directory(dir, ec)) return Told(Kind::kForeign, dir + " is not a directory");
  const Listing files = ListFiles(dir, ec);
  if (ec) return Told(Kind::kDamaged, "the directory " + dir + " cannot be read: " + ec.message());
  if (files.names.empty()) return Told(Kind::kEmpty, "the directory " + dir + " is empty");
  const bool has_identity = fs::exists(fs::path(dir) / kIdentityFile, ec);
  const bool has_current = fs::exists(fs::path(dir) / "CURRENT", ec);
  if (has_identity) return InspectIdentified(dir, files.names, has_current);
  return InspectUnidentified(dir, files, has_current, is_duban_rocksdb);
}

namespace {
// A descriptor of each LOCK file this process has asked about, by file
// identity, never closed: RocksDB's lock is a POSIX record lock, and closing
// any descriptor of the file drops every such lock the process holds on it.
// Closing one here after each question let a reader in a writer's own
// process (the reminder consumer inside `duban serve`) release the writer's
// lock, and a second writer then opened the same store. One descriptor per
// store a process looks at, kept for its life.
int LockFileDescriptor(const std::string& lock) {
  static std::mutex mu;
  static std::map<std::pair<dev_t, ino_t>, int> open_files;
  std::lock_guard<std::mutex> guard(mu);
  struct stat st {};
  if (::stat(lock.c_str(), &st) != 0) return -1;
  if (auto it = open_files.find({st.st_dev, st.st_ino}); it != open_files.end()) return it->second;
  const int fd = ::open(lock.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  // The file may have been replaced since the stat: keyed by what was opened
  // (a descriptor already kept for it stays; this one is kept too, unclosed).
  if (::fstat(fd, &st) != 0) return fd;
  return open_files.emplace(std::make_pair(st.st_dev, st.st_ino), fd).first->second;
}
}  // namespace

bool WriterHoldsLock(const std::string& dir) {
  const int fd = LockFileDescriptor((fs::path(dir) / "LOCK").string());
  if (fd < 0) return false;
  // RocksDB takes a POSIX record lock, which F_GETLK does not report to the
  // process that holds it: a second Engine::Open in the writer's own process
  // would then read the files the writer is compacting. An open-file-
  // description query conflicts with a POSIX lock even in the same process.
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  if (::fcntl(fd, F_OFD_GETLK, &fl) == 0) return fl.l_type != F_UNLCK;
  // A kernel without OFD locks (before Linux 3.15): other processes only.
  fl = {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  return ::fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
}

Status WriteIdentity(const std::string& dir, const std::string& store_id) {
  std::ostringstream id;
  if (store_id.empty()) {
    std::random_device rd;
    for (int i = 0; i < 4; ++i) {
      char buf[9];
      std::snprintf(buf, sizeof buf, "%08x", rd());
      id << buf;
    }
  } else {
    id << store_id;
  }
  const std::string text = "duban-store " + std::to_string(kFormatVersion) + "\nid " + id.str() + "\n";
  const fs::path final_path = fs::path(dir) / kIdentityFile;
  const fs::path tmp = fs::path(dir) / (std::string(kIdentityFile) + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return Status::IOError("cannot write " + tmp.string());
  }
  if (Status st = SyncPath(tmp.string(), O_RDONLY); !st.ok()) return st;
  std::error_code ec;
  fs::rename(tmp, final_path, ec);
  if (ec) return Status::IOError("cannot rename " + tmp.string() + ": " + ec.message());
  return SyncPath(dir, O_RDONLY | O_DIRECTORY);
}

}  // namespace duban::store_dir

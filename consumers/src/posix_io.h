// POSIX file helpers the consumer's sources share (reminders.cc, state.cc):
// an errno as a Status naming what failed, a write that retries until every
// byte is written or a real error comes, and a file replaced atomically.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "duban/status.h"

namespace duban::consumers::posix_io {

inline Status Errno(const std::string& what) { return Status::IOError(what + ": " + std::strerror(errno)); }

inline Status WriteAll(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t w = ::write(fd, data.data(), data.size());
    if (w < 0) {
      if (errno == EINTR) continue;
      return Errno(what);
    }
    data.remove_prefix(static_cast<size_t>(w));
  }
  return Status::Ok();
}

// Writes `text` to dir/name atomically: temporary file, fsync, rename, fsync
// of the directory. A crash leaves the old file or the new one.
inline Status ReplaceFile(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name, tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("open " + tmp);
  Status s = WriteAll(fd, text, "write " + tmp);
  if (s.ok() && ::fsync(fd) != 0) s = Errno("fsync " + tmp);
  ::close(fd);
  if (!s.ok()) return s;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Errno("rename " + tmp);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Errno("open " + dir);
  const bool synced = ::fsync(dfd) == 0;
  ::close(dfd);
  return synced ? Status::Ok() : Errno("fsync " + dir);
}

}  // namespace duban::consumers::posix_io

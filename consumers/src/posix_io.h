// POSIX file helpers the consumer's sources share (reminders.cc, state.cc):
// an errno as a Status naming what failed, and a write that retries until
// every byte is written or a real error comes.
#pragma once

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

}  // namespace duban::consumers::posix_io

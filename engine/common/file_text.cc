#include "duban/file_text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace duban::file_text {
namespace {

Status FromErrno(int err) {
  if (err == ENOENT) return Status::NotFound(std::strerror(err));
  return Status::IOError(std::strerror(err));
}

}  // namespace

Result<std::string> ReadWhole(const std::string& path, size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FromErrno(errno);
  struct stat st {};
  std::string out;
  // The size is a hint for one allocation; the loop reads to the real end.
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && static_cast<size_t>(st.st_size) <= max_bytes)
    out.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return FromErrno(err);
    }
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      ::close(fd);
      return Status::InvalidArgument("larger than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Result<std::string> ReadIfPresent(const std::string& path) {
  auto text = ReadWhole(path);
  if (text.ok()) return text;
  if (text.status().code() == Status::Code::kNotFound) return std::string();
  return Status::IOError("cannot read " + path + ": " + text.status().message());
}

}  // namespace duban::file_text

// ZipBytes (duban/zip_write.h): libzip writing into a memory buffer.
#include "duban/zip_write.h"

#include <zip.h>

#include <ctime>
#include <memory>

namespace duban {

Result<std::string> ZipBytes(const std::vector<std::pair<std::string, std::string>>& parts) {
  zip_error_t error;
  zip_error_init(&error);
  auto fail = [&](const std::string& what) {
    std::string msg = what + ": " + zip_error_strerror(&error);
    zip_error_fini(&error);
    return Status::IOError(msg);
  };
  zip_source_t* mem = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (!mem) return fail("zip_source_buffer_create");
  zip_t* za = zip_open_from_source(mem, ZIP_TRUNCATE, &error);
  if (!za) {
    zip_source_free(mem);
    return fail("zip_open_from_source");
  }
  zip_source_keep(mem);  // read back after zip_close
  std::unique_ptr<zip_source_t, decltype(&zip_source_free)> keep(mem, zip_source_free);
  // A fixed time on every entry (1980-01-03, just after the zip epoch in any time zone): the same
  // parts give the same bytes.
  constexpr time_t kEntryTime = 315705600;
  for (const auto& [path, bytes] : parts) {
    zip_source_t* s = zip_source_buffer(za, bytes.data(), bytes.size(), 0);  // `parts` outlives zip_close
    if (!s) {
      zip_error_set(&error, zip_error_code_zip(zip_get_error(za)), 0);
      zip_discard(za);
      return fail("zip_source_buffer " + path);
    }
    const zip_int64_t i = zip_file_add(za, path.c_str(), s, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE);
    if (i < 0) {
      zip_source_free(s);
      zip_error_set(&error, zip_error_code_zip(zip_get_error(za)), 0);
      zip_discard(za);
      return fail("zip_file_add " + path);
    }
    if (zip_set_file_compression(za, static_cast<zip_uint64_t>(i), ZIP_CM_DEFLATE, 9) != 0 ||
        zip_file_set_mtime(za, static_cast<zip_uint64_t>(i), kEntryTime, 0) != 0) {
      zip_error_set(&error, zip_error_code_zip(zip_get_error(za)), 0);
      zip_discard(za);
      return fail("zip entry settings " + path);
    }
  }
  if (zip_close(za) != 0) {
    zip_error_set(&error, zip_error_code_zip(zip_get_error(za)), 0);
    zip_discard(za);
    return fail("zip_close");
  }
  zip_stat_t st;
  zip_stat_init(&st);
  auto source_failed = [&](const char* what) {
    zip_error_set(&error, zip_error_code_zip(zip_source_error(mem)), 0);
    return fail(what);
  };
  if (zip_source_stat(mem, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) return source_failed("zip_source_stat");
  if (zip_source_open(mem) != 0) return source_failed("zip_source_open");
  std::string out(static_cast<size_t>(st.size), '\0');
  const zip_int64_t n = zip_source_read(mem, out.data(), st.size);
  zip_source_close(mem);
  if (n < 0 || static_cast<zip_uint64_t>(n) != st.size) return source_failed("zip_source_read");
  zip_error_fini(&error);
  return out;
}

}  // namespace duban

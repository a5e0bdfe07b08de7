// ZipPackage: a .docx or .xlsx package opened from memory with libzip (the
// well-kept zip reader Debian ships; the reports already write with it).
// Every read is bounded: an entry whose stated or actual size passes
// kMaxEntryBytes is refused before it is inflated further (a zip bomb states
// a small size and inflates on, so the bound is on the bytes read, too).
#include <zip.h>

#include <optional>
#include <string>

#include "plan_table.h"

namespace duban::plan_import::table {

namespace {
zip_t* Archive(void* p) { return static_cast<zip_t*>(p); }
}  // namespace

ZipPackage::ZipPackage(std::string_view bytes) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
  if (src == nullptr) {
    error_ = std::string("not a readable zip package: ") + zip_error_strerror(&err);
    zip_error_fini(&err);
    return;
  }
  zip_t* za = zip_open_from_source(src, ZIP_RDONLY, &err);
  if (za == nullptr) {
    error_ = std::string("not a readable zip package: ") + zip_error_strerror(&err);
    zip_source_free(src);
    zip_error_fini(&err);
    return;
  }
  zip_error_fini(&err);
  archive_ = za;
}

ZipPackage::~ZipPackage() {
  if (archive_ != nullptr) zip_discard(Archive(archive_));
}

bool ZipPackage::Has(const std::string& name) const {
  return archive_ != nullptr && zip_name_locate(Archive(archive_), name.c_str(), ZIP_FL_NOCASE) >= 0;
}

std::optional<std::string> ZipPackage::Read(const std::string& name) {
  if (archive_ == nullptr) return std::nullopt;
  zip_t* za = Archive(archive_);
  const zip_int64_t index = zip_name_locate(za, name.c_str(), ZIP_FL_NOCASE);
  if (index < 0) {
    error_ = name + " is missing from the package";
    return std::nullopt;
  }
  zip_stat_t st;
  zip_stat_init(&st);
  const std::string too_large =
      name + " inflates past " + std::to_string(kMaxEntryBytes >> 20) + " MiB: refused (a zip bomb, or not a plan)";
  if (zip_stat_index(za, static_cast<zip_uint64_t>(index), 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE) != 0 &&
      st.size > kMaxEntryBytes) {
    error_ = too_large;
    return std::nullopt;
  }
  zip_file_t* f = zip_fopen_index(za, static_cast<zip_uint64_t>(index), 0);
  if (f == nullptr) {
    error_ = name + " cannot be opened: " + zip_strerror(za);
    return std::nullopt;
  }
  std::string out;
  char buf[65536];
  for (;;) {
    const zip_int64_t n = zip_fread(f, buf, sizeof buf);
    if (n < 0) {
      error_ = name + " is damaged: " + zip_file_strerror(f);
      zip_fclose(f);
      return std::nullopt;
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > kMaxEntryBytes) {
      error_ = too_large;
      zip_fclose(f);
      return std::nullopt;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  zip_fclose(f);
  return out;
}

}  // namespace duban::plan_import::table

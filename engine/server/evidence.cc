// Evidence files (evidence.h): content-addressed, type-checked, verified.
#include "duban/server/evidence.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "duban/engine.h"
#include "duban/schemas/codec.h"
#include "duban/utf8.h"
#include "duban/file_text.h"

namespace duban::evidence {
namespace fs = std::filesystem;

namespace {

struct Magic {
  const char* ext;
  std::string_view head;
};
const std::string_view kPdf("%PDF-", 5);
const std::string_view kZip("PK\x03\x04", 4);
const std::string_view kOle("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
const std::string_view kJpg("\xFF\xD8\xFF", 3);
const std::string_view kPng("\x89PNG\r\n\x1A\n", 8);
const Magic kMagic[] = {{"pdf", kPdf}, {"docx", kZip}, {"xlsx", kZip}, {"zip", kZip}, {"doc", kOle},
                        {"xls", kOle}, {"jpg", kJpg},  {"jpeg", kJpg}, {"png", kPng}};

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool IsHash(std::string_view s) {
  if (s.size() != 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Status SyncPath(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) return Status::IOError("cannot open " + path + " to sync it");
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Status::IOError("fsync failed for " + path);
}

Status WriteDurably(const std::string& final_path, std::string_view bytes) {
  const fs::path dir = fs::path(final_path).parent_path();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir.string() + ": " + ec.message());
  const std::string tmp = final_path + ".tmp-" + std::to_string(std::random_device{}());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      fs::remove(tmp, ec);
      return Status::IOError("cannot write " + tmp + " (disk full?)");
    }
  }
  if (auto st = SyncPath(tmp, O_RDONLY); !st.ok()) return fs::remove(tmp, ec), st;
  fs::rename(tmp, final_path, ec);
  if (ec) return fs::remove(tmp, ec), Status::IOError("cannot rename into " + final_path + ": " + ec.message());
  return SyncPath(dir.string(), O_RDONLY | O_DIRECTORY);
}

}  // namespace

std::string DirFor(const std::string& data_dir) { return (fs::path(data_dir) / "evidence").string(); }

const std::vector<std::string>& AllowedExtensions() {
  static const std::vector<std::string> exts = {"pdf", "doc", "docx", "xls", "xlsx", "zip", "jpg", "jpeg", "png"};
  return exts;
}

Status CheckFileName(std::string_view name) {
  if (name.empty() || name.size() > 255) return Status::InvalidArgument("a file name must be 1..255 bytes");
  if (!utf8::IsValid(name)) return Status::InvalidArgument("the file name is not valid UTF-8");
  if (name == "." || name == "..") return Status::InvalidArgument("the file name may not be . or ..");
  for (unsigned char c : name) {
    if (c == '/' || c == '\\') return Status::InvalidArgument("the file name may not hold a path separator");
    if (c < 0x20 || c == 0x7f) return Status::InvalidArgument("the file name may not hold a control character");
  }
  return Status::Ok();
}

Result<std::string> TypeOf(std::string_view name, std::string_view head) {
  const auto dot = name.rfind('.');
  const std::string ext = dot == std::string_view::npos ? "" : Lower(std::string(name.substr(dot + 1)));
  std::string allowed;
  for (const auto& e : AllowedExtensions()) allowed += (allowed.empty() ? "" : ", ") + e;
  for (const auto& m : kMagic) {
    if (ext != m.ext) continue;
    if (head.substr(0, m.head.size()) == m.head) return std::string(ext == "jpeg" ? "jpg" : ext);
    return Status::Rejected("unsupported_type", "the file's content is not a ." + ext + " file");
  }
  return Status::Rejected("unsupported_type", "files of this type are not accepted (allowed: " + allowed + ")");
}

std::string Store::PathOf(std::string_view sha256) const {
  const std::string h(sha256);
  return (fs::path(dir_) / "sha256" / h.substr(0, 2) / h).string();
}

Result<StoredFile> Store::Put(std::string_view name, std::string_view bytes) const {
  if (auto st = CheckFileName(name); !st.ok()) return st;
  auto type = TypeOf(name, bytes.substr(0, 16));
  if (!type.ok()) return type.status();
  StoredFile f{schemas::Sha256Hex(bytes), std::string(name), *type, bytes.size()};
  const std::string path = PathOf(f.sha256);
  std::error_code ec;
  if (fs::exists(path, ec) && fs::file_size(path, ec) == bytes.size()) {
    // Uploaded again: young again, so `evidence uncited` (which removes only
    // files stored long ago) leaves a file someone is about to cite.
    fs::last_write_time(path, fs::file_time_type::clock::now(), ec);
    return f;
  }
  if (auto st = WriteDurably(path, bytes); !st.ok()) return st;
  return f;
}

Result<std::string> Store::Read(std::string_view sha256) const {
  if (!IsHash(sha256)) return Status::InvalidArgument("not a SHA-256 hex digest");
  auto bytes = file_text::ReadWhole(PathOf(sha256));
  if (bytes.ok()) return bytes;
  if (bytes.status().code() == Status::Code::kNotFound) return Status::NotFound("no evidence file with that hash");
  return Status::IOError("evidence file " + std::string(sha256) + ": " + bytes.status().message());
}

Result<StoredFile> Store::Describe(std::string_view sha256, std::string_view name) const {
  if (!IsHash(sha256)) return Status::InvalidArgument("not a SHA-256 hex digest");
  if (auto st = CheckFileName(name); !st.ok()) return st;
  std::ifstream in(PathOf(sha256), std::ios::binary);
  if (!in) return Status::NotFound("no evidence file " + std::string(sha256) + " was uploaded");
  char head[16] = {};
  in.read(head, sizeof head);
  auto type = TypeOf(name, std::string_view(head, static_cast<size_t>(in.gcount())));
  if (!type.ok()) return type.status();
  std::error_code ec;
  return StoredFile{std::string(sha256), std::string(name), *type, fs::file_size(PathOf(sha256), ec)};
}

Status Store::AddUploader(std::string_view sha256, const std::string& uploader) const {
  if (!IsHash(sha256)) return Status::InvalidArgument("not a SHA-256 hex digest");
  if (UploadedBy(sha256, uploader)) return Status::Ok();
  const std::string path = PathOf(sha256) + ".uploaders";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0)
    return Status::IOError("cannot record the uploader of " + std::string(sha256) + ": " + std::strerror(errno));
  const std::string line = uploader + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  return ok ? Status::Ok() : Status::IOError("cannot record the uploader of " + std::string(sha256));
}

bool Store::UploadedBy(std::string_view sha256, const std::string& uploader) const {
  if (!IsHash(sha256)) return false;
  std::ifstream in(PathOf(sha256) + ".uploaders");
  for (std::string line; std::getline(in, line);)
    if (line == uploader) return true;
  return false;
}

std::string EvidenceJson(const std::vector<StoredFile>& files) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& f : files) a.push_back({{"sha256", f.sha256}, {"name", f.name}, {"size", f.size}, {"type", f.type}});
  return a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> ReferencedHashes(std::string_view field) {
  std::vector<std::string> out;
  if (field.empty() || field.front() != '[') return out;
  auto j = nlohmann::json::parse(field.begin(), field.end(), nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& e : j)
    if (e.is_object() && e.contains("sha256") && e["sha256"].is_string() && IsHash(e["sha256"].get<std::string>()))
      out.push_back(e["sha256"].get<std::string>());
  return out;
}

Result<ReferenceReport> CheckReferences(const Engine& engine, const std::string& evidence_dir) {
  ReferenceReport r;
  Store store(evidence_dir);
  std::map<std::string, bool> checked;  // hash -> sound
  Status st = engine.ScanLog(1, [&](uint64_t pos, const schemas::Event& e) {
    std::string field;
    if (auto* p = std::get_if<schemas::ProgressReported>(&e.body)) field = p->evidence;
    if (auto* s = std::get_if<schemas::CompletionSubmitted>(&e.body)) field = s->evidence;
    for (const auto& h : ReferencedHashes(field)) {
      ++r.references;
      auto it = checked.find(h);
      if (it == checked.end()) {
        auto bytes = store.Read(h);
        const bool sound = bytes.ok() && schemas::Sha256Hex(*bytes) == h;
        it = checked.emplace(h, sound).first;
        if (!sound)
          r.problems.push_back("evidence file " + h + " (referenced at log position " + std::to_string(pos) + ") is " +
                               (bytes.ok() ? "altered: its bytes no longer have that hash" : "missing"));
      }
    }
    return true;
  });
  if (!st.ok()) return st;
  return r;
}

Result<std::vector<UncitedFile>> FindUncited(const Engine& engine, const std::string& evidence_dir,
                                             int64_t min_age_seconds) {
  std::set<std::string> cited;
  Status st = engine.ScanLog(1, [&](uint64_t, const schemas::Event& e) {
    std::string field;
    if (auto* p = std::get_if<schemas::ProgressReported>(&e.body)) field = p->evidence;
    if (auto* s = std::get_if<schemas::CompletionSubmitted>(&e.body)) field = s->evidence;
    for (auto& h : ReferencedHashes(field)) cited.insert(std::move(h));
    return true;
  });
  if (!st.ok()) return st;
  std::vector<UncitedFile> out;
  std::error_code ec;
  const fs::path root = fs::path(evidence_dir) / "sha256";
  if (!fs::exists(root, ec)) return out;
  const auto now = fs::file_time_type::clock::now();
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;  // only files this store wrote
    const std::string name = it->path().filename().string();
    if (!IsHash(name) || cited.count(name)) continue;
    const auto written = fs::last_write_time(it->path(), ec);
    if (ec) return Status::IOError("cannot read the time of " + it->path().string() + ": " + ec.message());
    const int64_t age = std::chrono::duration_cast<std::chrono::seconds>(now - written).count();
    if (age < min_age_seconds) continue;
    UncitedFile f;
    f.sha256 = name;
    f.path = it->path().string();
    f.size = fs::file_size(it->path(), ec);
    f.age_seconds = age;
    std::ifstream in(f.path + ".uploaders");
    for (std::string line; std::getline(in, line);) f.uploaders += (f.uploaders.empty() ? "" : ",") + line;
    out.push_back(std::move(f));
  }
  if (ec) return Status::IOError("cannot list " + root.string() + ": " + ec.message());
  std::sort(out.begin(), out.end(),
            [](const UncitedFile& a, const UncitedFile& b) { return a.age_seconds > b.age_seconds; });
  return out;
}

Status RemoveUncited(const UncitedFile& file) {
  std::error_code ec;
  fs::remove(file.path, ec);
  if (ec) return Status::IOError("cannot remove " + file.path + ": " + ec.message());
  fs::remove(file.path + ".uploaders", ec);  // absent for files stored before sidecars
  return Status::Ok();
}

}  // namespace duban::evidence

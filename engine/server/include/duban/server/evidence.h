// Evidence files (佐证材料): the files units attach to progress reports and
// submissions, kept beside the store, content-addressed by SHA-256 at
// DATA/evidence/sha256/AB/HEX (AB: the first two hex digits). The log holds
// only references: a progress report's or submission's `evidence` field is
// a JSON array [{"sha256","name","size","type"}] (EvidenceJson).
//
// Guarantees:
// - Put writes a temporary file, fsyncs it, renames it into place and fsyncs
//   the directory: a file under its hash is whole, and its bytes have that
//   hash (a second Put of the same bytes writes nothing new).
// - Only allowed types are kept: the name's extension AND the leading bytes
//   must agree (pdf, doc, xls, docx, xlsx, zip, jpg, png); anything else is
//   refused (Status::Rejected "unsupported_type").
// - File names are checked, not rewritten: no path separator, no control
//   character, not "." or "..", valid UTF-8, 1..255 bytes (InvalidArgument).
// - CheckReferences (used by `duban verify` and GET /api/v1/verify) names
//   every reference in the log whose file is missing or whose bytes no
//   longer have its hash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "duban/status.h"

namespace duban {
class Engine;
}

namespace duban::evidence {

struct StoredFile {
  std::string sha256, name, type;  // type: "pdf", "docx", ...
  uint64_t size = 0;
};

// "DATA/evidence": where a store's evidence files live.
std::string DirFor(const std::string& data_dir);

// Refuses a name a file may not have (see above): InvalidArgument naming why.
Status CheckFileName(std::string_view name);
// The type the name's extension and the leading bytes agree on, else
// Rejected "unsupported_type" with the allowed list.
Result<std::string> TypeOf(std::string_view name, std::string_view head);
// The allowed extensions, for messages and the API document.
const std::vector<std::string>& AllowedExtensions();

class Store {
 public:
  explicit Store(std::string dir) : dir_(std::move(dir)) {}
  Result<StoredFile> Put(std::string_view name, std::string_view bytes) const;
  // The file under this hash, described with the name given (type and size
  // from the file itself); NotFound when there is none.
  Result<StoredFile> Describe(std::string_view sha256, std::string_view name) const;
  Result<std::string> Read(std::string_view sha256) const;
  std::string PathOf(std::string_view sha256) const;
  // Who uploaded a file (a unit as "unit:NAME", else "account:NAME"), kept
  // beside it (PathOf + ".uploaders", one per line, appended and synced) so
  // a restart does not forget who may cite a file nothing cites yet.
  Status AddUploader(std::string_view sha256, const std::string& uploader) const;
  bool UploadedBy(std::string_view sha256, const std::string& uploader) const;

 private:
  std::string dir_;
};

// The references [{"sha256","name","size","type"}] as recorded on events.
std::string EvidenceJson(const std::vector<StoredFile>& files);
// The hashes an event's evidence field references (empty for free text,
// which events made before evidence files, or by the CLI, may hold).
std::vector<std::string> ReferencedHashes(std::string_view evidence_field);

struct ReferenceReport {
  uint64_t references = 0;
  std::vector<std::string> problems;  // one line per missing or altered file
};
// Scans the log's progress reports and submissions; every file referenced
// must exist under `evidence_dir` with its hash.
Result<ReferenceReport> CheckReferences(const Engine& engine, const std::string& evidence_dir);

// A stored file no event references: uploaded, then never cited (a report
// abandoned, a wrong file). Evidence is never deleted on its own; these are
// what `duban evidence uncited` lists and, asked to, removes.
struct UncitedFile {
  std::string sha256, path;
  uint64_t size = 0;
  int64_t age_seconds = 0;  // since the file was stored (its mtime)
  std::string uploaders;    // the sidecar's lines, comma-separated
};
// Files under `evidence_dir` that no event in the log references and that
// were stored at least min_age_seconds ago (a younger file may be cited by a
// command in flight), oldest first.
Result<std::vector<UncitedFile>> FindUncited(const Engine& engine, const std::string& evidence_dir,
                                             int64_t min_age_seconds);
// Removes an uncited file and its uploaders sidecar.
Status RemoveUncited(const UncitedFile& file);

}  // namespace duban::evidence

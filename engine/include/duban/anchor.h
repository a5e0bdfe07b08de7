// Anchors: signed checkpoints of the log, so that a history rewritten by
// someone with write access to the data directory but without the signing
// key is detected (in the manner of Certificate Transparency's signed tree
// heads).
//
// What is signed is the log head: a hash chain over every log record in
// position order, head(p) = sha256(head(p-1) | p | hash of the event at p),
// head(0) = "". Each event's own hash covers its bytes and its stream's
// previous hash, so head(P) commits to every event at positions 1..P, to
// their order and to the count: rewriting any of them (and re-hashing the
// rest), removing events at or below P or changing their order all change it.
//
// A Checkpoint is (store id, P, head(P), signing time) signed with Ed25519
// (OpenSSL 3). The private key lives in a PEM file outside the data
// directory, readable by its owner only (AnchorKey::Load refuses anything
// else); the checkpoint carries the raw public key, and an auditor who keeps
// an exported checkpoint pins that key. This unit does no RocksDB I/O: the
// engine keeps checkpoints in its `meta` column family and computes heads from
// the log records it reads or writes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "duban/status.h"

namespace duban::anchor {

// The log head after appending the event whose hash is `event_hash` at `pos`.
std::string ExtendHead(const std::string& head, uint64_t pos, std::string_view event_hash);

struct Checkpoint {
  std::string store_id;
  uint64_t log_end = 0;    // positions 1..log_end are covered
  std::string log_head;    // head(log_end), hex
  int64_t signed_at = 0;   // Unix milliseconds, the signer's clock (informative)
  std::string public_key;  // raw Ed25519 public key, hex
  std::string signature;   // Ed25519 over Message(), hex

  // The exact bytes that are signed (everything above but the key and signature).
  std::string Message() const;
  // Whether `signature` is a valid signature of Message() under `public_key`.
  bool SignatureValid() const;
  // One-line JSON object: the stored form and the export file's content.
  std::string ToJson() const;
  static Result<Checkpoint> FromJson(std::string_view text);
};

// A signing key. Load refuses a key file that a group or others may read or
// write, one inside the data directory (whoever can rewrite the store could
// then re-sign it), and anything but an Ed25519 private key.
class AnchorKey {
 public:
  static Result<std::shared_ptr<const AnchorKey>> Load(const std::string& path, const std::string& data_dir);
  // Writes a new key to `path` (created 0600, never over an existing file;
  // refused inside `data_dir`, where Load would refuse it); returns its
  // public key (hex).
  static Result<std::string> Generate(const std::string& path, const std::string& data_dir = "");
  ~AnchorKey();
  AnchorKey(const AnchorKey&) = delete;
  AnchorKey& operator=(const AnchorKey&) = delete;

  const std::string& public_key() const { return public_key_; }
  // Fills public_key and signature of `c`.
  Status Sign(Checkpoint& c) const;

 private:
  AnchorKey() = default;
  void* pkey_ = nullptr;  // EVP_PKEY*, kept out of this header
  std::string public_key_;
};

}  // namespace duban::anchor

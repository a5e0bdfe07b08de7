// Ed25519 checkpoints of the log head (see duban/anchor.h).
#include "duban/anchor.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "duban/coding.h"
#include "duban/schemas/codec.h"
#include "duban/file_text.h"

namespace duban::anchor {
namespace {

constexpr const char* kFormat = "duban-anchor/1";

std::string Hex(const unsigned char* p, size_t n) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 15]);
  }
  return out;
}

bool Unhex(std::string_view s, std::string* out) {
  if (s.size() % 2) return false;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  out->clear();
  for (size_t i = 0; i < s.size(); i += 2) {
    int a = nib(s[i]), b = nib(s[i + 1]);
    if (a < 0 || b < 0) return false;
    out->push_back(static_cast<char>(a * 16 + b));
  }
  return true;
}

std::string OpenSslError(const char* what) { return std::string(what) + " failed (OpenSSL)"; }

}  // namespace

std::string ExtendHead(const std::string& head, uint64_t pos, std::string_view event_hash) {
  std::string buf = head;
  PutFixed64BE(&buf, pos);
  buf.append(event_hash);
  return schemas::Sha256Hex(buf);
}

std::string Checkpoint::Message() const {
  // Line-oriented and fixed: a verifier in any language can rebuild it.
  return std::string(kFormat) + "\nstore " + store_id + "\nlog_end " + std::to_string(log_end) + "\nlog_head " +
         log_head + "\nsigned_at " + std::to_string(signed_at) + "\n";
}

bool Checkpoint::SignatureValid() const {
  std::string pub, sig;
  if (!Unhex(public_key, &pub) || pub.size() != 32 || !Unhex(signature, &sig) || sig.size() != 64) return false;
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                              reinterpret_cast<const unsigned char*>(pub.data()), pub.size());
  if (!key) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const std::string msg = Message();
  bool ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                             reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return ok;
}

std::string Checkpoint::ToJson() const {
  nlohmann::ordered_json j{{"format", kFormat},     {"store", store_id},      {"log_end", log_end},
                           {"log_head", log_head},  {"signed_at", signed_at}, {"public_key", public_key},
                           {"signature", signature}};
  return j.dump();
}

Result<Checkpoint> Checkpoint::FromJson(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption("an anchor is not a JSON object");
  try {
    if (j.at("format").get<std::string>() != kFormat)
      return Status::InvalidArgument("an anchor of an unknown format (" + j.at("format").dump() + ")");
    Checkpoint c;
    c.store_id = j.at("store").get<std::string>();
    c.log_end = j.at("log_end").get<uint64_t>();
    c.log_head = j.at("log_head").get<std::string>();
    c.signed_at = j.at("signed_at").get<int64_t>();
    c.public_key = j.at("public_key").get<std::string>();
    c.signature = j.at("signature").get<std::string>();
    return c;
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("an anchor lacks a field or has one of the wrong type: ") + e.what());
  }
}

AnchorKey::~AnchorKey() { EVP_PKEY_free(static_cast<EVP_PKEY*>(pkey_)); }

// Whoever can rewrite the store could re-sign it with a key kept beside it.
static Status KeyOutsideDataDir(const std::string& path, const std::string& data_dir) {
  namespace fs = std::filesystem;
  if (data_dir.empty()) return Status::Ok();
  std::error_code ec;
  const fs::path key = fs::weakly_canonical(path, ec);
  const fs::path data = fs::weakly_canonical(data_dir, ec);
  if (data.empty()) return Status::Ok();
  auto [d, k] = std::mismatch(data.begin(), data.end(), key.begin(), key.end());
  if (d == data.end())
    return Status::InvalidArgument("anchor key " + path + " is inside the data directory " + data_dir +
                                   "; keep it elsewhere (whoever can rewrite the store could re-sign it)");
  return Status::Ok();
}

Result<std::shared_ptr<const AnchorKey>> AnchorKey::Load(const std::string& path, const std::string& data_dir) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Status::InvalidArgument("anchor key " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument("anchor key " + path + " is not a regular file");
  if (st.st_mode & 077)
    return Status::InvalidArgument("anchor key " + path +
                                   " may be read or written by others than its owner; make it private "
                                   "(chmod 600) before the engine uses it");
  if (Status outside = KeyOutsideDataDir(path, data_dir); !outside.ok()) return outside;
  auto read = file_text::ReadWhole(path);
  if (!read.ok()) return Status::InvalidArgument("anchor key " + path + ": " + read.status().message());
  const std::string& pem = *read;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = bio ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  if (!pkey) return Status::InvalidArgument("anchor key " + path + " is not a PEM private key");
  if (EVP_PKEY_id(pkey) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(pkey);
    return Status::InvalidArgument("anchor key " + path + " is not an Ed25519 key (`duban anchor keygen` makes one)");
  }
  std::shared_ptr<AnchorKey> k(new AnchorKey());
  k->pkey_ = pkey;
  unsigned char pub[32];
  size_t len = sizeof pub;
  if (EVP_PKEY_get_raw_public_key(pkey, pub, &len) != 1 || len != 32)
    return Status::InvalidArgument(OpenSslError("reading the public key of the anchor key"));
  k->public_key_ = Hex(pub, len);
  return std::shared_ptr<const AnchorKey>(std::move(k));
}

Result<std::string> AnchorKey::Generate(const std::string& path, const std::string& data_dir) {
  if (Status outside = KeyOutsideDataDir(path, data_dir); !outside.ok()) return outside;
  EVP_PKEY* pkey = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr);
  const bool made = ctx && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_keygen(ctx, &pkey) == 1;
  EVP_PKEY_CTX_free(ctx);
  if (!made) return Status::IOError(OpenSslError("generating an Ed25519 key"));
  BIO* mem = BIO_new(BIO_s_mem());
  std::string pem;
  if (mem && PEM_write_bio_PrivateKey(mem, pkey, nullptr, nullptr, 0, nullptr, nullptr) == 1) {
    char* data = nullptr;
    long n = BIO_get_mem_data(mem, &data);
    pem.assign(data, static_cast<size_t>(n));
  }
  BIO_free(mem);
  unsigned char pub[32];
  size_t len = sizeof pub;
  const bool have_pub = EVP_PKEY_get_raw_public_key(pkey, pub, &len) == 1 && len == 32;
  EVP_PKEY_free(pkey);
  if (pem.empty() || !have_pub) return Status::IOError(OpenSslError("writing the key as PEM"));
  // O_EXCL: an existing key is never replaced (it may be the only copy).
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return Status::IOError("cannot create " + path + ": " + std::strerror(errno));
  bool ok = ::fchmod(fd, 0600) == 0;  // whatever the umask
  for (size_t done = 0; ok && done < pem.size();) {
    ssize_t w = ::write(fd, pem.data() + done, pem.size() - done);
    if (w <= 0)
      ok = false;
    else
      done += static_cast<size_t>(w);
  }
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return Status::IOError("cannot write " + path + ": " + std::strerror(errno));
  }
  return Hex(pub, len);
}

Status AnchorKey::Sign(Checkpoint& c) const {
  c.public_key = public_key_;
  const std::string msg = c.Message();
  unsigned char sig[64];
  size_t len = sizeof sig;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, static_cast<EVP_PKEY*>(pkey_)) == 1 &&
                  EVP_DigestSign(ctx, sig, &len, reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return Status::IOError(OpenSslError("signing a checkpoint"));
  c.signature = Hex(sig, len);
  return Status::Ok();
}

}  // namespace duban::anchor

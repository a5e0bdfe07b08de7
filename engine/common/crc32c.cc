#include <array>

#include "duban/coding.h"

namespace duban {
namespace {
constexpr std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kTable = MakeTable();
// leveldb's mask: a CRC stored beside the data it covers should not itself
// look like data that CRCs well.
constexpr uint32_t kMaskDelta = 0xa282ead8u;
uint32_t Mask(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kMaskDelta; }
}  // namespace

uint32_t Crc32cPortable(std::string_view data) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) c = kTable[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

#if defined(__x86_64__)
// The CPU's CRC32 instruction computes the same Castagnoli polynomial, 8 bytes
// a step: the checksum of every log record is on the hot path of reads.
__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(std::string_view data) {
  uint64_t c = 0xFFFFFFFFu;
  const char* p = data.data();
  size_t n = data.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    __builtin_memcpy(&w, p, 8);
    c = __builtin_ia32_crc32di(c, w);
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  for (; n > 0; ++p, --n) c32 = __builtin_ia32_crc32qi(c32, static_cast<unsigned char>(*p));
  return c32 ^ 0xFFFFFFFFu;
}
#endif

uint32_t Crc32c(std::string_view data) {
#if defined(__x86_64__)
  static const bool hw = __builtin_cpu_supports("sse4.2");
  if (hw) return Crc32cHardware(data);
#endif
  return Crc32cPortable(data);
}

std::string FrameRecord(std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 8);
  PutFixed32BE(&out, static_cast<uint32_t>(payload.size()));
  PutFixed32BE(&out, Mask(Crc32c(payload)));
  out.append(payload);
  return out;
}

Status UnframeRecord(std::string_view frame, std::string_view* payload, size_t* consumed) {
  if (frame.size() < 8) return Status::Corruption("record frame shorter than its 8-byte header");
  const uint32_t len = DecodeFixed32BE(frame.data());
  const uint32_t crc = DecodeFixed32BE(frame.data() + 4);
  if (len > kMaxFramePayload) return Status::Corruption("record frame announces " + std::to_string(len) + " bytes");
  if (frame.size() - 8 < len) return Status::Corruption("record frame truncated");
  std::string_view body = frame.substr(8, len);
  if (Mask(Crc32c(body)) != crc) return Status::Corruption("record checksum mismatch");
  *payload = body;
  *consumed = 8 + len;
  return Status::Ok();
}

}  // namespace duban

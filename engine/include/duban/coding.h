// Byte-level encoding shared by every on-disk and on-wire layout: fixed-width
// big-endian integers (so byte order is numeric order in RocksDB keys and
// timers sort by due time), CRC32C, and the record frame
//   [u32 length BE][u32 masked crc32c BE of payload][payload]
// that wraps every event in the log and on Kafka. Frames are checked before
// any decoder sees the payload, so a garbage length never reaches cereal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "duban/status.h"

namespace duban {

inline void PutFixed32BE(std::string* dst, uint32_t v) {
  char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  dst->append(b, 4);
}
inline void PutFixed64BE(std::string* dst, uint64_t v) {
  PutFixed32BE(dst, static_cast<uint32_t>(v >> 32));
  PutFixed32BE(dst, static_cast<uint32_t>(v));
}
inline uint32_t DecodeFixed32BE(const char* p) {
  auto u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t(u[0]) << 24) | (uint32_t(u[1]) << 16) | (uint32_t(u[2]) << 8) | uint32_t(u[3]);
}
inline uint64_t DecodeFixed64BE(const char* p) { return (uint64_t(DecodeFixed32BE(p)) << 32) | DecodeFixed32BE(p + 4); }
// Signed values (instants) are offset so that byte order matches numeric order.
inline void PutOrderedI64(std::string* dst, int64_t v) {
  PutFixed64BE(dst, static_cast<uint64_t>(v) ^ (uint64_t{1} << 63));
}
inline int64_t DecodeOrderedI64(const char* p) {
  return static_cast<int64_t>(DecodeFixed64BE(p) ^ (uint64_t{1} << 63));
}

uint32_t Crc32c(std::string_view data);

// Largest payload a frame may announce; anything larger is corruption.
inline constexpr uint32_t kMaxFramePayload = 16u << 20;

std::string FrameRecord(std::string_view payload);
// Checks length and checksum; on success *payload views into `frame` and
// *consumed is the frame's total size.
Status UnframeRecord(std::string_view frame, std::string_view* payload, size_t* consumed);

}  // namespace duban

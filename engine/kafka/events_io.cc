// See events_io.h.
#include "events_io.h"

#include <charconv>

#include "duban/coding.h"
#include "duban/kafka/admin.h"
#include "duban/schemas/codec.h"

namespace duban::kafka::internal {

std::string HeaderValue(const Headers& h, const std::string& name) {
  for (const auto& [k, v] : h)
    if (k == name) return v;
  return {};
}

int64_t ToI64(const std::string& s, int64_t dflt) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size() ? v : dflt;
}

Result<int64_t> MetaI64(const Engine& e, const std::string& key, int64_t dflt) {
  auto v = e.GetMeta(key);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return dflt;
  return ToI64(**v, dflt);
}

// Decodes one duban.events record (frame checked first).
Result<schemas::Event> DecodeEventRecord(std::string_view value) {
  std::string_view payload;
  size_t consumed = 0;
  if (Status st = UnframeRecord(value, &payload, &consumed); !st.ok()) return st;
  if (consumed != value.size()) return Status::Corruption("trailing bytes after the frame");
  return schemas::DecodeEvent(payload);
}

Result<int> PartitionCount(const KafkaConfig& cfg, const std::string& topic) {
  auto admin = Admin::Create(cfg);
  if (!admin.ok()) return admin.status();
  auto parts = (*admin)->ListPartitions(topic, 10000);
  if (!parts.ok()) return parts.status();
  return static_cast<int>(parts->size());
}

}  // namespace duban::kafka::internal

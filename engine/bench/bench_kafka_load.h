// The end-to-end load of `duban-bench kafka` and the reader's count of
// distinct events: commands built before the clock starts, events counted
// by id without decoding their bodies or allocating per event.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "duban/schemas/commands.h"
#include "duban/date.h"

namespace duban::bench {

// Commands as (Kafka key, framed command), and the events deciding them
// gives: 8 plans per partition imported (5 tasks, 2 units), their
// assignments accepted, then progress reports padded to about `size` bytes
// per encoded command, up to `messages` commands.
struct E2eLoad {
  std::vector<std::pair<std::string, std::string>> records;
  uint64_t expected_events = 0;
  Instant now = 1'609'459'200'000LL;  // the next command's issued_at (2021-01-01 UTC)
};
E2eLoad BuildE2eLoad(int messages, int size, int partitions);

// A command the engine rejects (plan `plan` does not exist): only its round
// trip matters, to warm a connection up before the clock starts.
schemas::Command WarmupCommand(const std::string& id, Instant issued_at, const std::string& plan = "warmup");

// A plan id (of no plan) whose commands go to `partition` of `partitions`.
std::string WarmupPlanOn(int32_t partition, int32_t partitions);

// Distinct event ids seen. Event ids are 32 hex digits (DeriveEventId): kept
// as their 128 bits, an exact and allocation-free set; any other id is kept
// as it is.
class DistinctEvents {
 public:
  explicit DistinctEvents(size_t expected) { bits_.reserve(expected); }
  void Add(std::string_view event_id);
  size_t size() const { return bits_.size() + other_.size(); }

 private:
  struct IdBits {
    uint64_t hi = 0, lo = 0;
    bool operator==(const IdBits&) const = default;
  };
  struct IdHash {
    size_t operator()(const IdBits& b) const { return b.hi ^ (b.lo * 0x9e3779b97f4a7c15ULL); }
  };
  std::unordered_set<IdBits, IdHash> bits_;
  std::unordered_set<std::string> other_;
};

}  // namespace duban::bench

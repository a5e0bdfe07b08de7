// PlanCache (plan_cache.h): plan states held between commands, least
// recently used dropped first.
#include "plan_cache.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace duban {

core::PlanState* PlanCache::Find(const std::string& plan_id) {
  auto it = entries_.find(plan_id);
  if (it == entries_.end()) return nullptr;
  it->second.used = ++clock_;
  return &it->second.state;
}

core::PlanState& PlanCache::Put(const std::string& plan_id, core::PlanState state) {
  Entry& e = entries_[plan_id];
  e.state = std::move(state);
  e.used = ++clock_;
  return e.state;
}

const core::PlanState& PlanCache::at(const std::string& plan_id) const { return entries_.at(plan_id).state; }
core::PlanState& PlanCache::at(const std::string& plan_id) { return entries_.at(plan_id).state; }

void PlanCache::Trim(std::vector<core::PlanState>* dropped) {
  uint64_t held = 0;
  for (const auto& [id, e] : entries_) held += Weight(e.state);
  if (held <= budget_) return;
  std::vector<std::pair<uint64_t, const std::string*>> by_use;
  by_use.reserve(entries_.size());
  for (const auto& [id, e] : entries_) by_use.emplace_back(e.used, &id);
  std::sort(by_use.begin(), by_use.end());
  const uint64_t target = budget_ / 4 * 3;
  // The newest is never dropped: whatever its size, it is what is in use.
  std::vector<std::string> drop;
  for (size_t i = 0; i + 1 < by_use.size() && held > target; ++i) {
    held -= Weight(entries_.at(*by_use[i].second).state);
    drop.push_back(*by_use[i].second);
  }
  for (const auto& id : drop) {
    auto it = entries_.find(id);
    if (dropped) dropped->push_back(std::move(it->second.state));
    entries_.erase(it);
  }
}

}  // namespace duban

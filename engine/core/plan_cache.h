// The plan states an engine keeps between commands, bounded by an estimate
// of their size.
//
// A cached state is a shortcut, never the record: any plan's state is its
// newest snapshot plus the log after it (Engine::Impl::ReplayPlan), and every
// write path updates or drops the states it ran ahead on. So a state may be
// dropped at any quiet moment and is loaded again when next needed. What the
// bound guards is memory: a province's store holds thousands of plans, and
// an engine that kept every plan it had touched grew with the store (at 1M
// assignments, ~2.5 GB of plan states held after one tick).
//
// Guarantee: Trim() drops the least recently used states until what is held
// weighs at most the budget; it is called between commands only, when no
// pointer into the cache is held, so Find's and Put's pointers stay valid
// through a commit. A state's weight is 1 + its tasks + its assignments (what
// its memory grows with); the newest state is kept even when it alone is
// over the budget.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "duban/core/domain.h"

namespace duban {

class PlanCache {
 public:
  explicit PlanCache(uint64_t budget) : budget_(budget) {}

  // Null when the plan is not held. Marks it used.
  core::PlanState* Find(const std::string& plan_id);
  // Holds `state` as plan_id's (replacing any), marked used.
  core::PlanState& Put(const std::string& plan_id, core::PlanState state);
  // A held state (a bug to ask for one not held: the projector only asks for
  // plans this commit loaded). Does not mark it used.
  const core::PlanState& at(const std::string& plan_id) const;
  core::PlanState& at(const std::string& plan_id);
  void Erase(const std::string& plan_id) { entries_.erase(plan_id); }
  void Clear() { entries_.clear(); }
  // Drops the least recently used states, down to three quarters of the
  // budget (so that a store cycling through more plans than fit does not
  // sort the cache on every commit), once the held states weigh more than it.
  // With `dropped`, the dropped states are moved there (the engine may
  // snapshot them on their way out) instead of destroyed.
  void Trim(std::vector<core::PlanState>* dropped = nullptr);

  size_t size() const { return entries_.size(); }
  uint64_t budget() const { return budget_; }
  static uint64_t Weight(const core::PlanState& s) { return 1 + s.tasks.size() + s.assignments.size(); }

 private:
  struct Entry {
    core::PlanState state;
    uint64_t used = 0;
  };
  std::unordered_map<std::string, Entry> entries_;
  uint64_t clock_ = 0;
  uint64_t budget_;
};

}  // namespace duban

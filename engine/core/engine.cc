// Embedded engine: decide, append to the log column family, project, commit
// in one WriteBatch. See duban/engine.h for the contract and records.h for
// the column families.
#include "duban/engine.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/metadata.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/options_util.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <sys/resource.h>
#include <unistd.h>

#include "duban/coding.h"
#include "duban/utf8.h"
#include "duban/schemas/codec.h"
#include "duban/workflows/calendar.h"
#include "log_end.h"
#include "records.h"
#include "store_dir.h"

namespace duban {

using namespace core;
using schemas::Command;
using schemas::Event;
using schemas::EventBody;
namespace rk = records::keys;

namespace {

enum Cf : int {
  kDefault = 0,
  kLog,
  kStreams,
  kCommands,
  kPlans,
  kTasks,
  kAssignments,
  kByUnit,
  kByStatus,
  kHistory,
  kTimers,
  kCounts,
  kMeta,
  kSnapshots,
  kCfCount
};
// Written to disk: never rename.
constexpr const char* kCfNames[kCfCount] = {"default",   "log",     "streams", "commands", "plans",
                                            "tasks",     "assignments", "by_unit", "by_status", "history",
                                            "timers",    "counts",  "meta",    "snapshots"};
constexpr int kFirstProjection = kStreams;
constexpr int kLastProjection = kCounts;
// A plan whose stream grew this many events since its last snapshot gets a new one.
constexpr uint64_t kSnapshotEvery = 1000;
constexpr const char* kRebuildMarker = "rebuild_in_progress";
// In `meta` once the `counts` projection is kept (records.h): a store made
// before it has none, and is rebuilt once by the next writer that opens it.
constexpr const char* kCountsBuilt = "counts.built";
// The stream of recorded calendar notices (CalendarNoticeAdded). Like the
// rejection streams it is no plan: it has a head and a history (task 0), and
// the engine's timer policy is built from its events.
constexpr const char* kCalendarStream = "!calendar";
// The stream of account changes (AccountChanged, duban/accounts.h).
constexpr const char* kAccountsStream = "!accounts";
// System streams whose events are listed in the history index (for reads by stream).
bool KeepsHistory(const std::string& stream) { return stream == kCalendarStream || stream == kAccountsStream; }
// Signed checkpoints (duban/anchor.h) in `meta`: the newest one, rewritten by
// every signed commit, and the ones kept for good, keyed by the position they cover.
constexpr const char* kAnchorLast = "anchor.last";
constexpr const char* kAnchorKeptPrefix = "anchor/";
std::string AnchorKeptKey(uint64_t log_end) { return kAnchorKeptPrefix + rk::Pos(log_end); }
// Each recorded command's schemas::CommandDigest (128 bits), in `meta`: a
// repeated id is compared with it, so that the same id for another command is
// a conflict. Bookkeeping, not a projection: the log holds events, not
// commands, so a rebuild could not derive it (and keeps it).
constexpr const char* kCommandDigestPrefix = "command/";
std::string CommandDigestOf(const Command& c) { return schemas::CommandDigest(c).substr(0, 32); }

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsNotFound()) return Status::NotFound(what);
  if (s.IsCorruption()) return Status::Corruption(what + ": " + s.ToString());
  if (s.IsNoSpace())
    return Status::IOError(what + ": the disk is full (nothing of this command was written; free space and "
                           "run it again): " + s.ToString());
  const std::string msg = s.ToString();
  if (msg.find("Read-only file system") != std::string::npos)
    return Status::IOError(what + ": the file system is mounted read-only, so nothing can be written there "
                           "(read commands still work; nothing of this command was written): " + msg);
  if (msg.find("Permission denied") != std::string::npos)
    return Status::IOError(what + ": this user may not write the store's files (nothing of this command was "
                           "written; run it as the store's owner): " + msg);
  if (msg.find("Too many open files") != std::string::npos) {
    rlimit lim{};
    const std::string limit =
        ::getrlimit(RLIMIT_NOFILE, &lim) == 0 ? " (ulimit -n is " + std::to_string(lim.rlim_cur) + ")" : "";
    return Status::IOError(what + ": this process may not open enough files" + limit +
                           "; raise the limit (e.g. ulimit -n 1024) and run the command again (nothing of this "
                           "command was written): " + msg);
  }
  return Status::IOError(what + ": " + msg);
}

bool TimerFieldsEqual(const AssignmentState& a, const AssignmentState& b) {
  return a.status == b.status && a.due_on == b.due_on && a.due_set_at == b.due_set_at &&
         a.reminded_days == b.reminded_days && a.overdue == b.overdue &&
         a.escalation_level == b.escalation_level && a.assigned_at == b.assigned_at &&
         a.submitted_at == b.submitted_at && a.acceptance_overdue == b.acceptance_overdue &&
         a.review_overdue == b.review_overdue && a.calendar_version == b.calendar_version;
}

// Assignments an event changes; "*" as unit means every assignment of the task
// (task 0 with "*": of the whole plan).
std::vector<std::pair<int32_t, std::string>> Touches(const EventBody& body) {
  using namespace schemas;
  if (auto* r = std::get_if<AssignmentReassigned>(&body))
    return {{r->task, r->from_unit}, {r->task, r->to_unit}};
  if (auto* m = std::get_if<AssignmentMerged>(&body)) return {{m->task, m->from_unit}, {m->task, m->to_unit}};
  if (auto* c = std::get_if<TaskCancelled>(&body)) return {{c->number, "*"}};
  if (std::holds_alternative<PlanWithdrawn>(body)) return {{0, "*"}};
  // Closing a cycle disarms the report timers of every request in it.
  if (std::holds_alternative<ReviewCycleClosed>(body)) return {{0, "*"}};
  // ProgressReportRequested and ReportOverdue change no assignment row, but
  // they change the report timers of theirs (see Projector::CycleSig).
  std::string unit = UnitOf(body);
  if (unit.empty()) return {};
  return {{TaskOf(body), unit}};
}

bool TouchesTask(const EventBody& body) {
  using namespace schemas;
  return std::holds_alternative<TaskAdded>(body) || std::holds_alternative<TaskAmended>(body) ||
         std::holds_alternative<TaskCancelled>(body) || std::holds_alternative<TaskCompleted>(body) ||
         std::holds_alternative<DeadlineChanged>(body);  // a task's own date (unit empty)
}
bool TouchesPlanRow(const EventBody& body) {
  using namespace schemas;
  return std::holds_alternative<PlanImported>(body) || std::holds_alternative<PlanAmended>(body) ||
         std::holds_alternative<PlanWithdrawn>(body);
}

class DefaultPolicy : public TimerPolicy {
 public:
  std::vector<Timer> TimersFor(const PlanState&, const AssignmentState& a) const override {
    if (!IsOpen(a.status) || a.status == AssignmentStatus::kSubmitted || a.overdue) return {};
    auto due = Date::Parse(a.due_on);
    if (!due) return {};
    Timer t;
    t.fire_at = StartOfDay(due->AddDays(1));
    t.body.task = a.task;
    t.body.unit = a.unit;
    t.body.kind = schemas::TimerKind::kMissed;
    t.body.due_on = a.due_on;
    t.body.armed_at = a.due_set_at;
    return {t};
  }
};

// Accumulates the projection updates caused by a run of events and writes
// them to a WriteBatch. Shared by live commits and Rebuild(), which is what
// makes a rebuild byte-identical to the live projections.
class Projector {
 public:
  // `db` is the store the batches are written to: the counts a batch changes
  // are read from it (one Flush per written batch). Null: counts are not
  // kept (a store made before them, until its rebuild).
  Projector(const TimerPolicy& policy, rocksdb::ColumnFamilyHandle* const* cf, rocksdb::DB* db)
      : policy_(policy), cf_(cf), db_(db) {}

  // `armed_by`: the policy the assignments' armed timers were computed by,
  // when it is not the one this projector arms with (a calendar notice
  // changes the policy within its batch): their old keys are taken from it.
  void Before(const PlanState& s, const Event& e, const TimerPolicy* armed_by = nullptr) {
    for (const auto& [task, unit] : Touches(e.body)) {
      if (unit == "*") {
        for (const auto& [k, a] : s.assignments)
          if (task == 0 || k.first == task) Remember(s, k.first, k.second, &a, armed_by);
      } else {
        auto it = s.assignments.find({task, unit});
        Remember(s, task, unit, it == s.assignments.end() ? nullptr : &it->second, armed_by);
      }
    }
  }

  void After(const PlanState&, const Event& e, uint64_t pos, rocksdb::WriteBatch& wb) {
    wb.Put(cf_[kHistory], rk::History(e.stream, TaskOf(e.body), pos), "");
    if (TouchesTask(e.body) || std::holds_alternative<schemas::AssignmentReopened>(e.body))
      dirty_tasks_.insert({e.stream, TaskOf(e.body)});
    if (TouchesPlanRow(e.body)) dirty_plan_rows_.insert(e.stream);
    dirty_streams_.insert(e.stream);
  }

  void SortDrops() {
    if (!std::is_sorted(dropped_.begin(), dropped_.end()))
      std::sort(dropped_.begin(), dropped_.end());
  }
  // A timer consumed by this batch (it fired): deleted at Flush.
  // The views must outlive Flush (they are the caller's due-timer keys).
  void Drop(std::string_view key) { dropped_.emplace_back(key, false); }

  // Commands index: ids map to the contiguous run of their events.
  void Command(const std::string& command_id, uint64_t first_pos, uint32_t count,
               rocksdb::WriteBatch& wb) {
    wb.Put(cf_[kCommands], command_id, records::EncodeCommandRef(first_pos, count));
  }

  Status Flush(const std::map<std::string, PlanState>& states, const std::string& rejected_stream,
               uint64_t rejected_version, const std::string& rejected_hash, bool rejected_dirty,
               rocksdb::WriteBatch& wb) {
    for (auto& [key, dirty] : dirty_assignments_) {
      const auto& [plan, task, unit] = key;
      const auto& orig = dirty.orig;
      const PlanState& s = states.at(plan);
      auto it = s.assignments.find({task, unit});
      if (it == s.assignments.end()) continue;
      const AssignmentState& now = it->second;
      if (!orig || !(*orig == now)) {
        wb.Put(cf_[kAssignments], rk::Assignment(plan, task, unit), records::EncodeAssignment(now));
        Count(plan, orig ? &*orig : nullptr, now);
        if (!orig) wb.Put(cf_[kByUnit], rk::ByUnit(unit, plan, task), "");
        if (!orig || orig->status != now.status) {
          if (orig) wb.Delete(cf_[kByStatus], rk::ByStatus(orig->status, plan, task, unit));
          wb.Put(cf_[kByStatus], rk::ByStatus(now.status, plan, task, unit), "");
        }
      }
      if (!orig || !TimerFieldsEqual(*orig, now) || dirty.cycle_sig != CycleSig(s, task, unit)) {
        // Armed before the batch. Without keys taken at Remember no cycle had
        // asked this assignment then, so its old timers are the ones of its old
        // fields that belong to no cycle (a cycle started in this batch must not
        // pass for armed already: its keys would never be written).
        std::vector<std::pair<std::string, std::string>>& old = dirty.old_timers;
        if (orig && !dirty.have_old_keys)
          for (const auto& t : policy_.TimersFor(s, *orig))
            if (t.body.cycle_id.empty()) old.emplace_back(rk::Timer(t.fire_at, plan, t.body), records::EncodeTimer(t.body));
        std::sort(old.begin(), old.end());
        auto find_old = [&](const std::string& k) {
          auto it = std::lower_bound(old.begin(), old.end(), k,
                                     [](const auto& o, const std::string& key) { return o.first < key; });
          return it != old.end() && it->first == k ? &it->second : nullptr;
        };
        // Only the difference is written: a timer armed before and still
        // wanted stays as it is (a tick's cost is then the timers that fired,
        // not every timer of the assignments they touched), unless what it
        // records changed (the same day, now counted on a newer calendar).
        std::vector<std::string> fresh;
        for (const auto& t : policy_.TimersFor(s, now)) {
          std::string k = rk::Timer(t.fire_at, plan, t.body);
          // A fired timer the policy still wants (it was stale: its firing
          // changed nothing) stays armed, as a rebuild would arm it.
          Undrop(k);
          std::string v = records::EncodeTimer(t.body);
          if (const std::string* was = find_old(k); !was || *was != v) wb.Put(cf_[kTimers], k, v);
          fresh.push_back(std::move(k));
        }
        std::sort(fresh.begin(), fresh.end());
        for (const auto& [k, v] : old)
          if (!std::binary_search(fresh.begin(), fresh.end(), k)) {
            wb.Delete(cf_[kTimers], k);
            Undrop(k);  // deleted once is enough
          }
      }
    }
    for (const auto& [k, done] : dropped_)
      if (!done) wb.Delete(cf_[kTimers], k);
    dropped_.clear();
    if (Status st = FlushCounts(wb); !st.ok()) return st;
    for (const auto& [plan, task] : dirty_tasks_) {
      const PlanState& s = states.at(plan);
      auto it = s.tasks.find(task);
      if (it != s.tasks.end()) wb.Put(cf_[kTasks], rk::Task(plan, task), records::EncodeTask(it->second));
    }
    for (const auto& plan : dirty_plan_rows_) wb.Put(cf_[kPlans], plan, records::EncodePlan(states.at(plan)));
    for (const auto& plan : dirty_streams_) {
      const PlanState& s = states.at(plan);
      wb.Put(cf_[kStreams], plan, records::EncodeStreamHead(s.version, s.last_hash));
    }
    if (rejected_dirty)
      wb.Put(cf_[kStreams], rejected_stream, records::EncodeStreamHead(rejected_version, rejected_hash));
    dirty_assignments_.clear();
    dirty_tasks_.clear();
    dirty_plan_rows_.clear();
    dirty_streams_.clear();
    return Status::Ok();
  }

 private:
  struct Dirty {
    std::optional<AssignmentState> orig;  // the state from before the batch
    std::string cycle_sig;                // CycleSig from before the batch
    bool have_old_keys = false;
    std::vector<std::pair<std::string, std::string>> old_timers;  // key, value
  };

  // A row changed from `orig` (none: new) to `now`: its group's count and
  // the unit's last update, gathered for FlushCounts.
  void Count(const std::string& plan, const AssignmentState* orig, const AssignmentState& now) {
    if (!db_) return;
    auto tally = [](int32_t reminders, int64_t sign) {
      return records::GroupTally{sign, reminders < 0 ? 0 : sign * reminders, reminders < 0 ? sign : 0};
    };
    auto add = [&](std::string key, const records::GroupTally& d) {
      records::GroupTally& t = count_deltas_[std::move(key)];
      t.count += d.count, t.reminders += d.reminders, t.reminders_unknown += d.reminders_unknown;
    };
    if (orig) add(rk::CountGroup(plan, GroupOf(*orig)), tally(orig->reminders, -1));
    add(rk::CountGroup(plan, GroupOf(now)), tally(now.reminders, 1));
    records::LastChange& last = activity_[rk::UnitActivity(plan, now.unit)];
    if (now.updated_seq > last.seq) last = {now.updated_seq, now.updated_at};
  }

  // The counts a batch changed, read from the store and written back with
  // the change: a group that holds nothing any more is deleted.
  Status FlushCounts(rocksdb::WriteBatch& wb) {
    std::vector<std::string> keys;
    for (const auto& [k, d] : count_deltas_)
      if (!d.Empty()) keys.push_back(k);
    for (const auto& [k, _] : activity_) keys.push_back(k);
    std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    if (!keys.empty())
      db_->MultiGet(rocksdb::ReadOptions(), cf_[kCounts], keys.size(), slices.data(), values.data(), statuses.data());
    size_t i = 0;
    Status st;
    auto stored = [&](auto decode, auto* out) -> bool {
      const rocksdb::Status& s = statuses[i];
      if (s.IsNotFound()) return true;
      if (!s.ok()) {
        st = FromRocks(s, "reading assignment counts");
        return false;
      }
      st = decode(values[i].ToStringView(), out);
      return st.ok();
    };
    for (const auto& [k, d] : count_deltas_) {
      if (d.Empty()) continue;
      records::GroupTally t;
      if (!stored(records::DecodeGroupTally, &t)) return st;
      ++i;
      t.count += d.count, t.reminders += d.reminders, t.reminders_unknown += d.reminders_unknown;
      if (t.count < 0 || t.reminders_unknown < 0)
        return Status::Corruption("assignment counts below zero for a group of " +
                                  std::string(k.substr(0, k.find('\0'))) +
                                  ": the counts projection differs from the rows (`duban rebuild` recounts it)");
      if (t.Empty()) wb.Delete(cf_[kCounts], k);
      else wb.Put(cf_[kCounts], k, records::EncodeGroupTally(t));
    }
    for (const auto& [k, last] : activity_) {
      records::LastChange was;
      if (!stored(records::DecodeLastChange, &was)) return st;
      ++i;
      if (last.seq > was.seq) wb.Put(cf_[kCounts], k, records::EncodeLastChange(last));
    }
    count_deltas_.clear();
    activity_.clear();
    return Status::Ok();
  }

  // The review-cycle state a request's timers depend on: each cycle that
  // requested a report of (task, unit), whether it is closed or answered, and
  // how far its silence escalated. Empty for assignments no cycle asked.
  static std::string CycleSig(const PlanState& s, int32_t task, const std::string& unit) {
    std::string sig;
    const std::pair<int32_t, std::string> k{task, unit};
    for (const auto& [id, c] : s.cycles) {
      if (!c.requested.count(k)) continue;
      auto ov = c.overdue.find(k);
      sig += id;
      sig.push_back('\0');
      sig += c.closed ? 'c' : 'o';
      sig += c.answered.count(k) ? 'a' : '-';
      sig += ov == c.overdue.end() ? std::string("-") : std::to_string(ov->second);
      sig.push_back('\0');
    }
    return sig;
  }

  void Remember(const PlanState& s, int32_t task, const std::string& unit, const AssignmentState* a,
                const TimerPolicy* armed_by) {
    auto key = std::make_tuple(s.id, task, unit);
    if (dirty_assignments_.count(key)) return;  // keep the state from before the batch
    Dirty d;
    if (a) d.orig = *a;
    d.cycle_sig = CycleSig(s, task, unit);
    // A report asked by a review cycle arms timers that depend on cycle state,
    // which later events of the batch may change: take those keys now. (With
    // no cycle asking, Flush derives the old keys from the old fields.)
    if (a && (!d.cycle_sig.empty() || armed_by)) {
      d.have_old_keys = true;
      for (const auto& t : (armed_by ? *armed_by : policy_).TimersFor(s, *a))
        d.old_timers.emplace_back(rk::Timer(t.fire_at, s.id, t.body), records::EncodeTimer(t.body));
    }
    dirty_assignments_.emplace(std::move(key), std::move(d));
  }

  const TimerPolicy& policy_;
  rocksdb::ColumnFamilyHandle* const* cf_;
  rocksdb::DB* db_;  // null: the store keeps no counts yet (kCountsBuilt)
  std::map<std::string, records::GroupTally> count_deltas_;
  std::map<std::string, records::LastChange> activity_;
  std::map<std::tuple<std::string, int32_t, std::string>, Dirty> dirty_assignments_;
  std::set<std::pair<std::string, int32_t>> dirty_tasks_;
  std::set<std::string> dirty_plan_rows_;
  std::set<std::string> dirty_streams_;
  // Fired timers, sorted by key (a tick drops them in key order), each with
  // whether Flush already deleted or kept it.
  std::vector<std::pair<std::string_view, bool>> dropped_;
  void Undrop(std::string_view k) {
    auto it = std::lower_bound(dropped_.begin(), dropped_.end(), k,
                               [](const auto& d, std::string_view key) { return d.first < key; });
    if (it != dropped_.end() && it->first == k) it->second = true;
  }
};

Status CheckName(const std::string& s, const char* what) {
  if (s.empty()) return Status::Rejected(reason::kInvalidArgument, std::string(what) + " must not be empty");
  if (s.size() > 256) return Status::Rejected(reason::kInvalidArgument, std::string(what) + " is longer than 256 bytes");
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f)
      return Status::Rejected(reason::kInvalidArgument, std::string(what) + " contains a control character");
  // Names must be UTF-8 (a GBK export is a common mistake).
  if (!utf8::IsValid(s))
    return Status::Rejected(reason::kInvalidArgument,
                            std::string(what) + " is not valid UTF-8 (was the file saved as GBK?)");
  return Status::Ok();
}

// Shape checks that the domain should not have to make: ids and names that
// would break key layouts.
Status CheckCommandShape(const Command& c) {
  if (auto st = CheckName(c.command_id, "the command id"); !st.ok()) return st;
  if (auto st = CheckName(c.plan_id, "the plan id"); !st.ok()) return st;
  if (c.plan_id[0] == '!') return Status::Rejected(reason::kInvalidArgument, "plan ids may not start with '!'");
  if (auto st = CheckName(c.actor.id, "the actor"); !st.ok()) return st;
  Status st;
  auto unit = [&](const std::string& u) {
    if (st.ok()) st = CheckName(u, "a unit name");
  };
  std::visit(
      [&](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, schemas::ImportPlan>) {
          for (const auto& u : b.plan.units) unit(u);
        } else if constexpr (std::is_same_v<T, schemas::Reassign>) {
          unit(b.from_unit);
          unit(b.to_unit);
        } else if constexpr (std::is_same_v<T, schemas::StartReviewCycle> || std::is_same_v<T, schemas::SetDeadline> ||
                             std::is_same_v<T, schemas::AddNote>) {
          if (!b.unit.empty()) unit(b.unit);  // none: the whole plan, or the task
        } else if constexpr (std::is_same_v<T, schemas::ResolveReturn>) {
          unit(b.unit);
          if (!b.to_unit.empty()) unit(b.to_unit);  // none: the return is dropped
        } else if constexpr (requires { b.unit; }) {
          unit(b.unit);
        }
      },
      c.body);
  return st;
}

}  // namespace

std::shared_ptr<TimerPolicy> DefaultTimerPolicy() { return std::make_shared<DefaultPolicy>(); }

std::shared_ptr<const EngineClock> SystemClock() {
  struct Wall : EngineClock {
    Instant Now() const override {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    }
  };
  static const auto clock = std::make_shared<const Wall>();
  return clock;
}

namespace {
// RocksDB's info log, forwarded to spdlog: at debug level (shown with
// --verbose), since every failure RocksDB logs also comes back as the
// status the engine reports in its own words; fatal ones as errors.
class SpdlogRocksLogger : public rocksdb::Logger {
 public:
  SpdlogRocksLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    char buf[1024];
    std::vsnprintf(buf, sizeof buf, format, ap);
    if (level >= rocksdb::InfoLogLevel::FATAL_LEVEL) spdlog::error("rocksdb: {}", buf);
    else spdlog::debug("rocksdb: {}", buf);
  }
  void Logv(const char* format, va_list ap) override { Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap); }
};

std::shared_ptr<rocksdb::Logger> RocksLogger() {
  static const std::shared_ptr<rocksdb::Logger> logger = std::make_shared<SpdlogRocksLogger>();
  return logger;
}
}  // namespace

struct Engine::Impl {
  EngineOptions opts;
  std::shared_ptr<TimerPolicy> base_policy;   // as given to Open
  std::shared_ptr<const TimerPolicy> policy;  // base_policy + the recorded calendar notices
  std::vector<schemas::CalendarNoticeAdded> notices;  // recorded, oldest first
  uint64_t calendar_version = 0;                      // head of kCalendarStream
  std::string calendar_hash;
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle* cf[kCfCount] = {};
  uint64_t next_pos = 1;
  mutable Engine::WriteStats stats;
  std::function<void(std::string_view)> write_observer;
  uint64_t rejected_version = 0;
  std::string rejected_hash;
  mutable std::map<std::string, PlanState> cache;
  mutable std::map<std::string, uint64_t> snapshot_version;  // per plan, as stored
  std::string store_id;  // from DUBAN-STORE
  // Anchoring: the newest checkpoint the store holds, and, when this process
  // has the key, the log head at next_pos - 1, computed from the log itself.
  std::optional<anchor::Checkpoint> last_checkpoint;
  std::string log_head;
  // Commit's batch, kept between commits so a long-running engine reuses its
  // buffer instead of allocating one per commit. Reserved up front for a
  // batch bigger than it has held (growing a multi-megabyte batch by doubling
  // is a visible cost in a tick); released when a commit left it larger than
  // kKeepBatchBytes.
  rocksdb::WriteBatch commit_wb;
  size_t commit_wb_reserved = 0;
  static constexpr size_t kKeepBatchBytes = size_t{16} << 20;

  ~Impl() { Close(); }
  void Close() {
    if (!db) return;
    // A store that failed to open (damaged, refused) is closed as found:
    // nothing flushed, compacted or recorded.
    if (!opts.read_only && open_complete) {
      KeepStoreSmall();
      RecordCleanClose();
    }
    for (auto* h : cf)
      if (h) db->DestroyColumnFamilyHandle(h);
    std::fill(std::begin(cf), std::end(cf), nullptr);
    delete db;
    db = nullptr;
  }

  // A short-lived writer (one CLI command) flushes neither on close nor
  // after recovery (see DbOptions): its writes stay in the WAL, which the
  // next process replays. Without this, each command left one level-0 file
  // per column family it touched (1,000 commands: 2,036 .sst files, every
  // command slower, and "Too many open files" under ulimit -n 1024). What
  // still piles up is bounded here, before the writer closes: past
  // kMaxLiveWals WAL files the memtables are flushed (so the WALs can go);
  // the small files such flushes leave are merged once a column family has
  // more than kMaxSmallFiles of them (the log's keys only grow, so RocksDB
  // moves its flushed files down whole and never merges them); and the
  // compactions are waited for, since a process that exits at once would
  // otherwise cancel them every time.
  static constexpr size_t kMaxLiveWals = 8;
  static constexpr size_t kMaxSmallFiles = 8;
  static constexpr uint64_t kSmallFileBytes = uint64_t{2} << 20;
  static constexpr auto kMaxCompactionWait = std::chrono::seconds(30);
  void KeepStoreSmall() {
    rocksdb::VectorLogPtr wals;
    if (db->GetSortedWalFiles(wals).ok() && wals.size() > kMaxLiveWals) {
      std::vector<rocksdb::ColumnFamilyHandle*> all;
      for (auto* h : cf)
        if (h) all.push_back(h);
      rocksdb::FlushOptions fo;
      fo.wait = true;
      if (auto s = db->Flush(fo, all); !s.ok()) spdlog::warn("flushing before close: {}", s.ToString());
      for (auto* h : all) MergeSmallFiles(h);
    }
    const auto until = std::chrono::steady_clock::now() + kMaxCompactionWait;
    for (;;) {
      // After a write error (disk full, a dead disk) nothing more will run.
      uint64_t errors = 0;
      if (db->GetIntProperty(rocksdb::DB::Properties::kBackgroundErrors, &errors) && errors > 0) return;
      uint64_t running = 0, pending = 0;
      db->GetIntProperty(rocksdb::DB::Properties::kNumRunningCompactions, &running);
      for (auto* h : cf) {
        uint64_t p = 0;
        if (h && db->GetIntProperty(h, rocksdb::DB::Properties::kCompactionPending, &p)) pending += p;
      }
      if (running == 0 && pending == 0) return;
      if (std::chrono::steady_clock::now() > until) {
        spdlog::warn("closing with compactions still pending after {} s", kMaxCompactionWait.count());
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  // Compacts the key range that a column family's small files span, once
  // there are more than kMaxSmallFiles of them: the merged file replaces them.
  void MergeSmallFiles(rocksdb::ColumnFamilyHandle* h) {
    rocksdb::ColumnFamilyMetaData meta;
    db->GetColumnFamilyMetaData(h, &meta);
    size_t small = 0;
    std::string lo, hi;
    for (const auto& level : meta.levels)
      for (const auto& f : level.files) {
        if (f.size >= kSmallFileBytes) continue;
        if (small++ == 0 || f.smallestkey < lo) lo = f.smallestkey;
        if (f.largestkey > hi) hi = f.largestkey;
      }
    if (small <= kMaxSmallFiles) return;
    rocksdb::Slice begin(lo), end(hi);
    rocksdb::CompactRangeOptions cro;
    // They usually sit in the bottommost level, which CompactRange otherwise skips.
    cro.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    if (auto s = db->CompactRange(cro, h, &begin, &end); !s.ok())
      spdlog::warn("merging the small files of {}: {}", h->GetName(), s.ToString());
  }

  rocksdb::WriteOptions WriteOpts() const {
    rocksdb::WriteOptions w;
    w.sync = opts.sync;
    return w;
  }

  static rocksdb::Options DbOptions(const EngineOptions& o) {
    rocksdb::Options options;
    // Bloom filters: most command-id lookups are for ids never seen (the
    // dedupe check), which without a filter read every level's blocks.
    static const std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(size_t{1} << 30);
    rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    table.block_cache = cache;
    table.cache_index_and_filter_blocks = false;
    // Freshly flushed blocks go straight into the cache, so queries after a
    // burst of writes (or a rebuild) do not pay a disk read per event.
    table.prepopulate_block_cache = rocksdb::BlockBasedTableOptions::PrepopulateBlockCache::kFlushOnly;
    options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    options.memtable_whole_key_filtering = true;
    options.memtable_prefix_bloom_size_ratio = 0.05;
    options.create_if_missing = o.create_if_missing;
    options.create_missing_column_families = true;
    options.write_buffer_size = o.write_buffer_mb << 20;
    options.max_background_jobs = 2;
    // RocksDB's own messages go to the process's log (spdlog), not to LOG
    // files in the store: on a full disk, RocksDB 7.8 (Debian's build keeps
    // its assertions) aborted the process in its file logger's second
    // append after a failed one, instead of returning the write's error.
    options.info_log = RocksLogger();
    options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
    // Writes reach disk through the WAL; memtables are flushed when full or
    // when KeepStoreSmall says so, not once per short-lived process.
    options.avoid_flush_during_shutdown = true;
    options.avoid_flush_during_recovery = true;
    // Corruption is refused, never repaired by guessing. RocksDB's default
    // WAL recovery (point in time) stops replaying at the first bad record
    // and opens without the rest: one flipped bit in the WAL silently lost
    // acknowledged events, and the next write reused their positions. This
    // mode still accepts what a crash or a power cut leaves (an incomplete
    // record at the end of a WAL: never acknowledged, since commits are
    // fsynced) but refuses a complete record whose checksum fails.
    // (A flipped length field of the very last record still reads as an
    // incomplete tail; telling those apart needs a log end kept elsewhere.)
    options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
    options.paranoid_checks = true;
    // Table files kept open at once: the store's file count is bounded, and
    // this keeps a process well inside a default `ulimit -n` of 1024.
    options.max_open_files = 256;
    if (o.env) options.env = o.env;
    return options;
  }

  // Per column family: the log is written in key order and read back by
  // position, and its records are hashes and text that compress poorly, so it
  // skips compression (measured: snappy was a visible share of ingest CPU).
  static rocksdb::ColumnFamilyOptions CfOptions(const EngineOptions& o, int cf_index) {
    rocksdb::ColumnFamilyOptions cfo(DbOptions(o));
    if (cf_index == kLog) cfo.compression = rocksdb::kNoCompression;
    // Projections take keys scattered across plans; a smaller memtable keeps
    // each insert's skiplist search short (the log's keys arrive in order).
    if (cf_index != kLog) cfo.write_buffer_size = std::min<size_t>(cfo.write_buffer_size, size_t{4} << 20);
    return cfo;
  }

  static Status OpenDb(const std::string& dir, const EngineOptions& o, rocksdb::DB** db,
                       rocksdb::ColumnFamilyHandle** handles) {
    rocksdb::Options options = DbOptions(o);
    std::vector<rocksdb::ColumnFamilyDescriptor> descs;
    std::vector<int> ids;  // which of kCfNames each descriptor is
    std::vector<std::string> existing;
    const bool listed = rocksdb::DB::ListColumnFamilies(options, dir, &existing).ok();
    for (int i = 0; i < kCfCount; ++i) {
      // A read-only open cannot create the column families a newer version
      // added (e.g. snapshots); it opens without them.
      if (o.read_only && listed && std::find(existing.begin(), existing.end(), kCfNames[i]) == existing.end())
        continue;
      descs.emplace_back(kCfNames[i], CfOptions(o, i));
      ids.push_back(i);
    }
    std::vector<rocksdb::ColumnFamilyHandle*> hs;
    rocksdb::Status s;
    // A reader may meet a file the writer is just replacing (a new MANIFEST,
    // a compacted table): that is a race, not a damaged store; try again.
    for (int attempt = 0;; ++attempt) {
      s = o.read_only ? rocksdb::DB::OpenForReadOnly(options, dir, descs, &hs, db)
                      : rocksdb::DB::Open(options, dir, descs, &hs, db);
      if (s.ok() || !o.read_only || attempt == 4 || !(s.IsIOError() || s.IsPathNotFound() || s.IsNotFound()))
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20 << attempt));
    }
    if (!s.ok()) {
      std::string msg = s.ToString();
      if ((msg.find("lock") != std::string::npos || msg.find("LOCK") != std::string::npos) &&
          msg.find("Read-only file system") == std::string::npos &&
          msg.find("Too many open files") == std::string::npos && msg.find("Permission denied") == std::string::npos)
        return Status::Unavailable("data directory " + dir +
                                   " is in use by another duban process (" + msg + ")");
      // Engine::Open has told missing and empty directories apart already:
      // a file missing here is a damaged store, not "no data".
      if (msg.find("No such file or directory") != std::string::npos)
        return Status::Corruption("the store in " + dir + " is damaged: a file it needs is missing (" + msg +
                                  "). Nothing was changed; `duban doctor` describes the store");
      if (s.IsCorruption())
        return Status::Corruption("the store in " + dir + " is damaged: RocksDB found a corrupt record (" + msg +
                                  "); it is not opened, so that no acknowledged event is dropped silently. "
                                  "Nothing was changed; `duban doctor` describes the store, and a copy made "
                                  "before the damage is the way back");
      return FromRocks(s, "cannot open the store in " + dir);
    }
    for (size_t i = 0; i < hs.size(); ++i) handles[ids[i]] = hs[i];
    // Only meta and snapshots came after the first stores; any other column
    // family missing means the store's creation was killed before it was
    // finished, before anything was acknowledged.
    for (int i = kLog; i <= kTimers; ++i)
      if (!handles[i]) {
        for (int k = 0; k < kCfCount; ++k)
          if (handles[k]) (*db)->DestroyColumnFamilyHandle(handles[k]), handles[k] = nullptr;
        delete *db;
        *db = nullptr;
        return Status::NotFound("no duban data in " + dir + ": its creation was interrupted before it was finished, "
                                "so it holds no event (a command that writes, e.g. `duban plan import`, finishes it)");
      }
    return Status::Ok();
  }

  // The log end this store's writers record (log_end.h).
  bool open_complete = false;  // Engine::Open got to the end
  bool counts_built = false;    // kCountsBuilt is set: commits keep `counts`
  // Whether the store keeps `counts`. A new store starts with them; a store
  // made before them gets them from a rebuild when a writer opens it (once:
  // it replays the log). A rebuild that cannot run (the log fails its
  // checks) leaves the store as it was and usable; only the dashboard's
  // counts then say they are missing.
  // True: the store needs that rebuild.
  Result<bool> LoadCountsBuilt(bool created);
  // The store for projectors to read counts from, or null while it has none.
  rocksdb::DB* CountsDb() const { return counts_built && cf[kCounts] ? db : nullptr; }
  // A write to the store failed in this process (disk full, a dead disk):
  // RocksDB's WAL writer then refuses (Debian's build asserts) any further
  // WAL write, and the close records nothing, so the record keeps the end
  // found at open.
  mutable bool write_failed = false;
  rocksdb::Status Written(rocksdb::Status s) const {
    if (!s.ok()) write_failed = true;
    return s;
  }
  rocksdb::Env* Env() const { return opts.env ? opts.env : rocksdb::Env::Default(); }

  // Before RocksDB opens the store: the WAL files the last clean close left
  // are all there, whole. A reader may meet a writer that has just closed
  // and rewritten the record; it reads it again before it judges.
  static Result<std::optional<log_end::LogEnd>> CheckRecordedWals(rocksdb::Env* env, const std::string& dir) {
    for (int attempt = 0;; ++attempt) {
      auto recorded = log_end::Read(env, dir);
      if (!recorded.ok()) return Damaged(dir, recorded.status().message());
      if (!recorded->has_value()) return recorded;
      Status wals = log_end::CheckWals(env, dir, **recorded);
      if (wals.ok()) return recorded;
      auto again = log_end::Read(env, dir);
      if (attempt < 3 && again.ok() && *again != *recorded) continue;
      if (wals.code() != Status::Code::kCorruption) return wals;
      return Damaged(dir, wals.message());
    }
  }
  static Status Damaged(const std::string& dir, const std::string& what) {
    return Status::Corruption("the store in " + dir + " is damaged: " + what +
                              ". It is not opened, so that nothing is written over what is missing. Nothing was "
                              "changed; `duban doctor` describes the store, and a copy made before the damage is "
                              "the way back");
  }

  // After opening: the log begins at position 1 (a first key past it means
  // the oldest WAL or a table file went missing) and reaches the end a
  // writer recorded.
  Status CheckLogReaches(const std::optional<log_end::LogEnd>& recorded) {
    if (next_pos > 1) {
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[kLog]));
      it->SeekToFirst();
      if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
      if (it->Valid() && DecodeFixed64BE(it->key().data()) != 1)
        return Damaged(opts.data_dir, "its log begins at position " +
                                          std::to_string(DecodeFixed64BE(it->key().data())) +
                                          ", not 1: the events before it are missing");
    }
    if (Status st = CheckUnflushedLogContiguous(); !st.ok()) return st;
    if (!recorded || next_pos >= recorded->next) return Status::Ok();
    return Damaged(opts.data_dir,
                   "its log ends at position " + std::to_string(next_pos - 1) + ", but it reached " +
                       std::to_string(recorded->next - 1) + " before: " + std::to_string(recorded->next - next_pos) +
                       " acknowledged event(s) are missing (a write-ahead log file lost or cut short)");
  }

  // The log's newest positions live in the memtable, replayed from the WAL
  // files; table files hold the rest. A WAL lost from the middle or the
  // start of the unflushed part (after a crash nothing lists the WALs)
  // leaves a gap above the largest position in a table file: the unflushed
  // positions past it must run on without one. Keys at or below it are
  // rewrites (only a forger's), which the hash chains and anchors judge.
  Status CheckUnflushedLogContiguous() const {
    rocksdb::ColumnFamilyMetaData meta;
    db->GetColumnFamilyMetaData(cf[kLog], &meta);
    uint64_t flushed = 0;
    for (const auto& level : meta.levels)
      for (const auto& f : level.files)
        if (f.largestkey.size() == 8) flushed = std::max(flushed, DecodeFixed64BE(f.largestkey.data()));
    rocksdb::ReadOptions ro;
    ro.read_tier = rocksdb::kMemtableTier;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf[kLog]));
    uint64_t expect = flushed + 1;
    for (it->Seek(rk::Pos(expect)); it->Valid(); it->Next()) {
      if (it->key().size() != 8) continue;
      const uint64_t pos = DecodeFixed64BE(it->key().data());
      if (pos != expect)
        return Damaged(opts.data_dir,
                       (pos - 1 == expect ? "log position " + std::to_string(expect) + " is"
                                          : "log positions " + std::to_string(expect) + ".." + std::to_string(pos - 1) +
                                                " are") +
                           " missing between the events it holds (a write-ahead log file lost)");
      ++expect;
    }
    if (!it->status().ok() && !it->status().IsIncomplete()) return FromRocks(it->status(), "reading the log");
    return Status::Ok();
  }

  // A clean close records the log end and the live WAL files, after syncing
  // the WAL (so a relaxed-mode store's clean close is durable too), while
  // this process still holds RocksDB's lock. After a write error nothing is
  // recorded: the record keeps the end found at open.
  void RecordCleanClose() {
    if (write_failed) return;
    uint64_t errors = 0;
    if (db->GetIntProperty(rocksdb::DB::Properties::kBackgroundErrors, &errors) && errors > 0) return;
    log_end::LogEnd end;
    end.next = next_pos;
    end.closed = true;
    rocksdb::VectorLogPtr wals;
    if (auto s = db->FlushWAL(/*sync=*/true); !s.ok()) return;
    if (auto s = db->GetSortedWalFiles(wals); !s.ok()) return;
    for (const auto& w : wals) {
      if (w->Type() != rocksdb::kAliveLogFile) continue;
      std::string name = w->PathName();
      if (auto slash = name.rfind('/'); slash != std::string::npos) name = name.substr(slash + 1);
      end.wals.emplace_back(name, w->SizeFileBytes());
    }
    if (Status st = log_end::Write(Env(), opts.data_dir, end); !st.ok())
      spdlog::warn("could not record the log end of {}: {}", opts.data_dir, st.ToString());
  }

  Status LoadHeads() {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[kLog]));
    it->SeekToLast();
    next_pos = it->Valid() ? DecodeFixed64BE(it->key().data()) + 1 : 1;
    if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
    std::string v;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf[kStreams], opts.rejected_stream, &v);
    if (s.ok()) return records::DecodeStreamHead(v, &rejected_version, &rejected_hash);
    if (!s.IsNotFound()) return FromRocks(s, "reading stream heads");
    return Status::Ok();
  }

  // The recorded calendar notices (stream kCalendarStream, through its
  // history), and the policy that counts on them.
  Status LoadCalendar() {
    auto positions = HistoryPositions(rk::PlanPrefix(kCalendarStream));
    if (!positions.ok()) return positions.status();
    auto events = ReadPositions(std::move(positions).value());
    if (!events.ok()) return events.status();
    notices.clear();
    for (const auto& h : *events) {
      calendar_version = h.event.stream_seq;
      calendar_hash = h.event.hash;
      if (const auto* n = std::get_if<schemas::CalendarNoticeAdded>(&h.event.body)) notices.push_back(*n);
    }
    policy = base_policy;
    if (notices.empty()) return Status::Ok();
    auto with = base_policy->WithCalendarNotices(notices);
    if (!with.ok())
      return Status::InvalidArgument("the calendar notices recorded in " + opts.data_dir +
                                     " do not fit this build's calendar: " + with.status().message());
    policy = std::move(with).value();
    return Status::Ok();
  }

  // A timer's identity for telling what a recount moved: kind, then its
  // reminder days or ladder level, then its review cycle.
  static std::string TimerLabel(const schemas::FireTimer& t) {
    std::string l(schemas::TimerKindName(t.kind));
    if (t.working_days_left) l += " " + std::to_string(t.working_days_left);
    if (t.level) l += " " + std::to_string(t.level);
    if (!t.cycle_id.empty()) l += " (" + t.cycle_id + ")";
    return l;
  }
  static std::map<std::string, std::string> TimerDays(const std::vector<TimerPolicy::Timer>& ts) {
    std::map<std::string, std::string> out;
    for (const auto& t : ts) out[TimerLabel(t.body)] = DayOf(t.fire_at).ToString();
    return out;
  }
  static bool SameTimers(const std::vector<TimerPolicy::Timer>& a, const std::vector<TimerPolicy::Timer>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (a[i].fire_at != b[i].fire_at || records::EncodeTimer(a[i].body) != records::EncodeTimer(b[i].body))
        return false;
    return true;
  }

  // What every write outside Commit checks first: a writer, allowed to sign
  // (an anchored store), and a command id fit to be a key.
  Status MayWrite(const std::string& command_id) const {
    if (opts.read_only) return Status::InvalidArgument("the store is open read-only");
    if (Status st = AnchorWriteAllowed(); !st.ok()) return st;
    return CheckName(command_id, "the command id");
  }

  // Engine::AddCalendarNotice.
  Outcome AddNotice(const Engine::CalendarNoticeRequest& r) {
    Outcome o;
    o.command_id = r.command_id;
    if (Status st = MayWrite(r.command_id); !st.ok()) {
      o.status = st;
      return o;
    }
    // What makes this command what it is, kept like a Submit command's digest
    // (kCommandDigestPrefix) so that an id reused for something else, either
    // way round, is a conflict. Who acts and the notice's bytes, as the CLI's
    // derived id; a prefix no CommandDigest (hex) can take.
    const std::string digest =
        "calendar:" + schemas::Sha256Hex(r.actor.id + '\0' + schemas::RoleName(r.actor.role) + '\0' + r.text)
                          .substr(0, 23);
    Event first;
    if (auto stored = StoredOutcome(r.command_id, &first); stored.ok()) {
      if (Status same = SameNotice(r, digest, first); !same.ok()) {
        o.status = same;
        return o;
      }
      return std::move(stored).value();
    } else if (stored.status().code() != Status::Code::kNotFound) {
      o.status = stored.status();
      return o;
    }
    Command c;  // the envelope the events carry
    c.command_id = r.command_id;
    c.actor = r.actor;
    c.issued_at = r.issued_at;
    rocksdb::WriteBatch wb;
    uint64_t pos = next_pos;
    auto reject = [&](const Status& why) {
      std::string record;
      Event e = MakeEvent(c, opts.rejected_stream, rejected_version + 1, rejected_hash, 0,
                          schemas::CommandRejected{"calendar_add", why.reason(), why.message()}, &record);
      wb.Put(cf[kLog], rk::Pos(pos), record);
      wb.Put(cf[kStreams], opts.rejected_stream, records::EncodeStreamHead(e.stream_seq, e.hash));
      wb.Put(cf[kCommands], r.command_id, records::EncodeCommandRef(pos, 1));
      wb.Put(cf[kMeta], kCommandDigestPrefix + r.command_id, digest);
      auto seal = SealBatch({{pos, e.hash}}, pos, /*keep=*/false, wb);
      if (!seal.ok()) {
        o.status = seal.status();
        return o;
      }
      if (rocksdb::Status s = Written(db->Write(WriteOpts(), &wb)); !s.ok()) {
        o.status = FromRocks(s, "committing to the log");
        return o;
      }
      if (*seal) Sealed(**seal);
      rejected_version = e.stream_seq;
      rejected_hash = e.hash;
      next_pos = pos + 1;
      o.status = why;
      o.first_position = pos;
      return o;
    };
    // The office's act, like setting deadlines (ARCHITECTURE.md, Roles).
    if (r.actor.role != schemas::Role::kSupervisor)
      return reject(Status::Rejected(reason::kForbiddenRole,
                                     std::string("only the office (supervisor) records a calendar notice, not ") +
                                         schemas::RoleName(r.actor.role)));
    if (Status st = CheckName(r.actor.id, "the actor"); !st.ok()) return reject(st);
    auto summary = workflows::WorkCalendar::SummarizeNotice(r.text, r.source);
    if (!summary.ok()) return reject(Status::Rejected(reason::kInvalidArgument, summary.status().message()));
    // A notice is published before it is recorded: a version date after
    // today is a typo, and would make every later (correct) notice look older.
    if (auto published = Date::Parse(summary->version); published && *published > DayOf(r.issued_at))
      return reject(Status::Rejected(reason::kTimeInFuture,
                                     r.source + ": the notice's version date " + summary->version +
                                         " is later than today (" + DayOf(r.issued_at).ToString() +
                                         "); a notice is recorded after it is published: is the date mistyped?"));
    schemas::CalendarNoticeAdded notice{summary->calendar, summary->version, summary->year, summary->amends,
                                        r.source, r.text};
    std::vector<schemas::CalendarNoticeAdded> all = notices;
    all.push_back(notice);
    auto with = base_policy->WithCalendarNotices(all);
    if (!with.ok()) return reject(Status::Rejected(reason::kInvalidArgument, with.status().message()));
    const std::shared_ptr<const TimerPolicy> next = std::move(with).value();
    if (next->CalendarVersion() == policy->CalendarVersion())
      return reject(Status::Rejected(reason::kInvalidArgument,
                                     r.source + ": notice " + summary->version +
                                         " is already part of this build's calendar (" + policy->CalendarVersion() +
                                         ")"));

    uint32_t index = 0;
    std::string record;
    // Every event written, for the signed checkpoint of an anchored store.
    std::vector<std::pair<uint64_t, std::string>> written;
    Event added = MakeEvent(c, kCalendarStream, calendar_version + 1, calendar_hash, index++, notice, &record);
    written.emplace_back(pos, added.hash);
    wb.Put(cf[kLog], rk::Pos(pos), record);
    wb.Put(cf[kHistory], rk::History(kCalendarStream, 0, pos), "");
    wb.Put(cf[kStreams], kCalendarStream, records::EncodeStreamHead(added.stream_seq, added.hash));
    o.first_position = pos++;
    o.events.push_back(added);

    // Recount what is open: its timers are re-armed on the new calendar, the
    // old keys taken from the policy that armed them.
    Projector proj(*next, cf, CountsDb());
    const std::string new_version = next->CalendarVersion();
    std::vector<std::string> touched;
    auto ids = PlanIdsFromProjection();
    if (!ids.ok()) {
      o.status = ids.status();
      o.events.clear();
      return o;
    }
    for (const std::string& plan : *ids) {
      auto state = State(plan);
      if (!state.ok()) {
        for (const auto& p : touched) cache.erase(p);
        o.status = state.status();
        o.events.clear();
        return o;
      }
      PlanState& s = **state;
      if (!s.exists || s.withdrawn) continue;
      std::vector<EventBody> recounts;
      for (const auto& [k, a] : s.assignments) {
        if (!IsOpen(a.status) && a.status != AssignmentStatus::kSubmitted) continue;
        const auto old = policy->TimersFor(s, a);
        AssignmentState moved = a;
        moved.calendar_version = new_version;
        const auto now = next->TimersFor(s, moved);
        const bool provisional = std::any_of(old.begin(), old.end(), [](const auto& t) { return t.body.provisional; });
        const auto old_days = TimerDays(old), new_days = TimerDays(now);
        // Unchanged and counted on published data: it keeps its version.
        if (!provisional && old_days == new_days && SameTimers(old, next->TimersFor(s, a))) continue;
        schemas::DeadlineRecounted rc;
        bool provisional_seen = false;
        rc.task = a.task;
        rc.unit = a.unit;
        rc.due_on = a.due_on;
        // The version that made it provisional, else the one it was counted on.
        for (const auto& t : old)
          if (rc.old_calendar_version.empty() || (t.body.provisional && !provisional_seen)) {
            rc.old_calendar_version = t.body.calendar_version;
            provisional_seen = t.body.provisional;
          }
        rc.calendar_version = new_version;
        for (const auto& t : now) rc.provisional = rc.provisional || t.body.provisional;
        std::set<std::string> labels;
        for (const auto& [l, d] : old_days) labels.insert(l);
        for (const auto& [l, d] : new_days) labels.insert(l);
        for (const auto& l : labels) {
          auto was = old_days.find(l), is = new_days.find(l);
          const std::string from = was == old_days.end() ? "-" : was->second;
          const std::string to = is == new_days.end() ? "-" : is->second;
          if (from != to) rc.changes.push_back(l + " " + from + " -> " + to);
        }
        recounts.push_back(std::move(rc));
      }
      if (recounts.empty()) continue;
      touched.push_back(plan);
      for (auto& body : recounts) {
        Event e = MakeEvent(c, plan, s.version + 1, s.last_hash, index++, std::move(body), &record);
        proj.Before(s, e, policy.get());
        Evolve(s, e);
        proj.After(s, e, pos, wb);
        written.emplace_back(pos, e.hash);
        wb.Put(cf[kLog], rk::Pos(pos++), record);
        o.events.push_back(std::move(e));
      }
    }
    proj.Command(r.command_id, o.first_position, index, wb);
    wb.Put(cf[kMeta], kCommandDigestPrefix + r.command_id, digest);
    proj.SortDrops();
    const Status flushed = proj.Flush(cache, opts.rejected_stream, rejected_version, rejected_hash, false, wb);
    auto seal = flushed.ok() ? SealBatch(written, pos - 1, /*keep=*/false, wb) : Result<std::optional<Seal>>(flushed);
    if (!seal.ok()) {
      for (const auto& p : touched) cache.erase(p);
      o.status = seal.status();
      o.events.clear();
      return o;
    }
    if (rocksdb::Status s = Written(db->Write(WriteOpts(), &wb)); !s.ok()) {
      for (const auto& p : touched) cache.erase(p);
      o.status = FromRocks(s, "committing to the log");
      o.events.clear();
      return o;
    }
    if (*seal) Sealed(**seal);
    next_pos = pos;
    calendar_version = added.stream_seq;
    calendar_hash = added.hash;
    notices = std::move(all);
    policy = next;
    return o;
  }

  // Engine::RecordAccountChange.
  Outcome AccountChange(const Engine::AccountChangeRequest& r) {
    Outcome o;
    o.command_id = r.command_id;
    if (Status st = MayWrite(r.command_id); !st.ok()) {
      o.status = st;
      return o;
    }
    if (auto seen = StoredOutcome(r.command_id); seen.ok()) {
      o.status = Status::Conflict("command id " + r.command_id + " was used before; an account change takes a new one");
      return o;
    } else if (seen.status().code() != Status::Code::kNotFound) {
      o.status = seen.status();
      return o;
    }
    uint64_t version = 0;
    std::string head_hash;
    std::string head;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf[kStreams], kAccountsStream, &head);
    if (s.ok()) {
      if (Status st = records::DecodeStreamHead(head, &version, &head_hash); !st.ok()) {
        o.status = st;
        return o;
      }
    } else if (!s.IsNotFound()) {
      o.status = FromRocks(s, "reading the accounts stream");
      return o;
    }
    Command c;
    c.command_id = r.command_id;
    c.actor = r.actor;
    c.issued_at = opts.clock ? opts.clock->Now() : r.issued_at;
    rocksdb::WriteBatch wb;
    const uint64_t pos = next_pos;
    std::string record;
    Event e = MakeEvent(c, kAccountsStream, version + 1, head_hash, 0, r.change, &record);
    wb.Put(cf[kLog], rk::Pos(pos), record);
    wb.Put(cf[kHistory], rk::History(kAccountsStream, 0, pos), "");
    wb.Put(cf[kStreams], kAccountsStream, records::EncodeStreamHead(e.stream_seq, e.hash));
    wb.Put(cf[kCommands], r.command_id, records::EncodeCommandRef(pos, 1));
    for (const auto& [k, v] : r.meta) wb.Put(cf[kMeta], k, v);
    auto seal = SealBatch({{pos, e.hash}}, pos, /*keep=*/false, wb);
    if (!seal.ok()) {
      o.status = seal.status();
      return o;
    }
    if (rocksdb::Status w = Written(db->Write(WriteOpts(), &wb)); !w.ok()) {
      o.status = FromRocks(w, "committing to the log");
      return o;
    }
    if (*seal) Sealed(**seal);
    next_pos = pos + 1;
    o.first_position = pos;
    o.events.push_back(std::move(e));
    return o;
  }

  Result<std::vector<std::pair<std::string, std::string>>> MetaWithPrefix(const std::string& prefix) const {
    std::vector<std::pair<std::string, std::string>> out;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[kMeta]));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
      out.emplace_back(it->key().ToString(), it->value().ToString());
    if (!it->status().ok()) return FromRocks(it->status(), "reading meta " + prefix);
    return out;
  }

  Result<std::vector<std::string>> PlanIdsFromProjection() const {
    std::vector<std::string> out;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[kPlans]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) out.push_back(it->key().ToString());
    if (!it->status().ok()) return FromRocks(it->status(), "reading plans");
    return out;
  }

  // ---- log reads ----
  Result<Event> ReadEvent(rocksdb::DB* from, rocksdb::ColumnFamilyHandle* log, uint64_t pos) const {
    std::string v;
    rocksdb::Status s = from->Get(rocksdb::ReadOptions(), log, rk::Pos(pos), &v);
    if (!s.ok()) return FromRocks(s, "log position " + std::to_string(pos));
    return DecodeFramed(v, pos);
  }
  static Result<Event> DecodeFramed(std::string_view v, uint64_t pos) {
    std::string_view payload;
    size_t used = 0;
    Status st = UnframeRecord(v, &payload, &used);
    if (!st.ok() || used != v.size())
      return Status::Corruption("log position " + std::to_string(pos) + ": " +
                                (st.ok() ? std::string("trailing bytes") : st.message()));
    auto e = schemas::DecodeEvent(payload);
    if (!e.ok()) return Status::Corruption("log position " + std::to_string(pos) + ": " + e.status().message());
    return e;
  }

  Result<std::vector<HistoryEntry>> ReadPositions(std::vector<uint64_t> positions) const {
    std::sort(positions.begin(), positions.end());
    std::vector<HistoryEntry> out;
    out.reserve(positions.size());
    std::vector<std::string> keys;
    keys.reserve(positions.size());
    for (uint64_t p : positions) keys.push_back(rk::Pos(p));
    std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
    std::vector<rocksdb::ColumnFamilyHandle*> cfs(keys.size(), cf[kLog]);
    std::vector<std::string> values;
    auto statuses = db->MultiGet(rocksdb::ReadOptions(), cfs, slices, &values);
    for (size_t i = 0; i < positions.size(); ++i) {
      if (!statuses[i].ok()) return FromRocks(statuses[i], "log position " + std::to_string(positions[i]));
      auto e = DecodeFramed(values[i], positions[i]);
      if (!e.ok()) return e.status();
      out.push_back(HistoryEntry{positions[i], std::move(e).value()});
    }
    return out;
  }

  Result<std::vector<uint64_t>> HistoryPositions(const std::string& prefix) const {
    std::vector<uint64_t> out;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[kHistory]));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      std::string plan;
      int32_t task;
      uint64_t pos;
      if (!records::ParseHistoryKey(it->key().ToStringView(), &plan, &task, &pos))
        return Status::Corruption("damaged history key");
      out.push_back(pos);
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading history");
    return out;
  }

  // A plan's state: its stream replayed from the log (optionally up to a time).
  // `replayed`, if given, receives the events replayed (with `until` only).
  Result<PlanState> ReplayPlan(const std::string& plan_id, std::optional<Instant> until,
                               Engine::AsOf basis = Engine::AsOf::kEffective,
                               std::vector<Event>* replayed = nullptr) const {
    PlanState s;
    s.id = plan_id;
    uint64_t after = 0;  // log position the snapshot covers
    if (!until && cf[kSnapshots]) {
      std::string v;
      rocksdb::Status st = db->Get(rocksdb::ReadOptions(), cf[kSnapshots], plan_id, &v);
      if (st.ok()) {
        PlanState snap;
        if (records::DecodeSnapshot(v, &snap, &after).ok()) {
          s = std::move(snap);
          snapshot_version[plan_id] = s.version;
        } else {
          spdlog::warn("plan {}: damaged snapshot ignored; replaying its whole stream", plan_id);
          after = 0;
        }
      }
    }
    auto positions = HistoryPositions(rk::PlanPrefix(plan_id));
    if (!positions.ok()) return positions.status();
    if (after) std::erase_if(*positions, [after](uint64_t p) { return p <= after; });
    auto events = ReadPositions(std::move(positions).value());
    if (!events.ok()) return events.status();
    for (auto& h : *events) {
      const Instant t = basis == Engine::AsOf::kRecorded ? h.event.recorded_at : h.event.occurred_at;
      if (until && t > *until) continue;
      Evolve(s, h.event);
      if (replayed) replayed->push_back(std::move(h.event));
    }
    return s;
  }

  Result<PlanState*> State(const std::string& plan_id) {
    auto it = cache.find(plan_id);
    if (it != cache.end()) return &it->second;
    auto s = ReplayPlan(plan_id, std::nullopt);
    if (!s.ok()) return s.status();
    return &cache.emplace(plan_id, std::move(s).value()).first->second;
  }

  // `first`, if given, receives the first event the command wrote (its actor
  // and stream say who sent it and to which plan).
  Result<Outcome> StoredOutcome(const std::string& command_id, Event* first_event = nullptr) const {
    std::string v;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf[kCommands], command_id, &v);
    if (!s.ok()) return FromRocks(s, "command " + command_id);
    uint64_t first = 0;
    uint32_t count = 0;
    if (auto st = records::DecodeCommandRef(v, &first, &count); !st.ok()) return st;
    std::vector<uint64_t> positions;
    for (uint32_t i = 0; i < count; ++i) positions.push_back(first + i);
    auto events = ReadPositions(positions);
    if (!events.ok()) return events.status();
    Outcome o;
    o.command_id = command_id;
    o.duplicate = true;
    o.first_position = first;
    if (first_event && !events->empty()) *first_event = events->front().event;
    for (auto& h : *events) {
      if (auto* rej = std::get_if<schemas::CommandRejected>(&h.event.body)) {
        o.status = Status::Rejected(rej->reason, rej->message);
        return o;
      }
      o.events.push_back(std::move(h.event));
    }
    return o;
  }

  // What answers a known command id used for another command: nothing is
  // written and the first command's outcome stands.
  static Status IdConflict(const std::string& id, const Event& first) {
    return Status::Conflict("the command id " + id + " was used before for a different command (by " +
                            first.actor.id + ", " + schemas::RoleName(first.actor.role) +
                            "); nothing was written and the first command's outcome stands: give this command "
                            "a new id");
  }

  // The digest kept for a command id (meta command/<id>); nullopt for ids
  // recorded before digests were kept, or applied from duban.events.
  Result<std::optional<std::string>> KeptDigest(const std::string& id) const {
    std::string v;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf[kMeta], kCommandDigestPrefix + id, &v);
    if (s.ok()) return std::optional<std::string>(std::move(v));
    if (!s.IsNotFound()) return FromRocks(s, "reading command digests");
    return std::optional<std::string>();
  }

  // Whether a command with a known id is the command recorded under it: its
  // digest when one was kept, else the actor and plan of its first event.
  Status SameCommand(const Command& c, const Event& first) const {
    auto kept = KeptDigest(c.command_id);
    if (!kept.ok()) return kept.status();
    if (kept->has_value()) return **kept == CommandDigestOf(c) ? Status::Ok() : IdConflict(c.command_id, first);
    const bool rejection = !first.stream.empty() && first.stream[0] == '!';
    if (first.actor.id != c.actor.id || first.actor.role != c.actor.role || (!rejection && first.stream != c.plan_id))
      return IdConflict(c.command_id, first);
    return Status::Ok();
  }

  // SameCommand for a calendar notice: its digest when one was kept, else
  // (recorded before) the actor of its first event and that it was a notice.
  Status SameNotice(const Engine::CalendarNoticeRequest& r, const std::string& digest, const Event& first) const {
    auto kept = KeptDigest(r.command_id);
    if (!kept.ok()) return kept.status();
    if (kept->has_value()) return **kept == digest ? Status::Ok() : IdConflict(r.command_id, first);
    const auto* rej = std::get_if<schemas::CommandRejected>(&first.body);
    const bool notice = first.stream == kCalendarStream || (rej && rej->command_type == "calendar_add");
    if (!notice || first.actor.id != r.actor.id || first.actor.role != r.actor.role)
      return IdConflict(r.command_id, first);
    return Status::Ok();
  }

  // Builds the event and its log record (framed bytes) in one encoding pass.
  Event MakeEvent(const Command& c, const std::string& stream, uint64_t seq, const std::string& prev,
                  uint32_t index, EventBody body, std::string* record) const {
    Event e;
    e.event_id = schemas::DeriveEventId(c.command_id, index);
    e.stream = stream;
    e.stream_seq = seq;
    e.type = static_cast<uint16_t>(schemas::TypeOf(body));
    e.type_version = schemas::CurrentVersion(schemas::TypeOf(body));
    // Two times: the engine took the command at issued_at; the act took
    // effect when the writer claimed (decide checked the claim). A
    // rejection is a fact of the moment it was refused, whatever was claimed.
    const bool rejection = std::holds_alternative<schemas::CommandRejected>(body);
    e.occurred_at = rejection ? c.issued_at : c.EffectiveAt();
    e.recorded_at = c.issued_at;
    if (!rejection && e.occurred_at < e.recorded_at) e.back_entry_reason = c.back_entry_reason;
    e.actor = c.actor;
    e.command_id = c.command_id;
    e.correlation_id = c.correlation_id;
    e.prev_hash = prev;
    e.body = std::move(body);
    *record = FrameRecord(schemas::EncodeEventWithHash(e));
    return e;
  }

  // Decides and commits a group of commands in one WriteBatch.
  // `records`, if given, receives the log records written, in log order.
  std::vector<Outcome> Commit(const std::vector<Command>& commands,
                              const std::vector<std::string>& timer_keys_to_drop = {},
                              const Engine::MetaWrites& meta_writes = {}, bool timer_commands = false,
                              std::vector<std::string>* records = nullptr) {
    std::vector<Outcome> outcomes(commands.size());
    if (records) {
      records->clear();
      records->reserve(commands.size());
    }
    if (opts.read_only) {
      for (size_t i = 0; i < commands.size(); ++i) {
        outcomes[i].command_id = commands[i].command_id;
        outcomes[i].status = Status::InvalidArgument("the store is open read-only");
      }
      return outcomes;
    }
    if (Status st = AnchorWriteAllowed(); !st.ok()) {
      for (size_t i = 0; i < commands.size(); ++i) {
        outcomes[i].command_id = commands[i].command_id;
        outcomes[i].status = st;
      }
      return outcomes;
    }
    if (const size_t want = commands.size() * 640; want > commit_wb_reserved) {
      commit_wb = rocksdb::WriteBatch(want);
      commit_wb_reserved = want;
    }
    rocksdb::WriteBatch& wb = commit_wb;
    wb.Clear();
    struct Release {  // whatever way Commit returns
      Impl& m;
      ~Release() {
        if (m.commit_wb.GetDataSize() > kKeepBatchBytes) {
          m.commit_wb = rocksdb::WriteBatch();
          m.commit_wb_reserved = 0;
        }
      }
    } release{*this};
    Projector proj(*policy, cf, CountsDb());
    // command id -> index of its first outcome; views into `commands`, which
    // outlive it. Timer ids are distinct by construction (distinct keys).
    std::unordered_map<std::string_view, size_t> in_batch;
    if (!timer_commands) in_batch.reserve(commands.size());
    std::set<std::string> touched_plans;
    std::map<std::string, uint64_t> last_pos;  // per plan, its last event in this batch
    const uint64_t start_pos = next_pos;
    const uint64_t start_rejected_version = rejected_version;
    const std::string start_rejected_hash = rejected_hash;
    bool rejected_dirty = false;
    uint64_t pos = next_pos;
    std::vector<std::pair<uint64_t, std::string>> written;  // position, event hash: what a checkpoint signs

    auto reject = [&](const Command& c, const Status& why, Outcome& o) {
      std::string record;
      Event e = MakeEvent(c, opts.rejected_stream, rejected_version + 1, rejected_hash, 0,
                          schemas::CommandRejected{schemas::CommandName(c.body), why.reason(), why.message()},
                          &record);
      rejected_version = e.stream_seq;
      rejected_hash = e.hash;
      rejected_dirty = true;
      written.emplace_back(pos, e.hash);
      wb.Put(cf[kLog], rk::Pos(pos), record);
      if (records) records->push_back(std::move(record));
      proj.Command(c.command_id, pos, 1, wb);
      if (!timer_commands) wb.Put(cf[kMeta], kCommandDigestPrefix + c.command_id, CommandDigestOf(c));
      o.status = why;
      o.first_position = pos;
      ++pos;
    };

    // Which ids were seen before: one MultiGet for the batch (bloom filters
    // answer most of them) instead of a lookup per command.
    // Timer commands skip it: each id is derived from a timer key that this
    // same batch deletes, so an arming fires once by construction.
    std::set<std::string> seen_before;
    if (!timer_commands) {
      std::vector<rocksdb::Slice> ids;
      for (const auto& c : commands)
        if (!c.command_id.empty()) ids.emplace_back(c.command_id);
      std::vector<rocksdb::ColumnFamilyHandle*> cfs(ids.size(), cf[kCommands]);
      std::vector<std::string> values;
      auto st = db->MultiGet(rocksdb::ReadOptions(), cfs, ids, &values);
      for (size_t i = 0; i < ids.size(); ++i)
        if (!st[i].IsNotFound()) seen_before.insert(ids[i].ToString());  // found, or an error to report below
    }
    std::vector<Event> made;  // one command's events and records, before they are applied
    std::vector<std::string> made_records;
    for (size_t i = 0; i < commands.size(); ++i) {
      const Command& c = commands[i];
      Outcome& o = outcomes[i];
      o.command_id = c.command_id;
      if (auto it = timer_commands ? in_batch.end() : in_batch.find(c.command_id); it != in_batch.end()) {
        if (CommandDigestOf(commands[it->second]) != CommandDigestOf(c)) {
          o.status = Status::Conflict("the command id " + c.command_id +
                                      " is used twice in one batch for different commands; the second was not done");
          continue;
        }
        o = outcomes[it->second];
        o.duplicate = true;
        continue;
      }
      if (seen_before.count(c.command_id)) {
        Event first;
        auto stored = StoredOutcome(c.command_id, &first);
        if (stored.ok()) {
          if (Status same = SameCommand(c, first); !same.ok()) {
            o.status = same;
            continue;
          }
          o = std::move(stored).value();
          continue;
        }
        if (stored.status().code() != Status::Code::kNotFound) {
          o.status = stored.status();
          continue;
        }
      }
      // Timer commands are built here from keys whose names were checked when armed.
      if (Status shape = timer_commands ? Status::Ok() : CheckCommandShape(c); !shape.ok()) {
        if (c.command_id.empty() || CheckName(c.command_id, "").code() != Status::Code::kOk) {
          o.status = shape;  // no usable id to file the rejection under
          continue;
        }
        reject(c, shape, o);
        in_batch[c.command_id] = i;
        continue;
      }
      if (!timer_commands) in_batch[c.command_id] = i;
      auto state = State(c.plan_id);
      if (!state.ok()) {
        o.status = state.status();
        continue;
      }
      PlanState& s = **state;
      auto decided = Decide(s, c, opts.time_rules);
      if (!decided.ok()) {
        reject(c, decided.status(), o);
        // Commands to plans that do not exist must not grow the cache without bound.
        if (!s.exists && !touched_plans.count(c.plan_id)) cache.erase(c.plan_id);
        continue;
      }
      // The events and their records first, chained as Evolve will chain
      // them: a command whose record would not fit a frame is refused before
      // it touches the state (a reader refuses such a frame as corrupt, so a
      // 20 MB task text once made the whole log unreadable).
      made.clear();
      made_records.clear();
      size_t biggest = 0;
      uint32_t index = 0;
      for (auto& body : decided.value()) {
        std::string record;
        const bool first = made.empty();
        made.push_back(MakeEvent(c, c.plan_id, (first ? s.version : made.back().stream_seq) + 1,
                                 first ? s.last_hash : made.back().hash, index++, std::move(body), &record));
        biggest = std::max(biggest, record.size());
        made_records.push_back(std::move(record));
      }
      if (biggest > size_t{kMaxFramePayload} + 8) {
        reject(c,
               Status::Rejected(reason::kInvalidArgument,
                                "the command is too large to record: one of its events would take " +
                                    std::to_string(biggest >> 20) + " MiB, and the most a record may hold is " +
                                    std::to_string(kMaxFramePayload >> 20) + " MiB (shorten the text)"),
               o);
        if (!s.exists && !touched_plans.count(c.plan_id)) cache.erase(c.plan_id);
        continue;
      }
      touched_plans.insert(c.plan_id);
      o.first_position = pos;
      o.events.reserve(made.size());
      for (size_t k = 0; k < made.size(); ++k) {
        Event& e = made[k];
        proj.Before(s, e);
        Evolve(s, e);
        proj.After(s, e, pos, wb);
        written.emplace_back(pos, e.hash);
        wb.Put(cf[kLog], rk::Pos(pos), made_records[k]);
        if (records) records->push_back(std::move(made_records[k]));
        o.events.push_back(std::move(e));
        ++pos;
      }
      if (!o.events.empty()) {
        proj.Command(c.command_id, o.first_position, index, wb);
        if (!timer_commands) wb.Put(cf[kMeta], kCommandDigestPrefix + c.command_id, CommandDigestOf(c));
        last_pos[c.plan_id] = pos - 1;
      }
    }
    for (const auto& k : timer_keys_to_drop) proj.Drop(k);
    proj.SortDrops();
    const Status flushed = proj.Flush(cache, opts.rejected_stream, rejected_version, rejected_hash, rejected_dirty, wb);
    for (const auto& [k, v] : meta_writes) wb.Put(cf[kMeta], k, v);
    std::map<std::string, uint64_t> snapshots_written;
    for (const auto& [plan, p] : last_pos) {
      const PlanState& st = cache.at(plan);
      if (st.exists && st.version >= snapshot_version[plan] + kSnapshotEvery) {
        wb.Put(cf[kSnapshots], plan, records::EncodeSnapshot(st, p));
        snapshots_written[plan] = st.version;
      }
    }
    // The checkpoint of the new log end goes in the same batch as the events:
    // no acknowledged event is ever unsigned, even across a crash.
    std::optional<Seal> seal;
    Status unsealed = flushed;
    if (unsealed.ok() && !written.empty()) {
      auto sealed = SealBatch(written, pos - 1, /*keep=*/false, wb);
      if (sealed.ok()) seal = std::move(sealed).value();
      else unsealed = sealed.status();
    }
    if (!unsealed.ok()) {
      for (const auto& p : touched_plans) cache.erase(p);
      rejected_version = start_rejected_version;
      rejected_hash = start_rejected_hash;
      for (auto& o : outcomes)
        if (!o.duplicate) {
          o.status = unsealed;
          o.events.clear();
        }
      if (records) records->clear();
      return outcomes;
    }
    if (wb.Count() == 0) return outcomes;
    const auto w0 = std::chrono::steady_clock::now();
    rocksdb::Status s = Written(db->Write(WriteOpts(), &wb));
    stats.write_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    stats.keys += wb.Count();
    stats.bytes += wb.GetDataSize();
    if (write_observer && s.ok()) write_observer(wb.Data());
    if (!s.ok()) {
      // Nothing was written: forget the in-memory states that ran ahead.
      for (const auto& p : touched_plans) cache.erase(p);
      rejected_version = start_rejected_version;
      rejected_hash = start_rejected_hash;
      next_pos = start_pos;
      if (records) records->clear();
      Status err = FromRocks(s, "committing to the log");
      for (auto& o : outcomes)
        if (!o.duplicate) {
          o.status = err;
          o.events.clear();
        }
      return outcomes;
    }
    next_pos = pos;
    if (seal) Sealed(*seal);
    for (const auto& [plan, v] : snapshots_written) snapshot_version[plan] = v;
    return outcomes;
  }

  // ---- anchors ----
  // An anchored store is written only by a process holding its key, so that
  // no event lands in the log without a signature over it.
  Status AnchorWriteAllowed() const {
    if (!last_checkpoint || opts.anchor_key) return Status::Ok();
    return Status::InvalidArgument(
        "this store signs every commit (it is anchored; its last checkpoint covers position " +
        std::to_string(last_checkpoint->log_end) + ", key " + last_checkpoint->public_key.substr(0, 16) +
        "…): give its signing key with --anchor-key FILE or DUBAN_ANCHOR_KEY to write; nothing was written");
  }

  struct Seal {
    std::string head;
    anchor::Checkpoint cp;
  };
  // Signs the log head after `written` (positions and event hashes, in log
  // order, ending at `end`) into `wb`; nothing without a key. Sealed() adopts
  // it once the batch is written.
  Result<std::optional<Seal>> SealBatch(const std::vector<std::pair<uint64_t, std::string>>& written, uint64_t end,
                                        bool keep, rocksdb::WriteBatch& wb) const {
    if (!opts.anchor_key) return std::optional<Seal>();
    Seal s;
    s.head = log_head;
    for (const auto& [p, h] : written) s.head = anchor::ExtendHead(s.head, p, h);
    s.cp.store_id = store_id;
    s.cp.log_end = end;
    s.cp.log_head = s.head;
    s.cp.signed_at = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    if (Status st = opts.anchor_key->Sign(s.cp); !st.ok()) return st;
    const std::string json = s.cp.ToJson();
    wb.Put(cf[kMeta], kAnchorLast, json);
    // Kept for good: the first, one per anchor_every_events, and those asked for.
    const uint64_t every = std::max<uint64_t>(opts.anchor_every_events, 1);
    if (keep || !last_checkpoint || end / every > last_checkpoint->log_end / every)
      wb.Put(cf[kMeta], AnchorKeptKey(end), json);
    return std::optional<Seal>(std::move(s));
  }
  void Sealed(const Seal& s) {
    log_head = s.head;
    last_checkpoint = s.cp;
  }

  // The log head at the log's end, read from the log (a store anchored for
  // the first time).
  Result<std::string> HeadFromLog() const {
    std::string head;
    rocksdb::ReadOptions ro;
    ro.readahead_size = 4 << 20;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf[kLog]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const uint64_t pos = DecodeFixed64BE(it->key().data());
      auto e = DecodeFramed(it->value().ToStringView(), pos);
      if (!e.ok()) return e.status();
      head = anchor::ExtendHead(head, pos, e->hash);
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
    return head;
  }

  // At open: the newest checkpoint, and for a writer with the key, where
  // signing goes on from. A writer refuses a log that does not end where
  // its last signature says: removed events, or events written without the key.
  Status LoadAnchor() {
    if (!cf[kMeta]) return Status::Ok();
    std::string v;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf[kMeta], kAnchorLast, &v);
    const uint64_t end = next_pos - 1;
    if (s.IsNotFound()) {
      if (opts.read_only || !opts.anchor_key) return Status::Ok();
      auto head = HeadFromLog();
      if (!head.ok()) return head.status();
      log_head = std::move(head).value();
      return Status::Ok();
    }
    if (!s.ok()) return FromRocks(s, "reading the store's checkpoint");
    auto cp = anchor::Checkpoint::FromJson(v);
    if (!cp.ok() || !cp->SignatureValid()) {
      if (opts.read_only) return Status::Ok();  // verify names it
      return Status::Corruption("the store's latest signed checkpoint is " +
                                std::string(cp.ok() ? "not validly signed" : "damaged") +
                                ": the store was altered. Nothing was changed; `duban verify --anchors FILE` "
                                "with an anchor exported earlier says what differs");
    }
    last_checkpoint = *cp;
    if (opts.read_only || !opts.anchor_key) return Status::Ok();
    if (opts.anchor_key->public_key() != cp->public_key)
      return Status::InvalidArgument("this store's checkpoints are signed by key " + cp->public_key.substr(0, 16) +
                                     "…, and the anchor key given is " +
                                     opts.anchor_key->public_key().substr(0, 16) + "…; nothing was changed");
    if (cp->log_end > end)
      return Status::Corruption("the log ends at position " + std::to_string(end) + ", but it was signed up to " +
                                std::to_string(cp->log_end) + " on " + FormatInstant(cp->signed_at) + ": " +
                                std::to_string(cp->log_end - end) +
                                " signed event(s) were removed. Nothing was changed; restore the store from a copy");
    if (cp->log_end < end)
      return Status::Corruption("positions " + std::to_string(cp->log_end + 1) + ".." + std::to_string(end) +
                                " of the log are not signed, though every commit of this store is: they were "
                                "written without its signing key. Nothing was changed; `duban verify` lists them");
    log_head = cp->log_head;
    return Status::Ok();
  }

  // The checks the log must pass before anything is derived from it: every
  // stream's sequence and hash chain, positions without gaps, and every
  // signed checkpoint (the store's own and `external` ones, see Verify).
  // `readable`, if given, is cleared when a record cannot be decoded.
  Status CheckLog(const std::vector<anchor::Checkpoint>& external, VerifyReport& report,
                  bool* readable = nullptr) const {
    struct Held {
      anchor::Checkpoint cp;
      std::string source;
      bool trusted = true;   // valid signature by a trusted key, for the right store
      bool matched = false;  // the log gave its head
    };

    std::vector<Held> held;
    for (const auto& c : external) held.push_back({c, "anchor file"});
    bool stored_any = false;
    if (cf[kMeta]) {
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[kMeta]));
      for (it->Seek(kAnchorLast); it->Valid() && (it->key().starts_with(kAnchorLast) ||
                                                  it->key().starts_with(kAnchorKeptPrefix));
           it->Next()) {
        stored_any = true;
        auto cp = anchor::Checkpoint::FromJson(it->value().ToStringView());
        if (!cp.ok()) {
          report.problems.push_back("a checkpoint the store holds is damaged (" + cp.status().message() + ")");
          continue;
        }
        held.push_back({*cp, "store"});
      }
      if (!it->status().ok()) return FromRocks(it->status(), "reading checkpoints");
    }
    // An anchor of another store vouches for nothing here: said once, as
    // what it is, rather than as forgery verdicts against this store's own
    // checkpoints (which the foreign key would not match). An anchor signed
    // by the key of the store's own checkpoints is this store's, whatever
    // its identity file now says: checked as usual (and the mismatch is a
    // problem below).
    for (const auto& c : external) {
      if (c.store_id == store_id) continue;
      bool own_key = false;
      for (const auto& h : held) own_key = own_key || (h.source == "store" && h.cp.public_key == c.public_key);
      if (own_key) continue;
      return Status::InvalidArgument(
            "the anchor (position " + std::to_string(c.log_end) + ", signed " + FormatInstant(c.signed_at) +
            ") is for store " + c.store_id + ", and this is store " + store_id +
            ": it cannot vouch for this store. Either the wrong anchor file was given, or this store's identity "
            "file (DUBAN-STORE) was changed; nothing was checked against it");
    }
    // Whose signatures count: the auditor's anchors pin the key; without
    // them, the key of the store's newest checkpoint.
    std::set<std::string> keys;
    for (const auto& c : external) keys.insert(c.public_key);
    if (keys.empty())
      for (const auto& h : held)
        if (h.source == "store") keys.insert(h.cp.public_key);
    const bool pinned = !external.empty();
    for (auto& h : held) {
      const std::string what = "a checkpoint (" + h.source + ", position " + std::to_string(h.cp.log_end) + ")";
      if (!h.cp.SignatureValid()) {
        report.problems.push_back(what + " has an invalid signature: it was forged or damaged");
        h.trusted = false;
      } else if ((pinned || keys.size() > 1) && !keys.count(h.cp.public_key)) {
        report.problems.push_back(what + " is signed by key " + h.cp.public_key.substr(0, 16) +
                                  "…, not by the anchor's key");
        h.trusted = false;
      } else if (keys.size() > 1 && !pinned) {
        report.problems.push_back(what + " is one of checkpoints signed by " + std::to_string(keys.size()) +
                                  " different keys");
        h.trusted = false;
      }
      if (h.cp.store_id != store_id) {
        report.problems.push_back(what + " is for store " + h.cp.store_id + ", and this is store " + store_id);
        h.trusted = false;
      }
    }
    std::multimap<uint64_t, Held*> at;
    for (auto& h : held) at.emplace(h.cp.log_end, &h);
    auto check_at = [&](uint64_t pos, const std::string& head) {
      auto [lo, hi] = at.equal_range(pos);
      for (auto it = lo; it != hi; ++it) {
        Held& h = *it->second;
        if (h.cp.log_head == head) {
          h.matched = true;
        } else {
          report.problems.push_back("the log up to position " + std::to_string(pos) + " is not what was signed on " +
                                    FormatInstant(h.cp.signed_at) + " (checkpoint from the " + h.source +
                                    "): events at or before position " + std::to_string(pos) +
                                    " were changed after they were signed");
        }
      }
    };
    // Hash chains and sequence numbers of every stream, and the log head.
    std::map<std::string, std::pair<uint64_t, std::string>> heads;
    std::string head;
    uint64_t last = 0;
    check_at(0, head);
    rocksdb::ReadOptions ro;
    ro.readahead_size = 4 << 20;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf[kLog]));
    for (it->SeekToFirst(); it->Valid() && report.problems.size() < 20; it->Next()) {
      const uint64_t pos = DecodeFixed64BE(it->key().data());
      auto ev = DecodeFramed(it->value().ToStringView(), pos);
      if (!ev.ok()) {
        report.problems.push_back(ev.status().ToString());
        if (readable) *readable = false;
        return Status::Ok();
      }
      const Event& e = *ev;
      ++report.events;
      if (pos != last + 1)
        report.problems.push_back("log position " + std::to_string(pos) + " follows position " +
                                  std::to_string(last) + ": positions are missing");
      last = pos;
      auto& [seq, hash] = heads[e.stream];
      const std::string where = "log position " + std::to_string(pos) + " (stream " + e.stream + ", seq " +
                                std::to_string(e.stream_seq) + ")";
      if (e.stream_seq != seq + 1)
        report.problems.push_back(where + ": expected seq " + std::to_string(seq + 1));
      if (e.prev_hash != hash) report.problems.push_back(where + ": prev_hash does not match the previous event");
      if (schemas::ComputeHash(e) != e.hash)
        report.problems.push_back(where + ": hash does not match the event's bytes");
      seq = e.stream_seq;
      hash = e.hash;
      head = anchor::ExtendHead(head, pos, e.hash);
      check_at(pos, head);
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
    report.streams = heads.size();
    report.log_end = last;
    report.log_head = head;
    if (report.problems.size() >= 20) return Status::Ok();
    uint64_t covered = 0;
    for (auto& h : held) {
      if (h.cp.log_end > last) {
        report.problems.push_back("the log ends at position " + std::to_string(last) + ", but a checkpoint from the " +
                                  h.source + " signed on " + FormatInstant(h.cp.signed_at) + " covers positions up to " +
                                  std::to_string(h.cp.log_end) + ": " + std::to_string(h.cp.log_end - last) +
                                  " signed event(s) were removed");
      } else if (h.trusted && h.matched) {
        covered = std::max(covered, h.cp.log_end);
      }
    }
    // An anchored store signs every commit: whatever follows its last good
    // signature was written without the key.
    if ((stored_any || !external.empty()) && covered < last)
      report.problems.push_back("positions " + std::to_string(covered + 1) + ".." + std::to_string(last) + " (" +
                                std::to_string(last - covered) +
                                " event(s)) are not covered by a valid signed checkpoint that the log still matches, though "
                                "the store is anchored: they were changed, or appended without the signing key" +
                                (stored_any ? "" : " (and the store's own checkpoints are gone)"));
    return Status::Ok();
  }

  // Replays the log of `src` into the projection CFs of `dst` (which must be empty).
  Status ReplayInto(rocksdb::DB* dst, rocksdb::ColumnFamilyHandle* const* dcf, bool disable_wal) const {
    std::map<std::string, PlanState> states;
    // Rejection streams ('!'-prefixed: one per engine or partition) only need their heads.
    std::map<std::string, std::pair<uint64_t, std::string>> rejection_heads;
    Projector proj(*policy, dcf, dst);
    rocksdb::WriteBatch wb;
    rocksdb::WriteOptions wo;
    wo.disableWAL = disable_wal;
    std::string cmd_id;
    uint64_t cmd_first = 0;
    uint32_t cmd_count = 0;
    size_t pending = 0;
    auto flush = [&]() -> Status {
      // The current command's row as far as it goes; the command may go on
      // past this chunk, so its id, first position and count are kept and
      // the row is written again, whole, when it ends.
      if (cmd_count) proj.Command(cmd_id, cmd_first, cmd_count, wb);
      if (Status st = proj.Flush(states, "", 0, "", false, wb); !st.ok()) return st;
      for (const auto& [stream, head] : rejection_heads)
        wb.Put(dcf[kStreams], stream, records::EncodeStreamHead(head.first, head.second));
      rejection_heads.clear();
      pending = 0;
      rocksdb::Status s = dst->Write(wo, &wb);
      stats.keys += wb.Count();
      stats.bytes += wb.GetDataSize();
      if (write_observer && s.ok()) write_observer(wb.Data());
      wb.Clear();
      return FromRocks(s, "writing projections");
    };
    rocksdb::ReadOptions ro;
    ro.readahead_size = 4 << 20;
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf[kLog]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const uint64_t pos = DecodeFixed64BE(it->key().data());
      auto ev = DecodeFramed(it->value().ToStringView(), pos);
      if (!ev.ok()) return ev.status();
      Event& e = ev.value();
      if (e.command_id != cmd_id) {
        if (cmd_count) proj.Command(cmd_id, cmd_first, cmd_count, wb);
        cmd_id = e.command_id;
        cmd_first = pos;
        cmd_count = 0;
      }
      ++cmd_count;
      if (!e.stream.empty() && e.stream[0] == '!') {
        rejection_heads[e.stream] = {e.stream_seq, e.hash};
        if (KeepsHistory(e.stream)) wb.Put(dcf[kHistory], rk::History(e.stream, 0, pos), "");
      } else {
        auto [sit, fresh] = states.try_emplace(e.stream);
        if (fresh) sit->second.id = e.stream;
        if (std::holds_alternative<schemas::UnknownEvent>(e.body))
          spdlog::warn("log position {}: unknown event type {} v{} skipped by projections", pos,
                       e.type, e.type_version);
        proj.Before(sit->second, e);
        Evolve(sit->second, e);
        proj.After(sit->second, e, pos, wb);
      }
      // A chunk may end inside a command: its row is written then with the
      // events so far and again, whole, after its last event.
      if (++pending >= std::max<uint64_t>(opts.replay_chunk_events, 1)) {
        if (Status st = flush(); !st.ok()) return st;
      }
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
    return flush();
  }
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

namespace {
bool HasDubanColumnFamilies(const std::string& dir) {
  std::vector<std::string> existing;
  if (!rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &existing).ok()) return false;
  return std::find(existing.begin(), existing.end(), kCfNames[kLog]) != existing.end() &&
         std::find(existing.begin(), existing.end(), kCfNames[kStreams]) != existing.end();
}
}  // namespace

DataDirReport Engine::InspectDataDir(const std::string& dir) {
  const store_dir::Inspection look = store_dir::Inspect(dir, &HasDubanColumnFamilies);
  static const char* const kNames[] = {"missing", "empty", "store", "store", "damaged", "foreign"};
  return DataDirReport{kNames[static_cast<int>(look.kind)], look.detail, look.store_id};
}

Result<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options,
                                             std::shared_ptr<TimerPolicy> timers) {
  auto impl = std::make_unique<Impl>();
  impl->opts = options;
  impl->base_policy = timers ? std::move(timers) : DefaultTimerPolicy();
  impl->policy = impl->base_policy;
  const std::string& dir = options.data_dir;
  // RocksDB is asked to create a store only in a missing or empty directory.
  const store_dir::Inspection look = store_dir::Inspect(dir, &HasDubanColumnFamilies);
  bool create = false;
  switch (look.kind) {
    case store_dir::Kind::kMissing:
    case store_dir::Kind::kEmpty:
      if (options.read_only || !options.create_if_missing)
        return Status::NotFound("no duban data in " + dir + ": " + look.detail +
                                " (run a command that writes first, e.g. `duban plan import`)");
      create = true;
      break;
    case store_dir::Kind::kDamaged:
      return Status::Corruption("the store in " + dir + " is damaged: " + look.detail +
                                ". Nothing was changed; `duban doctor` describes the store, and a copy made "
                                "before the damage is the way back");
    case store_dir::Kind::kForeign:
      return Status::InvalidArgument(look.detail + "; nothing was changed (give --data an empty or new directory)");
    case store_dir::Kind::kStore:
    case store_dir::Kind::kLegacy:
      break;
  }
  EngineOptions eff = options;
  eff.create_if_missing = create;
  std::string store_id = look.store_id;
  if (create) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::IOError("cannot create data directory " + dir + ": " + ec.message());
    // Owner only: the store holds the accounts' password hashes, and its
    // file permissions are what guards the CLI.
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace, ec);
    if (ec) return Status::IOError("cannot make data directory " + dir + " private: " + ec.message());
    // The identity first: a creation killed half-way leaves a directory
    // that says it is an unfinished duban store, not a foreign RocksDB.
    if (Status st = store_dir::WriteIdentity(dir, store_id); !st.ok()) return st;
    store_id = store_dir::Inspect(dir, nullptr).store_id;
  }
  rocksdb::Env* env = impl->Env();
  std::optional<log_end::LogEnd> recorded;
  // A running writer holds RocksDB's lock. A second writer is told so before
  // anything else; a reader beside it cannot judge the log end (the writer is
  // changing the files), so it reads what it finds, as before.
  const bool writer_running = !create && store_dir::WriterHoldsLock(dir);
  if (writer_running && !options.read_only)
    return Status::Unavailable("data directory " + dir + " is in use by another duban process");
  if (!create && !writer_running) {
    auto checked = Impl::CheckRecordedWals(env, dir);
    if (!checked.ok()) return checked.status();
    recorded = *checked;
    if (!recorded && look.kind == store_dir::Kind::kStore && look.format >= 2)
      return Impl::Damaged(dir, std::string("its log-end file ") + log_end::kFile + " is missing");
    // After a writer that did not close cleanly there is no WAL list to check
    // before opening, and a writer's open rotates RocksDB's MANIFEST and
    // OPTIONS files before the log end can be compared: a reader compares
    // it first (rare: once after each crash).
    if (!options.read_only && recorded && !recorded->closed) {
      EngineOptions ro = options;
      ro.read_only = true;
      ro.create_if_missing = false;
      if (auto reader = Open(ro, impl->base_policy); !reader.ok()) return reader.status();
    }
  }
  if (Status st = Impl::OpenDb(dir, eff, &impl->db, impl->cf); !st.ok()) return st;
  if (Status st = impl->LoadHeads(); !st.ok()) return st;
  if (!writer_running)
    if (Status st = impl->CheckLogReaches(recorded); !st.ok()) return st;
  if (Status st = impl->LoadCalendar(); !st.ok()) return st;
  impl->store_id = store_id;
  if (Status st = impl->LoadAnchor(); !st.ok()) return st;
  if (!options.read_only) {
    // Every refusal comes before this: a refused writer leaves the record
    // as it found it. Then, before anything is written, the end found, so
    // that a crash from here on is judged against it (the WAL list of a
    // clean close no longer holds).
    if (Status st = log_end::Write(env, dir, log_end::LogEnd{impl->next_pos, false, {}}); !st.ok()) return st;
    // A new store, or one made before stores kept an identity (or a log
    // end), gets one now; an existing id is kept.
    if (!create && (look.kind != store_dir::Kind::kStore || look.format < store_dir::kFormatVersion)) {
      if (Status st = store_dir::WriteIdentity(dir, store_id); !st.ok()) return st;
      impl->store_id = store_dir::Inspect(dir, nullptr).store_id;
    }
  }
  std::unique_ptr<Engine> engine(new Engine(std::move(impl)));
  if (!options.read_only) {
    std::string marker;
    if (engine->impl_->db->Get(rocksdb::ReadOptions(), engine->impl_->cf[kMeta], kRebuildMarker, &marker).ok()) {
      spdlog::warn("an interrupted rebuild was found; rebuilding projections again");
      if (Status st = engine->Rebuild(); !st.ok()) return st;
    }
  }
  auto counts = engine->impl_->LoadCountsBuilt(create);
  if (!counts.ok()) return counts.status();
  if (*counts) {
    spdlog::info("this store was made before the dashboard's counts were kept: rebuilding its projections once "
                 "to count them");
    if (Status st = engine->Rebuild(); !st.ok())
      spdlog::warn("the dashboard's counts could not be built ({}); the store works without them until `duban "
                   "rebuild` succeeds",
                   st.ToString());
  }
  engine->impl_->open_complete = true;
  return engine;
}

namespace {
// With a clock, the engine decides when it took a command: whatever issued_at
// the writer sent is replaced (what it claims belongs in effective_at).
std::vector<Command> Stamped(const EngineOptions& o, const std::vector<Command>& commands) {
  std::vector<Command> out = commands;
  const Instant now = o.clock->Now();
  for (auto& c : out) c.issued_at = now;
  return out;
}
}  // namespace

Outcome Engine::Submit(const Command& command) { return SubmitBatch(std::vector<Command>{command}).front(); }

Outcome Engine::AddCalendarNotice(const CalendarNoticeRequest& request) { return impl_->AddNotice(request); }
std::vector<schemas::CalendarNoticeAdded> Engine::CalendarNotices() const { return impl_->notices; }
std::shared_ptr<const TimerPolicy> Engine::timer_policy() const { return impl_->policy; }

std::vector<Outcome> Engine::SubmitBatch(const std::vector<Command>& commands) {
  return SubmitBatch(commands, MetaWrites{}, nullptr);
}

std::vector<Outcome> Engine::SubmitBatch(const std::vector<Command>& commands, const MetaWrites& meta) {
  return SubmitBatch(commands, meta, nullptr);
}

std::vector<Outcome> Engine::SubmitBatch(const std::vector<Command>& commands, const MetaWrites& meta,
                                         std::vector<std::string>* records) {
  if (impl_->opts.clock) return impl_->Commit(Stamped(impl_->opts, commands), {}, meta, false, records);
  return impl_->Commit(commands, {}, meta, false, records);
}

Outcome Engine::RecordAccountChange(const AccountChangeRequest& request) { return impl_->AccountChange(request); }
Result<std::vector<std::pair<std::string, std::string>>> Engine::MetaWithPrefix(const std::string& prefix) const {
  return impl_->MetaWithPrefix(prefix);
}

Result<std::optional<std::string>> Engine::GetMeta(const std::string& key) const {
  std::string v;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf[kMeta], key, &v);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "reading meta " + key);
  return std::optional<std::string>(std::move(v));
}

Result<Engine::AppendResult> Engine::AppendExternal(const std::vector<Event>& events, const MetaWrites& meta) {
  Impl& m = *impl_;
  if (m.opts.read_only) return Status::InvalidArgument("the store is open read-only");
  if (Status st = m.AnchorWriteAllowed(); !st.ok()) return st;
  AppendResult result;
  std::vector<std::pair<uint64_t, std::string>> written;  // what a checkpoint signs
  std::unordered_map<std::string, std::string> appended_hash;  // event id -> hash, appended by this call
  rocksdb::WriteBatch wb;
  Projector proj(*m.policy, m.cf, m.CountsDb());
  std::set<std::string> touched;
  std::map<std::string, std::pair<uint64_t, uint32_t>> commands;  // this call's command rows
  std::map<std::string, std::pair<uint64_t, std::string>> rejection_heads;
  uint64_t pos = m.next_pos;
  auto fail = [&](Status st) -> Status {
    for (const auto& p : touched) m.cache.erase(p);
    return st;
  };
  for (const Event& e : events) {
    // Already applied? A command's events are (command_id, index) with derived ids.
    auto row = commands.find(e.command_id);
    uint64_t first = 0;
    uint32_t count = 0;
    if (row != commands.end()) {
      std::tie(first, count) = row->second;
    } else {
      std::string v;
      rocksdb::Status s = m.db->Get(rocksdb::ReadOptions(), m.cf[kCommands], e.command_id, &v);
      if (s.ok()) {
        if (Status st = records::DecodeCommandRef(v, &first, &count); !st.ok()) return fail(st);
      } else if (!s.IsNotFound()) {
        return fail(FromRocks(s, "reading command ids"));
      }
    }
    bool seen = false;
    uint32_t index = 0;
    for (uint32_t i = 0; i < count && !seen; ++i)
      if (schemas::DeriveEventId(e.command_id, i) == e.event_id) {
        seen = true;
        index = i;
      }
    if (seen) {
      // The same id, but is it the same event? Two engines that both decided
      // a command agree on its ids, yet events that depend on when they were
      // decided may differ; a forger may reuse an id. Either way it is a
      // fork: kept out, counted and said, never passed off as a duplicate.
      std::string applied;
      if (auto h = appended_hash.find(e.event_id); h != appended_hash.end()) {
        applied = h->second;
      } else {
        auto stored = m.ReadEvent(m.db, m.cf[kLog], first + index);
        if (!stored.ok()) return fail(stored.status());
        if (stored->event_id == e.event_id) applied = stored->hash;
      }
      if (!applied.empty() && applied != e.hash) {
        ++result.forks;
        const std::string what = "event " + e.event_id + " of command " + e.command_id + " (stream " + e.stream +
                                 ", seq " + std::to_string(e.stream_seq) +
                                 ") differs from the event applied with that id: a fork, not applied";
        spdlog::error("{}", what);
        if (result.first_fork.empty()) result.first_fork = what;
        continue;
      }
      ++result.duplicates;
      continue;
    }
    if (schemas::ComputeHash(e) != e.hash)
      return fail(Status::Corruption("event " + e.event_id + " of stream " + e.stream + ": hash does not match its bytes"));
    const bool rejection = !e.stream.empty() && e.stream[0] == '!';
    uint64_t version = 0;
    std::string last_hash;
    PlanState* state = nullptr;
    if (rejection) {
      auto it = rejection_heads.find(e.stream);
      if (it == rejection_heads.end()) {
        std::string v;
        rocksdb::Status s = m.db->Get(rocksdb::ReadOptions(), m.cf[kStreams], e.stream, &v);
        std::pair<uint64_t, std::string> head{0, ""};
        if (s.ok()) {
          if (Status st = records::DecodeStreamHead(v, &head.first, &head.second); !st.ok()) return fail(st);
        }
        it = rejection_heads.emplace(e.stream, head).first;
      }
      std::tie(version, last_hash) = it->second;
    } else {
      auto st = m.State(e.stream);
      if (!st.ok()) return fail(st.status());
      state = *st;
      touched.insert(e.stream);
      version = state->version;
      last_hash = state->last_hash;
    }
    if (e.stream_seq != version + 1 || e.prev_hash != last_hash)
      return fail(Status::Corruption("stream " + e.stream + ": event seq " + std::to_string(e.stream_seq) +
                                     " does not follow seq " + std::to_string(version) +
                                     " (a gap or a fork in the event log)"));
    if (rejection) {
      rejection_heads[e.stream] = {e.stream_seq, e.hash};
      if (KeepsHistory(e.stream)) wb.Put(m.cf[kHistory], rk::History(e.stream, 0, pos), "");
    } else {
      proj.Before(*state, e);
      Evolve(*state, e);
      proj.After(*state, e, pos, wb);
    }
    wb.Put(m.cf[kLog], rk::Pos(pos), FrameRecord(schemas::EncodeEvent(e)));
    written.emplace_back(pos, e.hash);
    appended_hash[e.event_id] = e.hash;
    if (count == 0) first = pos;
    commands[e.command_id] = {first, count + 1};
    ++pos;
    ++result.appended;
  }
  for (const auto& [id, row] : commands) proj.Command(id, row.first, row.second, wb);
  if (Status st = proj.Flush(m.cache, "", 0, "", false, wb); !st.ok()) return fail(st);
  for (const auto& [stream, head] : rejection_heads)
    wb.Put(m.cf[kStreams], stream, records::EncodeStreamHead(head.first, head.second));
  for (const auto& [k, v] : meta) wb.Put(m.cf[kMeta], k, v);
  std::optional<Impl::Seal> seal;
  if (!written.empty()) {
    auto sealed = m.SealBatch(written, pos - 1, /*keep=*/false, wb);
    if (!sealed.ok()) return fail(sealed.status());
    seal = std::move(sealed).value();
  }
  if (wb.Count() == 0) return result;
  rocksdb::Status s = m.Written(m.db->Write(m.WriteOpts(), &wb));
  m.stats.keys += wb.Count();
  m.stats.bytes += wb.GetDataSize();
  if (!s.ok()) return fail(FromRocks(s, "appending external events"));
  m.next_pos = pos;
  if (seal) m.Sealed(*seal);
  if (auto it = rejection_heads.find(m.opts.rejected_stream); it != rejection_heads.end()) {
    m.rejected_version = it->second.first;
    m.rejected_hash = it->second.second;
  }
  return result;
}

Result<std::vector<DueTimer>> Engine::PendingTimers(Instant until, size_t limit) const {
  std::vector<DueTimer> out;
  std::string upper;
  PutOrderedI64(&upper, until + 1);
  rocksdb::Slice ub(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &ub;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf[kTimers]));
  for (it->SeekToFirst(); it->Valid() && out.size() < limit; it->Next()) {
    DueTimer t;
    t.key = it->key().ToString();
    if (!records::ParseTimerKey(t.key, &t.due, &t.plan_id)) return Status::Corruption("damaged timer key");
    if (Status st = records::DecodeTimer(it->value().ToStringView(), &t.timer); !st.ok()) return st;
    out.push_back(std::move(t));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading timers");
  return out;
}

Result<std::vector<Outcome>> Engine::Tick(Instant now, const std::string& actor_id, TickReport* report) {
  if (Status st = CheckName(actor_id, "the clock's actor id"); !st.ok()) return st;
  std::vector<Outcome> all;
  TickReport local;
  TickReport& rep = report ? *report : local;
  rep = TickReport{};
  const int max_rounds = std::max(impl_->opts.tick_max_rounds, 1);
  // Firing changes state, which re-arms later steps (possibly also due): loop until quiet.
  for (int round = 0;; ++round) {
    auto due = PendingTimers(now, 50000);
    if (!due.ok()) return due.status();
    if (due->empty()) break;
    if (round == max_rounds) {
      rep.more_due = true;
      spdlog::warn("tick at {}: timers still due after {} rounds; the next tick fires the rest",
                   FormatInstant(now), max_rounds);
      break;
    }
    rep.rounds = round + 1;
    std::vector<Command> commands;
    std::vector<std::string> keys;
    // A reminder the clock reaches only in the tick that also finds its
    // deadline missed (a plan entered late, a server down over the due day)
    // would tell the unit the work is still due when it is already late, and
    // count as a reminder received: it is dropped unfired. Only beside its
    // own missed timer (same assignment, due date and arming), which makes
    // the assignment overdue in this very batch: then the timers a rebuild
    // arms agree with the store's, as `verify` checks.
    std::set<std::tuple<std::string_view, int32_t, std::string_view, std::string_view, Instant>> missed;
    for (const auto& t : *due)
      if (t.timer.kind == schemas::TimerKind::kMissed)
        missed.emplace(t.plan_id, t.timer.task, t.timer.unit, t.timer.due_on, t.timer.armed_at);
    for (auto& t : *due) {
      if (t.timer.kind == schemas::TimerKind::kReminder &&
          missed.count({t.plan_id, t.timer.task, t.timer.unit, t.timer.due_on, t.timer.armed_at})) {
        keys.push_back(t.key);
        ++rep.moot_reminders;
        continue;
      }
      Command c;
      // Unique per arming (the key holds armed_at); 128 bits of its hash keep
      // the id, the commands row and both event hashes short.
      c.command_id = "timer:" + schemas::Sha256Hex(t.key).substr(0, 32);
      c.plan_id = t.plan_id;
      c.actor = schemas::Actor{actor_id, schemas::Role::kSystem, "clock"};
      // Recorded when the tick runs; effective when the timer was due.
      c.issued_at = impl_->opts.clock ? impl_->opts.clock->Now() : now;
      c.effective_at = t.due;
      c.body = t.timer;
      commands.push_back(std::move(c));
      keys.push_back(t.key);
    }
    // A timer whose firing changes nothing is stale (its state moved on
    // without re-arming, e.g. a policy change); drop it so it cannot loop.
    auto outcomes = impl_->Commit(commands, keys, {}, /*timer_commands=*/true);
    bool progressed = false;
    for (auto& o : outcomes) {
      if (!o.status.ok() && o.status.code() != Status::Code::kRejected) return o.status;
      if (!o.events.empty()) progressed = true;
      all.push_back(std::move(o));
    }
    if (!progressed) break;
  }
  return all;
}

Result<AssignmentCounts> Engine::CountAssignments(const std::string& plan_id) const {
  const Impl& m = *impl_;
  if (!m.counts_built)
    return Status::Unavailable(
        "this store was made before the dashboard's counts were kept and has none yet: open it once with a writer "
        "(e.g. `duban serve`) or run `duban rebuild`");
  AssignmentCounts out;
  const std::string prefix = plan_id.empty() ? std::string() : rk::PlanPrefix(plan_id);
  std::unique_ptr<rocksdb::Iterator> it(m.db->NewIterator(rocksdb::ReadOptions(), m.cf[kCounts]));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    GroupCount g;
    bool activity = false;
    if (!records::ParseCountKey(it->key().ToStringView(), &g.plan_id, &g.group, &activity))
      return Status::Corruption("damaged assignment count key");
    if (activity) {
      records::LastChange last;
      if (Status st = records::DecodeLastChange(it->value().ToStringView(), &last); !st.ok()) return st;
      out.last_update[{std::move(g.plan_id), std::move(g.group.unit)}] = last.at;
      continue;
    }
    records::GroupTally t;
    if (Status st = records::DecodeGroupTally(it->value().ToStringView(), &t); !st.ok()) return st;
    g.count = t.count, g.reminders = t.reminders, g.reminders_unknown = t.reminders_unknown;
    out.groups.push_back(std::move(g));
  }
  if (Status st = FromRocks(it->status(), "reading assignment counts"); !st.ok()) return st;
  return out;
}

Result<std::vector<AssignmentRow>> Engine::Assignments(const StatusFilter& f) const {
  auto* db = impl_->db;
  auto* cf = impl_->cf;
  std::vector<std::string> keys;
  // One snapshot for the index scan and both MultiGets: a commit running
  // beside this query (engine.h) is seen whole or not at all.
  struct Snapshot {
    rocksdb::DB* db;
    const rocksdb::Snapshot* s;
    ~Snapshot() { db->ReleaseSnapshot(s); }
  } snap{db, db->GetSnapshot()};
  rocksdb::ReadOptions ro;
  ro.snapshot = snap.s;
  auto scan = [&](int cfi, const std::string& prefix, auto&& take) -> Status {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf[cfi]));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) take(it->key().ToStringView());
    return FromRocks(it->status(), "reading indexes");
  };
  Status st;
  std::vector<AssignmentRow> rows;
  // A row from its key and stored value; false: filtered out.
  auto decode = [&](std::string_view key, std::string_view value, AssignmentRow* row) -> Result<bool> {
    records::AssignmentKey ak;
    if (!records::ParseAssignmentKey(key, &ak)) return Status::Corruption("damaged assignment key");
    row->plan_id = ak.plan;
    row->task = ak.task;
    if (Status d = records::DecodeAssignment(value, &row->a); !d.ok()) return d;
    return !(f.status && row->a.status != *f.status) && !(f.overdue_only && !row->a.overdue);
  };
  if (!f.unit.empty()) {
    std::string prefix = rk::ByUnitPrefix(f.unit);
    if (!f.plan_id.empty()) prefix += f.plan_id + std::string(1, '\0');
    st = scan(kByUnit, prefix, [&](std::string_view k) {
      std::string unit, plan;
      int32_t task;
      if (records::ParseByUnitKey(k, &unit, &plan, &task)) keys.push_back(rk::Assignment(plan, task, unit));
    });
  } else if (f.status) {
    std::string prefix = rk::ByStatusPrefix(*f.status);
    if (!f.plan_id.empty()) prefix += rk::PlanPrefix(f.plan_id);
    st = scan(kByStatus, prefix, [&](std::string_view k) { keys.emplace_back(k.substr(1)); });
  } else {
    // No index to go through: the rows themselves, read as they are scanned
    // (a second lookup of each key would double the cost of the office's
    // whole-store reads, the dashboard's above all).
    const std::string prefix = f.plan_id.empty() ? std::string() : rk::PlanPrefix(f.plan_id);
    // The whole store: room for about every row at once, not a vector grown
    // (and moved) a dozen times over 50,000 rows.
    uint64_t estimate = 0;
    if (prefix.empty() && db->GetIntProperty(cf[kAssignments], "rocksdb.estimate-num-keys", &estimate))
      rows.reserve(static_cast<size_t>(std::min<uint64_t>(estimate, uint64_t{1} << 22)));
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf[kAssignments]));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      AssignmentRow row;
      auto keep = decode(it->key().ToStringView(), it->value().ToStringView(), &row);
      if (!keep.ok()) return keep.status();
      if (*keep) rows.push_back(std::move(row));
    }
    st = FromRocks(it->status(), "reading assignments");
  }
  if (!st.ok()) return st;
  if (!keys.empty()) {
    // The batched MultiGet of one column family (RocksDB sorts the keys and
    // reads each data block once for the keys it holds), not the per-key one
    // that takes a column family per key.
    std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    db->MultiGet(ro, cf[kAssignments], keys.size(), slices.data(), values.data(), statuses.data());
    rows.reserve(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      if (!statuses[i].ok()) return FromRocks(statuses[i], "reading an assignment");
      AssignmentRow row;
      auto keep = decode(keys[i], values[i].ToStringView(), &row);
      if (!keep.ok()) return keep.status();
      if (*keep) rows.push_back(std::move(row));
    }
  }
  // Task titles for the rows, one MultiGet for the distinct tasks.
  std::vector<std::string> row_task_keys;
  row_task_keys.reserve(rows.size());
  for (const auto& r : rows) row_task_keys.push_back(rk::Task(r.plan_id, r.task));
  std::vector<std::string> task_keys = row_task_keys;
  std::sort(task_keys.begin(), task_keys.end());
  task_keys.erase(std::unique(task_keys.begin(), task_keys.end()), task_keys.end());
  std::vector<rocksdb::Slice> tslices(task_keys.begin(), task_keys.end());
  std::vector<rocksdb::PinnableSlice> tvalues(task_keys.size());
  std::vector<rocksdb::Status> tstatuses(task_keys.size());
  db->MultiGet(ro, cf[kTasks], task_keys.size(), tslices.data(), tvalues.data(), tstatuses.data());
  std::vector<TaskState> tasks(task_keys.size());  // by position in task_keys
  for (size_t i = 0; i < task_keys.size(); ++i)
    if (tstatuses[i].ok()) (void)records::DecodeTask(tvalues[i].ToStringView(), &tasks[i]);
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto at = std::lower_bound(task_keys.begin(), task_keys.end(), row_task_keys[i]) - task_keys.begin();
    const TaskState& t = tasks[static_cast<size_t>(at)];
    rows[i].task_title = t.title.empty() ? utf8::Prefix(t.content, 30) : t.title;
    rows[i].deadline_text = t.deadline.text;
  }
  return rows;
}

Result<std::vector<HistoryEntry>> Engine::History(const std::string& plan_id, int32_t task) const {
  auto positions = impl_->HistoryPositions(rk::Task(plan_id, task));
  if (!positions.ok()) return positions.status();
  return impl_->ReadPositions(std::move(positions).value());
}

Result<PlanState> Engine::Plan(const std::string& plan_id) const {
  auto it = impl_->cache.find(plan_id);
  if (it != impl_->cache.end()) {
    if (!it->second.exists) return Status::NotFound("no plan with id " + plan_id);
    return it->second;
  }
  auto s = impl_->ReplayPlan(plan_id, std::nullopt);
  if (!s.ok()) return s;
  if (!s->exists) return Status::NotFound("no plan with id " + plan_id);
  // Kept for the next read as the commit path keeps the plans it touches
  // (every write path updates or drops a cached state), so a server's reads
  // of a plan replay it once, not per request. Only existing plans: asking
  // for made-up ids must not grow the cache.
  impl_->cache.emplace(plan_id, *s);
  return s;
}

Result<PlanState> Engine::PlanAsOf(const std::string& plan_id, Instant at, AsOf basis,
                                   std::vector<Event>* events) const {
  auto s = impl_->ReplayPlan(plan_id, at, basis, events);
  if (!s.ok()) return s;
  if (!s->exists) return Status::NotFound("plan " + plan_id + " did not exist at " + FormatInstant(at));
  return s;
}

Result<std::vector<std::string>> Engine::PlanIds() const { return impl_->PlanIdsFromProjection(); }

Result<Outcome> Engine::OutcomeOf(const std::string& command_id, schemas::Event* first_event) const {
  return impl_->StoredOutcome(command_id, first_event);
}

uint64_t Engine::LogEnd() const { return impl_->next_pos; }

bool Engine::WaitForBackgroundWork(double max_seconds) const {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(max_seconds);
  const char* props[] = {"rocksdb.mem-table-flush-pending", "rocksdb.compaction-pending",
                         "rocksdb.num-running-flushes", "rocksdb.num-running-compactions"};
  while (true) {
    bool busy = false;
    for (auto* h : impl_->cf) {
      if (!h) continue;
      for (const char* p : props) {
        uint64_t v = 0;
        if (impl_->db->GetIntProperty(h, p, &v) && v) busy = true;
      }
    }
    if (!busy) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Engine::WriteStats Engine::write_stats() const { return impl_->stats; }

void Engine::set_write_observer(std::function<void(std::string_view)> observer) {
  impl_->write_observer = std::move(observer);
}

Result<double> Engine::TimeRawWrites(const std::string& dir, const std::vector<std::string>& batches) {
  EngineOptions o;
  o.data_dir = dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle* handles[kCfCount] = {};
  // Same column families in the same order, so the ids inside the batches match.
  if (Status st = Impl::OpenDb(dir, o, &db, handles); !st.ok()) return st;
  rocksdb::WriteOptions wo;
  const auto t0 = std::chrono::steady_clock::now();
  Status result;
  for (const auto& rep : batches) {
    rocksdb::WriteBatch wb(rep);
    if (rocksdb::Status s = db->Write(wo, &wb); !s.ok()) {
      result = FromRocks(s, "raw write");
      break;
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (auto* h : handles)
    if (h) db->DestroyColumnFamilyHandle(h);
  delete db;
  if (!result.ok()) return result;
  return secs;
}

Status Engine::ScanLog(uint64_t from, const std::function<bool(uint64_t, const Event&)>& fn) const {
  rocksdb::ReadOptions ro;
  ro.readahead_size = 4 << 20;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf[kLog]));
  for (it->Seek(rk::Pos(from)); it->Valid(); it->Next()) {
    const uint64_t pos = DecodeFixed64BE(it->key().data());
    auto e = Impl::DecodeFramed(it->value().ToStringView(), pos);
    if (!e.ok()) return e.status();
    if (!fn(pos, *e)) break;
  }
  return FromRocks(it->status(), "reading the log");
}

Status Engine::ScanLogRecords(uint64_t from, const std::function<bool(uint64_t, std::string_view)>& fn) const {
  rocksdb::ReadOptions ro;
  ro.readahead_size = 4 << 20;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf[kLog]));
  for (it->Seek(rk::Pos(from)); it->Valid(); it->Next())
    if (!fn(DecodeFixed64BE(it->key().data()), it->value().ToStringView())) break;
  return FromRocks(it->status(), "reading the log");
}

Result<bool> Engine::Impl::LoadCountsBuilt(bool created) {
  std::string v;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf[kMeta], kCountsBuilt, &v);
  if (!s.ok() && !s.IsNotFound()) return FromRocks(s, "reading meta");
  counts_built = s.ok() && cf[kCounts];
  if (counts_built || opts.read_only) return false;
  if (!created && next_pos > 1) return true;
  // Nothing projected yet: counting starts with the first commit.
  if (auto w = Written(db->Put(WriteOpts(), cf[kMeta], kCountsBuilt, "1")); !w.ok()) return FromRocks(w, "writing meta");
  counts_built = true;
  return false;
}

Status Engine::Rebuild() {
  Impl& m = *impl_;
  if (m.opts.read_only) return Status::InvalidArgument("the store is open read-only");
  {
    // Projections derived from an altered log would agree with it, and the
    // difference verify would have shown is gone: refuse instead.
    VerifyReport check;
    if (Status st = m.CheckLog({}, check); !st.ok()) return st;
    if (!check.ok())
      return Status::Corruption("rebuild refused, nothing was changed: the log fails its own checks (" +
                                check.problems.front() +
                                (check.problems.size() > 1
                                     ? "; and " + std::to_string(check.problems.size() - 1) + " more problem(s)"
                                     : std::string()) +
                                "), and projections rebuilt from it would hide that. `duban verify` lists the "
                                "problems; restore the store from a copy");
  }
  rocksdb::WriteOptions sync;
  sync.sync = true;
  if (auto s = m.Written(m.db->Put(sync, m.cf[kMeta], kRebuildMarker, "1")); !s.ok()) return FromRocks(s, "marking rebuild");
  for (int i = kFirstProjection; i <= kLastProjection; ++i) {
    rocksdb::ColumnFamilyOptions cfo = Impl::CfOptions(m.opts, i);
    if (auto s = m.db->DropColumnFamily(m.cf[i]); !s.ok()) return FromRocks(s, "dropping projection");
    m.db->DestroyColumnFamilyHandle(m.cf[i]);
    m.cf[i] = nullptr;
    if (auto s = m.db->CreateColumnFamily(cfo, kCfNames[i], &m.cf[i]); !s.ok())
      return FromRocks(s, "recreating projection");
  }
  {
    // Snapshots are a cache of plan states: start them afresh with the projections.
    if (auto s = m.db->DropColumnFamily(m.cf[kSnapshots]); !s.ok()) return FromRocks(s, "dropping snapshots");
    m.db->DestroyColumnFamilyHandle(m.cf[kSnapshots]);
    m.cf[kSnapshots] = nullptr;
    if (auto s = m.db->CreateColumnFamily(Impl::CfOptions(m.opts, kSnapshots), kCfNames[kSnapshots], &m.cf[kSnapshots]);
        !s.ok())
      return FromRocks(s, "recreating snapshots");
  }
  m.cache.clear();
  m.snapshot_version.clear();
  // The WAL is skipped for speed; the marker (cleared only after a flush)
  // makes an interrupted rebuild start over on the next open.
  if (Status st = m.ReplayInto(m.db, m.cf, /*disable_wal=*/true); !st.ok()) return st;
  std::vector<rocksdb::ColumnFamilyHandle*> projections(m.cf + kFirstProjection, m.cf + kLastProjection + 1);
  if (auto s = m.db->Flush(rocksdb::FlushOptions(), projections); !s.ok()) return FromRocks(s, "flushing projections");
  if (auto s = m.Written(m.db->Put(sync, m.cf[kMeta], kCountsBuilt, "1")); !s.ok()) return FromRocks(s, "marking counts");
  m.counts_built = true;
  if (auto s = m.Written(m.db->Delete(sync, m.cf[kMeta], kRebuildMarker)); !s.ok()) return FromRocks(s, "clearing rebuild marker");
  return m.LoadHeads();
}

namespace {
Status CompareCf(rocksdb::DB* a, rocksdb::ColumnFamilyHandle* ca, rocksdb::DB* b,
                 rocksdb::ColumnFamilyHandle* cb, const char* name, uint64_t* keys,
                 std::vector<std::string>* problems) {
  std::unique_ptr<rocksdb::Iterator> ia(a->NewIterator(rocksdb::ReadOptions(), ca));
  std::unique_ptr<rocksdb::Iterator> ib(b->NewIterator(rocksdb::ReadOptions(), cb));
  ia->SeekToFirst();
  ib->SeekToFirst();
  auto hex = [](rocksdb::Slice s) {
    std::string out;
    static const char* kHex = "0123456789abcdef";
    for (size_t i = 0; i < s.size() && i < 48; ++i) {
      unsigned char c = s[i];
      if (c >= 0x20 && c < 0x7f) out.push_back(c);
      else { out += "\\x"; out.push_back(kHex[c >> 4]); out.push_back(kHex[c & 15]); }
    }
    return out;
  };
  while (ia->Valid() || ib->Valid()) {
    if (!ia->Valid() || (ib->Valid() && ib->key().compare(ia->key()) < 0)) {
      problems->push_back(std::string(name) + ": key " + hex(ib->key()) + " is missing from the live projection");
      return Status::Ok();
    }
    if (!ib->Valid() || ia->key().compare(ib->key()) < 0) {
      problems->push_back(std::string(name) + ": live key " + hex(ia->key()) + " is not produced by a rebuild");
      return Status::Ok();
    }
    if (ia->value() != ib->value()) {
      problems->push_back(std::string(name) + ": value of key " + hex(ia->key()) + " differs from a rebuild");
      return Status::Ok();
    }
    ++*keys;
    ia->Next();
    ib->Next();
  }
  if (!ia->status().ok()) return FromRocks(ia->status(), "reading live projection");
  return FromRocks(ib->status(), "reading rebuilt projection");
}
}  // namespace

Result<VerifyReport> Engine::Verify(const std::vector<anchor::Checkpoint>& anchors) const {
  const Impl& m = *impl_;
  VerifyReport report;
  // 0. Every block of every table file against its checksum: a flipped bit
  // in a table the queries have not read yet is found now, not by chance.
  if (rocksdb::Status s = m.db->VerifyChecksum(); !s.ok()) {
    if (!s.IsCorruption()) return FromRocks(s, "checking the store's table files");
    report.problems.push_back("a table file is damaged (" + s.ToString() +
                              "): restore the store from a copy made before the damage");
    return report;
  }
  // 1. Hash chains, positions and signed checkpoints.
  bool readable = true;
  if (Status st = m.CheckLog(anchors, report, &readable); !st.ok()) return st;
  if (!readable) return report;
  // 2. Rebuild into a scratch store and compare every projection key by key.
  // The scratch store goes beside the store; where that cannot be written
  // (a read-only copy an auditor was handed), into the temporary directory.
  std::string scratch = m.opts.data_dir + "/verify-scratch-" + std::to_string(::getpid());
  std::error_code ec;
  std::filesystem::remove_all(scratch, ec);
  EngineOptions so;
  so.data_dir = scratch;
  so.env = m.opts.env;  // the same disk as the store
  rocksdb::DB* sdb = nullptr;
  rocksdb::ColumnFamilyHandle* scf[kCfCount] = {};
  if (Status st = Impl::OpenDb(scratch, so, &sdb, scf); !st.ok()) {
    std::filesystem::remove_all(scratch, ec);  // e.g. the disk is full: leave nothing behind
    const bool unwritable = st.message().find("read-only") != std::string::npos ||
                            st.message().find("may not write") != std::string::npos;
    if (!unwritable) return st;
    const std::filesystem::path tmp = std::filesystem::temp_directory_path(ec);
    if (ec || tmp.empty() || !tmp.is_absolute()) return st;
    scratch = (tmp / ("duban-verify-scratch-" + std::to_string(::getpid()))).string();
    std::filesystem::remove_all(scratch, ec);
    so.data_dir = scratch;
    if (Status again = Impl::OpenDb(scratch, so, &sdb, scf); !again.ok()) {
      std::filesystem::remove_all(scratch, ec);
      return st;
    }
  }
  Status st = m.ReplayInto(sdb, scf, true);
  if (st.ok()) {
    for (int i = kFirstProjection; i <= kLastProjection && st.ok(); ++i) {
      if (i == kCounts && !m.counts_built) {
        report.notes.push_back(
            "this store was made before the dashboard's counts were kept and has none yet (the next writer to open "
            "it, or `duban rebuild`, counts them): they were not compared");
        continue;
      }
      st = CompareCf(m.db, m.cf[i], sdb, scf[i], kCfNames[i], &report.projection_keys, &report.problems);
    }
  }
  for (auto* h : scf)
    if (h) sdb->DestroyColumnFamilyHandle(h);
  delete sdb;
  std::filesystem::remove_all(scratch, ec);
  if (!st.ok()) return st;
  return report;
}

Result<anchor::Checkpoint> Engine::SignCheckpoint() {
  Impl& m = *impl_;
  if (m.opts.read_only) return Status::InvalidArgument("the store is open read-only");
  if (!m.opts.anchor_key)
    return Status::InvalidArgument("signing a checkpoint needs the anchor key (--anchor-key FILE or DUBAN_ANCHOR_KEY)");
  rocksdb::WriteBatch wb;
  auto seal = m.SealBatch({}, m.next_pos - 1, /*keep=*/true, wb);
  if (!seal.ok()) return seal.status();
  rocksdb::WriteOptions sync;
  sync.sync = true;
  if (auto s = m.Written(m.db->Write(sync, &wb)); !s.ok()) return FromRocks(s, "writing a checkpoint");
  m.Sealed(**seal);
  return (*seal)->cp;
}

Result<std::optional<anchor::Checkpoint>> Engine::LatestCheckpoint() const {
  auto v = GetMeta(kAnchorLast);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return std::optional<anchor::Checkpoint>();
  auto cp = anchor::Checkpoint::FromJson(**v);
  if (!cp.ok()) return cp.status();
  return std::optional<anchor::Checkpoint>(std::move(cp).value());
}

Result<std::string> Engine::ProjectionDigest() const {
  std::string acc;
  for (int i = kFirstProjection; i <= kLastProjection; ++i) {
    if (!impl_->cf[i]) continue;  // a read-only open of a store made before this CF
    std::string cf_acc = kCfNames[i];
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf[i]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      PutFixed32BE(&cf_acc, static_cast<uint32_t>(it->key().size()));
      cf_acc.append(it->key().data(), it->key().size());
      PutFixed32BE(&cf_acc, static_cast<uint32_t>(it->value().size()));
      cf_acc.append(it->value().data(), it->value().size());
      if (cf_acc.size() > (1 << 20)) cf_acc = schemas::Sha256Hex(cf_acc);
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading projections");
    acc += schemas::Sha256Hex(cf_acc);
  }
  return schemas::Sha256Hex(acc);
}

}  // namespace duban

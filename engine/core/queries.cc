// The queries over the projections: Assignments (through the by_unit index
// and the counts, or the rows themselves), CountAssignments (the
// dashboard's counts), History, Plan, PlanAsOf, PlanIds, OutcomeOf, and the
// engine's own meta rows.
//
// Guarantee: Assignments, GetMeta and MetaWithPrefix read RocksDB only, so
// they may run beside the committer (duban/engine.h); Assignments reads one
// snapshot, so a commit beside it is seen whole or not at all.
#include <algorithm>

#include "duban/utf8.h"
#include "engine_impl.h"

namespace duban {

using namespace core;
using schemas::Event;
namespace rk = records::keys;

namespace {

// A row from its key and stored value; false: filtered out.
Result<bool> DecodeRow(const StatusFilter& f, std::string_view key, std::string_view value, AssignmentRow* row) {
  records::AssignmentKey ak;
  if (!records::ParseAssignmentKey(key, &ak)) return Status::Corruption("damaged assignment key");
  row->plan_id = ak.plan;
  row->task = ak.task;
  if (Status d = records::DecodeAssignment(value, &row->a); !d.ok()) return d;
  return f.Matches(row->a);
}

// Appends the keys of a unit's rows (optionally within a plan) to `keys`,
// from by_unit through `it`, which callers reuse across units.
Status AppendUnitKeys(rocksdb::Iterator& it, const std::string& unit, const std::string& plan,
                      std::vector<std::string>& keys) {
  std::string prefix = rk::ByUnitPrefix(unit);
  if (!plan.empty()) prefix += rk::PlanPrefix(plan);
  for (it.Seek(prefix); it.Valid() && it.key().starts_with(prefix); it.Next()) {
    std::string u, p;
    int32_t task;
    if (!records::ParseByUnitKey(it.key().ToStringView(), &u, &p, &task))
      return Status::Corruption("damaged by_unit key");
    keys.push_back(rk::Assignment(p, task, u));
  }
  return FromRocks(it.status(), "reading the by_unit index");
}

// The keys of the rows that may hold a status or be overdue, through
// `counts`: a group's status and overdue flag are its rows' (GroupOf), so
// the (plan, unit) pairs with such a group hold every such row, and by_unit
// lists each pair's rows. The rows are filtered after they are read. This
// replaces the by_status index (retired: it cost a key and a tombstone per
// status change, a quarter of a key per event, to serve a query that the
// counts already narrow to the units concerned).
// False, listing nothing: those pairs hold more than half the rows in the
// query's scope (the counts say how many), which a scan reads faster than
// lookups by key would.
Result<bool> CountedKeys(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* const* cf, const rocksdb::ReadOptions& ro,
                         const StatusFilter& f, std::vector<std::string>& keys) {
  const std::string prefix = f.plan_id.empty() ? std::string() : rk::PlanPrefix(f.plan_id);
  std::vector<std::pair<std::string, std::string>> pairs;  // (plan, unit) with a matching group, in key order
  int64_t rows = 0, listed = 0;                            // rows in scope, rows of those pairs
  std::string plan, unit;                                  // the pair being read
  int64_t pair_rows = 0;
  bool pair_matches = false;
  auto end_pair = [&] {
    if (pair_matches) pairs.emplace_back(plan, unit), listed += pair_rows;
    pair_rows = 0, pair_matches = false;
  };
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf[kCounts]));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::string p;
    AssignmentGroup g;
    bool activity = false;
    if (!records::ParseCountKey(it->key().ToStringView(), &p, &g, &activity))
      return Status::Corruption("damaged assignment count key");
    if (activity) continue;
    records::GroupTally t;
    if (Status st = records::DecodeGroupTally(it->value().ToStringView(), &t); !st.ok()) return st;
    if (p != plan || g.unit != unit) {
      end_pair();
      plan = std::move(p), unit = std::move(g.unit);
    }
    rows += t.count, pair_rows += t.count;
    pair_matches |= f.Matches(g.status, g.overdue);
  }
  end_pair();
  if (Status st = FromRocks(it->status(), "reading assignment counts"); !st.ok()) return st;
  if (listed * 2 > rows) return false;
  std::unique_ptr<rocksdb::Iterator> by_unit(db->NewIterator(ro, cf[kByUnit]));
  for (const auto& [pp, u] : pairs)
    if (Status st = AppendUnitKeys(*by_unit, u, pp, keys); !st.ok()) return st;
  // Plan, task, unit: the order of the rows themselves, as a scan gives them.
  std::sort(keys.begin(), keys.end());
  return true;
}

// No index to go through: the rows themselves, read as they are scanned
// (a second lookup of each key would double the cost of the office's
// whole-store reads, the dashboard's above all).
Status ScanRows(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* const* cf, const rocksdb::ReadOptions& ro,
                const StatusFilter& f, std::vector<AssignmentRow>& rows) {
  const std::string prefix = f.plan_id.empty() ? std::string() : rk::PlanPrefix(f.plan_id);
  // The whole store: room for about every row at once, not a vector grown
  // (and moved) a dozen times over 50,000 rows.
  uint64_t estimate = 0;
  if (prefix.empty() && db->GetIntProperty(cf[kAssignments], "rocksdb.estimate-num-keys", &estimate))
    rows.reserve(static_cast<size_t>(std::min<uint64_t>(estimate, uint64_t{1} << 22)));
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf[kAssignments]));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    AssignmentRow row;
    auto keep = DecodeRow(f, it->key().ToStringView(), it->value().ToStringView(), &row);
    if (!keep.ok()) return keep.status();
    if (*keep) rows.push_back(std::move(row));
  }
  return FromRocks(it->status(), "reading assignments");
}

// The rows of the keys an index gave. The batched MultiGet of one column
// family (RocksDB sorts the keys and reads each data block once for the keys
// it holds), not the per-key one that takes a column family per key.
Status RowsOfKeys(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* const* cf, const rocksdb::ReadOptions& ro,
                  const StatusFilter& f, const std::vector<std::string>& keys, std::vector<AssignmentRow>& rows) {
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db->MultiGet(ro, cf[kAssignments], keys.size(), slices.data(), values.data(), statuses.data());
  rows.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!statuses[i].ok()) return FromRocks(statuses[i], "reading an assignment");
    AssignmentRow row;
    auto keep = DecodeRow(f, keys[i], values[i].ToStringView(), &row);
    if (!keep.ok()) return keep.status();
    if (*keep) rows.push_back(std::move(row));
  }
  return Status::Ok();
}

// Task titles for the rows, one MultiGet for the distinct tasks.
void AddTaskTitles(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* const* cf, const rocksdb::ReadOptions& ro,
                   std::vector<AssignmentRow>& rows) {
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
}

}  // namespace

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
  std::vector<AssignmentRow> rows;
  // A unit's rows through by_unit; rows of a status or overdue through the
  // counts (unless they name most rows in scope, or this store has none yet,
  // a read-only open of a store made before them): else the rows scanned.
  bool listed = false;
  if (!f.unit.empty()) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf[kByUnit]));
    if (Status st = AppendUnitKeys(*it, f.unit, f.plan_id, keys); !st.ok()) return st;
    listed = true;
  } else if ((f.status || f.overdue_only) && impl_->counts_built) {
    auto counted = CountedKeys(db, cf, ro, f, keys);
    if (!counted.ok()) return counted.status();
    listed = *counted;
  }
  Status st = listed ? Status::Ok() : ScanRows(db, cf, ro, f, rows);
  if (!st.ok()) return st;
  if (!keys.empty() && !(st = RowsOfKeys(db, cf, ro, f, keys, rows)).ok()) return st;
  AddTaskTitles(db, cf, ro, rows);
  return rows;
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

Result<std::vector<HistoryEntry>> Engine::History(const std::string& plan_id, int32_t task) const {
  auto positions = impl_->HistoryPositions(plan_id, task);
  if (!positions.ok()) return positions.status();
  return impl_->ReadPositions(std::move(positions).value());
}

Result<PlanState> Engine::Plan(const std::string& plan_id) const {
  if (const PlanState* held = impl_->cache.Find(plan_id)) {
    if (!held->exists) return Status::NotFound("no plan with id " + plan_id);
    return *held;
  }
  auto s = impl_->LoadPlan(plan_id);
  if (!s.ok()) return s;
  // A reader beside a rebuild (or after one that stopped) may not find a
  // plan the log holds: say so rather than that it does not exist.
  if (!s->exists)
    return Status::NotFound("no plan with id " + plan_id +
                            (impl_->rebuild_unfinished
                                 ? " in the projections, which are being rebuilt (or a rebuild stopped half-way): "
                                   "ask again when it has ended, or run `duban rebuild`"
                                 : ""));
  // Kept for the next read as the commit path keeps the plans it touches
  // (every write path updates or drops a cached state), so a server's reads
  // of a plan replay it once, not per request. Only existing plans: asking
  // for made-up ids must not grow the cache.
  impl_->cache.Put(plan_id, *s);
  impl_->cache.Trim();
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

Result<std::optional<std::string>> Engine::GetMeta(const std::string& key) const {
  std::string v;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf[kMeta], key, &v);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "reading meta " + key);
  return std::optional<std::string>(std::move(v));
}

Result<std::vector<std::pair<std::string, std::string>>> Engine::MetaWithPrefix(const std::string& prefix) const {
  return impl_->MetaWithPrefix(prefix);
}

Result<std::vector<std::pair<std::string, std::string>>> Engine::Impl::MetaWithPrefix(const std::string& prefix) const {
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[kMeta]));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
    out.emplace_back(it->key().ToString(), it->value().ToString());
  if (!it->status().ok()) return FromRocks(it->status(), "reading meta " + prefix);
  return out;
}

Result<std::vector<std::string>> Engine::Impl::PlanIdsFromProjection() const {
  std::vector<std::string> out;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[kPlans]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) out.push_back(it->key().ToString());
  if (!it->status().ok()) return FromRocks(it->status(), "reading plans");
  return out;
}

}  // namespace duban

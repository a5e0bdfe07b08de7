#include "records.h"

namespace duban::core::records {
namespace {

class Writer {
 public:
  Writer& U8(uint8_t v) {
    out_.push_back(static_cast<char>(v));
    return *this;
  }
  Writer& U32(uint32_t v) {
    PutFixed32BE(&out_, v);
    return *this;
  }
  Writer& I32(int32_t v) { return U32(static_cast<uint32_t>(v)); }
  Writer& U64(uint64_t v) {
    PutFixed64BE(&out_, v);
    return *this;
  }
  Writer& I64(int64_t v) { return U64(static_cast<uint64_t>(v)); }
  Writer& Str(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    out_.append(s);
    return *this;
  }
  Writer& Strs(const std::vector<std::string>& v) {
    U32(static_cast<uint32_t>(v.size()));
    for (const auto& s : v) Str(s);
    return *this;
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool U8(uint8_t* v) {
    if (!Need(1)) return false;
    *v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool U32(uint32_t* v) {
    if (!Need(4)) return false;
    *v = DecodeFixed32BE(in_.data());
    in_.remove_prefix(4);
    return true;
  }
  bool I32(int32_t* v) {
    uint32_t u;
    if (!U32(&u)) return false;
    *v = static_cast<int32_t>(u);
    return true;
  }
  bool U64(uint64_t* v) {
    if (!Need(8)) return false;
    *v = DecodeFixed64BE(in_.data());
    in_.remove_prefix(8);
    return true;
  }
  bool I64(int64_t* v) {
    uint64_t u;
    if (!U64(&u)) return false;
    *v = static_cast<int64_t>(u);
    return true;
  }
  bool Bool(bool* v) {
    uint8_t u;
    if (!U8(&u)) return false;
    *v = u != 0;
    return true;
  }
  bool Str(std::string* s) {
    uint32_t n;
    if (!U32(&n) || !Need(n)) return false;
    s->assign(in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  bool Strs(std::vector<std::string>* v) {
    uint32_t n;
    if (!U32(&n) || n > in_.size() / 4) return false;
    v->resize(n);
    for (auto& s : *v)
      if (!Str(&s)) return false;
    return true;
  }
  bool Done() const { return in_.empty(); }

 private:
  bool Need(size_t n) const { return in_.size() >= n; }
  std::string_view in_;
};

Status Bad(const char* what) { return Status::Corruption(std::string("damaged ") + what + " record"); }

void PutTask32(std::string* k, int32_t task) { PutFixed32BE(k, static_cast<uint32_t>(task)); }

}  // namespace

namespace keys {
std::string Pos(uint64_t pos) {
  std::string k;
  PutFixed64BE(&k, pos);
  return k;
}
std::string PlanPrefix(std::string_view plan) {
  std::string k(plan);
  k.push_back('\0');
  return k;
}
std::string Task(std::string_view plan, int32_t task) {
  std::string k = PlanPrefix(plan);
  PutTask32(&k, task);
  return k;
}
std::string Assignment(std::string_view plan, int32_t task, std::string_view unit) {
  std::string k = Task(plan, task);
  k.append(unit);
  return k;
}
std::string ByUnitPrefix(std::string_view unit) { return PlanPrefix(unit); }
std::string ByUnit(std::string_view unit, std::string_view plan, int32_t task) {
  std::string k = ByUnitPrefix(unit);
  k.append(plan);
  k.push_back('\0');
  PutTask32(&k, task);
  return k;
}
std::string HistoryBucket(std::string_view stream, uint64_t pos) {
  std::string k = PlanPrefix(stream);
  PutFixed64BE(&k, pos >> kHistoryBlockBits);
  return k;
}
std::string Timer(Instant due, std::string_view plan, const schemas::FireTimer& t) {
  std::string k;
  const std::string_view kind = schemas::TimerKindName(t.kind);
  k.reserve(8 + plan.size() + 5 + t.unit.size() + kind.size() + t.cycle_id.size() + 16);
  PutOrderedI64(&k, due);
  k.append(Assignment(plan, t.task, t.unit));
  k.push_back('\0');
  k.append(kind);
  k.push_back('\0');
  k.append(t.cycle_id);
  k.push_back('\0');
  PutFixed32BE(&k, static_cast<uint32_t>(t.level));
  PutOrderedI64(&k, t.armed_at);  // a timer armed again (same date) is a new timer
  return k;
}
}  // namespace keys

bool ParseAssignmentKey(std::string_view key, AssignmentKey* out) {
  const size_t z = key.find('\0');
  if (z == std::string_view::npos || key.size() < z + 5) return false;
  out->plan.assign(key.data(), z);
  out->task = static_cast<int32_t>(DecodeFixed32BE(key.data() + z + 1));
  out->unit.assign(key.substr(z + 5));
  return true;
}
bool ParseByUnitKey(std::string_view key, std::string* unit, std::string* plan, int32_t* task) {
  const size_t z1 = key.find('\0');
  if (z1 == std::string_view::npos) return false;
  const size_t z2 = key.find('\0', z1 + 1);
  if (z2 == std::string_view::npos || key.size() != z2 + 5) return false;
  unit->assign(key.substr(0, z1));
  plan->assign(key.substr(z1 + 1, z2 - z1 - 1));
  *task = static_cast<int32_t>(DecodeFixed32BE(key.data() + z2 + 1));
  return true;
}
void AppendHistoryEntry(std::string* bucket, uint64_t pos, int32_t task) {
  bucket->push_back(static_cast<char>(pos & ((1u << kHistoryBlockBits) - 1)));
  auto v = static_cast<uint32_t>(task);
  while (v >= 0x80) {
    bucket->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  bucket->push_back(static_cast<char>(v));
}

Status DecodeHistory(std::string_view key, std::string_view value, std::vector<HistoryEntryRef>* out) {
  const size_t z = key.find('\0');
  if (z != std::string_view::npos && value.empty() && key.size() == z + 13) {  // format 1: one event per key
    out->push_back({static_cast<int32_t>(DecodeFixed32BE(key.data() + z + 1)), DecodeFixed64BE(key.data() + z + 5)});
    return Status::Ok();
  }
  if (z == std::string_view::npos || key.size() != z + 9 || value.empty())
    return Status::Corruption("damaged history key");
  const uint64_t base = DecodeFixed64BE(key.data() + z + 1) << kHistoryBlockBits;
  int last_offset = -1;
  for (size_t i = 0; i < value.size();) {
    const int offset = static_cast<uint8_t>(value[i++]);
    uint32_t task = 0;
    int shift = 0;
    bool done = false;
    while (i < value.size() && shift < 35 && !done) {
      const auto b = static_cast<uint8_t>(value[i++]);
      task |= static_cast<uint32_t>(b & 0x7f) << shift;
      shift += 7;
      done = !(b & 0x80);
    }
    // Offsets only grow within a bucket: anything else is damage.
    if (!done || offset <= last_offset || offset >= (1 << kHistoryBlockBits))
      return Status::Corruption("damaged history bucket");
    last_offset = offset;
    out->push_back({static_cast<int32_t>(task), base + static_cast<uint64_t>(offset)});
  }
  return Status::Ok();
}
bool ParseTimerKey(std::string_view key, Instant* due, std::string* plan) {
  if (key.size() < 9) return false;
  *due = DecodeOrderedI64(key.data());
  const size_t z = key.find('\0', 8);
  if (z == std::string_view::npos) return false;
  plan->assign(key.substr(8, z - 8));
  return true;
}

namespace keys {
std::string Snapshot(std::string_view plan, uint64_t version) {
  std::string k = PlanPrefix(plan);
  PutFixed64BE(&k, version);
  return k;
}
std::string UnitActivity(std::string_view plan, std::string_view unit) {
  std::string k = PlanPrefix(plan);
  k.append(unit);
  k.push_back('\0');
  k.push_back('a');
  return k;
}
std::string CountGroup(std::string_view plan, const AssignmentGroup& g) {
  std::string k = PlanPrefix(plan);
  k.append(g.unit);
  k.push_back('\0');
  k.push_back('g');
  k.push_back(static_cast<char>(g.status));
  k.push_back(
      static_cast<char>(g.overdue | g.acceptance_overdue << 1 | g.review_overdue << 2 | g.extension_pending << 3));
  PutFixed32BE(&k, static_cast<uint32_t>(g.escalation_level));
  k.append(g.due_on);
  return k;
}
}  // namespace keys

bool ParseCountKey(std::string_view key, std::string* plan, AssignmentGroup* g, bool* activity) {
  const size_t z = key.find('\0');
  if (z == std::string_view::npos) return false;
  const size_t u = key.find('\0', z + 1);
  if (u == std::string_view::npos || u + 1 >= key.size()) return false;
  plan->assign(key.substr(0, z));
  g->unit.assign(key.substr(z + 1, u - z - 1));
  const std::string_view rest = key.substr(u + 1);
  if (rest == "a") {
    *activity = true;
    return true;
  }
  if (rest.size() < 7 || rest[0] != 'g') return false;
  const auto status = static_cast<uint8_t>(rest[1]), flags = static_cast<uint8_t>(rest[2]);
  if (status < 1 || status > 7 || flags > 15) return false;
  *activity = false;
  g->status = static_cast<AssignmentStatus>(status);
  g->overdue = flags & 1;
  g->acceptance_overdue = flags & 2;
  g->review_overdue = flags & 4;
  g->extension_pending = flags & 8;
  g->escalation_level = static_cast<int32_t>(DecodeFixed32BE(rest.data() + 3));
  g->due_on.assign(rest.substr(7));
  return true;
}

std::string EncodeGroupTally(const GroupTally& t) {
  Writer w;
  w.U8(1).I64(t.count).I64(t.reminders).I64(t.reminders_unknown);
  return w.Take();
}
Status DecodeGroupTally(std::string_view v, GroupTally* t) {
  Reader r(v);
  uint8_t fmt;
  if (!r.U8(&fmt) || fmt != 1 || !r.I64(&t->count) || !r.I64(&t->reminders) || !r.I64(&t->reminders_unknown) ||
      !r.Done())
    return Bad("assignment count");
  return Status::Ok();
}
std::string EncodeLastChange(const LastChange& c) {
  Writer w;
  w.U64(c.seq).I64(c.at);
  return w.Take();
}
Status DecodeLastChange(std::string_view v, LastChange* c) {
  Reader r(v);
  if (!r.U64(&c->seq) || !r.I64(&c->at) || !r.Done()) return Bad("last change");
  return Status::Ok();
}

// Format 2 adds the sub-units (name, parent, name, parent, ...); format 1
// rows were written before delegation and read none. Format 3 adds the
// office's consolidation choice (older rows: none, the definition's).
std::string EncodePlan(const PlanState& p) {
  Writer w;
  w.U8(3).Str(p.id).Str(p.meta.title).Str(p.meta.issuer).Str(p.meta.doc_number).Str(p.meta.issued_on);
  w.I32(p.meta.year).Str(p.meta.source_digest).Strs(p.meta.units).U8(p.withdrawn);
  std::vector<std::string> sub;
  for (const auto& s : p.meta.sub_units) {
    sub.push_back(s.name);
    sub.push_back(s.parent);
  }
  w.Strs(sub);
  w.Str(p.consolidation);
  return w.Take();
}
Status DecodePlan(std::string_view v, PlanState* p) {
  Reader r(v);
  uint8_t fmt;
  if (!r.U8(&fmt) || fmt < 1 || fmt > 3 || !r.Str(&p->id) || !r.Str(&p->meta.title) || !r.Str(&p->meta.issuer) ||
      !r.Str(&p->meta.doc_number) || !r.Str(&p->meta.issued_on) || !r.I32(&p->meta.year) ||
      !r.Str(&p->meta.source_digest) || !r.Strs(&p->meta.units) || !r.Bool(&p->withdrawn))
    return Bad("plan");
  std::vector<std::string> sub;
  if (fmt >= 2 && (!r.Strs(&sub) || sub.size() % 2 != 0)) return Bad("plan");
  p->consolidation.clear();
  if (fmt >= 3 && !r.Str(&p->consolidation)) return Bad("plan");
  if (!r.Done()) return Bad("plan");
  p->meta.sub_units.clear();
  for (size_t i = 0; i < sub.size(); i += 2) p->meta.sub_units.push_back({sub[i], sub[i + 1]});
  p->exists = true;
  return Status::Ok();
}

// Format 2 adds the schedule's year and setting (format 1 rows read 0: no
// schedule was ever set before it).
std::string EncodeTask(const TaskState& t) {
  Writer w;
  w.U8(2).I32(t.number).Strs(t.section).Str(t.title).Str(t.content);
  w.Str(t.deadline.text).Str(t.deadline.due_on).Str(t.deadline.recurrence).U8(t.deadline.unresolved);
  w.Str(t.deadline.calendar_version).U8(t.cancelled).U8(t.completed).I64(t.updated_at);
  w.I32(t.schedule_year).I64(t.schedule_set_at);
  return w.Take();
}
Status DecodeTask(std::string_view v, TaskState* t) {
  Reader r(v);
  uint8_t fmt;
  if (!r.U8(&fmt) || fmt < 1 || fmt > 2 || !r.I32(&t->number) || !r.Strs(&t->section) || !r.Str(&t->title) ||
      !r.Str(&t->content) || !r.Str(&t->deadline.text) || !r.Str(&t->deadline.due_on) ||
      !r.Str(&t->deadline.recurrence) || !r.Bool(&t->deadline.unresolved) || !r.Str(&t->deadline.calendar_version) ||
      !r.Bool(&t->cancelled) || !r.Bool(&t->completed) || !r.I64(&t->updated_at))
    return Bad("task");
  if (fmt >= 2 && (!r.I32(&t->schedule_year) || !r.I64(&t->schedule_set_at))) return Bad("task");
  if (!r.Done()) return Bad("task");
  return Status::Ok();
}

// Format 2 adds assigned_at, submitted_at, acceptance_overdue, review_overdue
// (format 1 rows, until the next rebuild, read them as 0 / false); format 3
// adds calendar_version (older rows read it as "": never recounted) and
// last_act_at (older rows read 0: no floor until the next event or rebuild);
// format 4 adds reminders (older rows read -1: not known until a rebuild);
// format 5 adds parent (older rows read "": delegation came with it);
// format 6 added the time work last came back (builds of one day only: read
// as that one return, handed in at submitted_at); format 7 the returns
// (older rows read none: the ladder of work that came back fires its passed
// rungs at once, as before, until a rebuild).
std::string EncodeAssignment(const AssignmentState& a) {
  Writer w;
  w.U8(7).I32(a.task).Str(a.unit).U8(static_cast<uint8_t>(a.role)).U8(static_cast<uint8_t>(a.status));
  w.I32(a.percent).Str(a.due_on).Str(a.pending_extension).I64(a.due_set_at).I32(a.reminded_days);
  w.U8(a.overdue).I32(a.escalation_level).Str(a.last_reason).I32(a.reports).I64(a.updated_at);
  w.U64(a.updated_seq);
  w.I64(a.assigned_at).I64(a.submitted_at).U8(a.acceptance_overdue).U8(a.review_overdue);
  w.Str(a.calendar_version).I64(a.last_act_at);
  w.I32(a.reminders).Str(a.parent).U32(static_cast<uint32_t>(a.returns.size()));
  for (const auto& back : a.returns) w.I64(back.handed_in).I64(back.back);
  return w.Take();
}
Status DecodeAssignment(std::string_view v, AssignmentState* a) {
  Reader r(v);
  uint8_t fmt, role, status;
  if (!r.U8(&fmt) || fmt < 1 || fmt > 7 || !r.I32(&a->task) || !r.Str(&a->unit) || !r.U8(&role) || !r.U8(&status) ||
      !r.I32(&a->percent) || !r.Str(&a->due_on) || !r.Str(&a->pending_extension) || !r.I64(&a->due_set_at) ||
      !r.I32(&a->reminded_days) || !r.Bool(&a->overdue) || !r.I32(&a->escalation_level) || !r.Str(&a->last_reason) ||
      !r.I32(&a->reports) || !r.I64(&a->updated_at) || !r.U64(&a->updated_seq))
    return Bad("assignment");
  if (fmt >= 2 && (!r.I64(&a->assigned_at) || !r.I64(&a->submitted_at) || !r.Bool(&a->acceptance_overdue) ||
                   !r.Bool(&a->review_overdue)))
    return Bad("assignment");
  if (fmt >= 3 && (!r.Str(&a->calendar_version) || !r.I64(&a->last_act_at))) return Bad("assignment");
  a->reminders = -1;
  if (fmt >= 4 && !r.I32(&a->reminders)) return Bad("assignment");
  if (fmt >= 5 && !r.Str(&a->parent)) return Bad("assignment");
  Instant back = 0;
  if (fmt == 6 && !r.I64(&back)) return Bad("assignment");
  uint32_t returns = 0;
  if (fmt >= 7 && !r.U32(&returns)) return Bad("assignment");
  if (returns > v.size() / 16) return Bad("assignment");  // each takes 16 bytes: a damaged count
  a->returns.resize(returns);
  for (auto& one : a->returns)
    if (!r.I64(&one.handed_in) || !r.I64(&one.back)) return Bad("assignment");
  if (back != 0) a->returns.push_back({a->submitted_at, back});
  if (!r.Done()) return Bad("assignment");
  if (role < 1 || role > 2 || status < 1 || status > 7) return Bad("assignment");
  a->role = static_cast<AssignmentRole>(role);
  a->status = static_cast<AssignmentStatus>(status);
  return Status::Ok();
}

// Format 2 adds calendar_version and provisional; format 1 (older stores,
// until their next rebuild) reads as no calendar recorded.
std::string EncodeTimer(const schemas::FireTimer& t) {
  Writer w;
  w.U8(2)
      .I32(t.task)
      .Str(t.unit)
      .Str(std::string(schemas::TimerKindName(t.kind)))
      .Str(t.due_on)
      .I32(t.level)
      .Str(t.step);
  w.I32(t.working_days_left).Strs(t.notify).Str(t.cycle_id).I64(t.armed_at);
  w.Str(t.calendar_version).U8(t.provisional);
  return w.Take();
}
Status DecodeTimer(std::string_view v, schemas::FireTimer* t) {
  Reader r(v);
  uint8_t fmt;
  std::string kind;
  if (!r.U8(&fmt) || fmt < 1 || fmt > 3 || !r.I32(&t->task) || !r.Str(&t->unit) || !r.Str(&kind) ||
      !r.Str(&t->due_on) || !r.I32(&t->level) || !r.Str(&t->step) || !r.I32(&t->working_days_left) ||
      !r.Strs(&t->notify) || !r.Str(&t->cycle_id) || !r.I64(&t->armed_at))
    return Bad("timer");
  const auto parsed = schemas::ParseTimerKind(kind);
  if (!parsed) return Bad("timer");
  t->kind = *parsed;
  t->calendar_version.clear();
  t->provisional = false;
  if (fmt == 2 && (!r.Str(&t->calendar_version) || !r.Bool(&t->provisional))) return Bad("timer");
  if (!r.Done()) return Bad("timer");
  return Status::Ok();
}

namespace {
void PutPairs(Writer& w, const std::set<std::pair<int32_t, std::string>>& set) {
  w.U32(static_cast<uint32_t>(set.size()));
  for (const auto& [t, u] : set) w.I32(t).Str(u);
}
bool GetPairs(Reader& r, std::set<std::pair<int32_t, std::string>>* set) {
  uint32_t n;
  if (!r.U32(&n)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    int32_t t;
    std::string u;
    if (!r.I32(&t) || !r.Str(&u)) return false;
    set->emplace(t, std::move(u));
  }
  return true;
}
}  // namespace

bool PeekSnapshot(std::string_view v, SnapshotHead* head) {
  Reader r(v);
  uint8_t fmt = 0;
  *head = SnapshotHead{};
  if (!r.U8(&fmt) || (fmt != 2 && fmt != 3) || !r.U64(&head->log_pos) || !r.I64(&head->max_occurred) ||
      !r.I64(&head->max_recorded))
    return false;
  return fmt == 2 || (r.I64(&head->segment_min_occurred) && r.I64(&head->segment_min_recorded));
}

std::string EncodeSnapshot(const PlanState& p, uint64_t log_pos) {
  Writer w;
  w.U8(3)
      .U64(log_pos)
      .I64(p.max_occurred_at)
      .I64(p.max_recorded_at)
      .I64(p.since_snapshot.min_occurred_at)
      .I64(p.since_snapshot.min_recorded_at)
      .Str(EncodePlan(p))
      .U8(p.exists)
      .U64(p.version)
      .Str(p.last_hash)
      .I64(p.updated_at);
  w.Strs(std::vector<std::string>(p.units.begin(), p.units.end()));
  w.U32(static_cast<uint32_t>(p.tasks.size()));
  for (const auto& [n, t] : p.tasks) w.Str(EncodeTask(t));
  w.U32(static_cast<uint32_t>(p.assignments.size()));
  for (const auto& [k, a] : p.assignments) w.Str(EncodeAssignment(a));
  w.U32(static_cast<uint32_t>(p.cycles.size()));
  for (const auto& [id, c] : p.cycles) {
    w.Str(id).Str(c.kind).Str(c.scope).Str(c.due_on).U8(c.closed);
    PutPairs(w, c.requested);
    PutPairs(w, c.answered);
    PutPairs(w, c.late);
    w.U32(static_cast<uint32_t>(c.overdue.size()));
    for (const auto& [k, level] : c.overdue) w.I32(k.first).Str(k.second).I32(level);
  }
  return w.Take();
}

Status DecodeSnapshot(std::string_view v, PlanState* p, uint64_t* log_pos) {
  Reader r(v);
  uint8_t fmt = 0;
  std::string row;
  std::vector<std::string> units;
  uint32_t n;
  if (r.U8(&fmt) && fmt == 1) return Status::NotFound("a snapshot of format 1");
  Instant segment_min = 0;  // of the events before the snapshot, not of the state it loads
  if ((fmt != 2 && fmt != 3) || !r.U64(log_pos) || !r.I64(&p->max_occurred_at) || !r.I64(&p->max_recorded_at) ||
      (fmt == 3 && (!r.I64(&segment_min) || !r.I64(&segment_min))) || !r.Str(&row))
    return Bad("snapshot");
  if (Status st = DecodePlan(row, p); !st.ok()) return st;
  if (!r.Bool(&p->exists) || !r.U64(&p->version) || !r.Str(&p->last_hash) || !r.I64(&p->updated_at) ||
      !r.Strs(&units) || !r.U32(&n))
    return Bad("snapshot");
  p->units = std::set<std::string>(units.begin(), units.end());
  for (uint32_t i = 0; i < n; ++i) {
    TaskState t;
    if (!r.Str(&row)) return Bad("snapshot");
    if (Status st = DecodeTask(row, &t); !st.ok()) return st;
    p->tasks[t.number] = std::move(t);
  }
  if (!r.U32(&n)) return Bad("snapshot");
  for (uint32_t i = 0; i < n; ++i) {
    AssignmentState a;
    if (!r.Str(&row)) return Bad("snapshot");
    if (Status st = DecodeAssignment(row, &a); !st.ok()) return st;
    p->assignments[{a.task, a.unit}] = std::move(a);
  }
  if (!r.U32(&n)) return Bad("snapshot");
  for (uint32_t i = 0; i < n; ++i) {
    std::string id;
    CycleState c;
    uint32_t m;
    if (!r.Str(&id) || !r.Str(&c.kind) || !r.Str(&c.scope) || !r.Str(&c.due_on) || !r.Bool(&c.closed) ||
        !GetPairs(r, &c.requested) || !GetPairs(r, &c.answered) || !GetPairs(r, &c.late) || !r.U32(&m))
      return Bad("snapshot");
    for (uint32_t k = 0; k < m; ++k) {
      int32_t t, level;
      std::string u;
      if (!r.I32(&t) || !r.Str(&u) || !r.I32(&level)) return Bad("snapshot");
      c.overdue[{t, u}] = level;
    }
    p->cycles[id] = std::move(c);
  }
  if (!r.Done()) return Bad("snapshot");
  return Status::Ok();
}

std::string EncodeStreamHead(uint64_t version, std::string_view last_hash) {
  Writer w;
  w.U64(version).Str(last_hash);
  return w.Take();
}
Status DecodeStreamHead(std::string_view v, uint64_t* version, std::string* last_hash) {
  Reader r(v);
  if (!r.U64(version) || !r.Str(last_hash) || !r.Done()) return Bad("stream head");
  return Status::Ok();
}

std::string EncodeCommandRef(uint64_t first_pos, uint32_t count, std::string_view digest) {
  Writer w;
  w.U64(first_pos).U32(count);
  std::string v = w.Take();
  v.append(digest);
  return v;
}
Status DecodeCommandRef(std::string_view v, uint64_t* first_pos, uint32_t* count, std::string* digest) {
  if (v.size() < kCommandRefBytes) return Bad("command outcome");
  Reader r(v.substr(0, kCommandRefBytes));
  if (!r.U64(first_pos) || !r.U32(count) || !r.Done()) return Bad("command outcome");
  if (digest) digest->assign(v.substr(kCommandRefBytes));
  return Status::Ok();
}

}  // namespace duban::core::records

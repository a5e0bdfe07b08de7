// Binary and JSON codecs for events and commands (see codec.h for the layout).
#include "duban/schemas/codec.h"

#include <cereal/archives/portable_binary.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <streambuf>

#include "fields.h"

namespace duban::schemas {
namespace {

using OutAr = cereal::PortableBinaryOutputArchive;
using InAr = cereal::PortableBinaryInputArchive;

// Command format 2 appends effective_at and back_entry_reason (format 1, as
// older clients send it, reads them as 0 and ""). Format 3: the plan inside
// ImportPlan is PlanImported v2 (sub_units); formats 1 and 2 carry v1.
// Format 4: Reassign and ResolveReturn add due_on. Format 5: Assign adds due_on.
constexpr uint8_t kCommandFormatV1 = 1;
constexpr uint8_t kCommandFormatV2 = 2;
constexpr uint8_t kCommandFormatV3 = 3;
constexpr uint8_t kCommandFormatV4 = 4;
constexpr uint8_t kCommandFormat = 5;

template <class T>
struct IsVector : std::false_type {};
template <class T>
struct IsVector<std::vector<T>> : std::true_type {};
template <class T>
struct IsStructVector : std::false_type {};
template <class T>
struct IsStructVector<std::vector<T>> : HasFields<T> {};

// ---- binary -----------------------------------------------------------
template <class V>
void Write(OutAr& ar, const V& v);
template <class V>
void Read(InAr& ar, V& v);

struct BinWriter {
  OutAr& ar;
  template <class V>
  void operator()(const char*, const V& v) const {
    Write(ar, v);
  }
};
struct BinReader {
  InAr& ar;
  template <class V>
  void operator()(const char*, V& v) const {
    Read(ar, v);
  }
};

template <class V>
void Write(OutAr& ar, const V& v) {
  if constexpr (HasFields<V>::value) {
    Fields(BinWriter{ar}, v);
  } else if constexpr (IsStructVector<V>::value) {
    ar(static_cast<uint64_t>(v.size()));
    for (const auto& x : v) Write(ar, x);
  } else if constexpr (std::is_same_v<V, TimerKind>) {
    ar(std::string(TimerKindName(v)));  // by name: the bytes of the string field it was
  } else if constexpr (std::is_enum_v<V>) {
    ar(static_cast<std::underlying_type_t<V>>(v));
  } else {
    ar(v);
  }
}

// Bytes left in the input, so a garbage element count cannot make us allocate first.
struct ViewBuf : std::streambuf {
  ViewBuf() = default;
  explicit ViewBuf(std::string_view s) { Reset(s); }
  void Reset(std::string_view s) {
    char* p = const_cast<char*>(s.data());
    setg(p, p, p + s.size());
  }
  std::streamsize left() const { return egptr() - gptr(); }
};
thread_local const ViewBuf* tl_current_buf = nullptr;

void CheckCount(uint64_t n, size_t min_elem_bytes) {
  if (tl_current_buf && n > static_cast<uint64_t>(tl_current_buf->left()) / min_elem_bytes)
    throw cereal::Exception("element count larger than the input");
}

template <class V>
void Read(InAr& ar, V& v) {
  if constexpr (HasFields<V>::value) {
    Fields(BinReader{ar}, v);
  } else if constexpr (IsVector<V>::value) {
    uint64_t n = 0;
    ar(n);
    CheckCount(n, 8);
    v.clear();
    v.resize(n);
    for (auto& x : v) Read(ar, x);
  } else if constexpr (std::is_same_v<V, std::string>) {
    uint64_t n = 0;
    ar(n);
    CheckCount(n, 1);
    v.resize(n);
    if (n) ar(cereal::binary_data(v.data(), n));
  } else if constexpr (std::is_same_v<V, TimerKind>) {
    std::string name;
    Read(ar, name);
    auto kind = ParseTimerKind(name);
    if (!kind) throw cereal::Exception("unknown timer kind '" + name + "'");
    v = *kind;
  } else if constexpr (std::is_enum_v<V>) {
    std::underlying_type_t<V> raw{};
    ar(raw);
    // Only the values a writer can produce: anything else is damage, not data.
    if constexpr (std::is_same_v<V, Role>) {
      if (raw < 1 || raw > 5) throw cereal::Exception("invalid role byte");
    } else if constexpr (std::is_same_v<V, AssignmentRole>) {
      if (raw < 1 || raw > 2) throw cereal::Exception("invalid assignment role byte");
    }
    v = static_cast<V>(raw);
  } else if constexpr (std::is_same_v<V, bool>) {
    uint8_t raw = 0;
    ar(raw);
    if (raw > 1) throw cereal::Exception("invalid bool byte");
    v = raw != 0;
  } else {
    ar(v);
  }
}

// Strings are written by hand so the reader can bound them (see CheckCount);
// the layout is the same as cereal's own (u64 size, then bytes).
template <>
void Write<std::string>(OutAr& ar, const std::string& s) {
  ar(static_cast<uint64_t>(s.size()));
  if (!s.empty()) ar(cereal::binary_data(s.data(), s.size()));
}
template <>
void Write<std::vector<std::string>>(OutAr& ar, const std::vector<std::string>& v) {
  ar(static_cast<uint64_t>(v.size()));
  for (const auto& s : v) Write(ar, s);
}

// Appends to a std::string without the locale and buffer set-up of an
// ostringstream per record (measured: a large share of encode time).
struct StringSink : std::streambuf {
  std::string* out = nullptr;
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out->append(s, static_cast<size_t>(n));
    return n;
  }
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) out->push_back(static_cast<char>(c));
    return c;
  }
};

template <class Fn>
std::string ToBytes(Fn&& fn) {
  thread_local StringSink sink;
  thread_local std::ostream os(&sink);
  std::string out;
  out.reserve(256);
  std::string* saved = sink.out;  // ToBytes nests (a body inside an envelope)
  sink.out = &out;
  os.clear();
  {
    OutAr ar(os, OutAr::Options::LittleEndian());
    fn(ar);
  }
  sink.out = saved;
  return out;
}

template <class Fn>
Status FromBytes(std::string_view bytes, Fn&& fn) {
  // One reader per thread and nesting depth: an istream per record costs
  // more than decoding the record (locale set-up).
  thread_local int depth = 0;
  thread_local ViewBuf bufs[4];
  thread_local std::istream streams[4] = {std::istream(&bufs[0]), std::istream(&bufs[1]), std::istream(&bufs[2]),
                                          std::istream(&bufs[3])};
  if (depth >= 4) return Status::Corruption("records nested too deeply");
  ViewBuf& buf = bufs[depth];
  std::istream& is = streams[depth];
  buf.Reset(bytes);
  is.clear();
  struct Depth {
    int& d;
    explicit Depth(int& x) : d(x) { ++d; }
    ~Depth() { --d; }
  } guard(depth);
  const ViewBuf* saved = tl_current_buf;
  tl_current_buf = &buf;
  try {
    InAr ar(is, InAr::Options::LittleEndian());
    fn(ar);
    tl_current_buf = saved;
    if (buf.left() != 0) return Status::Corruption("trailing bytes after record");
    return Status::Ok();
  } catch (const std::exception& ex) {
    tl_current_buf = saved;
    return Status::Corruption(std::string("undecodable record: ") + ex.what());
  }
}

// ---- type table ---------------------------------------------------------
template <class T>
constexpr EventType kTypeOf = EventType{0};
// A list of macro calls, not statements: clang-format would indent it further on each run.
// clang-format off
#define TYPE_OF(T) \
  template <>      \
  constexpr EventType kTypeOf<T> = EventType::k##T;
TYPE_OF(PlanImported) TYPE_OF(PlanAmended) TYPE_OF(PlanWithdrawn) TYPE_OF(TaskAdded)
TYPE_OF(TaskAmended) TYPE_OF(TaskCancelled) TYPE_OF(TaskCompleted) TYPE_OF(AssignmentCreated)
TYPE_OF(AssignmentAccepted) TYPE_OF(AssignmentReturned) TYPE_OF(AssignmentReassigned)
TYPE_OF(ProgressReported) TYPE_OF(CompletionSubmitted) TYPE_OF(CompletionApproved)
TYPE_OF(CompletionRejected) TYPE_OF(ExtensionRequested) TYPE_OF(ExtensionGranted)
TYPE_OF(ExtensionDenied) TYPE_OF(DeadlineApproaching) TYPE_OF(DeadlineMissed)
TYPE_OF(EscalationRaised) TYPE_OF(EscalationCleared) TYPE_OF(ReviewCycleStarted)
TYPE_OF(ProgressReportRequested) TYPE_OF(ReviewCycleClosed) TYPE_OF(CommandRejected)
TYPE_OF(ReportOverdue) TYPE_OF(AssignmentReopened) TYPE_OF(AcceptanceOverdue) TYPE_OF(ReviewOverdue)
TYPE_OF(DeadlineRecounted) TYPE_OF(CalendarNoticeAdded) TYPE_OF(AccountChanged)
TYPE_OF(DeadlineChanged) TYPE_OF(AssignmentCancelled) TYPE_OF(AssignmentMerged) TYPE_OF(NoteAdded)
TYPE_OF(ScheduleSet) TYPE_OF(AssignmentDelegated) TYPE_OF(PlanUnitAdded)
#undef TYPE_OF
    // clang-format on

    template <class T>
    bool TryDecode(uint16_t type, std::string_view bytes, EventBody* out, Status* st) {
  if (static_cast<uint16_t>(kTypeOf<T>) != type) return false;
  T v;
  *st = FromBytes(bytes, [&](InAr& ar) { Read(ar, v); });
  if (st->ok()) *out = std::move(v);
  return true;
}

template <size_t... I>
Status DecodeCurrent(uint16_t type, std::string_view bytes, EventBody* out, std::index_sequence<I...>) {
  Status st;
  bool found = (TryDecode<std::variant_alternative_t<I, EventBody>>(type, bytes, out, &st) || ...);
  (void)found;
  return st;
}

// ---- JSON ---------------------------------------------------------------
using nlohmann::json;

template <class V>
json ToJson(const V& v);

struct JsonWriter {
  json& j;
  template <class V>
  void operator()(const char* name, const V& v) const {
    j[name] = ToJson(v);
  }
};

template <class V>
json ToJson(const V& v) {
  if constexpr (HasFields<V>::value) {
    json j = json::object();
    Fields(JsonWriter{j}, v);
    return j;
  } else if constexpr (IsVector<V>::value) {
    json a = json::array();
    for (const auto& x : v) a.push_back(ToJson(x));
    return a;
  } else if constexpr (std::is_same_v<V, Role>) {
    return RoleName(v);
  } else if constexpr (std::is_same_v<V, AssignmentRole>) {
    return AssignmentRoleName(v);
  } else if constexpr (std::is_same_v<V, TimerKind>) {
    return std::string(TimerKindName(v));
  } else {
    return v;
  }
}

}  // namespace

// ---- the type of a body (names, versions, task and unit: catalogue.cc) ----
EventType TypeOf(const EventBody& body) {
  return std::visit([](const auto& b) { return kTypeOf<std::decay_t<decltype(b)>>; }, body);
}

// ---- bodies -------------------------------------------------------------
std::string EncodeBody(const EventBody& body) {
  if (const auto* u = std::get_if<UnknownEvent>(&body)) return u->bytes;
  return ToBytes([&](OutAr& ar) { std::visit([&](const auto& b) { Write(ar, b); }, body); });
}

Result<EventBody> DecodeBody(uint16_t type, uint16_t version, std::string_view bytes) {
  // Upcasters: old layouts decode into their legacy struct and are lifted.
  if (type == static_cast<uint16_t>(EventType::kProgressReported) && version == 1) {
    ProgressReportedV1 v1;
    Status st = FromBytes(bytes, [&](InAr& ar) { Read(ar, v1); });
    if (!st.ok()) return st;
    return EventBody{ProgressReported{v1.task, v1.unit, v1.percent, v1.text, "", "", ""}};
  }
  if (type == static_cast<uint16_t>(EventType::kPlanImported) && version == 1) {
    PlanImportedV1 v1;
    Status st = FromBytes(bytes, [&](InAr& ar) { Read(ar, v1); });
    if (!st.ok()) return st;
    return EventBody{
        PlanImported{v1.title, v1.issuer, v1.doc_number, v1.issued_on, v1.year, v1.source_digest, v1.units, {}}};
  }
  // v1 of the clock's events: no calendar recorded, not provisional.
  if (version == 1) {
    auto lift = [&](auto v1, auto make) -> Result<EventBody> {
      Status st = FromBytes(bytes, [&](InAr& ar) { Read(ar, v1); });
      if (!st.ok()) return st;
      return EventBody{make(v1)};
    };
    switch (static_cast<EventType>(type)) {
      case EventType::kDeadlineApproaching:
        return lift(DeadlineApproachingV1{}, [](const DeadlineApproachingV1& v) {
          return DeadlineApproaching{v.task, v.unit, v.due_on, v.working_days_left, "", false};
        });
      case EventType::kDeadlineMissed:
        return lift(DeadlineMissedV1{}, [](const DeadlineMissedV1& v) {
          return DeadlineMissed{v.task, v.unit, v.due_on, "", false};
        });
      case EventType::kEscalationRaised:
        return lift(EscalationRaisedV1{}, [](const EscalationRaisedV1& v) {
          return EscalationRaised{v.task, v.unit, v.level, v.step, v.notify, "", false};
        });
      case EventType::kReportOverdue:
        return lift(ReportOverdueV1{}, [](const ReportOverdueV1& v) {
          return ReportOverdue{v.cycle_id, v.task, v.unit, v.due_on, v.level, v.step, v.notify, "", false};
        });
      case EventType::kAssignmentReassigned:
        return lift(AssignmentReassignedV1{}, [](const AssignmentReassignedV1& v) {
          return AssignmentReassigned{v.task, v.from_unit, v.to_unit, v.reason, ""};
        });
      default:
        break;
    }
  }
  const bool known = std::string_view(EventTypeName(type)) != "Unknown";
  if (!known || version == 0 || version > CurrentVersion(static_cast<EventType>(type))) {
    return EventBody{UnknownEvent{type, version, std::string(bytes)}};
  }
  EventBody out;
  Status st = DecodeCurrent(type, bytes, &out, std::make_index_sequence<std::variant_size_v<EventBody> - 1>{});
  if (!st.ok()) return st;
  return out;
}

namespace {
// The body in the layout of an older version, for events read from the log
// at that version and upcast: their hash and their stored bytes are those of
// the old layout. Each legacy layout is a prefix of the current one's fields
// (later versions only append), so the old bytes come back exactly.
PlanImportedV1 V1Of(const PlanImported& b) {
  return PlanImportedV1{b.title, b.issuer, b.doc_number, b.issued_on, b.year, b.source_digest, b.units};
}

std::string EncodeBodyAs(const EventBody& body, uint16_t version) {
  if (std::holds_alternative<UnknownEvent>(body) || version != 1 || version == CurrentVersion(TypeOf(body)))
    return EncodeBody(body);
  auto bytes = [](const auto& legacy) { return ToBytes([&](OutAr& ar) { Write(ar, legacy); }); };
  if (const auto* b = std::get_if<ProgressReported>(&body))
    return bytes(ProgressReportedV1{b->task, b->unit, b->percent, b->text});
  if (const auto* b = std::get_if<DeadlineApproaching>(&body))
    return bytes(DeadlineApproachingV1{b->task, b->unit, b->due_on, b->working_days_left});
  if (const auto* b = std::get_if<DeadlineMissed>(&body)) return bytes(DeadlineMissedV1{b->task, b->unit, b->due_on});
  if (const auto* b = std::get_if<EscalationRaised>(&body))
    return bytes(EscalationRaisedV1{b->task, b->unit, b->level, b->step, b->notify});
  if (const auto* b = std::get_if<ReportOverdue>(&body))
    return bytes(ReportOverdueV1{b->cycle_id, b->task, b->unit, b->due_on, b->level, b->step, b->notify});
  if (const auto* b = std::get_if<PlanImported>(&body)) return bytes(V1Of(*b));
  if (const auto* b = std::get_if<AssignmentReassigned>(&body))
    return bytes(AssignmentReassignedV1{b->task, b->from_unit, b->to_unit, b->reason});
  return EncodeBody(body);
}
}  // namespace

// ---- envelope -----------------------------------------------------------
namespace {
// The envelope's fields after the format byte, in order (the layout is in
// codec.h), written once for EncodeEvent and DecodeEvent: `field(ar, x)`
// writes or reads one length-prefixed field, fixed-width ones go to `ar`
// directly. `EventRef`/`BodyRef` are const when writing. DecodeEventHead
// reads the same layout's head by hand, without cereal.
template <class Ar, class EventRef, class BodyRef, class Field>
void EnvelopeFields(Ar& ar, EventRef& e, BodyRef& body, uint8_t format, Field field) {
  field(ar, e.event_id);
  field(ar, e.stream);
  ar(e.stream_seq, e.type, e.type_version, e.occurred_at, e.recorded_at);
  field(ar, e.actor);
  field(ar, e.command_id);
  field(ar, e.correlation_id);
  field(ar, e.prev_hash);
  field(ar, body);
  // Format 1 has no back-entry reason; EncodeEvent is never asked to write
  // one there (the engine writes format 2, and a format-1 event decodes empty).
  if (format >= 2) field(ar, e.back_entry_reason);
  field(ar, e.hash);
}
}  // namespace

std::string EncodeEvent(const Event& e) {
  // An event keeps the layout of the version it was written with (its hash covers those bytes).
  const std::string body = EncodeBodyAs(e.body, e.type_version);
  const uint8_t format = e.envelope_format;
  return ToBytes([&](OutAr& ar) {
    ar(format);
    EnvelopeFields(ar, e, body, format, [](OutAr& a, const auto& v) { Write(a, v); });
  });
}

std::string EncodeEventWithHash(Event& e) {
  // The hash covers every byte before it, and is the last field: one encoding
  // gives both the hash input and the record.
  e.hash.clear();
  std::string bytes = EncodeEvent(e);
  bytes.resize(bytes.size() - 8);  // drop the empty hash's u64 length
  e.hash = Sha256Hex(bytes);
  std::string tail = ToBytes([&](OutAr& ar) { Write(ar, e.hash); });
  bytes.append(tail, 1, std::string::npos);  // skip the archive's endianness byte
  return bytes;
}

Result<Event> DecodeEvent(std::string_view bytes) {
  Event e;
  std::string body;
  uint8_t format = 0;
  Status st = FromBytes(bytes, [&](InAr& ar) {
    ar(format);
    if (format != kEnvelopeFormatV1 && format != kEnvelopeFormatCurrent)
      throw cereal::Exception("unknown envelope format");
    e.envelope_format = format;
    EnvelopeFields(ar, e, body, format, [](InAr& a, auto& v) { Read(a, v); });
  });
  if (!st.ok()) return st;
  auto decoded = DecodeBody(e.type, e.type_version, body);
  if (!decoded.ok()) return decoded.status();
  e.body = std::move(decoded).value();
  return e;
}

namespace {
// Little-endian reads over a shrinking view, for DecodeEventHead; each says
// false instead of reading past the end.
struct HeadReader {
  std::string_view rest;
  template <class T>
  bool Fixed(T* out) {
    if (rest.size() < sizeof(T)) return false;
    T v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(static_cast<uint8_t>(rest[i])) << (8 * i);
    *out = v;
    rest.remove_prefix(sizeof(T));
    return true;
  }
  bool String(std::string_view* out) {
    uint64_t n = 0;
    if (!Fixed(&n) || n > rest.size()) return false;
    *out = rest.substr(0, static_cast<size_t>(n));
    rest.remove_prefix(static_cast<size_t>(n));
    return true;
  }
};
}  // namespace

Result<EventHead> DecodeEventHead(std::string_view bytes) {
  // The layout written by EncodeEvent: cereal's endianness byte (1, always
  // little-endian here), then the envelope (see codec.h).
  HeadReader r{bytes};
  EventHead h;
  uint8_t little = 0, format = 0, role = 0;
  uint16_t version = 0;
  int64_t occurred = 0, recorded = 0;
  std::string_view actor_id, actor_name;
  const bool ok = r.Fixed(&little) && little == 1 && r.Fixed(&format) &&
                  (format == kEnvelopeFormatV1 || format == kEnvelopeFormatCurrent) && r.String(&h.event_id) &&
                  r.String(&h.stream) && r.Fixed(&h.stream_seq) && r.Fixed(&h.type) && r.Fixed(&version) &&
                  r.Fixed(&occurred) && r.Fixed(&recorded) && r.String(&actor_id) && r.Fixed(&role) && role >= 1 &&
                  role <= 4 && r.String(&actor_name) && r.String(&h.command_id);
  if (!ok) return Status::Corruption("undecodable event envelope");
  return h;
}

// Sha256Hex, ComputeHash, DeriveEventId: hash.cc.

std::string BodyToJson(const EventBody& body) {
  if (const auto* u = std::get_if<UnknownEvent>(&body)) {
    return json{{"unknown_type", u->type}, {"version", u->version}, {"bytes", u->bytes.size()}}.dump(
        -1, ' ', false, json::error_handler_t::replace);
  }
  return std::visit([](const auto& b) { return ToJson(b).dump(-1, ' ', false, json::error_handler_t::replace); }, body);
}

std::string EventToJson(const Event& e) {
  json j;
  j["event_id"] = e.event_id;
  j["stream"] = e.stream;
  j["stream_seq"] = e.stream_seq;
  j["type"] = EventTypeName(e.type);
  j["type_id"] = e.type;
  j["type_version"] = e.type_version;
  j["occurred_at"] = FormatInstant(e.occurred_at);
  j["recorded_at"] = FormatInstant(e.recorded_at);
  j["actor"] = ToJson(e.actor);
  j["command_id"] = e.command_id;
  if (!e.correlation_id.empty()) j["correlation_id"] = e.correlation_id;
  if (IsBackEntry(e)) j["back_entry_reason"] = e.back_entry_reason;
  j["prev_hash"] = e.prev_hash;
  j["hash"] = e.hash;
  j["body"] = json::parse(BodyToJson(e.body));
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string DescribeBody(const EventBody& body) {
  if (const auto* u = std::get_if<UnknownEvent>(&body))
    return "unknown event type " + std::to_string(u->type) + " v" + std::to_string(u->version);
  json j = json::parse(BodyToJson(body));
  std::string out;
  for (auto& [k, v] : j.items()) {
    if (k == "task" || k == "unit" || k == "number") continue;
    if (v.is_string() && v.get<std::string>().empty()) continue;
    if (v.is_array() && v.empty()) continue;
    if (v.is_boolean() && !v.get<bool>()) continue;  // e.g. provisional=false says nothing
    if (!out.empty()) out += "; ";
    out += k + "=" + (v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  return out;
}

// ---- commands -------------------------------------------------------------
namespace {
// The position of T among CommandBody's alternatives (its index on the wire).
template <class T, size_t I = 0>
constexpr size_t VariantIndex() {
  if constexpr (std::is_same_v<std::variant_alternative_t<I, CommandBody>, T>)
    return I;
  else
    return VariantIndex<T, I + 1>();
}

template <size_t... I>
void ReadCommandBody(InAr& ar, uint16_t index, CommandBody* out, std::index_sequence<I...>) {
  bool found = ((index == I ? (Read(ar, out->template emplace<I>()), true) : false) || ...);
  if (!found) throw cereal::Exception("unknown command type");
}
}  // namespace

namespace {
// A command in `format` (2 to 5): they differ only in the plan inside
// ImportPlan (v1 layout in format 2, which cannot carry sub-units), in
// Reassign and ResolveReturn (no due_on before format 4) and in Assign (no
// due_on before format 5).
std::string EncodeCommandIn(const Command& c, uint8_t format) {
  return ToBytes([&](OutAr& ar) {
    ar(format);
    Write(ar, c.command_id);
    Write(ar, c.plan_id);
    Write(ar, c.expected_version.has_value());
    ar(c.expected_version.value_or(0));
    Write(ar, c.actor);
    ar(c.issued_at);
    Write(ar, c.correlation_id);
    ar(static_cast<uint16_t>(c.body.index()));
    const auto* import = std::get_if<ImportPlan>(&c.body);
    const auto* reassign = std::get_if<Reassign>(&c.body);
    const auto* resolve = std::get_if<ResolveReturn>(&c.body);
    const auto* assign = std::get_if<Assign>(&c.body);
    if (import && format < kCommandFormatV3) {
      Write(ar, V1Of(import->plan));
      Write(ar, import->tasks);
    } else if (reassign && format < kCommandFormatV4) {
      Write(ar, ReassignV1{reassign->task, reassign->from_unit, reassign->to_unit, reassign->reason});
    } else if (assign && format < kCommandFormat) {
      Write(ar, AssignV1{assign->task, assign->unit, assign->role});
    } else if (resolve && format < kCommandFormatV4) {
      Write(ar, ResolveReturnV1{resolve->task, resolve->unit, resolve->to_unit, resolve->reason});
    } else {
      std::visit([&](const auto& b) { Write(ar, b); }, c.body);
    }
    ar(c.effective_at);
    Write(ar, c.back_entry_reason);
  });
}
}  // namespace

// The digest a retried command is compared by (the command-id index keeps
// it): taken over the oldest format from 2 on that can say the command, so a
// digest stored before a later format still matches the same command after it.
std::string CommandDigest(const Command& c) {
  Command what = c;
  what.command_id.clear();
  what.issued_at = 0;
  what.correlation_id.clear();
  const auto* import = std::get_if<ImportPlan>(&what.body);
  const auto* reassign = std::get_if<Reassign>(&what.body);
  const auto* resolve = std::get_if<ResolveReturn>(&what.body);
  const auto* assign = std::get_if<Assign>(&what.body);
  const bool needs_v5 = assign && !assign->due_on.empty();
  const bool needs_v4 = (reassign && !reassign->due_on.empty()) || (resolve && !resolve->due_on.empty());
  const bool needs_v3 = import && !import->plan.sub_units.empty();
  return Sha256Hex(EncodeCommandIn(what, needs_v5   ? kCommandFormat
                                         : needs_v4 ? kCommandFormatV4
                                         : needs_v3 ? kCommandFormatV3
                                                    : kCommandFormatV2));
}

std::string EncodeCommand(const Command& c) { return EncodeCommandIn(c, kCommandFormat); }

Result<Command> DecodeCommand(std::string_view bytes) {
  Command c;
  Status st = FromBytes(bytes, [&](InAr& ar) {
    uint8_t format = 0;
    ar(format);
    if (format < kCommandFormatV1 || format > kCommandFormat) throw cereal::Exception("unknown command format");
    Read(ar, c.command_id);
    Read(ar, c.plan_id);
    bool has_version = false;
    uint64_t version = 0;
    Read(ar, has_version);
    ar(version);
    if (has_version) c.expected_version = version;
    Read(ar, c.actor);
    ar(c.issued_at);
    Read(ar, c.correlation_id);
    uint16_t index = 0;
    ar(index);
    static_assert(std::is_same_v<std::variant_alternative_t<0, CommandBody>, ImportPlan>);
    constexpr size_t kReassignAt = VariantIndex<Reassign>(), kResolveReturnAt = VariantIndex<ResolveReturn>();
    constexpr size_t kAssignAt = VariantIndex<Assign>();
    if (format < kCommandFormatV4 && index == kReassignAt) {
      ReassignV1 v1;
      Read(ar, v1);
      c.body = Reassign{v1.task, v1.from_unit, v1.to_unit, v1.reason, ""};
    } else if (format < kCommandFormat && index == kAssignAt) {
      AssignV1 v1;
      Read(ar, v1);
      c.body = Assign{v1.task, v1.unit, v1.role, ""};
    } else if (format < kCommandFormatV4 && index == kResolveReturnAt) {
      ResolveReturnV1 v1;
      Read(ar, v1);
      c.body = ResolveReturn{v1.task, v1.unit, v1.to_unit, v1.reason, ""};
    } else if (format < kCommandFormatV3 && index == 0) {
      // An import sent before sub_units: its plan in the v1 layout.
      PlanImportedV1 v1;
      ImportPlan plan;
      Read(ar, v1);
      Read(ar, plan.tasks);
      plan.plan =
          PlanImported{v1.title, v1.issuer, v1.doc_number, v1.issued_on, v1.year, v1.source_digest, v1.units, {}};
      c.body = std::move(plan);
    } else {
      ReadCommandBody(ar, index, &c.body, std::make_index_sequence<std::variant_size_v<CommandBody>>{});
    }
    if (format >= kCommandFormatV2) {
      ar(c.effective_at);
      Read(ar, c.back_entry_reason);
    }
  });
  if (!st.ok()) return st;
  return c;
}

}  // namespace duban::schemas

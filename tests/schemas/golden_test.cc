// Golden bytes of every event type at its current version, and of the retired
// ProgressReported v1 layout. A released (type, version) layout must never
// change; these files are what freezes it.
//
// The files in tests/schemas/golden/ were generated once and are committed.
// To add the file of a NEW (type, version) - never to change an existing one:
//   DUBAN_UPDATE_GOLDEN=1 build-<you>/bin/schemas_test --gtest_filter='Golden*'
// which writes only the files that are missing (existing files are never
// overwritten; a test that fails against its file means the layout changed:
// add a version and an upcaster instead of regenerating). Commit the new file.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "samples.h"

namespace duban::schemas {
namespace {

using namespace duban::schemas::testing;

std::string GoldenPath(const std::string& name) { return std::string(DUBAN_SCHEMAS_GOLDEN_DIR) + "/" + name; }

std::string ToHex(std::string_view bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const unsigned char c = bytes[i];
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
    if (i % 32 == 31) out.push_back('\n');
  }
  if (out.empty() || out.back() != '\n') out.push_back('\n');
  return out;
}

std::string FromHex(const std::string& hex) {
  std::string digits;
  for (char c : hex)
    if (std::isxdigit(static_cast<unsigned char>(c))) digits.push_back(c);
  std::string out;
  for (size_t i = 0; i + 1 < digits.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  return out;
}

// Reads a golden file; with DUBAN_UPDATE_GOLDEN set, first writes it if it is missing.
std::optional<std::string> Golden(const std::string& name, const std::string& fresh_bytes) {
  const std::string path = GoldenPath(name);
  const char* update = std::getenv("DUBAN_UPDATE_GOLDEN");
  if (update && *update && !std::filesystem::exists(path)) {
    std::ofstream(path) << ToHex(fresh_bytes);
  }
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return FromHex(ss.str());
}

std::string GoldenName(uint16_t type, uint16_t version) {
  return std::string(EventTypeName(type)) + "_v" + std::to_string(version) + ".hex";
}

// "" when equal, else where the bytes part and a few bytes of each from there.
std::string FirstDifference(std::string_view now, std::string_view golden) {
  size_t i = 0;
  while (i < now.size() && i < golden.size() && now[i] == golden[i]) ++i;
  if (i == now.size() && i == golden.size()) return "";
  return "bytes differ from offset " + std::to_string(i) + " (encoded " + std::to_string(now.size()) +
         " bytes, golden " + std::to_string(golden.size()) + "): encoded ..." + ToHex(now.substr(i, 16)).substr(0, 32) +
         " golden ..." + ToHex(golden.substr(i, 16)).substr(0, 32);
}

// The envelope fields of two events are equal (Event has no operator==).
void ExpectSameEvent(const Event& a, const Event& b) {
  EXPECT_EQ(a.event_id, b.event_id);
  EXPECT_EQ(a.stream, b.stream);
  EXPECT_EQ(a.stream_seq, b.stream_seq);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.type_version, b.type_version);
  EXPECT_EQ(a.occurred_at, b.occurred_at);
  EXPECT_EQ(a.recorded_at, b.recorded_at);
  EXPECT_EQ(a.actor, b.actor);
  EXPECT_EQ(a.command_id, b.command_id);
  EXPECT_EQ(a.correlation_id, b.correlation_id);
  EXPECT_EQ(a.prev_hash, b.prev_hash);
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_TRUE(a.body == b.body) << DumpBody(a.body) << "\nvs\n" << DumpBody(b.body);
}

TEST(GoldenTest, SamplesCoverEveryEventTypeOfTheCatalogue) {
  std::set<size_t> seen;
  for (const auto& b : SampleBodies()) seen.insert(b.index());
  EXPECT_EQ(seen.size(), std::variant_size_v<EventBody> - 1);  // all but UnknownEvent
  EXPECT_FALSE(seen.count(std::variant_size_v<EventBody> - 1));
}

TEST(GoldenTest, SamplesSetEveryFieldSoTheGoldenBytesPinEachOne) {
  for (const auto& b : SampleBodies()) {
    std::vector<std::string> empty;
    DumpBody(b, &empty);
    EXPECT_TRUE(empty.empty()) << EventTypeName(static_cast<uint16_t>(TypeOf(b)))
                               << " sample leaves a field at its default: " << empty.front();
  }
}

TEST(GoldenTest, TypeIdsAreTheStableNumbersWrittenToDisk) {
  const std::vector<std::pair<uint16_t, const char*>> ids = {{1, "PlanImported"},
                                                             {2, "PlanAmended"},
                                                             {4, "PlanUnitAdded"},
                                                             {3, "PlanWithdrawn"},
                                                             {10, "TaskAdded"},
                                                             {11, "TaskAmended"},
                                                             {12, "TaskCancelled"},
                                                             {13, "TaskCompleted"},
                                                             {20, "AssignmentCreated"},
                                                             {21, "AssignmentAccepted"},
                                                             {22, "AssignmentReturned"},
                                                             {23, "AssignmentReassigned"},
                                                             {24, "ProgressReported"},
                                                             {25, "CompletionSubmitted"},
                                                             {26, "CompletionApproved"},
                                                             {27, "CompletionRejected"},
                                                             {30, "ExtensionRequested"},
                                                             {31, "ExtensionGranted"},
                                                             {32, "ExtensionDenied"},
                                                             {33, "DeadlineApproaching"},
                                                             {34, "DeadlineMissed"},
                                                             {35, "EscalationRaised"},
                                                             {36, "EscalationCleared"},
                                                             {40, "ReviewCycleStarted"},
                                                             {41, "ProgressReportRequested"},
                                                             {42, "ReviewCycleClosed"},
                                                             {43, "ReportOverdue"},
                                                             {28, "AssignmentReopened"},
                                                             {37, "AcceptanceOverdue"},
                                                             {38, "ReviewOverdue"},
                                                             {39, "DeadlineRecounted"},
                                                             {50, "CalendarNoticeAdded"},
                                                             {60, "AccountChanged"},
                                                             {70, "DeadlineChanged"},
                                                             {71, "AssignmentCancelled"},
                                                             {72, "AssignmentMerged"},
                                                             {73, "NoteAdded"},
                                                             {74, "ScheduleSet"},
                                                             {75, "AssignmentDelegated"},
                                                             {90, "CommandRejected"}};
  for (const auto& [id, name] : ids) EXPECT_STREQ(EventTypeName(id), name) << id;
  const auto samples = SampleBodies();
  ASSERT_EQ(ids.size(), samples.size());
  for (size_t i = 0; i < samples.size(); ++i)
    EXPECT_EQ(static_cast<uint16_t>(TypeOf(samples[i])), ids[i].first) << ids[i].second;
}

TEST(GoldenTest, EveryEventTypeEncodesToItsFrozenBytesAndDecodesBackEqual) {
  for (const auto& body : SampleBodies()) {
    const Event e = SampleEvent(body);
    const std::string name = GoldenName(e.type, e.type_version);
    SCOPED_TRACE(name);
    const std::string bytes = EncodeEvent(e);
    auto golden = Golden(name, bytes);
    ASSERT_TRUE(golden.has_value()) << "missing golden file " << GoldenPath(name) << " (see the top of golden_test.cc)";
    EXPECT_EQ(FirstDifference(bytes, *golden), "") << "the layout of a released version changed";
    auto decoded = DecodeEvent(*golden);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    ExpectSameEvent(*decoded, e);
    EXPECT_EQ(ComputeHash(*decoded), decoded->hash) << "the frozen bytes still verify";
  }
}

// The v1 layout of ProgressReported {task, unit, percent, text}, written by hand
// in cereal's portable binary form (u8 endianness flag, little-endian ints,
// u64 string lengths) exactly as a v1 build wrote it.
std::string ProgressReportedV1Body() {
  std::string out(1, '\x01');
  auto i32 = [&](int32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((uint32_t(v) >> (8 * i)) & 0xff));
  };
  auto str = [&](const std::string& s) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((uint64_t(s.size()) >> (8 * i)) & 0xff));
    out += s;
  };
  i32(3);
  str("市财政局");
  i32(40);
  str("已完成初稿");
  return out;
}

TEST(GoldenTest, ProgressReportedV1IsUpcastToV2WithEmptyNewFields) {
  Event v1 = SampleEvent(ProgressReported{});
  v1.type_version = 1;
  v1.body = UnknownEvent{static_cast<uint16_t>(EventType::kProgressReported), 1, ProgressReportedV1Body()};
  v1.hash = ComputeHash(v1);
  auto golden = Golden(GoldenName(v1.type, 1), EncodeEvent(v1));
  ASSERT_TRUE(golden.has_value()) << "missing golden file for ProgressReported v1";

  auto decoded = DecodeEvent(*golden);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->type_version, 1) << "the envelope keeps the version it was written with";
  const auto* p = std::get_if<ProgressReported>(&decoded->body);
  ASSERT_NE(p, nullptr) << "v1 must decode into the current struct, not UnknownEvent";
  EXPECT_EQ(*p, (ProgressReported{3, "市财政局", 40, "已完成初稿", "", "", ""}));
  EXPECT_EQ(ComputeHash(*decoded), decoded->hash) << "an upcast event still verifies (verify, AppendExternal)";
  EXPECT_EQ(FirstDifference(EncodeEvent(*decoded), *golden), "");

  auto body = DecodeBody(static_cast<uint16_t>(EventType::kProgressReported), 1, ProgressReportedV1Body());
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(std::get<ProgressReported>(*body), (ProgressReported{3, "市财政局", 40, "已完成初稿", "", "", ""}));
}

// v1 of the clock's events (before calendar_version and provisional): the
// files frozen when v1 was current still decode, lifted to v2 with the new
// fields empty, and still verify.
TEST(GoldenTest, ClockEventsV1AreUpcastToV2WithNoCalendarRecorded) {
  const std::vector<EventBody> want = {
      DeadlineApproaching{3, "市财政局", "2021-10-31", 5, "", false},
      DeadlineMissed{3, "市财政局", "2021-10-31", "", false},
      EscalationRaised{3, "市财政局", 2, "通报批评", {"督查室", "分管领导"}, "", false},
      ReportOverdue{"2021-Q3", 3, "市财政局", "2021-09-30", 1, "督促整改", {"督查室"}, "", false},
  };
  for (const auto& body : want) {
    const uint16_t type = static_cast<uint16_t>(TypeOf(body));
    SCOPED_TRACE(EventTypeName(type));
    EXPECT_EQ(CurrentVersion(TypeOf(body)), 2);
    std::ifstream in(GoldenPath(GoldenName(type, 1)));
    ASSERT_TRUE(in) << "missing golden file " << GoldenName(type, 1);
    std::stringstream ss;
    ss << in.rdbuf();
    auto decoded = DecodeEvent(FromHex(ss.str()));
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(decoded->type_version, 1) << "the envelope keeps the version it was written with";
    EXPECT_TRUE(decoded->body == body) << DumpBody(decoded->body);
    EXPECT_EQ(ComputeHash(*decoded), decoded->hash) << "the frozen v1 bytes still verify";
    EXPECT_EQ(FirstDifference(EncodeEvent(*decoded), FromHex(ss.str())), "")
        << "an upcast event re-encodes to the bytes it was read from";
  }
}

// PlanImported v1 (before sub_units), frozen when it was current, decodes
// with no sub-units, verifies, and re-encodes to the bytes it was read from.
TEST(GoldenTest, PlanImportedV1IsUpcastWithNoSubUnits) {
  std::ifstream in(GoldenPath("PlanImported_v1.hex"));
  ASSERT_TRUE(in) << "missing golden file PlanImported_v1.hex";
  std::stringstream ss;
  ss << in.rdbuf();
  auto decoded = DecodeEvent(FromHex(ss.str()));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->type_version, 1);
  const auto* p = std::get_if<PlanImported>(&decoded->body);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->units, (std::vector<std::string>{"市财政局", "市教育局"}));
  EXPECT_TRUE(p->sub_units.empty());
  EXPECT_EQ(ComputeHash(*decoded), decoded->hash);
  EXPECT_EQ(FirstDifference(EncodeEvent(*decoded), FromHex(ss.str())), "");
}

// AssignmentReassigned v1 (before due_on), frozen when it was current,
// decodes with no new date (the work kept its own), verifies, and re-encodes
// to the bytes it was read from.
TEST(GoldenTest, AssignmentReassignedV1IsUpcastWithNoNewDate) {
  std::ifstream in(GoldenPath("AssignmentReassigned_v1.hex"));
  ASSERT_TRUE(in) << "missing golden file AssignmentReassigned_v1.hex";
  std::stringstream ss;
  ss << in.rdbuf();
  auto decoded = DecodeEvent(FromHex(ss.str()));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->type_version, 1);
  EXPECT_EQ(CurrentVersion(EventType::kAssignmentReassigned), 3);
  const EventBody kept_its_date = AssignmentReassigned{3, "市教育局", "市公安局", "职责调整", ""};
  EXPECT_TRUE(decoded->body == kept_its_date) << DumpBody(decoded->body);
  EXPECT_EQ(ComputeHash(*decoded), decoded->hash);
  EXPECT_EQ(FirstDifference(EncodeEvent(*decoded), FromHex(ss.str())), "");
}

// AssignmentCreated v1, frozen when it was current: v2 has the same fields
// (only the acceptance limit's start differs, events.h), so v1 bytes decode
// as written, keep their version (replay counts the limit as v1 did),
// verify and re-encode to the bytes they were read from.
TEST(GoldenTest, AssignmentCreatedV1KeepsItsVersionAndBytes) {
  std::ifstream in(GoldenPath("AssignmentCreated_v1.hex"));
  ASSERT_TRUE(in) << "missing golden file AssignmentCreated_v1.hex";
  std::stringstream ss;
  ss << in.rdbuf();
  auto decoded = DecodeEvent(FromHex(ss.str()));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->type_version, 1);
  EXPECT_EQ(CurrentVersion(EventType::kAssignmentCreated), 2);
  EXPECT_NE(std::get_if<AssignmentCreated>(&decoded->body), nullptr) << DumpBody(decoded->body);
  EXPECT_EQ(ComputeHash(*decoded), decoded->hash);
  EXPECT_EQ(FirstDifference(EncodeEvent(*decoded), FromHex(ss.str())), "");
}

// AssignmentReassigned v2 and AssignmentDelegated v1, frozen when they were
// current: v3 and v2 have the same fields (only the new unit's acceptance
// limit starts later for a back-entered move, events.h), so the old bytes
// decode as written, keep their version (replay counts as they did), verify
// and re-encode to the bytes they were read from.
TEST(GoldenTest, AMoveOrDelegationOfTheOldVersionKeepsItsVersionAndBytes) {
  for (const auto& [file, type, version] :
       {std::tuple{"AssignmentReassigned_v2.hex", EventType::kAssignmentReassigned, 2},
        std::tuple{"AssignmentDelegated_v1.hex", EventType::kAssignmentDelegated, 1}}) {
    SCOPED_TRACE(file);
    std::ifstream in(GoldenPath(file));
    ASSERT_TRUE(in) << "missing golden file " << file;
    std::stringstream ss;
    ss << in.rdbuf();
    auto decoded = DecodeEvent(FromHex(ss.str()));
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(decoded->type_version, version);
    EXPECT_EQ(CurrentVersion(type), version + 1);
    EXPECT_EQ(TypeOf(decoded->body), type) << DumpBody(decoded->body);
    EXPECT_EQ(ComputeHash(*decoded), decoded->hash);
    EXPECT_EQ(FirstDifference(EncodeEvent(*decoded), FromHex(ss.str())), "");
  }
}

// Envelope format 1 (every per-type file above) decodes with no back-entry
// reason and re-encodes to its own bytes; format 2 (the back-entry reason
// before the hash) is frozen in Envelope_v2.hex.
TEST(GoldenTest, EnvelopeFormat1FilesStillDecodeAndVerifyAndFormat2IsFrozen) {
  for (const auto& body : SampleBodies()) {
    const Event e = SampleEvent(body);
    auto golden = Golden(GoldenName(e.type, e.type_version), EncodeEvent(e));
    ASSERT_TRUE(golden.has_value());
    ASSERT_EQ(static_cast<uint8_t>((*golden)[1]), kEnvelopeFormatV1);
    auto decoded = DecodeEvent(*golden);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(decoded->envelope_format, kEnvelopeFormatV1);
    EXPECT_EQ(decoded->back_entry_reason, "");
    EXPECT_EQ(FirstDifference(EncodeEvent(*decoded), *golden), "");
    EXPECT_EQ(ComputeHash(*decoded), decoded->hash);
  }
  const Event v2 = SampleBackEntry(CompletionSubmitted{3, "市财政局", "已完成", "报告.pdf"});
  const std::string bytes = EncodeEvent(v2);
  auto golden = Golden("Envelope_v2.hex", bytes);
  ASSERT_TRUE(golden.has_value()) << "missing golden file " << GoldenPath("Envelope_v2.hex");
  EXPECT_EQ(FirstDifference(bytes, *golden), "") << "the layout of envelope format 2 changed";
  auto decoded = DecodeEvent(*golden);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSameEvent(*decoded, v2);
  EXPECT_EQ(decoded->back_entry_reason, v2.back_entry_reason);
  EXPECT_EQ(decoded->envelope_format, kEnvelopeFormatCurrent);
  EXPECT_EQ(ComputeHash(*decoded), decoded->hash);
}

TEST(GoldenTest, CurrentVersionsAreTheOnesTheGoldenFilesNameAndNoOther) {
  for (const auto& b : SampleBodies()) {
    const uint16_t v = CurrentVersion(TypeOf(b));
    EXPECT_TRUE(std::filesystem::exists(GoldenPath(GoldenName(static_cast<uint16_t>(TypeOf(b)), v))));
    EXPECT_FALSE(std::filesystem::exists(GoldenPath(GoldenName(static_cast<uint16_t>(TypeOf(b)), v + 1))))
        << "a golden file of a version this build does not write";
  }
}

}  // namespace
}  // namespace duban::schemas

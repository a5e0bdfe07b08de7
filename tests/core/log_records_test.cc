// Kafka mode produces the log records straight from RocksDB
// (Engine::ScanLogRecords) instead of decoding and re-encoding each event.
// That is right only while a stored record is byte for byte what
// FrameRecord(EncodeEvent(e)) gives for the decoded event: checked here for
// events decided by the engine (accepted, rejected, timers) and for events
// applied with AppendExternal.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "duban/coding.h"
#include "duban/engine.h"
#include "duban/schemas/codec.h"
#include "store_util.h"

namespace duban {
namespace {

using namespace schemas;
using testing::Cmd;
using testing::OpenAt;

std::string FreshDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("duban-log-records-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir.string();
}

// Every record of `e` from position 1, and the events decoded from them.
void ReadBoth(const Engine& e, std::vector<std::string>* records, std::vector<Event>* events) {
  ASSERT_TRUE(e.ScanLogRecords(1, [&](uint64_t pos, std::string_view r) {
                 EXPECT_EQ(pos, records->size() + 1);
                 records->emplace_back(r);
                 return true;
               }).ok());
  ASSERT_TRUE(e.ScanLog(1, [&](uint64_t, const Event& ev) {
                 events->push_back(ev);
                 return true;
               }).ok());
}

TEST(LogRecordsTest, StoredRecordsAreTheFramedEncodingOfTheirEvents) {
  const std::string dir = FreshDir("decided"), copy = FreshDir("copy");
  std::vector<std::string> records;
  std::vector<Event> events;
  {
    auto e = OpenAt(dir);
    e->SubmitBatch(testing::MixedCommands());        // c3 is rejected, and logged
    ASSERT_TRUE(e->Tick(1'700'000'000'000LL).ok());  // fires the missed-deadline timers
    ReadBoth(*e, &records, &events);
  }
  ASSERT_EQ(records.size(), events.size());
  ASSERT_GT(records.size(), 8u);
  bool rejected = false;
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_FALSE(events[i].hash.empty());
    EXPECT_EQ(records[i], FrameRecord(EncodeEvent(events[i]))) << "position " << i + 1;
    rejected = rejected || std::holds_alternative<CommandRejected>(events[i].body);
  }
  EXPECT_TRUE(rejected);

  // Applied from elsewhere (as a restore from duban.events does): same bytes.
  auto other = OpenAt(copy);
  ASSERT_TRUE(other->AppendExternal(events).ok());
  std::vector<std::string> copied;
  std::vector<Event> copied_events;
  ReadBoth(*other, &copied, &copied_events);
  EXPECT_EQ(copied, records);

  // Stopping early and starting past the end.
  int seen = 0;
  ASSERT_TRUE(other
                  ->ScanLogRecords(3,
                                   [&](uint64_t pos, std::string_view) {
                                     EXPECT_EQ(pos, 3u);
                                     return ++seen < 1;
                                   })
                  .ok());
  EXPECT_EQ(seen, 1);
  ASSERT_TRUE(other
                  ->ScanLogRecords(other->LogEnd(),
                                   [&](uint64_t, std::string_view) {
                                     ADD_FAILURE() << "nothing lies past the end";
                                     return true;
                                   })
                  .ok());
  other.reset();
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(copy);
}

// Kafka mode produces a batch's events from the records SubmitBatch hands
// back, not from a read of the store: they must be the stored records, in
// log order, with nothing for what the batch did not log.
TEST(LogRecordsTest, SubmitBatchHandsBackTheRecordsItWrote) {
  const std::string dir = FreshDir("handed-back");
  auto e = OpenAt(dir);
  std::vector<std::string> first;
  auto mixed = testing::MixedCommands();  // c3 is rejected, and logged
  auto outcomes = e->SubmitBatch(mixed, {}, &first);
  ASSERT_EQ(outcomes.size(), mixed.size());
  ASSERT_EQ(first.size(), e->LogEnd() - 1);

  // Next batch: a duplicate (logs nothing), a command with no usable id (not
  // logged at all), and one more progress report.
  const uint64_t from = e->LogEnd();
  std::vector<Command> next = {
      mixed[1], Cmd("", Role::kUnit, "市财政局", Accept{1, "市财政局"}),
      Cmd("c5", Role::kUnit, "市财政局", ReportProgress{1, "市财政局", 60, "六成", "", "", ""})};
  std::vector<std::string> second{"stale"};
  outcomes = e->SubmitBatch(next, {}, &second);
  EXPECT_TRUE(outcomes[0].duplicate);
  EXPECT_FALSE(outcomes[1].status.ok());
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(e->LogEnd(), from + 1);

  std::vector<std::string> stored;
  std::vector<Event> events;
  ReadBoth(*e, &stored, &events);
  first.insert(first.end(), second.begin(), second.end());
  EXPECT_EQ(first, stored);
  e.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace duban

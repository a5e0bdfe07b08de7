// The largest command the engine takes fits the frame its readers accept:
// a progress report whose event record is exactly the frame limit is taken
// and read back, one byte more is refused with a message and nothing of it is
// written, and the log stays readable. (The writer once took a 20 MB task
// text that every reader then refused as "record frame announces 20972040
// bytes", so `verify`, `log` and `plans` failed for good.)
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>

#include "duban/coding.h"
#include "duban/engine.h"
#include "test_support.h"

namespace duban::testing {
namespace {

Command Report(const std::string& id, size_t text_bytes) {
  return PlanCommand("plan-big", id, UnitActor(kFinance), At("2021-03-17"),
                     ReportProgress{1, kFinance, 10, std::string(text_bytes, 'x'), "", "", ""});
}

TEST(RecordLimitTest, ACommandAtTheFrameLimitIsTakenAndOneBytePastItIsRefused) {
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("duban-limit-" + std::to_string(getpid()))).string();
  std::filesystem::remove_all(dir);
  EngineOptions o;
  o.data_dir = dir;
  o.sync = false;  // not what this test is about; it writes 32 MiB
  auto engine = Engine::Open(o);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  Engine& e = **engine;
  ASSERT_TRUE(e.Submit(PlanCommand("plan-big", "import", Supervisor(), At("2021-03-15"), SamplePlan())).status.ok());
  ASSERT_TRUE(e.Submit(PlanCommand("plan-big", "accept", UnitActor(kFinance), At("2021-03-16"), Accept{1, kFinance}))
                  .status.ok());

  // The record's size beyond its text: measured on a small report (the
  // command id has the same length in all three, so the overhead is the same).
  std::vector<std::string> records;
  auto small = e.SubmitBatch({Report("r-1", 100)}, {}, &records);
  ASSERT_TRUE(small[0].status.ok()) << small[0].status.ToString();
  ASSERT_EQ(records.size(), 1u);
  const size_t overhead = records[0].size() - 100;
  const size_t at_limit = size_t{kMaxFramePayload} + 8 - overhead;

  auto taken = e.SubmitBatch({Report("r-2", at_limit)}, {}, &records);
  ASSERT_TRUE(taken[0].status.ok()) << taken[0].status.ToString();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].size(), size_t{kMaxFramePayload} + 8) << "the record is not at the limit";

  const uint64_t end = e.LogEnd();
  auto refused = e.Submit(Report("r-3", at_limit + 1));
  ASSERT_EQ(refused.status.code(), Status::Code::kRejected) << refused.status.ToString();
  EXPECT_TRUE(IsRejection(refused.status, "invalid_argument"));
  EXPECT_NE(refused.status.message().find("too large"), std::string::npos) << refused.status.message();
  EXPECT_EQ(e.LogEnd(), end + 1) << "only the rejection is written";

  // Every record reads back, the one at the limit included.
  uint64_t events = 0, biggest = 0;
  ASSERT_TRUE(e.ScanLog(1, [&](uint64_t, const Event& ev) {
                 ++events;
                 if (auto* p = std::get_if<ProgressReported>(&ev.body))
                   biggest = std::max<uint64_t>(biggest, p->text.size());
                 return true;
               }).ok());
  EXPECT_EQ(biggest, at_limit);
  auto v = e.Verify();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->ok()) << (v->problems.empty() ? "" : v->problems.front());
  engine->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace duban::testing

// A store written by many short-lived processes (one CLI command each) stays
// small: 1,000 open-write-close cycles leave a bounded number of files, and
// every write is still there. Before the store stopped flushing per process,
// 1,000 CLI commands left 2,036 .sst files and under `ulimit -n 1024` every
// command failed with "Too many open files".
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "duban/engine.h"
#include "test_support.h"

namespace duban::testing {
namespace {

struct FileCounts {
  int sst = 0, wal = 0, all = 0;
};

FileCounts Count(const std::string& dir) {
  FileCounts c;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string ext = e.path().extension().string();
    c.sst += ext == ".sst";
    c.wal += ext == ".log";
    ++c.all;
  }
  return c;
}

TEST(StoreFilesTest, AThousandShortLivedWritersLeaveABoundedNumberOfFiles) {
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("duban-files-" + std::to_string(getpid()))).string();
  std::filesystem::remove_all(dir);
  EngineOptions o;
  o.data_dir = dir;
  auto submit = [&](const Command& c) {
    auto engine = Engine::Open(o);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    auto out = (*engine)->Submit(c);
    ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  };
  auto cmd = [](std::string id, Actor actor, Instant at, CommandBody body) {
    return PlanCommand("plan-files", std::move(id), std::move(actor), at, std::move(body));
  };
  submit(cmd("import", Supervisor(), At("2021-03-15"), SamplePlan()));
  submit(cmd("accept", UnitActor(kFinance), At("2021-03-16"), Accept{1, kFinance}));
  constexpr int kCycles = 1000;
  FileCounts most;
  double first_ms = 0, last_ms = 0;
  for (int i = 0; i < kCycles; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    submit(cmd("p" + std::to_string(i), UnitActor(kFinance), At("2021-03-17") + i,
               ReportProgress{1, kFinance, i % 101, "进展" + std::to_string(i), "", "", ""}));
    if (HasFatalFailure()) return;
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (i < 100) first_ms += ms;
    if (i >= kCycles - 100) last_ms += ms;
    const FileCounts c = Count(dir);
    most.sst = std::max(most.sst, c.sst);
    most.wal = std::max(most.wal, c.wal);
    most.all = std::max(most.all, c.all);
  }
  const FileCounts end = Count(dir);
  std::printf(
      "%d writers: at most %d .sst, %d WAL, %d files in all (at the end %d, %d, %d); "
      "mean cycle %.2f ms over the first 100, %.2f ms over the last 100\n",
      kCycles, most.sst, most.wal, most.all, end.sst, end.wal, end.all, first_ms / 100, last_ms / 100);
  // 13 column families, each with at most 8 small files before they are
  // merged (most hold one or two), plus the WALs kept between flushes
  // (Engine: kMaxLiveWals = 8). Measured: at most 31 .sst, 9 WAL, 49 in all.
  EXPECT_LE(most.sst, 60);
  EXPECT_LE(most.wal, 10);
  EXPECT_LE(most.all, 80);

  EngineOptions ro = o;
  ro.read_only = true;
  auto engine = Engine::Open(ro);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  int progress = 0;
  ASSERT_TRUE((*engine)
                  ->ScanLog(1,
                            [&](uint64_t, const Event& e) {
                              progress += std::holds_alternative<ProgressReported>(e.body);
                              return true;
                            })
                  .ok());
  EXPECT_EQ(progress, kCycles) << "a write of a short-lived writer was lost";
  engine->reset();
  o.read_only = false;
  auto writer = Engine::Open(o);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  auto report = (*writer)->Verify();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok()) << (report->problems.empty() ? "" : report->problems.front());
  writer->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace duban::testing

// A damaged, foreign or missing data directory, one row each: opening it
// gives a message that names the problem, and no row deletes a file or
// creates a store over what is there. (Before the identity file, a store
// whose CURRENT was lost said "no duban data", and the import that message
// suggested deleted every old table file.)
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "duban/engine.h"
#include "test_support.h"

namespace duban::testing {
namespace {
namespace fs = std::filesystem;

Command Cmd(std::string id, Actor actor, Instant at, CommandBody body) {
  return PlanCommand("plan-d", std::move(id), std::move(actor), at, std::move(body));
}

std::set<std::string> Files(const std::string& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) out.insert(fs::relative(e.path(), dir).string());
  return out;
}

// A store with a plan and a few reports, flushed so it has table files.
void MakeStore(const std::string& dir) {
  EngineOptions o;
  o.data_dir = dir;
  auto e = Engine::Open(o);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_TRUE((*e)->Submit(Cmd("import", Supervisor(), At("2021-03-15"), SamplePlan())).status.ok());
  ASSERT_TRUE((*e)->Submit(Cmd("accept", UnitActor(kFinance), At("2021-03-16"), Accept{1, kFinance})).status.ok());
  ASSERT_TRUE((*e)->Rebuild().ok());  // rebuild flushes: the store has .sst files
}

std::string FirstWith(const std::string& dir, const std::string& prefix, const std::string& suffix = "") {
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n.rfind(prefix, 0) == 0 && n.size() >= suffix.size() &&
        n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0)
      return e.path().string();
  }
  return "";
}

// One more acknowledged command, left in the WAL (a short writer does not flush).
void SubmitOneMore(const std::string& d, const std::string& id, int32_t task, const std::string& unit,
                   std::optional<CommandBody> body = std::nullopt) {
  EngineOptions o;
  o.data_dir = d;
  auto e = Engine::Open(o);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  const Outcome out = (*e)->Submit(Cmd(id, UnitActor(unit), At("2021-03-17"), body ? *body : Accept{task, unit}));
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
}

// The WAL files holding data, oldest first (file numbers grow).
std::vector<std::string> Wals(const std::string& d) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(d))
    if (e.path().extension() == ".log" && e.file_size() > 0) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

// The next position DUBAN-STORE-LOG-END recorded.
uint64_t RecordedNext(const std::string& d) {
  std::ifstream in(fs::path(d) / "DUBAN-STORE-LOG-END");
  std::string magic, key;
  int format = 0;
  uint64_t next = 0;
  in >> magic >> format >> key >> next;
  return next;
}

// The record as a writer that crashed leaves it: its end at open, no WAL list.
void RecordACrash(const std::string& d, uint64_t next) {
  std::ofstream(fs::path(d) / "DUBAN-STORE-LOG-END", std::ios::trunc)
      << "duban-log-end 1\nnext " << next << "\nstate open\n";
}

void FlipBit(const std::string& file, std::uintmax_t at, char mask) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(at));
  char c = 0;
  f.read(&c, 1);
  c ^= mask;
  f.seekp(static_cast<std::streamoff>(at));
  f.write(&c, 1);
}

struct Row {
  std::string name;
  std::function<void(const std::string& dir)> damage;  // on a fresh store (or on nothing, see below)
  bool start_with_store;
  Status::Code code;  // what a writer's open says
  std::string words;  // in its message
};

class DamagedStoreTest : public ::testing::TestWithParam<Row> {};

TEST_P(DamagedStoreTest, OpeningNamesTheProblemAndDeletesNothing) {
  const Row& row = GetParam();
  const std::string dir =
      (fs::temp_directory_path() / ("duban-damaged-" + std::to_string(getpid()) + "-" + row.name)).string();
  fs::remove_all(dir);
  if (row.start_with_store) {
    MakeStore(dir);
    if (HasFatalFailure()) return;
  }
  row.damage(dir);
  const std::set<std::string> before = Files(dir);
  for (bool read_only : {true, false}) {
    EngineOptions o;
    o.data_dir = dir;
    o.read_only = read_only;
    auto e = Engine::Open(o);
    ASSERT_FALSE(e.ok()) << (read_only ? "read-only" : "writer") << " open succeeded";
    EXPECT_EQ(e.status().code(), row.code) << e.status().ToString();
    EXPECT_NE(e.status().ToString().find(row.words), std::string::npos) << e.status().ToString();
    std::printf("%-22s %-9s %s\n", row.name.c_str(), read_only ? "read:" : "write:", e.status().ToString().c_str());
  }
  for (const auto& f : before) EXPECT_TRUE(fs::exists(fs::path(dir) / f)) << f << " was deleted";
  EXPECT_FALSE(fs::exists(fs::path(dir) / "DUBAN-STORE") && !before.count("DUBAN-STORE"))
      << "a store was created over the directory";
  fs::remove_all(dir);
}

const Row kRows[] = {
    {"current-deleted", [](const std::string& d) { fs::remove(fs::path(d) / "CURRENT"); }, true,
     Status::Code::kCorruption, "CURRENT file is missing"},
    {"identity-damaged", [](const std::string& d) { std::ofstream(fs::path(d) / "DUBAN-STORE") << "garbage"; }, true,
     Status::Code::kCorruption, "identity file DUBAN-STORE is damaged"},
    {"current-and-identity-gone",
     [](const std::string& d) {
       fs::remove(fs::path(d) / "CURRENT");
       fs::remove(fs::path(d) / "DUBAN-STORE");
     },
     true, Status::Code::kCorruption, "no CURRENT file"},
    {"manifest-deleted", [](const std::string& d) { fs::remove(FirstWith(d, "MANIFEST-")); }, true,
     Status::Code::kCorruption, "a file it needs is missing"},
    {"table-file-deleted", [](const std::string& d) { fs::remove(FirstWith(d, "", ".sst")); }, true,
     Status::Code::kCorruption, "a file it needs is missing"},
    {"manifest-truncated", [](const std::string& d) { fs::resize_file(FirstWith(d, "MANIFEST-"), 10); }, true,
     Status::Code::kCorruption, "is damaged: RocksDB found a corrupt record"},
    // One flipped bit in the WAL record of the last acknowledged command (the
    // log's newest records live in the WAL: short writers do not flush).
    // Before strict WAL recovery the store opened without that command, the
    // next write took its position, and verify said ok.
    {"wal-bit-flipped",
     [](const std::string& d) {
       {
         EngineOptions o;
         o.data_dir = d;
         auto e = Engine::Open(o);
         ASSERT_TRUE(e.ok()) << e.status().ToString();
         ASSERT_TRUE(
             (*e)->Submit(Cmd("last", UnitActor(kEducation), At("2021-03-17"), Accept{1, kEducation})).status.ok());
       }
       std::string wal;  // the newest WAL: the highest file number
       for (const auto& e : fs::directory_iterator(d))
         if (e.path().extension() == ".log" && e.file_size() > 0 && e.path().string() > wal) wal = e.path().string();
       ASSERT_FALSE(wal.empty());
       const auto size = fs::file_size(wal);
       ASSERT_GT(size, 64u);
       std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
       const auto at = static_cast<std::streamoff>(size - 10);  // inside the last record's payload
       f.seekg(at);
       char c = 0;
       f.read(&c, 1);
       c ^= 0x10;
       f.seekp(at);
       f.write(&c, 1);
     },
     true, Status::Code::kCorruption, "corrupt record"},
    {"manifest-bit-flipped",
     [](const std::string& d) {
       const std::string m = FirstWith(d, "MANIFEST-");
       const auto size = fs::file_size(m);
       ASSERT_GT(size, 32u);
       std::fstream f(m, std::ios::in | std::ios::out | std::ios::binary);
       const auto at = static_cast<std::streamoff>(size / 2);
       f.seekg(at);
       char c = 0;
       f.read(&c, 1);
       c ^= 0x04;
       f.seekp(at);
       f.write(&c, 1);
     },
     true, Status::Code::kCorruption, "is damaged"},
    // A table file cut short (a bad copy, a full disk during a restore):
    // RocksDB compares each table's size with the MANIFEST at open.
    {"table-file-truncated",
     [](const std::string& d) {
       const std::string t = FirstWith(d, "", ".sst");
       ASSERT_FALSE(t.empty());
       fs::resize_file(t, fs::file_size(t) / 2);
     },
     true, Status::Code::kCorruption, "is damaged"},
    // The newest WAL lost or cut short while no process ran: RocksDB replays
    // what it finds and would open a shorter log. The WAL list the last
    // writer recorded at its clean close (DUBAN-STORE-LOG-END) says so
    // before RocksDB touches anything.
    {"wal-deleted",
     [](const std::string& d) {
       SubmitOneMore(d, "more", 1, kEducation);
       const auto wals = Wals(d);
       ASSERT_FALSE(wals.empty());
       fs::remove(wals.back());
     },
     true, Status::Code::kCorruption, "is missing: acknowledged events may be lost"},
    {"wal-cut-short",
     [](const std::string& d) {
       SubmitOneMore(d, "more", 1, kEducation);
       const auto wals = Wals(d);
       ASSERT_FALSE(wals.empty());
       fs::resize_file(wals.back(), fs::file_size(wals.back()) / 2);
     },
     true, Status::Code::kCorruption, "cut short"},
    // A restore that put back an older WAL beside newer files, or bytes
    // appended by a bad copy.
    {"wal-grown",
     [](const std::string& d) {
       SubmitOneMore(d, "more", 1, kEducation);
       const auto wals = Wals(d);
       ASSERT_FALSE(wals.empty());
       std::ofstream(wals.back(), std::ios::app | std::ios::binary) << std::string(100, '\x01');
     },
     true, Status::Code::kCorruption, "grown since"},
    // The oldest WAL lost: the log would begin past position 1.
    {"oldest-wal-deleted",
     [](const std::string& d) {
       SubmitOneMore(d, "more", 1, kEducation);
       SubmitOneMore(d, "more2", 1, kFinance, ReportProgress{1, kFinance, 10, "进展", "", "", ""});
       const auto wals = Wals(d);
       ASSERT_GE(wals.size(), 2u);
       fs::remove(wals.front());
     },
     true, Status::Code::kCorruption, "is missing"},
    // After a crash nothing lists the WAL files (the record says "open"): a
    // WAL lost from the middle leaves a gap in the unflushed log, which the
    // open finds (before, the next writer wrote on and a checkpoint signed
    // the hole).
    {"middle-wal-lost-after-a-crash",
     [](const std::string& d) {
       SubmitOneMore(d, "more", 1, kEducation);
       SubmitOneMore(d, "more2", 1, kFinance, ReportProgress{1, kFinance, 10, "进展", "", "", ""});
       SubmitOneMore(d, "more3", 1, kFinance, ReportProgress{1, kFinance, 20, "进展", "", "", ""});
       const auto wals = Wals(d);
       ASSERT_GE(wals.size(), 3u);
       fs::remove(wals[wals.size() - 2]);
       RecordACrash(d, RecordedNext(d));
     },
     true, Status::Code::kCorruption, "missing between the events it holds"},
    {"log-end-file-damaged",
     [](const std::string& d) { std::ofstream(fs::path(d) / "DUBAN-STORE-LOG-END") << "garbage"; }, true,
     Status::Code::kCorruption, "log-end file DUBAN-STORE-LOG-END is damaged"},
    {"log-end-file-deleted", [](const std::string& d) { fs::remove(fs::path(d) / "DUBAN-STORE-LOG-END"); }, true,
     Status::Code::kCorruption, "log-end file DUBAN-STORE-LOG-END is missing"},
    // The log-end file copied from a later state of the store (or the
    // store's files from an earlier one): the log no longer reaches it.
    // The store's files put back from an earlier copy, while the log end
    // says a writer (that crashed, so no WAL list) reached further.
    {"log-behind-its-recorded-end",
     [](const std::string& d) {
       const std::string earlier = d + ".earlier";
       fs::remove_all(earlier);
       fs::copy(d, earlier, fs::copy_options::recursive);
       SubmitOneMore(d, "more", 1, kEducation);
       const uint64_t next = RecordedNext(d);
       ASSERT_GT(next, 1u);
       fs::remove_all(d);
       fs::rename(earlier, d);
       RecordACrash(d, next);
     },
     true, Status::Code::kCorruption, "1 acknowledged event(s) are missing"},
    {"identity-of-a-newer-format",
     [](const std::string& d) {
       std::ifstream in(fs::path(d) / "DUBAN-STORE");
       std::string magic, key, id;
       int format = 0;
       in >> magic >> format >> key >> id;
       in.close();
       std::ofstream(fs::path(d) / "DUBAN-STORE", std::ios::trunc) << "duban-store 99\nid " << id << "\n";
     },
     true, Status::Code::kInvalidArgument, "newer than this duban reads"},
    {"foreign-files",
     [](const std::string& d) {
       fs::create_directories(d);
       std::ofstream(fs::path(d) / "notes.txt") << "my notes";
     },
     false, Status::Code::kInvalidArgument, "not a duban store (e.g. notes.txt)"},
    {"a-file-not-a-directory", [](const std::string& d) { std::ofstream(d) << "x"; }, false,
     Status::Code::kInvalidArgument, "is not a directory"},
};

INSTANTIATE_TEST_SUITE_P(Rows, DamagedStoreTest, ::testing::ValuesIn(kRows),
                         [](const ::testing::TestParamInfo<Row>& i) {
                           std::string n = i.param.name;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

TEST(StoreIdentityTest, AMissingDirectoryIsNoDataAndAnEmptyOneBecomesAStoreWithAnIdentity) {
  const std::string dir = (fs::temp_directory_path() / ("duban-identity-" + std::to_string(getpid()))).string();
  fs::remove_all(dir);
  EngineOptions ro;
  ro.data_dir = dir;
  ro.read_only = true;
  auto missing = Engine::Open(ro);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_NE(missing.status().ToString().find("does not exist"), std::string::npos) << missing.status().ToString();
  fs::create_directories(dir);
  auto empty = Engine::Open(ro);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().ToString().find("is empty"), std::string::npos) << empty.status().ToString();

  MakeStore(dir);
  ASSERT_TRUE(fs::exists(fs::path(dir) / "DUBAN-STORE"));
  std::ifstream in(fs::path(dir) / "DUBAN-STORE");
  std::string magic, key, id;
  int format = 0;
  in >> magic >> format >> key >> id;
  EXPECT_EQ(magic, "duban-store");
  EXPECT_EQ(format, 2);
  EXPECT_EQ(id.size(), 32u);

  // A store made before identities were kept gets one at its next writer open.
  fs::remove(fs::path(dir) / "DUBAN-STORE");
  {
    auto reader = Engine::Open(ro);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    EXPECT_TRUE((*reader)->Plan("plan-d").ok());
  }
  EXPECT_FALSE(fs::exists(fs::path(dir) / "DUBAN-STORE")) << "a reader wrote";
  EngineOptions rw;
  rw.data_dir = dir;
  {
    auto writer = Engine::Open(rw);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    EXPECT_TRUE((*writer)->Plan("plan-d").ok());
  }
  EXPECT_TRUE(fs::exists(fs::path(dir) / "DUBAN-STORE"));
  fs::remove_all(dir);
}

// A creation killed after the identity file was written (it comes first)
// and before RocksDB wrote anything: not a foreign or damaged directory,
// but an unfinished store that the next writer finishes under the same id.
TEST(StoreIdentityTest, AnInterruptedCreationIsFinishedByTheNextWriter) {
  const std::string dir = (fs::temp_directory_path() / ("duban-unfinished-" + std::to_string(getpid()))).string();
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(fs::path(dir) / "DUBAN-STORE") << "duban-store 2\nid 0123456789abcdef0123456789abcdef\n";
  std::ofstream(fs::path(dir) / "LOCK") << "";
  EngineOptions ro;
  ro.data_dir = dir;
  ro.read_only = true;
  auto reader = Engine::Open(ro);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), Status::Code::kNotFound) << reader.status().ToString();
  EXPECT_NE(reader.status().ToString().find("unfinished store"), std::string::npos) << reader.status().ToString();
  MakeStore(dir);
  EXPECT_EQ(Engine::InspectDataDir(dir).store_id, "0123456789abcdef0123456789abcdef");
  auto again = Engine::Open(ro);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE((*again)->Plan("plan-d").ok());
  again->reset();
  fs::remove_all(dir);
}

TEST(StoreIdentityTest, ASecondWriterIsToldTheStoreIsInUseWhileAReaderMayRead) {
  const std::string dir = (fs::temp_directory_path() / ("duban-second-" + std::to_string(getpid()))).string();
  fs::remove_all(dir);
  MakeStore(dir);
  EngineOptions rw;
  rw.data_dir = dir;
  auto first = Engine::Open(rw);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = Engine::Open(rw);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(second.status().ToString().find("in use by another duban process"), std::string::npos)
      << second.status().ToString();
  EngineOptions ro = rw;
  ro.read_only = true;
  auto reader = Engine::Open(ro);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_TRUE((*reader)->Plan("plan-d").ok());
  // A reader in the writer's own process (the reminder consumer inside
  // `duban serve` opens one each poll) must leave the writer's lock as it
  // found it: RocksDB's lock is a POSIX record lock, which closing any
  // descriptor of LOCK in the process drops. Asked from another process.
  reader->reset();
  auto again = Engine::Open(ro);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  again->reset();
  const std::string lock = dir + "/LOCK";
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const int fd = ::open(lock.c_str(), O_RDONLY | O_CLOEXEC);
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    const bool held = fd >= 0 && ::fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
    _exit(held ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "another process finds the writer's lock released after a reader in its process closed";
  first->reset();
  fs::remove_all(dir);
}

// A flipped bit inside a table file: the store may open (RocksDB reads a
// table's blocks only when asked for them), but `verify` checks every block
// against its checksum and says which file is damaged.
TEST(DamagedStoreTest, ATableFileBitFlipIsFoundByVerify) {
  const std::string dir = (fs::temp_directory_path() / ("duban-sstflip-" + std::to_string(getpid()))).string();
  fs::remove_all(dir);
  MakeStore(dir);
  if (HasFatalFailure()) return;
  std::string biggest;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".sst" && (biggest.empty() || e.file_size() > fs::file_size(biggest)))
      biggest = e.path().string();
  ASSERT_FALSE(biggest.empty());
  FlipBit(biggest, 100, 0x08);  // inside the first data block
  const std::set<std::string> before = Files(dir);
  EngineOptions o;
  o.data_dir = dir;
  o.read_only = true;
  if (auto e = Engine::Open(o); !e.ok()) {
    std::printf("sst-bit-flipped open: %s\n", e.status().ToString().c_str());
    EXPECT_EQ(e.status().code(), Status::Code::kCorruption) << e.status().ToString();
  } else {
    auto report = (*e)->Verify();
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    ASSERT_FALSE(report->ok()) << "verify passed a store with a flipped bit in " << biggest;
    std::printf("sst-bit-flipped verify: %s\n", report->problems.front().c_str());
    EXPECT_NE(report->problems.front().find("a table file is damaged"), std::string::npos) << report->problems.front();
  }
  for (const auto& f : before) EXPECT_TRUE(fs::exists(fs::path(dir) / f)) << f << " was deleted";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace duban::testing

// Engine test helpers: a temporary data directory removed afterwards, direct
// RocksDB access to the store (dump every column family, tamper with a value)
// for the checks the engine's own API cannot make, and a fixture that owns an
// engine and issues numbered commands.
#pragma once

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <memory>
#include <string>
#include <vector>

#include "duban/coding.h"
#include "duban/engine.h"
#include "temp_dir.h"  // tests/temp_dir.h: TempDir
#include "test_support.h"

namespace duban::testing {

// An engine on `dir` with default options (the test fails if it cannot open).
inline std::unique_ptr<Engine> OpenAt(const std::string& dir) {
  EngineOptions o;
  o.data_dir = dir;
  auto e = Engine::Open(o);
  EXPECT_TRUE(e.ok()) << e.status().ToString();
  return std::move(e).value();
}

// Every event of `e`'s log, oldest first (the test fails if the scan does).
inline std::vector<Event> LogEvents(Engine& e) {
  std::vector<Event> out;
  EXPECT_TRUE(e.ScanLog(1, [&](uint64_t, const Event& ev) {
                 out.push_back(ev);
                 return true;
               }).ok());
  return out;
}

// A command on plan "p1" at a fixed instant.
inline Command Cmd(const std::string& id, Role role, const std::string& actor, CommandBody body) {
  Command c;
  c.command_id = id;
  c.plan_id = "p1";
  c.actor = Actor{actor, role, actor};
  c.issued_at = 1'620'000'000'000LL;
  c.body = std::move(body);
  return c;
}

// Four commands on "p1": an import (one task, 财政 and 公安, due 2021-10-31),
// an accept, an auditor's accept (rejected, so logged) and a progress report.
inline std::vector<Command> MixedCommands() {
  ImportPlan imp;
  imp.plan.title = "台账";
  imp.plan.year = 2021;
  imp.plan.units = {"市财政局", "市公安局"};
  ImportTask t;
  t.number = 1;
  t.title = "公开预算";
  t.deadline.due_on = "2021-10-31";
  t.responsible_units = {"市财政局", "市公安局"};
  imp.tasks.push_back(t);
  return {
      Cmd("c1", Role::kSupervisor, "office", imp),
      Cmd("c2", Role::kUnit, "市财政局", Accept{1, "市财政局"}),
      Cmd("c3", Role::kAuditor, "auditor", Accept{1, "市公安局"}),
      Cmd("c4", Role::kUnit, "市财政局", ReportProgress{1, "市财政局", 50, "过半", "", "", ""}),
  };
}

// A plan of `tasks` tasks, each assigned to every one of `units`, due at the end of 2021.
inline ImportPlan TestPlan(int tasks, const std::vector<std::string>& units) {
  ImportPlan imp;
  imp.plan.title = "台账";
  imp.plan.year = 2021;
  imp.plan.units = units;
  for (int t = 1; t <= tasks; ++t) {
    ImportTask task;
    task.number = t;
    task.title = "任务" + std::to_string(t);
    task.deadline.due_on = "2021-12-31";
    task.responsible_units = units;
    imp.tasks.push_back(task);
  }
  return imp;
}

using CfDump = std::map<std::string, std::string>;
using StoreDump = std::map<std::string, CfDump>;  // column family -> key -> value

// Every key and value of every column family. REQUIRES: no Engine holds `dir`.
inline StoreDump DumpStore(const std::string& dir) {
  StoreDump out;
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names);
  if (!s.ok()) {
    ADD_FAILURE() << s.ToString();
    return out;
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (const auto& n : names) descs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  s = rocksdb::DB::OpenForReadOnly(rocksdb::Options(), dir, descs, &handles, &db);
  if (!s.ok()) {
    ADD_FAILURE() << s.ToString();
    return out;
  }
  for (size_t i = 0; i < handles.size(); ++i) {
    CfDump& cf = out[names[i]];
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[i]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) cf[it->key().ToString()] = it->value().ToString();
    db->DestroyColumnFamilyHandle(handles[i]);
  }
  delete db;
  return out;
}

// Keys whose value differs (or that exist on one side only), per column family.
inline std::map<std::string, std::vector<std::string>> DiffStores(const StoreDump& a, const StoreDump& b) {
  std::map<std::string, std::vector<std::string>> out;
  std::set<std::string> cfs;
  for (const auto& [n, _] : a) cfs.insert(n);
  for (const auto& [n, _] : b) cfs.insert(n);
  static const CfDump kEmpty;
  for (const auto& n : cfs) {
    const CfDump& x = a.count(n) ? a.at(n) : kEmpty;
    const CfDump& y = b.count(n) ? b.at(n) : kEmpty;
    std::set<std::string> keys;
    for (const auto& [k, _] : x) keys.insert(k);
    for (const auto& [k, _] : y) keys.insert(k);
    for (const auto& k : keys) {
      auto i = x.find(k), j = y.find(k);
      if (i == x.end() || j == y.end() || i->second != j->second) out[n].push_back(k);
    }
  }
  return out;
}

// Opens the store's RocksDB read-write with every column family and hands a
// handle by name to `fn`, as someone with raw access (a forger, a legacy
// version) would. Such a writer changes the WAL files, so it also rewrites
// the store's log-end file (DUBAN-STORE-LOG-END) as a forger covering tracks
// would: no WAL list, and the end its log now has. Catching that is the
// anchors' work; the log-end file guards against bad luck, not forgers.
// REQUIRES: no Engine holds `dir`.
template <class Fn>
void WithRawStore(const std::string& dir, Fn&& fn) {
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (const auto& n : names) descs.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(rocksdb::Options(), dir, descs, &handles, &db);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::map<std::string, rocksdb::ColumnFamilyHandle*> by_name;
  for (size_t i = 0; i < names.size(); ++i) by_name[names[i]] = handles[i];
  fn(db, by_name);
  uint64_t next = 1;
  if (by_name.count("log")) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), by_name.at("log")));
    it->SeekToLast();
    if (it->Valid() && it->key().size() == 8) next = DecodeFixed64BE(it->key().data()) + 1;
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
  const std::filesystem::path end = std::filesystem::path(dir) / "DUBAN-STORE-LOG-END";
  if (std::filesystem::exists(end))
    std::ofstream(end, std::ios::trunc) << "duban-log-end 1\nnext " << next << "\nstate open\n";
}

class EngineFixture : public ::testing::Test {
 public:
  TempDir dir;
  std::unique_ptr<Engine> engine;
  int next_id = 1;
  Instant now = At("2021-03-20");

  void SetUp() override { Open(); }

  void Open(std::shared_ptr<TimerPolicy> policy = nullptr) {
    EngineOptions o;
    o.data_dir = dir.path();
    auto r = Engine::Open(o, std::move(policy));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    engine = std::move(r).value();
  }
  void Close() { engine.reset(); }
  void Reopen() {
    Close();
    Open();
  }

  Command Cmd(CommandBody body, Actor actor, std::string plan = "p1") {
    Command c;
    c.command_id = "cmd-" + std::to_string(next_id++);
    c.plan_id = std::move(plan);
    c.actor = std::move(actor);
    c.issued_at = now;
    c.body = std::move(body);
    return c;
  }
  Outcome Submit(CommandBody body, Actor actor, std::string plan = "p1") {
    return engine->Submit(Cmd(std::move(body), std::move(actor), std::move(plan)));
  }
  // Submits a command that must be accepted.
  Outcome Do(CommandBody body, Actor actor, std::string plan = "p1") {
    Outcome o = Submit(std::move(body), std::move(actor), std::move(plan));
    EXPECT_TRUE(o.status.ok()) << o.status.ToString();
    return o;
  }
  std::string Digest() {
    auto d = engine->ProjectionDigest();
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : "";
  }
  std::vector<Event> Log() { return LogEvents(*engine); }
  core::AssignmentState A(int32_t task, const std::string& unit, const std::string& plan = "p1") {
    auto p = engine->Plan(plan);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    if (!p.ok() || !p->assignments.count({task, unit})) {
      ADD_FAILURE() << "no assignment " << task << " " << unit;
      return {};
    }
    return p->assignments.at({task, unit});
  }

  // The timers armed for (task, unit), as "kind due_on fire-day".
  std::vector<std::string> Armed(int32_t task, const std::string& unit) {
    auto pending = engine->PendingTimers(At("2031-01-01"), 1000);
    EXPECT_TRUE(pending.ok());
    std::vector<std::string> out;
    for (const auto& t : *pending)
      if (t.timer.task == task && t.timer.unit == unit)
        out.push_back(std::string(TimerKindName(t.timer.kind)) + " " + t.timer.due_on + " " + DayOf(t.due).ToString());
    return out;
  }
  // The events a tick at the start of `day` wrote.
  std::vector<Event> TickOn(const std::string& day) {
    auto r = engine->Tick(StartOfDay(*Date::Parse(day)));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<Event> out;
    if (r.ok())
      for (const auto& o : *r) out.insert(out.end(), o.events.begin(), o.events.end());
    return out;
  }
  // Verify finds nothing wrong, and a rebuild gives the same projections.
  void ExpectVerifiedAndRebuiltIdentically() {
    auto v = engine->Verify();
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_TRUE(v->ok()) << (v->problems.empty() ? "" : v->problems.front());
    const std::string digest = Digest();
    ASSERT_TRUE(engine->Rebuild().ok());
    EXPECT_EQ(Digest(), digest);
  }
  void GivenPlan(const std::string& plan = "p1") { Do(SamplePlan(), Supervisor(), plan); }
  void GivenSubmitted(int32_t task, const std::string& unit, const std::string& plan = "p1") {
    Do(Accept{task, unit}, UnitActor(unit), plan);
    Do(ReportProgress{task, unit, 50, "过半"}, UnitActor(unit), plan);
    Do(schemas::Submit{task, unit, "完成"}, UnitActor(unit), plan);
  }
  void GivenCompleted(int32_t task, const std::string& unit, const std::string& plan = "p1") {
    GivenSubmitted(task, unit, plan);
    Do(Approve{task, unit, "同意"}, Supervisor(), plan);
  }
};

}  // namespace duban::testing

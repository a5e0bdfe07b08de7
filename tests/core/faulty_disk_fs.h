// A RocksDB FileSystem for power-cut and full-disk tests, after RocksDB's
// own FaultInjectionTestFS (which Debian's librocksdb-dev does not ship):
// - it remembers how much of each file it wrote has been synced, and
//   CutPower() makes every later write, sync, rename or delete fail as a
//   dead disk would. RestorePower() then truncates each file to what was
//   synced before the cut, which is what a disk holds after power returns,
//   and lets writes through again;
// - SetFull(true) makes every append fail with "No space left on device",
//   as a full disk does, until SetFull(false); SetTablesFull(true) does so
//   only for table files (*.sst), so that what a flush or compaction writes
//   fails while the WAL and the MANIFEST still take writes.
//
// Simplified against a real disk: a file's name is durable as soon as the
// file is created or renamed (no directory fsync is modelled), and a sync
// keeps all of a file's bytes, never part of them.
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace duban::testing {

class FaultyDiskFs : public rocksdb::FileSystemWrapper {
 public:
  FaultyDiskFs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FaultyDiskFs"; }

  void CutPower() { on_ = false; }
  void SetFull(bool full) { full_ = full; }
  void SetTablesFull(bool full) { tables_full_ = full; }
  // Truncates every file written since its last sync; returns how many bytes
  // the cut took away.
  uint64_t RestorePower() {
    std::lock_guard<std::mutex> lock(mu_);
    uint64_t lost = 0;
    for (const auto& [path, f] : files_)
      if (f.size > f.synced) {
        lost += f.size - f.synced;
        if (::truncate(path.c_str(), static_cast<off_t>(f.synced)) != 0) lost = UINT64_MAX;
      }
    files_.clear();
    on_ = true;
    return lost;
  }

  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override {
    if (!on_) return Off();
    // A full disk still creates empty files (inodes are left): appends fail.
    std::unique_ptr<rocksdb::FSWritableFile> file;
    auto s = target()->NewWritableFile(f, o, &file, dbg);
    if (!s.ok()) return s;
    {
      std::lock_guard<std::mutex> lock(mu_);
      files_[f] = Tracked{};
    }
    *r = std::make_unique<File>(std::move(file), this, f);
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* dbg) override {
    if (!on_) return Off();
    std::unique_ptr<rocksdb::FSWritableFile> file;
    auto s = target()->ReopenWritableFile(f, o, &file, dbg);
    if (!s.ok()) return s;
    uint64_t size = 0;
    target()->GetFileSize(f, rocksdb::IOOptions(), &size, dbg);
    {
      std::lock_guard<std::mutex> lock(mu_);
      files_[f] = Tracked{size, size};  // what was there before is on disk
    }
    *r = std::make_unique<File>(std::move(file), this, f);
    return s;
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& f, const std::string& old, const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                      rocksdb::IODebugContext* dbg) override {
    if (!on_) return Off();
    if (auto s = RenameFile(old, f, rocksdb::IOOptions(), dbg); !s.ok()) return s;
    return NewWritableFile(f, o, r, dbg);
  }
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& dst, const rocksdb::IOOptions& o,
                               rocksdb::IODebugContext* dbg) override {
    if (!on_) return Off();
    auto s = target()->RenameFile(src, dst, o, dbg);
    if (s.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = files_.find(src);
      if (it != files_.end()) {
        files_[dst] = it->second;
        files_.erase(src);
      } else {
        files_.erase(dst);
      }
    }
    return s;
  }
  rocksdb::IOStatus DeleteFile(const std::string& f, const rocksdb::IOOptions& o,
                               rocksdb::IODebugContext* dbg) override {
    if (!on_) return Off();
    auto s = target()->DeleteFile(f, o, dbg);
    if (s.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      files_.erase(f);
    }
    return s;
  }

 private:
  struct Tracked {
    uint64_t size = 0, synced = 0;
  };
  static rocksdb::IOStatus Off() { return rocksdb::IOStatus::IOError("the power is off"); }
  static rocksdb::IOStatus Full() { return rocksdb::IOStatus::NoSpace("No space left on device (simulated)"); }

  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> f, FaultyDiskFs* fs, std::string path)
        : FSWritableFileOwnerWrapper(std::move(f)), fs_(fs), path_(std::move(path)) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& d, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      if (!fs_->on_) return Off();
      if (Refused()) return Full();
      auto s = target()->Append(d, o, dbg);
      if (s.ok()) fs_->Grew(path_, d.size());
      return s;
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& d, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& v, rocksdb::IODebugContext* dbg) override {
      if (!fs_->on_) return Off();
      if (Refused()) return Full();
      auto s = target()->Append(d, o, v, dbg);
      if (s.ok()) fs_->Grew(path_, d.size());
      return s;
    }
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& d, uint64_t offset, const rocksdb::IOOptions& o,
                                       rocksdb::IODebugContext* dbg) override {
      if (!fs_->on_) return Off();
      if (Refused()) return Full();
      auto s = target()->PositionedAppend(d, offset, o, dbg);
      if (s.ok()) fs_->Grew(path_, d.size());
      return s;
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      if (!fs_->on_) return Off();
      auto s = target()->Sync(o, dbg);
      if (s.ok()) fs_->Synced(path_);
      return s;
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      if (!fs_->on_) return Off();
      auto s = target()->Fsync(o, dbg);
      if (s.ok()) fs_->Synced(path_);
      return s;
    }
    rocksdb::IOStatus Close(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      // Closing keeps what the OS has; it makes nothing durable.
      return target()->Close(o, dbg);
    }

   private:
    bool Refused() const { return fs_->full_ || (fs_->tables_full_ && path_.size() > 4 && path_.ends_with(".sst")); }
    FaultyDiskFs* fs_;
    std::string path_;
  };

  void Grew(const std::string& path, uint64_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    files_[path].size += n;
  }
  void Synced(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& f = files_[path];
    f.synced = f.size;
  }

  std::atomic<bool> on_{true}, full_{false}, tables_full_{false};
  std::mutex mu_;
  std::map<std::string, Tracked> files_;
};

}  // namespace duban::testing

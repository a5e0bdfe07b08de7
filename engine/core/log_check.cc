// CheckLog: the checks the log must pass before anything is derived from
// it (Rebuild refuses, Verify reports): every stream's sequence and hash
// chain, positions without gaps, and every signed checkpoint, the store's
// own and those an auditor kept.
//
// Guarantee: it reads only; problems are reported in words that say what
// was changed (rewritten, removed, appended without the key), at most about
// twenty of them; an anchor of another store is refused rather than judged.
#include <algorithm>
#include <map>
#include <set>

#include "engine_impl.h"

namespace duban {

using schemas::Event;

// A checkpoint being judged, and where it came from.
struct Engine::Impl::HeldCheckpoint {
  anchor::Checkpoint cp;
  std::string source;
  bool trusted = true;   // valid signature by a trusted key, for the right store
  bool matched = false;  // the log gave its head
};

// The steps: gather the checkpoints; refuse an anchor of another store;
// judge their keys; walk the hash chains, matching each checkpoint's head;
// judge what the trusted checkpoints cover.
Status Engine::Impl::CheckLog(const std::vector<anchor::Checkpoint>& external, VerifyReport& report, bool* readable,
                              std::vector<schemas::Event>* calendar) const {
  std::vector<HeldCheckpoint> held;
  bool stored_any = false;
  if (Status st = GatherCheckpoints(external, report, held, stored_any); !st.ok()) return st;
  if (Status st = RefuseForeignAnchors(external, held); !st.ok()) return st;
  JudgeCheckpointKeys(external, held, report);
  auto walked = WalkHashChains(held, report, readable, calendar);
  if (!walked.ok()) return walked.status();
  if (!*walked) return Status::Ok();  // a record that cannot be read ends the check
  if (report.problems.size() >= 20) return Status::Ok();
  JudgeCoverage(external, held, stored_any, report);
  return Status::Ok();
}

// The auditor's anchors, then the checkpoints the store holds.
Status Engine::Impl::GatherCheckpoints(const std::vector<anchor::Checkpoint>& external, VerifyReport& report,
                                       std::vector<HeldCheckpoint>& held, bool& stored_any) const {
  for (const auto& c : external) held.push_back({c, "anchor file"});
  if (cf[kMeta]) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf[kMeta]));
    for (it->Seek(kAnchorLast);
         it->Valid() && (it->key().starts_with(kAnchorLast) || it->key().starts_with(kAnchorKeptPrefix)); it->Next()) {
      stored_any = true;
      auto cp = anchor::Checkpoint::FromJson(it->value().ToStringView());
      if (!cp.ok()) {
        report.problems.push_back("a checkpoint the store holds is damaged (" + cp.status().message() + ")");
        continue;
      }
      held.push_back({*cp, "store"});
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading checkpoints");
  }
  return Status::Ok();
}

Status Engine::Impl::RefuseForeignAnchors(const std::vector<anchor::Checkpoint>& external,
                                          const std::vector<HeldCheckpoint>& held) const {
  // An anchor of another store vouches for nothing here: said once, as
  // what it is, rather than as forgery verdicts against this store's own
  // checkpoints (which the foreign key would not match). An anchor signed
  // by the key of the store's own checkpoints is this store's, whatever
  // its identity file now says: checked as usual (and the mismatch is a
  // problem below).
  for (const auto& c : external) {
    if (c.store_id == store_id) continue;
    bool own_key = false;
    for (const auto& h : held) own_key = own_key || (h.source == "store" && h.cp.public_key == c.public_key);
    if (own_key) continue;
    return Status::InvalidArgument(
        "the anchor (position " + std::to_string(c.log_end) + ", signed " + FormatInstant(c.signed_at) +
        ") is for store " + c.store_id + ", and this is store " + store_id +
        ": it cannot vouch for this store. Either the wrong anchor file was given, or this store's identity "
        "file (DUBAN-STORE) was changed; nothing was checked against it");
  }
  return Status::Ok();
}

void Engine::Impl::JudgeCheckpointKeys(const std::vector<anchor::Checkpoint>& external,
                                       std::vector<HeldCheckpoint>& held, VerifyReport& report) const {
  // Whose signatures count: the auditor's anchors pin the key; without
  // them, the key of the store's newest checkpoint.
  std::set<std::string> keys;
  for (const auto& c : external) keys.insert(c.public_key);
  if (keys.empty())
    for (const auto& h : held)
      if (h.source == "store") keys.insert(h.cp.public_key);
  const bool pinned = !external.empty();
  for (auto& h : held) {
    const std::string what = "a checkpoint (" + h.source + ", position " + std::to_string(h.cp.log_end) + ")";
    if (!h.cp.SignatureValid()) {
      report.problems.push_back(what + " has an invalid signature: it was forged or damaged");
      h.trusted = false;
    } else if ((pinned || keys.size() > 1) && !keys.count(h.cp.public_key)) {
      report.problems.push_back(what + " is signed by key " + h.cp.public_key.substr(0, 16) +
                                "…, not by the anchor's key");
      h.trusted = false;
    } else if (keys.size() > 1 && !pinned) {
      report.problems.push_back(what + " is one of checkpoints signed by " + std::to_string(keys.size()) +
                                " different keys");
      h.trusted = false;
    }
    if (h.cp.store_id != store_id) {
      report.problems.push_back(what + " is for store " + h.cp.store_id + ", and this is store " + store_id);
      h.trusted = false;
    }
  }
}

// Hash chains and sequence numbers of every stream, and the log head, which
// each checkpoint at that position must give. Fills the report's counts and
// head. False: a record could not be read (reported; `readable` cleared).
Result<bool> Engine::Impl::WalkHashChains(std::vector<HeldCheckpoint>& held, VerifyReport& report, bool* readable,
                                          std::vector<schemas::Event>* calendar) const {
  std::multimap<uint64_t, HeldCheckpoint*> at;
  for (auto& h : held) at.emplace(h.cp.log_end, &h);
  auto check_at = [&](uint64_t pos, const std::string& head) {
    auto [lo, hi] = at.equal_range(pos);
    for (auto it = lo; it != hi; ++it) {
      HeldCheckpoint& h = *it->second;
      if (h.cp.log_head == head) {
        h.matched = true;
      } else {
        report.problems.push_back("the log up to position " + std::to_string(pos) + " is not what was signed on " +
                                  FormatInstant(h.cp.signed_at) + " (checkpoint from the " + h.source +
                                  "): events at or before position " + std::to_string(pos) +
                                  " were changed after they were signed");
      }
    }
  };
  // Hash chains and sequence numbers of every stream, and the log head.
  std::map<std::string, std::pair<uint64_t, std::string>> heads;
  std::string head;
  uint64_t last = 0;
  check_at(0, head);
  rocksdb::ReadOptions ro;
  ro.readahead_size = 4 << 20;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf[kLog]));
  for (it->SeekToFirst(); it->Valid() && report.problems.size() < 20; it->Next()) {
    const uint64_t pos = DecodeFixed64BE(it->key().data());
    auto ev = DecodeFramed(it->value().ToStringView(), pos);
    if (!ev.ok()) {
      report.problems.push_back(ev.status().ToString());
      if (readable) *readable = false;
      return false;
    }
    const Event& e = *ev;
    ++report.events;
    if (pos != last + 1)
      report.problems.push_back("log position " + std::to_string(pos) + " follows position " + std::to_string(last) +
                                ": positions are missing");
    last = pos;
    auto& [seq, hash] = heads[e.stream];
    const std::string where =
        "log position " + std::to_string(pos) + " (stream " + e.stream + ", seq " + std::to_string(e.stream_seq) + ")";
    if (e.stream_seq != seq + 1) report.problems.push_back(where + ": expected seq " + std::to_string(seq + 1));
    if (e.prev_hash != hash) report.problems.push_back(where + ": prev_hash does not match the previous event");
    if (schemas::ComputeHash(e) != e.hash) report.problems.push_back(where + ": hash does not match the event's bytes");
    seq = e.stream_seq;
    hash = e.hash;
    head = anchor::ExtendHead(head, pos, e.hash);
    check_at(pos, head);
    if (calendar && e.stream == kCalendarStream) calendar->push_back(e);
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
  report.streams = heads.size();
  report.log_end = last;
  report.log_head = head;
  return true;
}

// What the trusted checkpoints the log matched cover, and a checkpoint
// past the log's end.
void Engine::Impl::JudgeCoverage(const std::vector<anchor::Checkpoint>& external,
                                 const std::vector<HeldCheckpoint>& held, bool stored_any, VerifyReport& report) const {
  const uint64_t last = report.log_end;
  uint64_t covered = 0;
  for (const auto& h : held) {
    if (h.cp.log_end > last) {
      report.problems.push_back("the log ends at position " + std::to_string(last) + ", but a checkpoint from the " +
                                h.source + " signed on " + FormatInstant(h.cp.signed_at) + " covers positions up to " +
                                std::to_string(h.cp.log_end) + ": " + std::to_string(h.cp.log_end - last) +
                                " signed event(s) were removed");
    } else if (h.trusted && h.matched) {
      covered = std::max(covered, h.cp.log_end);
    }
  }
  // An anchored store signs every commit: whatever follows its last good
  // signature was written without the key.
  if ((stored_any || !external.empty()) && covered < last)
    report.problems.push_back(
        "positions " + std::to_string(covered + 1) + ".." + std::to_string(last) + " (" +
        std::to_string(last - covered) +
        " event(s)) are not covered by a valid signed checkpoint that the log still matches, though "
        "the store is anchored: they were changed, or appended without the signing key" +
        (stored_any ? "" : " (and the store's own checkpoints are gone)"));
}

}  // namespace duban

// Sessions and login throttling, in memory (a restart signs everyone out and
// forgets failures). A session remembers its account's generation: a
// password reset or a disable (which bump it) voids every session made
// before, checked against the store on each request.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "duban/date.h"

namespace duban::server {

// 256 random bits (OpenSSL RAND_bytes) as 64 hex digits.
std::string RandomToken();

struct Session {
  std::string id, csrf, account;
  uint32_t generation = 0;
  Instant created = 0, last_seen = 0;
};

// At most kMaxSessionsPerAccount live sessions per account: a new sign-in
// beyond it ends the account's oldest (a script signing in in a loop cannot
// grow the server's memory).
class SessionStore {
 public:
  static constexpr size_t kMaxSessionsPerAccount = 20;
  SessionStore(Instant absolute_ms, Instant idle_ms) : absolute_ms_(absolute_ms), idle_ms_(idle_ms) {}
  Session Create(const std::string& account, uint32_t generation, Instant now);
  // The live session with this id (touching it), or nothing: unknown,
  // expired (idle or absolute; then forgotten).
  std::optional<Session> Find(const std::string& id, Instant now);
  void Remove(const std::string& id);
  size_t size();

 private:
  std::mutex mu_;
  std::map<std::string, Session> sessions_;
  Instant absolute_ms_, idle_ms_;
};

// Failures by user name and by client address in a sliding window; past the
// limit the key is locked out until the lockout ends. An attempt counts from
// its admission, before its password is checked: attempts sent together
// (each hash takes ~30 ms) cannot all pass the check before the first one
// fails, so a window allows at most `limit` guesses however many arrive at once.
class LoginThrottle {
 public:
  LoginThrottle(int per_user, int per_ip, Instant window_ms, Instant lockout_ms)
      : per_user_(per_user), per_ip_(per_ip), window_ms_(window_ms), lockout_ms_(lockout_ms) {}
  struct Admission {
    int64_t wait_seconds = 0;  // 0: admitted, counted until Finished
    bool busy = false;         // not locked out: as many attempts in flight as failures still allowed
  };
  // Admits an attempt for the user from the address. A refused attempt adds
  // nothing to the tables.
  Admission Admit(const std::string& user, const std::string& ip, Instant now);
  // Ends an admitted attempt: a failure counts towards the lockout; a success
  // forgets the user's failures.
  void Finished(const std::string& user, const std::string& ip, bool failed, Instant now);

 private:
  struct Key {
    std::deque<Instant> failures;
    Instant locked_until = 0;
    int in_flight = 0;
  };
  int64_t Wait(Key& k, int limit, Instant now) const;
  void Record(Key& k, int limit, Instant now) const;
  // At most 100,000 keys each (a flood of invented names or addresses): past
  // that, keys with nothing to remember (no failure in the window, not
  // locked, none in flight) are forgotten; if none is, a new name or address
  // is not tracked (the other table still is), so no flood can wipe a count
  // already earned. Null: not tracked.
  Key* Track(std::map<std::string, Key>& keys, const std::string& name, Instant now);
  Key* Find(std::map<std::string, Key>& keys, const std::string& name);
  std::mutex mu_;
  std::map<std::string, Key> users_, ips_;
  int per_user_, per_ip_;
  Instant window_ms_, lockout_ms_;
};

}  // namespace duban::server

#include "auth.h"

#include <openssl/rand.h>

#include <algorithm>
#include <iterator>
#include <stdexcept>
#include <vector>

namespace duban::server {

std::string RandomToken() {
  unsigned char b[32];
  if (RAND_bytes(b, sizeof b) != 1) std::abort();  // no entropy: nothing safe to hand out
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : b) {
    out.push_back(hex[c >> 4]);
    out.push_back(hex[c & 15]);
  }
  return out;
}

Session SessionStore::Create(const std::string& account, uint32_t generation, Instant now) {
  Session s{RandomToken(), RandomToken(), account, generation, now, now};
  std::lock_guard<std::mutex> lock(mu_);
  // Forget expired sessions now and then, so the map cannot grow without bound.
  for (auto it = sessions_.begin(); it != sessions_.end();)
    it = (now - it->second.created > absolute_ms_ || now - it->second.last_seen > idle_ms_) ? sessions_.erase(it)
                                                                                            : std::next(it);
  std::vector<std::map<std::string, Session>::iterator> mine;
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
    if (it->second.account == account) mine.push_back(it);
  if (mine.size() >= kMaxSessionsPerAccount) {
    std::sort(mine.begin(), mine.end(), [](auto a, auto b) { return a->second.created < b->second.created; });
    for (size_t i = 0; i + kMaxSessionsPerAccount <= mine.size(); ++i) sessions_.erase(mine[i]);
  }
  sessions_[s.id] = s;
  return s;
}

std::optional<Session> SessionStore::Find(const std::string& id, Instant now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (now - it->second.created > absolute_ms_ || now - it->second.last_seen > idle_ms_) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen = now;
  return it->second;
}

void SessionStore::Remove(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(id);
}

size_t SessionStore::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

int64_t LoginThrottle::Wait(Key& k, int limit, Instant now) const {
  if (k.locked_until > now) return (k.locked_until - now + 999) / 1000;
  while (!k.failures.empty() && now - k.failures.front() > window_ms_) k.failures.pop_front();
  // Those in flight may all fail: one more must not pass the limit before they do.
  if (static_cast<int>(k.failures.size()) + k.in_flight >= limit) return 1;
  return 0;
}

void LoginThrottle::Record(Key& k, int limit, Instant now) const {
  while (!k.failures.empty() && now - k.failures.front() > window_ms_) k.failures.pop_front();
  k.failures.push_back(now);
  if (static_cast<int>(k.failures.size()) >= limit) {
    k.locked_until = now + lockout_ms_;
    k.failures.clear();
  }
}

LoginThrottle::Key* LoginThrottle::Find(std::map<std::string, Key>& keys, const std::string& name) {
  auto it = keys.find(name);
  return it == keys.end() ? nullptr : &it->second;
}

LoginThrottle::Key* LoginThrottle::Track(std::map<std::string, Key>& keys, const std::string& name, Instant now) {
  constexpr size_t kMaxKeys = 100000;
  if (Key* k = Find(keys, name)) return k;
  if (keys.size() >= kMaxKeys) {
    for (auto it = keys.begin(); it != keys.end();) {
      Key& k = it->second;
      while (!k.failures.empty() && now - k.failures.front() > window_ms_) k.failures.pop_front();
      it = k.in_flight == 0 && k.locked_until <= now && k.failures.empty() ? keys.erase(it) : std::next(it);
    }
    if (keys.size() >= kMaxKeys) return nullptr;
  }
  return &keys[name];
}

LoginThrottle::Admission LoginThrottle::Admit(const std::string& user, const std::string& ip, Instant now) {
  std::lock_guard<std::mutex> lock(mu_);
  Admission a;
  bool locked = false;
  for (auto [key, limit] : {std::pair{Find(users_, user), per_user_}, std::pair{Find(ips_, ip), per_ip_}}) {
    if (!key) continue;
    a.wait_seconds = std::max(a.wait_seconds, Wait(*key, limit, now));
    locked = locked || key->locked_until > now;
  }
  a.busy = a.wait_seconds > 0 && !locked;
  if (a.wait_seconds > 0) return a;
  if (Key* u = Track(users_, user, now)) ++u->in_flight;
  if (Key* i = Track(ips_, ip, now)) ++i->in_flight;
  return a;
}

void LoginThrottle::Finished(const std::string& user, const std::string& ip, bool failed, Instant now) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto [key, limit] : {std::pair{Find(users_, user), per_user_}, std::pair{Find(ips_, ip), per_ip_}}) {
    if (!key) continue;
    key->in_flight = std::max(key->in_flight - 1, 0);
    if (failed) Record(*key, limit, now);
  }
  if (!failed)
    if (Key* u = Find(users_, user)) u->failures.clear();
}

}  // namespace duban::server

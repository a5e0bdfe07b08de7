#include "auth.h"

#include <openssl/rand.h>

#include <algorithm>
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

void LoginThrottle::Bound(std::map<std::string, Key>& keys, Instant now) {
  if (keys.size() <= 100000) return;
  std::erase_if(keys, [now](const auto& kv) { return kv.second.in_flight == 0 && kv.second.locked_until <= now; });
}

int64_t LoginThrottle::Admit(const std::string& user, const std::string& ip, Instant now) {
  std::lock_guard<std::mutex> lock(mu_);
  Bound(users_, now);
  Bound(ips_, now);
  Key& u = users_[user];
  Key& a = ips_[ip];
  if (int64_t wait = std::max(Wait(u, per_user_, now), Wait(a, per_ip_, now)); wait > 0) return wait;
  ++u.in_flight;
  ++a.in_flight;
  return 0;
}

void LoginThrottle::Finished(const std::string& user, const std::string& ip, bool failed, Instant now) {
  std::lock_guard<std::mutex> lock(mu_);
  Key& u = users_[user];
  Key& a = ips_[ip];
  u.in_flight = std::max(u.in_flight - 1, 0);
  a.in_flight = std::max(a.in_flight - 1, 0);
  if (failed) {
    Record(u, per_user_, now);
    Record(a, per_ip_, now);
  } else {
    u.failures.clear();
  }
}

}  // namespace duban::server

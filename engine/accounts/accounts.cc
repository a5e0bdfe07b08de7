#include "duban/accounts.h"

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "duban/schemas/codec.h"
#include "duban/terminal_text.h"
#include "duban/utf8.h"

namespace duban::accounts {
namespace {

using json = nlohmann::json;

constexpr const char* kRowPrefix = "account/";
constexpr const char* kTokenPrefix = "account-token/";  // + sha256 hex of the token -> account name
constexpr const char* kTokenMark = "dbt_";

// Argon2id at OWASP's minimum for it (m = 19 MiB, t = 2, p = 1): about 30 ms
// a check here, which a sign-in can afford and a guesser cannot.
constexpr uint32_t kTimeCost = 2, kMemoryKiB = 19 * 1024, kLanes = 1;
constexpr size_t kSaltBytes = 16, kHashBytes = 32;

std::string RowKey(std::string_view name) { return kRowPrefix + std::string(name); }

Result<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    return Status::IOError("the system's random source failed");
  return out;
}

std::string Base64Url(std::string_view bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

Result<std::string> HashPassword(std::string_view password) {
  auto salt = RandomBytes(kSaltBytes);
  if (!salt.ok()) return salt.status();
  std::string encoded(argon2_encodedlen(kTimeCost, kMemoryKiB, kLanes, kSaltBytes, kHashBytes, Argon2_id), '\0');
  const int rc = argon2id_hash_encoded(kTimeCost, kMemoryKiB, kLanes, password.data(), password.size(), salt->data(),
                                       salt->size(), kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return Status::IOError(std::string("hashing the password: ") + argon2_error_message(rc));
  encoded.resize(encoded.find('\0') == std::string::npos ? encoded.size() : encoded.find('\0'));
  return encoded;
}

bool PasswordMatches(const std::string& encoded, std::string_view password) {
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

// Checked against when the name is unknown, so an unknown name costs the same
// time as a wrong password.
const std::string& DummyHash() {
  static const std::string hash = [] {
    auto h = HashPassword("no account has this password, it only spends the time of one check");
    return h.ok() ? *h : std::string();
  }();
  return hash;
}

std::string TokenDigest(std::string_view token) { return schemas::Sha256Hex(token); }

bool SameDigest(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

const char* KindName(AccountKind k) { return k == AccountKind::kToken ? "token" : "person"; }

// The stored row: the account and its secret (Argon2id encoding, or the
// token's SHA-256 hex).
struct Row {
  Account account;
  std::string secret;
};

std::string EncodeRow(const Row& r) {
  const Account& a = r.account;
  json j{{"name", a.name},
         {"display_name", a.display_name},
         {"role", AccountRoleName(a.role)},
         {"unit", a.unit},
         {"kind", KindName(a.kind)},
         {"disabled", a.disabled},
         {"generation", a.generation},
         {"created_at", a.created_at},
         {"changed_at", a.changed_at},
         {"secret", r.secret}};
  return j.dump();
}

Result<Row> DecodeRow(std::string_view key, const std::string& v) {
  try {
    const json j = json::parse(v);
    Row r;
    Account& a = r.account;
    a.name = j.at("name").get<std::string>();
    a.display_name = j.at("display_name").get<std::string>();
    auto role = ParseAccountRole(j.at("role").get<std::string>());
    if (!role) throw std::runtime_error("unknown role");
    a.role = *role;
    a.unit = j.at("unit").get<std::string>();
    a.kind = j.at("kind").get<std::string>() == "token" ? AccountKind::kToken : AccountKind::kPerson;
    a.disabled = j.at("disabled").get<bool>();
    a.generation = j.at("generation").get<uint32_t>();
    a.created_at = j.at("created_at").get<Instant>();
    a.changed_at = j.at("changed_at").get<Instant>();
    r.secret = j.at("secret").get<std::string>();
    return r;
  } catch (const std::exception& e) {
    return Status::Corruption("account row " + std::string(key) + " is damaged: " + e.what());
  }
}

// CJK ideographs (the Unified block, extension A, compatibility) and the
// middle dot of transcribed names: what a Chinese name is written with.
bool Ideograph(char32_t c) {
  return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0xf900 && c <= 0xfaff) || c == 0x00b7 ||
         c == 0x3007;
}

// Account names: ASCII letters, digits, '.', '_', '-', and CJK ideographs;
// nothing invisible, no look-alikes (fullwidth or mathematical letters), so
// two accounts never read the same in an audit trail.
Status CheckAccountName(std::string_view name, const char* what) {
  if (name.empty()) return Status::InvalidArgument(std::string(what) + " is empty");
  if (!utf8::IsValid(name)) return Status::InvalidArgument(std::string(what) + " is not valid UTF-8");
  if (utf8::CodePoints(name) > 64) return Status::InvalidArgument(std::string(what) + " is longer than 64 characters");
  for (size_t i = 0; i < name.size();) {
    const char32_t c = utf8::Next(name, i);
    const bool ascii_ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ascii_ok && !Ideograph(c))
      return Status::InvalidArgument(std::string(what) +
                                     " may hold ASCII letters, digits, '.', '_', '-' and Chinese characters only");
  }
  if (name == "." || name == "..") return Status::InvalidArgument(std::string(what) + " cannot be '.' or '..'");
  return Status::Ok();
}

// Free text shown beside names (a unit, a display name): printable, no
// invisible characters, no space at either end.
Status CheckShownText(std::string_view text, const char* what, size_t max_chars) {
  if (!utf8::IsValid(text) || utf8::CodePoints(text) > max_chars)
    return Status::InvalidArgument(std::string(what) + " is not valid UTF-8 of at most " + std::to_string(max_chars) +
                                   " characters");
  for (size_t i = 0; i < text.size();)
    if (IsInvisibleCharacter(utf8::Next(text, i)))
      return Status::InvalidArgument(std::string(what) + " holds a control or invisible character");
  constexpr std::string_view kIdeographicSpace = "\xe3\x80\x80";
  if (text.starts_with(' ') || text.ends_with(' ') || text.starts_with(kIdeographicSpace) ||
      text.ends_with(kIdeographicSpace))
    return Status::InvalidArgument(std::string(what) + " begins or ends with a space");
  return Status::Ok();
}

Status CheckNewAccount(const NewAccount& a) {
  if (Status st = CheckAccountName(a.name, "the account name"); !st.ok()) return st;
  if (a.role == AccountRole::kUnit) {
    if (a.unit.empty()) return Status::InvalidArgument("a unit account names its unit (--unit)");
    if (Status st = CheckShownText(a.unit, "the unit name", 128); !st.ok()) return st;
  } else if (!a.unit.empty()) {
    return Status::InvalidArgument(std::string("an ") + AccountRoleName(a.role) +
                                   " account acts for no unit: --unit goes with --role unit only");
  }
  return CheckShownText(a.display_name, "the display name", 64);
}

std::string ChangeId(std::string_view name, std::string_view change) {
  auto r = RandomBytes(9);
  return "account:" + std::string(name) + ":" + std::string(change) + ":" + Base64Url(r.ok() ? *r : "");
}

}  // namespace

const char* AccountRoleName(AccountRole r) {
  switch (r) {
    case AccountRole::kOffice:
      return "office";
    case AccountRole::kUnit:
      return "unit";
    case AccountRole::kAuditor:
      return "auditor";
    case AccountRole::kAdmin:
      return "admin";
  }
  return "unknown";
}

std::optional<AccountRole> ParseAccountRole(std::string_view s) {
  if (s == "office") return AccountRole::kOffice;
  if (s == "unit") return AccountRole::kUnit;
  if (s == "auditor") return AccountRole::kAuditor;
  if (s == "admin") return AccountRole::kAdmin;
  return std::nullopt;
}

schemas::Actor ActorOf(const Account& a) {
  schemas::Actor actor;
  actor.name = a.name;
  switch (a.role) {
    case AccountRole::kUnit:
      actor.id = a.unit;
      actor.role = schemas::Role::kUnit;
      break;
    case AccountRole::kOffice:
      actor.id = a.name;
      actor.role = schemas::Role::kSupervisor;
      break;
    case AccountRole::kAuditor:
      actor.id = a.name;
      actor.role = schemas::Role::kAuditor;
      break;
    case AccountRole::kAdmin:
      actor.id = a.name;
      actor.role = schemas::Role::kAdmin;
      break;
  }
  return actor;
}

schemas::Actor ActorOfOperator() {
  std::string login = "operator";
  if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_name) login = pw->pw_name;
  return schemas::Actor{"local:" + login, schemas::Role::kAdmin, "local:" + login};
}

Accounts::Accounts(Engine& engine, std::shared_ptr<const EngineClock> clock)
    : engine_(engine), clock_(clock ? std::move(clock) : SystemClock()) {}

Status Accounts::CheckPasswordRules(std::string_view name, std::string_view password) {
  if (!utf8::IsValid(password)) return Status::Rejected(reason::kWeakPassword, "the password is not valid UTF-8");
  if (password.size() > 256) return Status::Rejected(reason::kWeakPassword, "a password has at most 256 bytes");
  const size_t chars = utf8::CodePoints(password);
  if (chars < 10)
    return Status::Rejected(reason::kWeakPassword,
                            "a password has at least 10 characters; this one has " + std::to_string(chars));
  std::set<char32_t> distinct;
  for (size_t i = 0; i < password.size();) {
    const char32_t c = utf8::Next(password, i);
    if (IsInvisibleCharacter(c))
      return Status::Rejected(reason::kWeakPassword,
                              "a password holds no control or invisible characters (one typed on another keyboard "
                              "would not match)");
    distinct.insert(c);
  }
  if (distinct.size() < 4)
    return Status::Rejected(reason::kWeakPassword,
                            "a password of fewer than 4 different characters is too easy to guess");
  if (password == name) return Status::Rejected(reason::kWeakPassword, "the password is the account's name");
  return Status::Ok();
}

namespace {
// Writes the account row (and its extra meta) with its AccountChanged event.
Status Record(Engine& engine, const EngineClock& clock, const Row& row, const std::string& change,
              const std::string& why, const schemas::Actor& by, Engine::MetaWrites extra = {}) {
  Engine::AccountChangeRequest r;
  r.command_id = ChangeId(row.account.name, change);
  r.actor = by;
  r.issued_at = clock.Now();
  const Account& a = row.account;
  r.change = schemas::AccountChanged{a.name,         change, KindName(a.kind), AccountRoleName(a.role), a.unit,
                                     a.display_name, why,    a.generation};
  r.meta = std::move(extra);
  r.meta.emplace_back(RowKey(a.name), EncodeRow(row));
  const Outcome o = engine.RecordAccountChange(r);
  return o.status;
}

Result<Row> ReadRow(const Engine& engine, std::string_view name) {
  auto v = engine.GetMeta(RowKey(name));
  if (!v.ok()) return v.status();
  if (!v->has_value()) return Status::NotFound("no account named " + std::string(name));
  return DecodeRow(RowKey(name), **v);
}
}  // namespace

Result<Account> Accounts::Add(const NewAccount& n, std::string_view password, const schemas::Actor& by) {
  if (Status st = CheckNewAccount(n); !st.ok()) return st;
  if (Status st = CheckPasswordRules(n.name, password); !st.ok()) return st;
  if (auto existing = ReadRow(engine_, n.name); existing.ok())
    return Status::Rejected(reason::kAccountExists, "an account named " + n.name + " exists already");
  else if (existing.status().code() != Status::Code::kNotFound)
    return existing.status();
  auto hash = HashPassword(password);
  if (!hash.ok()) return hash.status();
  Row row;
  row.account = Account{n.name,
                        n.display_name.empty() ? n.name : n.display_name,
                        n.role,
                        n.unit,
                        AccountKind::kPerson,
                        false,
                        1,
                        clock_->Now(),
                        clock_->Now()};
  row.secret = std::move(hash).value();
  if (Status st = Record(engine_, *clock_, row, "created", "", by); !st.ok()) return st;
  return row.account;
}

Result<std::string> Accounts::CreateToken(const NewAccount& n, const schemas::Actor& by) {
  if (Status st = CheckNewAccount(n); !st.ok()) return st;
  if (auto existing = ReadRow(engine_, n.name); existing.ok())
    return Status::Rejected(reason::kAccountExists, "an account or token named " + n.name + " exists already");
  else if (existing.status().code() != Status::Code::kNotFound)
    return existing.status();
  auto secret = RandomBytes(32);
  if (!secret.ok()) return secret.status();
  const std::string token = kTokenMark + Base64Url(*secret);
  Row row;
  row.account = Account{n.name,
                        n.display_name.empty() ? n.name : n.display_name,
                        n.role,
                        n.unit,
                        AccountKind::kToken,
                        false,
                        1,
                        clock_->Now(),
                        clock_->Now()};
  row.secret = TokenDigest(token);
  if (Status st = Record(engine_, *clock_, row, "token_created", "", by, {{kTokenPrefix + row.secret, n.name}});
      !st.ok())
    return st;
  return token;
}

Status Accounts::SetDisabled(std::string_view name, bool disabled, const std::string& why, const schemas::Actor& by) {
  auto row = ReadRow(engine_, name);
  if (!row.ok())
    return row.status().code() == Status::Code::kNotFound
               ? Status::Rejected(reason::kAccountNotFound, row.status().message())
               : row.status();
  if (row->account.disabled == disabled) return Status::Ok();  // already so: nothing to record
  if (!disabled && row->account.kind == AccountKind::kToken)
    return Status::InvalidArgument(std::string(name) + " is a revoked token: revocation is for good; create a new one");
  row->account.disabled = disabled;
  if (disabled) ++row->account.generation;
  row->account.changed_at = clock_->Now();
  return Record(engine_, *clock_, *row, disabled ? "disabled" : "enabled", why, by);
}

Status Accounts::ResetPassword(std::string_view name, std::string_view password, const schemas::Actor& by) {
  auto row = ReadRow(engine_, name);
  if (!row.ok())
    return row.status().code() == Status::Code::kNotFound
               ? Status::Rejected(reason::kAccountNotFound, row.status().message())
               : row.status();
  if (row->account.kind == AccountKind::kToken)
    return Status::InvalidArgument(std::string(name) + " is a token: revoke it and create a new one");
  if (Status st = CheckPasswordRules(name, password); !st.ok()) return st;
  auto hash = HashPassword(password);
  if (!hash.ok()) return hash.status();
  row->secret = std::move(hash).value();
  ++row->account.generation;
  row->account.changed_at = clock_->Now();
  return Record(engine_, *clock_, *row, "password_reset", "", by);
}

void Accounts::WarmUp() { (void)DummyHash(); }

Result<Account> Accounts::Get(std::string_view name) const {
  auto row = ReadRow(engine_, name);
  if (!row.ok()) return row.status();
  return row->account;
}

Result<std::vector<Account>> Accounts::List() const {
  auto rows = engine_.MetaWithPrefix(kRowPrefix);
  if (!rows.ok()) return rows.status();
  std::vector<Account> out;
  for (const auto& [k, v] : *rows) {
    auto row = DecodeRow(k, v);
    if (!row.ok()) return row.status();
    out.push_back(row->account);
  }
  return out;
}

Result<std::vector<std::string>> Accounts::CompareRowsWithLog() const {
  std::map<std::string, schemas::AccountChanged> last;  // by account: its newest change
  Status scanned = engine_.ScanLog(1, [&](uint64_t, const schemas::Event& e) {
    if (const auto* c = std::get_if<schemas::AccountChanged>(&e.body)) last[c->account] = *c;
    return true;
  });
  if (!scanned.ok()) return scanned;
  auto rows = engine_.MetaWithPrefix(kRowPrefix);
  if (!rows.ok()) return rows.status();
  std::vector<std::string> problems;
  std::set<std::string> seen;
  for (const auto& [key, value] : *rows) {
    auto row = DecodeRow(key, value);
    if (!row.ok()) {
      problems.push_back(row.status().message());
      continue;
    }
    const Account& a = row->account;
    if (key.substr(std::string_view(kRowPrefix).size()) != a.name) {
      problems.push_back("the account row " + key + " names another account (" + a.name +
                         "): it was changed outside duban");
      continue;
    }
    seen.insert(a.name);
    auto it = last.find(a.name);
    if (it == last.end()) {
      problems.push_back("account " + a.name + " has no AccountChanged event in the log: it was not made by duban");
      continue;
    }
    const schemas::AccountChanged& c = it->second;
    const bool disabled = c.change == "disabled";
    if (c.role != AccountRoleName(a.role) || c.unit != a.unit || c.kind != KindName(a.kind) || disabled != a.disabled ||
        c.generation != a.generation)
      problems.push_back("account " + a.name + " is " + AccountRoleName(a.role) +
                         (a.unit.empty() ? "" : " of " + a.unit) + (a.disabled ? ", disabled" : "") +
                         " in the store, but its last recorded change made it " + c.role +
                         (c.unit.empty() ? "" : " of " + c.unit) + (disabled ? ", disabled" : "") +
                         ": the account row was changed outside duban");
  }
  for (const auto& [name, c] : last)
    if (!seen.count(name))
      problems.push_back("account " + name + " is in the log but its row is missing from the store");
  return problems;
}

Result<Account> Accounts::CheckPassword(std::string_view name, std::string_view password) const {
  const Status wrong = Status::Rejected(reason::kUnauthenticated, "wrong account name or password");
  if (name.empty() || name.size() > 256 || password.size() > 1024) {
    (void)PasswordMatches(DummyHash(), password.substr(0, 256));
    return wrong;
  }
  auto row = ReadRow(engine_, name);
  if (!row.ok() && row.status().code() != Status::Code::kNotFound) return row.status();
  if (!row.ok() || row->account.kind != AccountKind::kPerson) {
    (void)PasswordMatches(DummyHash(), password);
    return wrong;
  }
  if (!PasswordMatches(row->secret, password)) return wrong;
  if (row->account.disabled)
    return Status::Rejected(reason::kAccountDisabled, "account " + row->account.name + " is disabled");
  return row->account;
}

Result<Account> Accounts::CheckToken(std::string_view token) const {
  const Status wrong = Status::Rejected(reason::kUnauthenticated, "the token is not valid");
  if (token.size() > 256 || token.substr(0, 4) != kTokenMark) return wrong;
  const std::string digest = TokenDigest(token);
  auto name = engine_.GetMeta(kTokenPrefix + digest);
  if (!name.ok()) return name.status();
  if (!name->has_value()) return wrong;
  auto row = ReadRow(engine_, **name);
  if (!row.ok()) return row.status().code() == Status::Code::kNotFound ? wrong : row.status();
  if (row->account.kind != AccountKind::kToken || !SameDigest(row->secret, digest)) return wrong;
  if (row->account.disabled)
    return Status::Rejected(reason::kAccountDisabled, "token " + row->account.name + " is revoked");
  return row->account;
}

}  // namespace duban::accounts

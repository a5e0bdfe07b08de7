// Accounts: who may act, and as whom. People sign in with a name and a
// password; scripts and consumers present a machine token. Every event's actor
// comes from the account that authenticated (ActorOf), never from what a
// request or a command line claims.
//
// Guarantees:
// - Accounts are data in the store. Every change (created, disabled, enabled,
//   password reset, token created) is an AccountChanged event in the log's
//   "!accounts" stream, written in the same WriteBatch as the account row it
//   changes, so the log says who changed which account when. Secrets never
//   reach the log: the row (meta key "account/NAME") holds the Argon2id hash
//   of a password (libargon2, per-account random salt, t=2, m=19 MiB, p=1) or
//   the SHA-256 of a token (a token is 256 random bits: a fast hash suffices).
// - Checks are constant-time in the secret: an unknown name is checked
//   against a dummy hash, so time does not tell which names exist, and every
//   failure of a password says the same words (Rejected "unauthenticated").
// - A password reset or a disable bumps the account's generation: sessions a
//   server issued before (which remember the generation) stop working.
// Throttling and sessions are the server's (in memory), not the store's.
//
// Thread safety: like Engine, not to be called concurrently with the engine,
// except Get and CheckToken, which read meta rows only (Engine::GetMeta) and
// may run beside the engine's other users (engine.h).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "duban/engine.h"
#include "duban/schemas/events.h"
#include "duban/status.h"

namespace duban::accounts {

enum class AccountRole : uint8_t { kOffice = 1, kUnit = 2, kAuditor = 3, kAdmin = 4 };
const char* AccountRoleName(AccountRole r);  // "office", "unit", "auditor", "admin"
std::optional<AccountRole> ParseAccountRole(std::string_view s);

enum class AccountKind : uint8_t { kPerson = 1, kToken = 2 };

struct Account {
  std::string name;  // sign-in name (or the token's name): [A-Za-z0-9._-] or CJK, 1..64 characters
  std::string display_name;
  AccountRole role = AccountRole::kUnit;
  std::string unit;  // kUnit: the unit it acts for, as plans name it
  AccountKind kind = AccountKind::kPerson;
  bool disabled = false;
  uint32_t generation = 1;  // bumped by reset and disable: older sessions are void
  Instant created_at = 0, changed_at = 0;
};

// The actor every event made through this account carries:
//   unit account    -> {id: its unit, role: unit, name: account name}
//   office account  -> {id: account name, role: supervisor, name: account name}
//   auditor account -> {id: account name, role: auditor, name: account name}
//   admin account   -> {id: account name, role: admin, name: account name}
// A unit account's id is its unit because decide matches the unit acting
// against the assignment's unit (not_assignee).
schemas::Actor ActorOf(const Account& a);

// What a new account is.
struct NewAccount {
  std::string name, display_name;
  AccountRole role = AccountRole::kUnit;
  std::string unit;  // required for kUnit, refused otherwise
};

// Reason codes of Rejected statuses (stable: the HTTP API maps them).
namespace reason {
inline constexpr const char* kUnauthenticated = "unauthenticated";  // unknown name, wrong password or token
inline constexpr const char* kAccountDisabled = "account_disabled";
inline constexpr const char* kAccountExists = "account_exists";
inline constexpr const char* kAccountNotFound = "account_not_found";
inline constexpr const char* kWeakPassword = "weak_password";
}  // namespace reason

class Accounts {
 public:
  // Works on an open engine (writes need a writer). The clock stamps changes.
  Accounts(Engine& engine, std::shared_ptr<const EngineClock> clock);

  // `by` is who makes the change: an admin account's actor, or the local
  // operator at the data directory (ActorOfOperator()).
  Result<Account> Add(const NewAccount& account, std::string_view password, const schemas::Actor& by);
  // A machine token for scripts and consumers: returns the secret, shown once
  // ("dbt_" + 43 base64url characters).
  Result<std::string> CreateToken(const NewAccount& account, const schemas::Actor& by);
  Status SetDisabled(std::string_view name, bool disabled, const std::string& reason, const schemas::Actor& by);
  Status ResetPassword(std::string_view name, std::string_view password, const schemas::Actor& by);

  Result<Account> Get(std::string_view name) const;  // NotFound
  Result<std::vector<Account>> List() const;         // by name

  // Rejected kUnauthenticated (same words for unknown name and wrong
  // password), Rejected kAccountDisabled only after the password was right.
  Result<Account> CheckPassword(std::string_view name, std::string_view password) const;
  Result<Account> CheckToken(std::string_view token) const;

  // Each account row agrees with its AccountChanged trail (role, unit,
  // kind, disabled, generation), and each row has a trail: an edited row
  // (a role flipped in the store's files) is named, in words. Empty: agree.
  Result<std::vector<std::string>> CompareRowsWithLog() const;

  // Computes the dummy hash unknown names are checked against, so the first
  // sign-in with an unknown name costs no more than the others (a server
  // calls it at start).
  static void WarmUp();

  // A password the office's people may choose: 10..256 bytes of valid
  // UTF-8, not all one character, not the account name.
  static Status CheckPasswordRules(std::string_view name, std::string_view password);

 private:
  Engine& engine_;
  std::shared_ptr<const EngineClock> clock_;
};

// The local operator (the person at the data directory, whose file
// permissions are the CLI's guard) as the actor of account changes made with
// the CLI: {id: "local:<login>", role: admin}.
schemas::Actor ActorOfOperator();

}  // namespace duban::accounts

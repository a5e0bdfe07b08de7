// `duban user ...` and `duban token ...`: the accounts people and scripts act
// as (duban/accounts.h). Made at the data directory by its operator, whose
// file permissions are the CLI's guard; each change is recorded in the log
// with the operator as its actor (accounts::ActorOfOperator).
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "duban/accounts.h"
#include "duban/date.h"
#include "duban/terminal_text.h"

namespace duban::cli {
namespace {

using accounts::AccountRole;

// One line from stdin, without its line end; the terminal does not echo it.
std::optional<std::string> ReadSecretLine(const char* prompt) {
  const bool tty = ::isatty(STDIN_FILENO);
  termios old{};
  if (tty) {
    std::cerr << prompt << std::flush;
    ::tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  const bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
  }
  if (!got) return std::nullopt;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  // One line and nothing after it: a second line is a mistake (a file of
  // passwords, a pasted block), not something to drop silently.
  std::string rest;
  if (!tty && std::getline(std::cin, rest, '\0') && rest.find_first_not_of("\r\n") != std::string::npos)
    return std::nullopt;
  return line;
}

// Account commands act as the operator at the data directory, never as an
// account or a free-text actor: a flag saying otherwise is a mistake.
bool OperatorActs(Globals& g) {
  if (!g.as_given && g.actor.empty() && g.role.empty()) return true;  // $DUBAN_AS alone is left for writes
  std::cerr << "duban: accounts are managed by the operator at the data directory (recorded as "
            << accounts::ActorOfOperator().id << "); --as, --actor and --role do not apply\n";
  g.exit_code = kExitUsage;
  return false;
}

struct AccountArgs {
  std::string name, unit, role, display_name;
};

// --unit U makes a unit account; --role office|auditor|admin the others.
std::optional<accounts::NewAccount> NewAccountFrom(Globals& g, const AccountArgs& a) {
  accounts::NewAccount n;
  n.name = a.name;
  n.display_name = a.display_name;
  n.unit = a.unit;
  if (a.role.empty()) {
    if (a.unit.empty()) {
      std::cerr << "duban: an account is for a unit (--unit UNIT) or has a role (--role office|auditor|admin)\n";
      g.exit_code = kExitUsage;
      return std::nullopt;
    }
    n.role = AccountRole::kUnit;
    return n;
  }
  auto role = accounts::ParseAccountRole(a.role);
  if (!role) {
    std::cerr << "duban: --role must be office, unit, auditor or admin (got '" << ForTerminal(a.role) << "')\n";
    g.exit_code = kExitUsage;
    return std::nullopt;
  }
  n.role = *role;
  return n;
}

void AddAccountOptions(CLI::App* sub, AccountArgs& a) {
  sub->add_option("name", a.name, "the account's name (letters, digits, '.', '_', '-', or Chinese)")->required();
  sub->add_option("--unit", a.unit, "the unit it acts for, as plans name it (a unit account)");
  sub->add_option("--role", a.role, "office | auditor | admin (or unit, with --unit)");
  sub->add_option("--display-name", a.display_name, "a person's name as shown (default: the account name)");
}

// Prints why a change was refused and sets the exit code.
void Refused(Globals& g, const Status& st) {
  if (st.code() == Status::Code::kRejected) {
    std::cerr << "duban: " << ForTerminal(st.message()) << "\n";
    g.exit_code = kExitRejected;
    return;
  }
  Fail(g, st);
}

std::string Stamp(Instant t) { return t ? FormatInstant(t) : "-"; }

void PrintAccounts(Globals& g, const std::vector<accounts::Account>& list, accounts::AccountKind kind) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& a : list) {
    if (a.kind != kind) continue;
    if (g.json) {
      out.push_back({{"name", a.name},
                     {"display_name", a.display_name},
                     {"role", accounts::AccountRoleName(a.role)},
                     {"unit", a.unit},
                     {"disabled", a.disabled},
                     {"created_at", Stamp(a.created_at)},
                     {"changed_at", Stamp(a.changed_at)}});
      continue;
    }
    std::cout << ForTerminal(a.name) << "\t" << accounts::AccountRoleName(a.role)
              << (a.unit.empty() ? "" : "\t" + ForTerminal(a.unit))
              << (a.display_name != a.name ? "\t" + ForTerminal(a.display_name) : "")
              << (a.disabled ? (kind == accounts::AccountKind::kToken ? "\trevoked" : "\tdisabled") : "") << "\n";
  }
  if (g.json) std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

// The password from stdin, or nothing (said, the exit code set).
std::optional<std::string> ReadPasswordOrExplain(Globals& g, const char* prompt) {
  auto password = ReadSecretLine(prompt);
  if (!password) {
    std::cerr << "duban: no password on stdin (one line, and nothing after it)\n";
    g.exit_code = kExitUsage;
  }
  return password;
}

// A unit account acts on assignments of exactly its unit's name: a name no
// plan uses yet may be a typo.
void NoteUnitNoPlanNames(Engine& engine, const std::string& unit) {
  bool known = false;
  if (auto ids = engine.PlanIds(); ids.ok())
    for (const auto& id : *ids)
      if (auto plan = engine.Plan(id); plan.ok() && plan->units.count(unit)) known = true;
  if (!known)
    std::cerr << "note: no plan in this store names the unit " << ForTerminal(unit)
              << " yet; the account acts on assignments of exactly that name\n";
}

// An alias the unit directory lists, as the store's plans name the unit
// (CanonicalUnit): the workbench shows a unit account the assignments of
// exactly its unit's name, so an account made as 市卫健局 would see nothing of
// 市卫生健康局's work.
std::string UnitAsPlansNameIt(Engine& engine, const std::string& unit) {
  // A name with a space at an end is refused as it is typed (accounts::Add), not tidied into another.
  const std::string_view u = unit;
  for (std::string_view space : {" ", "\t", "\xe3\x80\x80", "\xc2\xa0"})
    if (u.starts_with(space) || u.ends_with(space)) return unit;
  auto ids = engine.PlanIds();
  if (!ids.ok()) return unit;
  std::vector<core::PlanState> plans;
  for (const auto& id : *ids)
    if (auto plan = engine.Plan(id); plan.ok()) {
      if (plan->units.count(unit)) return unit;
      plans.push_back(std::move(plan).value());
    }
  for (const auto& plan : plans)
    if (std::string c = CanonicalUnit(plan, unit); c != unit) return c;
  return unit;
}

// `user add`.
void AddPersonAccount(Globals& g, const AccountArgs& a) {
  if (!OperatorActs(g)) return;
  auto n = NewAccountFrom(g, a);
  if (!n) return;
  auto password = ReadPasswordOrExplain(g, "password: ");
  if (!password) return;
  auto engine = OpenEngine(g);
  if (!engine) return;
  if (n->role == AccountRole::kUnit)
    if (const std::string named = UnitAsPlansNameIt(*engine, n->unit); named != n->unit) {
      std::cerr << "note: " << ForTerminal(n->unit) << " is " << ForTerminal(named)
                << " in the unit directory, as the plans name it; the account acts for " << ForTerminal(named) << "\n";
      n->unit = named;
    }
  accounts::Accounts accounts(*engine, SystemClock());
  auto made = accounts.Add(*n, *password, accounts::ActorOfOperator());
  if (!made.ok()) return Refused(g, made.status());
  std::cout << "account " << ForTerminal(made->name) << " added (" << accounts::AccountRoleName(made->role)
            << (made->unit.empty() ? "" : ", unit " + ForTerminal(made->unit)) << ")\n";
  if (n->role == AccountRole::kUnit) NoteUnitNoPlanNames(*engine, n->unit);
}

// `user disable|enable`: a person's account only (a token is revoked for good).
void SetPersonDisabled(Globals& g, const std::string& name, const std::string& why, bool disable) {
  if (!OperatorActs(g)) return;
  auto engine = OpenEngine(g);
  if (!engine) return;
  accounts::Accounts accounts(*engine, SystemClock());
  if (auto found = accounts.Get(name); found.ok() && found->kind == accounts::AccountKind::kToken) {
    std::cerr << "duban: " << ForTerminal(name) << " is a token: `duban token revoke` ends it, for good\n";
    g.exit_code = kExitUsage;
    return;
  }
  Status st = accounts.SetDisabled(name, disable, why, accounts::ActorOfOperator());
  if (!st.ok()) return Refused(g, st);
  std::cout << "account " << ForTerminal(name) << (disable ? " disabled\n" : " enabled\n");
}

// `user reset-password`.
void ResetPersonPassword(Globals& g, const std::string& name) {
  if (!OperatorActs(g)) return;
  auto password = ReadPasswordOrExplain(g, "new password: ");
  if (!password) return;
  auto engine = OpenEngine(g);
  if (!engine) return;
  Status st = accounts::Accounts(*engine, SystemClock()).ResetPassword(name, *password, accounts::ActorOfOperator());
  if (!st.ok()) return Refused(g, st);
  std::cout << "password of " << ForTerminal(name) << " reset\n";
}

void AddUser(CLI::App& app, Globals& g) {
  auto* user = app.add_subcommand("user", "accounts people sign in with (the CLI's --as and the HTTP API)");
  user->require_subcommand(1);
  {
    auto* sub = user->add_subcommand("add", "add an account; its password is read from stdin (one line)");
    auto a = std::make_shared<AccountArgs>();
    AddAccountOptions(sub, *a);
    auto stdin_flag = std::make_shared<bool>(false);
    sub->add_flag("--password-stdin", *stdin_flag, "read the password from stdin (required: never on the command line)")
        ->required();
    sub->callback([&g, a, stdin_flag] { AddPersonAccount(g, *a); });
  }
  {
    auto* sub = user->add_subcommand("list", "the accounts, their roles and units");
    sub->callback([&g] {
      auto engine = OpenEngine(g, /*read_only=*/true);
      if (!engine) return;
      auto list = accounts::Accounts(*engine, nullptr).List();
      if (!list.ok()) return Fail(g, list.status());
      PrintAccounts(g, *list, accounts::AccountKind::kPerson);
    });
  }
  for (const bool disable : {true, false}) {
    auto* sub =
        user->add_subcommand(disable ? "disable" : "enable",
                             disable ? "stop an account signing in (its sessions end)" : "let it sign in again");
    auto name = std::make_shared<std::string>();
    auto why = std::make_shared<std::string>();
    sub->add_option("name", *name, "the account")->required();
    sub->add_option("--reason", *why, "why (recorded)");
    sub->callback([&g, name, why, disable] { SetPersonDisabled(g, *name, *why, disable); });
  }
  {
    auto* sub = user->add_subcommand("reset-password", "set a new password, read from stdin (its sessions end)");
    auto name = std::make_shared<std::string>();
    auto stdin_flag = std::make_shared<bool>(false);
    sub->add_option("name", *name, "the account")->required();
    sub->add_flag("--password-stdin", *stdin_flag, "read the password from stdin (required)")->required();
    sub->callback([&g, name, stdin_flag] { ResetPersonPassword(g, *name); });
  }
}

void AddToken(CLI::App& app, Globals& g) {
  auto* token = app.add_subcommand("token", "machine tokens for scripts and reminder consumers (HTTP API)");
  token->require_subcommand(1);
  {
    auto* sub = token->add_subcommand("create", "create a token; it is printed once and stored only as a digest");
    auto a = std::make_shared<AccountArgs>();
    AddAccountOptions(sub, *a);
    sub->callback([&g, a] {
      if (!OperatorActs(g)) return;
      auto n = NewAccountFrom(g, *a);
      if (!n) return;
      auto engine = OpenEngine(g);
      if (!engine) return;
      auto made = accounts::Accounts(*engine, SystemClock()).CreateToken(*n, accounts::ActorOfOperator());
      if (!made.ok()) return Refused(g, made.status());
      std::cout << *made << "\n";
      std::cerr << "token " << ForTerminal(n->name)
                << " created; keep it now: it is not shown again (send it as 'Authorization: Bearer TOKEN')\n";
    });
  }
  {
    auto* sub = token->add_subcommand("list", "the tokens (never their secrets)");
    sub->callback([&g] {
      auto engine = OpenEngine(g, /*read_only=*/true);
      if (!engine) return;
      auto list = accounts::Accounts(*engine, nullptr).List();
      if (!list.ok()) return Fail(g, list.status());
      PrintAccounts(g, *list, accounts::AccountKind::kToken);
    });
  }
  {
    auto* sub = token->add_subcommand("revoke", "stop a token working, for good");
    auto name = std::make_shared<std::string>();
    auto why = std::make_shared<std::string>();
    sub->add_option("name", *name, "the token's name")->required();
    sub->add_option("--reason", *why, "why (recorded)");
    sub->callback([&g, name, why] {
      if (!OperatorActs(g)) return;
      auto engine = OpenEngine(g);
      if (!engine) return;
      accounts::Accounts accounts(*engine, SystemClock());
      auto found = accounts.Get(*name);
      if (found.ok() && found->kind != accounts::AccountKind::kToken) {
        std::cerr << "duban: " << ForTerminal(*name) << " is a person's account: `duban user disable` stops it\n";
        g.exit_code = kExitUsage;
        return;
      }
      Status st = accounts.SetDisabled(*name, true, *why, accounts::ActorOfOperator());
      if (!st.ok()) return Refused(g, st);
      std::cout << "token " << ForTerminal(*name) << " revoked\n";
    });
  }
}

void AddAccountCommands(CLI::App& app, Globals& g) {
  AddUser(app, g);
  AddToken(app, g);
}

}  // namespace

DUBAN_REGISTER_COMMANDS(85, &AddAccountCommands);

}  // namespace duban::cli

// Account administration for admin accounts (docs/API.md "Accounts"): list,
// add, disable, enable, reset a password, create a machine token, while the
// server holds the store (the CLI's `duban user` cannot then open it). Every
// change names the signed-in admin as its actor (accounts::ActorOf): the
// AccountChanged event in "!accounts" says which admin changed what.
// Argon2 hashing (tens of ms) runs under the engine mutex, as sign-in does.
#include <map>

#include "duban/date.h"
#include "duban/utf8.h"
#include "server_impl.h"

namespace duban::server {

namespace {

constexpr size_t kMaxAdminBody = 4096;

struct Field {
  const char* name;
  bool required;
};

// A JSON object whose members are strings named in `fields`, nothing else
// (an empty body is {}). On failure the answer is given and nothing returned.
std::optional<std::map<std::string, std::string>> ReadFields(Ctx& c, std::initializer_list<Field> fields) {
  if (c.req.body.size() > kMaxAdminBody)
    return c.Error(413, "too_large", "an account body is a few hundred bytes"), std::nullopt;
  auto parsed = c.req.body.empty() ? Result<json>(json::object()) : ParseJsonObject(c.req.body);
  if (!parsed.ok()) return c.Error(400, "bad_request", parsed.status().message()), std::nullopt;
  const json body = std::move(parsed).value();
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : body.items()) {
    bool known = false;
    for (const Field& f : fields) known = known || k == f.name;
    if (!known) return c.Error(400, "bad_request", "field '" + k + "': unknown field"), std::nullopt;
    if (!v.is_string()) return c.Error(400, "bad_request", "field '" + k + "': must be a string"), std::nullopt;
    out[k] = v.get<std::string>();
  }
  for (const Field& f : fields)
    if (f.required && !out.count(f.name))
      return c.Error(400, "bad_request", std::string("field '") + f.name + "': required"), std::nullopt;
  return out;
}

// What Accounts refused, as an HTTP answer.
void AnswerRefusal(Ctx& c, const Status& st) {
  namespace r = accounts::reason;
  switch (st.code()) {
    case Status::Code::kInvalidArgument:
      return c.Error(400, "bad_request", st.message());
    case Status::Code::kNotFound:
      return c.Error(404, r::kAccountNotFound, st.message());
    case Status::Code::kRejected:
      if (st.reason() == r::kAccountNotFound) return c.Error(404, st.reason(), st.message());
      if (st.reason() == r::kAccountExists) return c.Error(409, st.reason(), st.message());
      return c.Error(422, st.reason(), st.message());
    default:
      throw std::runtime_error("account change failed: " + st.ToString());  // 500, logged
  }
}

// The new account's fields: name, role, unit, display_name (and the password for a person).
std::optional<accounts::NewAccount> NewAccountFrom(Ctx& c, const std::map<std::string, std::string>& f) {
  auto role = accounts::ParseAccountRole(f.at("role"));
  if (!role) return c.Error(400, "bad_request", "field 'role': one of office, unit, auditor, admin"), std::nullopt;
  accounts::NewAccount n;
  n.name = f.at("name");
  n.role = *role;
  if (auto it = f.find("unit"); it != f.end()) n.unit = it->second;
  if (auto it = f.find("display_name"); it != f.end()) n.display_name = it->second;
  return n;
}

}  // namespace

json AdminAccountJson(const accounts::Account& a) {
  json out = AccountJson(a);
  out["disabled"] = a.disabled;
  out["created_at"] = FormatInstant(a.created_at);
  out["changed_at"] = FormatInstant(a.changed_at);
  return out;
}

void Server::Impl::ListUsers(Ctx& c) {
  auto all = host.Use([&](Engine&) { return accounts.List(); });
  if (!all.ok()) throw std::runtime_error("listing accounts: " + all.status().ToString());
  json out = json::array();
  for (const auto& a : *all) out.push_back(AdminAccountJson(a));
  c.res.set_header("Cache-Control", "no-store");
  c.Json(200, {{"accounts", out}});
}

void Server::Impl::AddUser(Ctx& c) {
  auto f =
      ReadFields(c, {{"name", true}, {"role", true}, {"unit", false}, {"display_name", false}, {"password", true}});
  if (!f) return;
  auto n = NewAccountFrom(c, *f);
  if (!n) return;
  const auto by = accounts::ActorOf(*c.account);
  auto a = host.Use([&](Engine&) { return accounts.Add(*n, f->at("password"), by); });
  if (!a.ok()) return AnswerRefusal(c, a.status());
  c.Json(201, AdminAccountJson(*a));
}

void Server::Impl::CreateToken(Ctx& c) {
  auto f = ReadFields(c, {{"name", true}, {"role", true}, {"unit", false}, {"display_name", false}});
  if (!f) return;
  auto n = NewAccountFrom(c, *f);
  if (!n) return;
  const auto by = accounts::ActorOf(*c.account);
  std::optional<accounts::Account> made;
  auto token = host.Use([&](Engine&) {
    auto t = accounts.CreateToken(*n, by);
    if (t.ok())
      if (auto a = accounts.Get(n->name); a.ok()) made = *a;
    return t;
  });
  if (!token.ok()) return AnswerRefusal(c, token.status());
  c.res.set_header("Cache-Control", "no-store");
  json out = {{"token", *token}};
  if (made) out["account"] = AdminAccountJson(*made);
  c.Json(201, out);
}

void Server::Impl::SetUserDisabled(Ctx& c, bool disabled) {
  const std::string name = c.req.matches[1];
  auto f = disabled ? ReadFields(c, {{"reason", false}}) : ReadFields(c, {});
  if (!f) return;
  if (disabled && name == c.account->name)
    return c.Error(422, "cannot_disable_self",
                   "an admin cannot disable its own account (so the last admin is not locked out); ask another admin");
  const std::string why = f->count("reason") ? f->at("reason") : "";
  const auto by = accounts::ActorOf(*c.account);
  ChangeAccount(c, name, [&] { return accounts.SetDisabled(name, disabled, why, by); });
}

// Runs one change of an account under the engine mutex and answers with the
// account as it stands after it (or the refusal).
void Server::Impl::ChangeAccount(Ctx& c, const std::string& name, const std::function<Status()>& change) {
  std::optional<accounts::Account> after;
  const Status st = host.Use([&](Engine&) {
    Status s = change();
    if (s.ok())
      if (auto a = accounts.Get(name); a.ok()) after = *a;
    return s;
  });
  if (!st.ok()) return AnswerRefusal(c, st);
  if (!after) throw std::runtime_error("account " + name + " vanished after its change");
  c.Json(200, AdminAccountJson(*after));
}

void Server::Impl::DisableUser(Ctx& c) { SetUserDisabled(c, true); }
void Server::Impl::EnableUser(Ctx& c) { SetUserDisabled(c, false); }

void Server::Impl::ResetUserPassword(Ctx& c) {
  const std::string name = c.req.matches[1];
  auto f = ReadFields(c, {{"password", true}});
  if (!f) return;
  const auto by = accounts::ActorOf(*c.account);
  ChangeAccount(c, name, [&] { return accounts.ResetPassword(name, f->at("password"), by); });
}

}  // namespace duban::server

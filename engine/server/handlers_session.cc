// Sign in, sign out, who am I (docs/API.md "Authentication").
#include "duban/utf8.h"
#include "server_impl.h"

namespace duban::server {

json AccountJson(const accounts::Account& a) {
  return {{"name", a.name},
          {"display_name", a.display_name},
          {"role", accounts::AccountRoleName(a.role)},
          {"unit", a.unit},
          {"kind", a.kind == accounts::AccountKind::kToken ? "token" : "person"}};
}

namespace {

// {"user","password"}: two strings, nothing else.
bool ReadCredentials(Ctx& c, std::string* user, std::string* password) {
  auto parsed = ParseJsonObject(c.req.body);
  if (!parsed.ok())
    return c.Error(400, "bad_request", parsed.status().message() + " (send {\"user\", \"password\"})"), false;
  json body = std::move(parsed).value();
  for (const auto& [k, _] : body.items())
    if (k != "user" && k != "password") return c.Error(400, "bad_request", "field '" + k + "': unknown field"), false;
  for (const char* f : {"user", "password"}) {
    if (!body.contains(f) || !body[f].is_string())
      return c.Error(400, "bad_request", std::string("field '") + f + "': a string is required"), false;
    if (body[f].get_ref<const std::string&>().size() > 256)
      return c.Error(400, "bad_request", std::string("field '") + f + "': longer than 256 bytes"), false;
  }
  *user = body["user"].get<std::string>();
  *password = body["password"].get<std::string>();
  return true;
}

}  // namespace

void Server::Impl::Login(Ctx& c) {
  if (c.req.body.size() > 4096) return c.Error(413, "too_large", "a sign-in body is a few hundred bytes");
  std::string user, password;
  if (!ReadCredentials(c, &user, &password)) return;
  const std::string ip = ClientAddress(c.req);
  if (const auto admission = throttle.Admit(user, ip, Now()); admission.wait_seconds > 0) {
    const int64_t wait = admission.wait_seconds;
    c.res.set_header("Retry-After", std::to_string(wait));
    if (admission.busy)
      return c.Error(429, "locked_out",
                     "sign-ins for this name or from this address are being checked; try again in a moment "
                     "(too many failures from them lock them out)");
    return c.Error(429, "locked_out",
                   "too many failed sign-ins for this name or from this address; try again in " +
                       std::to_string((wait + 59) / 60) + " minute(s)");
  }
  // Argon2 (~30 ms) outside the engine mutex: a flood of sign-ins, right or
  // wrong, must not stall every other request (CheckPassword reads one meta
  // row: engine.h lets it run beside the others).
  auto a = host.UseConcurrently([&](Engine&) { return accounts.CheckPassword(user, password); });
  const bool disabled = !a.ok() && a.status().reason() == accounts::reason::kAccountDisabled;
  throttle.Finished(user, ip, !a.ok() && !disabled, Now());
  if (disabled) return c.Error(403, "account_disabled", "this account is disabled; ask the office");
  if (!a.ok()) return c.Error(401, "unauthenticated", "wrong name or password");
  const Session s = sessions.Create(a->name, a->generation, Now());
  std::string cookie = "duban_session=" + s.id +
                       "; HttpOnly; SameSite=Strict; Path=/; Max-Age=" + std::to_string(opts.session_minutes * 60);
  if (ViaHttps(c.req)) cookie += "; Secure";
  c.res.set_header("Set-Cookie", cookie);
  c.res.set_header("Cache-Control", "no-store");
  json out = AccountJson(*a);
  c.Json(
      200,
      {{"account", out}, {"token", s.id}, {"csrf_token", s.csrf}, {"expires_in_seconds", opts.session_minutes * 60}});
}

void Server::Impl::Logout(Ctx& c) {
  if (!c.session_id.empty()) sessions.Remove(c.session_id);
  c.res.set_header("Set-Cookie", std::string("duban_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0") +
                                     (ViaHttps(c.req) ? "; Secure" : ""));
  c.Json(200, {{"signed_out", !c.session_id.empty()}});
}

void Server::Impl::Me(Ctx& c) {
  json out = AccountJson(*c.account);
  if (!c.session_id.empty()) out["csrf_token"] = c.csrf;
  c.res.set_header("Cache-Control", "no-store");
  c.Json(200, out);
}

}  // namespace duban::server

"""`duban user`/`duban token` and the rule that identity decides who acts:
on a real store a write names an account (--as), free-text --actor/--role are
refused, a disabled account writes nothing, a unit account acts on its own
unit's assignments only, and no password or token reaches the log.

usage: cli_accounts_test.py DUBAN SOURCE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

DUBAN, SOURCE = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(SOURCE, "tests"))
from cli_checks import Checks  # noqa: E402

checks = Checks(DUBAN)
check = checks.check
PLAN = os.path.join(SOURCE, "workflows", "plans", "shaoguan-2021.txt")


def raw(data, *args, stdin=None):
    """The CLI exactly as given (no identity added by the test harness)."""
    p = subprocess.run([DUBAN, "--data", data, *args], input=stdin, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def log_end(data):
    rc, out, err = raw(data, "--json", "log")
    return len(out.splitlines()) if rc == 0 else -1


with tempfile.TemporaryDirectory() as tmp:
    data = os.path.join(tmp, "store")
    rc, out, err = raw(data, "user", "add", "zr", "--role", "office", "--password-stdin", stdin="office pass 123\n")
    check("add an office account", rc == 0 and "account zr added (office)" in out, f"{rc} {out} {err}")
    rc, out, err = raw(data, "user", "add", "czj", "--unit", "市财政局", "--display-name", "张三",
                       "--password-stdin", stdin="unit pass 1234\n")
    check("add a unit account (a note: no plan names the unit yet)",
          rc == 0 and "no plan in this store names the unit" in err, f"{rc} {out} {err}")
    rc, out, err = raw(data, "user", "add", "zr", "--role", "office", "--password-stdin", stdin="office pass 123\n")
    check("a name is taken once", rc == 1 and "exists already" in err, f"{rc} {out} {err}")
    rc, out, err = raw(data, "user", "add", "mayor", "--role", "市长", "--password-stdin", stdin="office pass 123\n")
    check("a made-up role is refused", rc == 2 and "--role must be" in err, f"{rc} {out} {err}")
    rc, out, err = raw(data, "user", "add", "x", "--role", "office", "--password-stdin", stdin="short\n")
    check("a short password is refused", rc == 1 and "at least 10" in err, f"{rc} {out} {err}")
    rc, out, err = raw(data, "user", "add", "nopw", "--role", "office")
    check("a password only from stdin", rc == 2 and "password-stdin" in err, f"{rc} {out} {err}")

    rc, out, err = raw(data, "plan", "import", PLAN)
    check("a write without --as is refused", rc == 2 and "--as USER" in err, f"{rc} {out} {err}")
    rc, out, err = raw(data, "--actor", "office", "--role", "supervisor", "plan", "import", PLAN)
    check("free-text --actor/--role are refused on a real store", rc == 2 and "simulated store" in err,
          f"{rc} {out} {err}")
    rc, out, err = raw(data, "--as", "nobody", "plan", "import", PLAN)
    check("an unknown account is refused", rc == 2 and "no account named nobody" in err, f"{rc} {out} {err}")
    rc, out, err = raw(data, "--as", "czj", "plan", "import", PLAN)
    check("a unit may not import a plan", rc == 1 and "forbidden_role" in err, f"{rc} {out} {err}")
    rc, out, err = raw(data, "--as", "zr", "plan", "import", PLAN)
    check("the office imports", rc == 0 and "imported plan shaoguan-2021" in out, f"{rc} {out} {err}")

    rc, out, err = raw(data, "--as", "czj", "accept", "--plan", "shaoguan-2021", "1", "--unit", "市发改局")
    check("a unit account cannot act for another unit", rc == 1 and "not_assignee" in err, f"{rc} {out} {err}")
    rc, out, err = raw(data, "--as", "czj", "accept", "--plan", "shaoguan-2021", "1", "--unit", "市财政局")
    check("a unit account acts on its own assignment", rc == 0 and "AssignmentAccepted" in out, f"{rc} {out} {err}")
    rc, out, err = raw(data, "--json", "history", "--plan", "shaoguan-2021", "1")
    accepted = [e for e in json.loads(out) if e["type"] == "AssignmentAccepted"] if rc == 0 else []
    check("the event's actor is the account",
          len(accepted) == 1 and accepted[0]["actor"] == {"id": "市财政局", "name": "czj", "role": "unit"}, out + err)

    rc, out, err = raw(data, "user", "disable", "czj", "--reason", "调离")
    check("disable", rc == 0 and "disabled" in out, f"{rc} {out} {err}")
    before = log_end(data)
    rc, out, err = raw(data, "--as", "czj", "progress", "--plan", "shaoguan-2021", "1", "--unit", "市财政局",
                       "--percent", "10", "--text", "x")
    check("a disabled account writes nothing", rc == 1 and "disabled" in err and log_end(data) == before,
          f"{rc} {out} {err}")
    rc, out, err = raw(data, "user", "enable", "czj")
    check("enable", rc == 0, f"{rc} {out} {err}")
    rc, out, err = raw(data, "user", "reset-password", "czj", "--password-stdin", stdin="new unit pass 99\n")
    check("reset-password", rc == 0 and "reset" in out, f"{rc} {out} {err}")

    rc, out, err = raw(data, "token", "create", "bot", "--role", "auditor")
    token = out.strip()
    check("a token is printed once", rc == 0 and token.startswith("dbt_") and "not shown again" in err,
          f"{rc} {out} {err}")
    rc, out, err = raw(data, "token", "list")
    check("token list shows the name, never the secret", rc == 0 and "bot" in out and token not in out, out + err)
    rc, out, err = raw(data, "user", "enable", "bot")
    check("a token is not a person's account", rc == 2, f"{rc} {out} {err}")
    rc, out, err = raw(data, "token", "revoke", "zr")
    check("a person's account is not a token", rc == 2, f"{rc} {out} {err}")
    rc, out, err = raw(data, "token", "revoke", "bot", "--reason", "leaked")
    check("revoke", rc == 0 and "revoked" in out, f"{rc} {out} {err}")
    rc, out, err = raw(data, "--json", "user", "list")
    people = {u["name"]: u for u in json.loads(out)} if rc == 0 else {}
    check("user list: the people, their roles and units",
          set(people) == {"czj", "zr"} and people["czj"]["unit"] == "市财政局" and not people["czj"]["disabled"],
          out + err)

    rc, out, err = raw(data, "--json", "log")
    changes = [json.loads(line) for line in out.splitlines() if '"AccountChanged"' in line]
    kinds = [(c["body"]["account"], c["body"]["change"]) for c in changes]
    check("every account change is in the log",
          kinds == [("zr", "created"), ("czj", "created"), ("czj", "disabled"), ("czj", "enabled"),
                    ("czj", "password_reset"), ("bot", "token_created"), ("bot", "disabled")], str(kinds))
    check("made by the operator at the data directory",
          all(c["actor"]["role"] == "admin" and c["actor"]["id"].startswith("local:") for c in changes), out[:300])
    check("no password or token in the log",
          all(s not in out for s in ("office pass 123", "unit pass 1234", "new unit pass 99", token, "argon2")), "")
    rc, out, err = raw(data, "verify")
    check("verify ok", rc == 0 and "verify: ok" in out, out + err)

    # Found by a hostile review: aliases must not rewrite who acted.
    rc, out, err = raw(data, "user", "add", "市卫健局", "--role", "office", "--password-stdin",
                       stdin="office pass 456\n")
    check("an office account may carry a unit-like name", rc == 0, f"{rc} {out} {err}")
    rc, out, err = raw(data, "--as", "市卫健局", "--json", "reassign", "--plan", "shaoguan-2021", "33",
                       "--unit", "市卫健局", "--to", "乐昌市政府", "--reason", "调整")
    ev = json.loads(out)["events"] if rc == 0 else []
    check("... and its act names it as the office, not as the unit",
          ev and ev[0]["actor"] == {"id": "市卫健局", "name": "市卫健局", "role": "supervisor"}, f"{rc} {out} {err}")
    rc, out, err = raw(data, "user", "add", "hw", "--unit", "市卫健局", "--password-stdin", stdin="unit pass 4567\n")
    rc, out, err = raw(data, "--as", "hw", "--json", "accept", "--plan", "shaoguan-2021", "35", "--unit", "市卫生健康局")
    ev = json.loads(out)["events"] if rc == 0 else []
    check("a unit account made with an alias acts on the canonical unit's assignment, as itself",
          ev and ev[0]["actor"] == {"id": "市卫生健康局", "name": "hw", "role": "unit"}, f"{rc} {out} {err}")
    rc, out, err = raw(data, "user", "add", "x1", "--unit", "市财政局 ", "--password-stdin", stdin="unit pass 4567\n")
    check("a unit name with a space at its end is refused", rc == 2 and "space" in err, f"{rc} {out} {err}")
    rc, out, err = raw(data, "--as", "zr", "user", "add", "newadm", "--role", "admin", "--password-stdin",
                       stdin="admin pass 4567\n")
    check("--as does not apply to account commands", rc == 2 and "do not apply" in err, f"{rc} {out} {err}")
    rc, out, err = raw(data, "token", "create", "bot2", "--role", "office")
    rc, out, err = raw(data, "--as", "bot2", "cancel", "--plan", "shaoguan-2021", "40", "--reason", "x")
    check("a machine token does not act through the CLI", rc == 2 and "machine token" in err, f"{rc} {out} {err}")
    rc, out, err = raw(data, "user", "add", "two", "--role", "office", "--password-stdin",
                       stdin="first pass 1234\nsecond pass 1234\n")
    check("a second line on stdin is refused, not dropped", rc == 2 and "nothing after it" in err, f"{rc} {out} {err}")
    mode = os.stat(data).st_mode & 0o777
    check("the data directory is the owner's only", mode == 0o700, oct(mode))
    rc, out, err = raw(data, "doctor")
    check("doctor says the store is real and counts the accounts, with no warning",
          rc == 0 and "kind: real" in out and "accounts: 4 people, 2 tokens (1 disabled or revoked)" in out
          and "WARNING" not in out, out + err)
    os.chmod(data, 0o755)
    rc, out, err = raw(data, "doctor")
    check("doctor warns when the data directory is open to others",
          "permissions: WARNING" in out and "chmod 700" in out, out + err)
    os.chmod(data, 0o700)
    out_dir = os.path.join(tmp, "salvaged")
    rc, out, err = raw(data, "salvage", "--out", out_dir, "--yes")
    rc2, out2, err2 = raw(out_dir, "--json", "user", "list")
    names = {u["name"] for u in json.loads(out2)} if rc2 == 0 else set()
    check("salvage keeps the accounts", rc == 0 and {"czj", "zr", "hw"} <= names, f"{rc} {err} {out2} {err2}")

    sim = os.path.join(tmp, "sim")
    rc, out, err = raw(sim, "init", "--simulated")
    rc, out, err = raw(sim, "--role", "supervisor", "--actor", "office", "plan", "import", PLAN)
    check("a simulated store keeps free-text actors (demo, simulate)", rc == 0, f"{rc} {out} {err}")

checks.finish("accounts through the CLI: all checks passed")

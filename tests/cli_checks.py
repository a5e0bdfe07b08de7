"""What the CLI scripts under tests/ share: run `duban --data DIR ...` and
collect failed checks, so a script reports every failure, not the first.

A write on a real store acts as an account (`--as USER`). Unless a test names
who acts itself (--as, --actor, --role), `run` acts as the account the old
defaults named: a unit's act (accept, return, progress, submit, extension
request) as an account of the --unit's own name, anything else as `office`;
each account is made in the store (`duban user add`) before its first write.

    from cli_checks import Checks
    c = Checks(DUBAN)
    rc, out, err = c.run(data, "status")
    c.check("status works", rc == 0, err)
    c.finish("all checks passed")      # exits 1 listing the failures, else prints the line
"""
import subprocess
import sys

PASSWORD = "test password 1"
_GLOBAL_WITH_VALUE = {"--data", "--as", "--actor", "--role", "--anchor-key", "--block-cache-mb"}
_UNIT_ACTS = {"accept", "return", "progress", "submit"}
_OFFICE_ACTS = {"assign", "reassign", "approve", "reject", "cancel"}
_made = set()


def _positionals(args):
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a in _GLOBAL_WITH_VALUE:
            skip = True
        elif not a.startswith("-"):
            out.append(a)
    return out


def _value(args, name):
    return args[args.index(name) + 1] if name in args and args.index(name) + 1 < len(args) else None


def acting_account(args):
    """(account name, user add options) for a write, else None."""
    if any(a in args for a in ("--as", "--actor", "--role")):
        return None
    pos = _positionals(args)
    if not pos:
        return None
    cmd, sub = pos[0], (pos[1] if len(pos) > 1 else "")
    unit = _value(args, "--unit")
    office = ("office", ["--role", "office"])
    if cmd in _UNIT_ACTS or (cmd == "extension" and sub == "request"):
        if "--back-entry" in args or not unit:
            return office
        return (unit, ["--unit", unit])
    if cmd in _OFFICE_ACTS or (cmd == "extension" and sub in ("grant", "deny")) or cmd == "cycle":
        return office
    if (cmd == "plan" and sub == "import" and "--dry-run" not in args) or (cmd == "calendar" and sub == "add"):
        return office
    return None


def ensure_account(duban, data, name, options, env=None, key=None):
    if (data, name) in _made:
        return
    keyed = ["--anchor-key", key] if key else []
    p = subprocess.run([duban, "--data", data, *keyed, "user", "add", name, *options, "--password-stdin"],
                       input=PASSWORD + "\n", capture_output=True, text=True, env=env)
    if p.returncode == 0 or "exists already" in p.stderr:
        _made.add((data, name))


def with_identity(duban, data, args, env=None):
    """args with `--as ACCOUNT` in front for a write (its account made first)."""
    who = acting_account(list(args))
    if not who:
        return list(args)
    ensure_account(duban, data, who[0], who[1], env, _value(list(args), "--anchor-key"))
    return ["--as", who[0], *args]


class Checks:
    def __init__(self, duban):
        self.duban = duban
        self.failures = []

    def check(self, name, cond, detail=""):
        if not cond:
            self.failures.append(f"{name}: {detail}")

    def run(self, data, *args):
        args = with_identity(self.duban, data, args)
        p = subprocess.run([self.duban, "--data", data, *args], capture_output=True, text=True)
        return p.returncode, p.stdout, p.stderr

    def finish(self, ok_line):
        if self.failures:
            print("\n".join(self.failures))
            sys.exit(1)
        print(ok_line)

#!/usr/bin/python3
"""Anchors end to end through the CLI: keygen, a signed store, export, and
`verify --anchors` against what someone with the data directory but without
the key can do with duban itself: write without the key (refused, the log
unchanged), roll the store back to an earlier copy (the tail removed), and
replace it with a re-made history under the same store identity. Each is
detected; rebuild never makes verify pass. The key's guards: group-readable
or inside the data directory is refused.
(tests/core/anchor_test.cc forges the raw log: re-hashing, truncation, appending.)
Usage: cli_anchor_test.py PATH/TO/duban SOURCE_DIR"""
import json
import os
import shutil
import stat
import sys
import tempfile

DUBAN, SOURCE = sys.argv[1], sys.argv[2]
PLAN = os.path.join(SOURCE, "workflows/plans/shaoguan-2021.txt")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cli_checks import Checks  # noqa: E402

checks = Checks(DUBAN)
check, run = checks.check, checks.run


def log_of(data):
    rc, out, err = run(data, "--json", "log")
    return out if rc == 0 else f"rc {rc}: {err}"


with tempfile.TemporaryDirectory() as tmp:
    data, keys = os.path.join(tmp, "store"), os.path.join(tmp, "keys")
    os.makedirs(keys)
    key = os.path.join(keys, "anchor.pem")
    rc, out, err = run(data, "anchor", "keygen", "--key", key)
    check("keygen", rc == 0 and "public key:" in out, f"rc {rc}: {out}{err}")
    check("the key is private", stat.S_IMODE(os.stat(key).st_mode) == 0o600, oct(os.stat(key).st_mode))
    rc, out, err = run(data, "anchor", "keygen", "--key", key)
    check("keygen never overwrites a key", rc != 0, f"rc {rc}: {out}{err}")

    signed = ["--anchor-key", key]
    rc, out, err = run(data, *signed, "plan", "import", PLAN)
    check("import with the key", rc == 0, out + err)
    rc, out, err = run(data, *signed, "anchor", "checkpoint")
    check("checkpoint", rc == 0 and "log end:" in out, f"rc {rc}: {out}{err}")
    early_copy = os.path.join(tmp, "early-copy")
    shutil.copytree(data, early_copy)
    rc, out, err = run(data, *signed, "accept", "--plan", "shaoguan-2021", "1", "--unit", "市政务服务数据管理局")
    check("a command with the key", rc == 0, f"rc {rc}: {out}{err}")
    anchor = os.path.join(tmp, "anchor.json")
    rc, out, err = run(data, "anchor", "export", "--out", anchor)
    check("export", rc == 0 and os.path.exists(anchor), f"rc {rc}: {out}{err}")
    with open(anchor, encoding="utf-8") as f:
        exported = json.load(f)
    rc, out, err = run(data, "--json", "log")
    events = len(out.strip().splitlines()) if rc == 0 else -1
    check("the anchor covers every event", exported.get("log_end") == events, f"{exported} vs {events} events")
    rc, out, err = run(data, "verify", "--anchors", anchor)
    check("a signed store verifies with its anchor", rc == 0 and "anchors: 1 checked" in out, f"rc {rc}: {out}{err}")

    # Writing without the key is refused and writes nothing.
    before = log_of(data)
    rc, out, err = run(data, "accept", "--plan", "shaoguan-2021", "2", "--unit", "市政务服务数据管理局")
    check("a writer without the key is refused", rc == 2 and "--anchor-key" in err, f"rc {rc}: {out}{err}")
    check("... and the log is unchanged", log_of(data) == before, "log changed")

    # Rolled back to an earlier copy: the signed tail is gone.
    rolled = os.path.join(tmp, "rolled")
    shutil.copytree(early_copy, rolled)
    rc, out, err = run(rolled, "rebuild")
    rc, out, err = run(rolled, "verify", "--anchors", anchor)
    check("a rolled-back store fails verify --anchors", rc == 1 and "were removed" in out, f"rc {rc}: {out}{err}")

    # A history made again without the key, under the store's identity.
    remade = os.path.join(tmp, "remade")
    rc, out, err = run(remade, "plan", "import", PLAN)
    rc2, out2, err2 = run(remade, "accept", "--plan", "shaoguan-2021", "1", "--unit", "市政务服务数据管理局")
    check("the forger's re-made store", rc == 0 and rc2 == 0, out + err + out2 + err2)
    shutil.copy(os.path.join(data, "DUBAN-STORE"), os.path.join(remade, "DUBAN-STORE"))
    rc, out, err = run(remade, "rebuild")
    check("rebuild of the re-made store runs (nothing in it contradicts it)", rc == 0, f"rc {rc}: {out}{err}")
    rc, out, err = run(remade, "verify")
    check("plain verify cannot tell", rc == 0, f"rc {rc}: {out}{err}")
    rc, out, err = run(remade, "verify", "--anchors", anchor)
    check("verify --anchors detects the re-made history", rc == 1 and "changed after they were signed" in out,
          f"rc {rc}: {out}{err}")

    # Another store's anchor is said to be that, not taken for forgery.
    other, other_key = os.path.join(tmp, "other"), os.path.join(keys, "other.pem")
    rc, out, err = run(other, "anchor", "keygen", "--key", other_key)
    rc2, out2, err2 = run(other, "--anchor-key", other_key, "plan", "import", PLAN)
    other_anchor = os.path.join(tmp, "other-anchor.json")
    rc3, out3, err3 = run(other, "anchor", "export", "--out", other_anchor)
    check("another signed store", rc == 0 and rc2 == 0 and rc3 == 0, out + err + out2 + err2 + out3 + err3)
    rc, out, err = run(data, "verify", "--anchors", other_anchor)
    check("verify with another store's anchor names the mix-up (exit 2), no forgery verdict",
          rc == 2 and "is for store" in err and "cannot vouch for this store" in err and "PROBLEM" not in out,
          f"rc {rc}: {out}{err}")

    # The key's guards.
    os.chmod(key, 0o640)
    rc, out, err = run(data, *signed, "anchor", "checkpoint")
    check("a group-readable key is refused", rc == 2 and "chmod 600" in err, f"rc {rc}: {out}{err}")
    os.chmod(key, 0o600)
    inside = os.path.join(data, "key.pem")
    shutil.copy(key, inside)
    os.chmod(inside, 0o600)
    rc, out, err = run(data, "anchor", "keygen", "--key", os.path.join(data, "new-key.pem"))
    check("keygen refuses to write a key inside the data directory",
          rc == 2 and "inside the data directory" in err and not os.path.exists(os.path.join(data, "new-key.pem")),
          f"rc {rc}: {out}{err}")
    rc, out, err = run(data, "--anchor-key", inside, "anchor", "checkpoint")
    check("a key inside the data directory is refused", rc == 2 and "inside the data directory" in err,
          f"rc {rc}: {out}{err}")
    os.remove(inside)
    rc, out, err = run(data, *signed, "verify", "--anchors", anchor)
    check("the store still verifies", rc == 0, f"rc {rc}: {out}{err}")

checks.finish("anchors through the CLI: all checks passed")

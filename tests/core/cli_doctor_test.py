#!/usr/bin/python3
"""`duban doctor` and a damaged store, end to end: a healthy store is reported
healthy (exit 0); after RocksDB's CURRENT file is lost, doctor, status and the
`plan import` a user would try next all say the store is damaged (exit 1), and
no file of the store is deleted.
Usage: cli_doctor_test.py PATH/TO/duban SOURCE_DIR"""
import os
import sys
import tempfile

DUBAN, SOURCE = sys.argv[1], sys.argv[2]
PLAN = os.path.join(SOURCE, "workflows/plans/shaoguan-2021.txt")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cli_checks import Checks  # noqa: E402

checks = Checks(DUBAN)
check, run, failures = checks.check, checks.run, checks.failures


with tempfile.TemporaryDirectory() as tmp:
    data = os.path.join(tmp, "store")
    rc, out, err = run(data, "doctor")
    check("doctor on a missing directory", rc == 0 and "holds: missing" in out, f"rc {rc}: {out}{err}")
    rc, out, err = run(data, "plan", "import", PLAN)
    check("import", rc == 0, out + err)
    rc, out, err = run(data, "doctor")
    check("doctor on a healthy store", rc == 0 and "holds: store" in out and "healthy" in out, f"rc {rc}: {out}{err}")

    os.remove(os.path.join(data, "CURRENT"))
    files = set(os.listdir(data))
    rc, out, err = run(data, "doctor")
    check("doctor names the damage", rc == 1 and "holds: damaged" in out and "CURRENT" in out, f"rc {rc}: {out}{err}")
    rc, out, err = run(data, "status")
    check("status says damaged, not 'no duban data'", rc == 1 and "damaged" in err and "no duban data" not in err,
          f"rc {rc}: {out}{err}")
    rc, out, err = run(data, "plan", "import", PLAN)
    check("an import over the damaged store is refused", rc == 1 and "damaged" in err, f"rc {rc}: {out}{err}")
    check("no file was deleted", files <= set(os.listdir(data)), sorted(files - set(os.listdir(data))))
    check("doctor points to salvage", "duban salvage --out" in run(data, "doctor")[1], "")

    # Salvage: says what it keeps first, writes nothing without --yes, never
    # touches the damaged store, and the store it writes verifies.
    new = os.path.join(tmp, "salvaged")
    rc, out, err = run(data, "salvage", "--out", new)
    check("salvage (dry run)", rc == 0 and "kept: log positions 1.." in out and "nothing was written" in out,
          f"rc {rc}: {out}{err}")
    check("a dry run writes nothing", not os.path.exists(new) and
          sorted(os.listdir(tmp)) == ["store"], sorted(os.listdir(tmp)))
    rc, out, err = run(data, "salvage", "--out", new, "--yes")
    check("salvage --yes", rc == 0 and "written: a new store" in out and "lost: 0" in out, f"rc {rc}: {out}{err}")
    check("the damaged store is untouched", files <= set(os.listdir(data)) and "CURRENT" not in os.listdir(data),
          sorted(os.listdir(data)))
    rc, out, err = run(new, "verify")
    check("the salvaged store verifies", rc == 0 and "verify: ok" in out, f"rc {rc}: {out}{err}")
    rc, out, err = run(new, "status")
    check("the salvaged store answers", rc == 0, f"rc {rc}: {out}{err}")
    rc, out, err = run(data, "salvage", "--out", new)
    check("salvage refuses an output that holds a store", rc != 0 and "not an empty directory" in err,
          f"rc {rc}: {out}{err}")

    other = os.path.join(tmp, "notes")
    os.makedirs(other)
    with open(os.path.join(other, "notes.txt"), "w", encoding="utf-8") as f:
        f.write("my notes")
    rc, out, err = run(other, "plan", "import", PLAN)
    check("an import into a directory of other files is refused", rc != 0 and "not a duban store" in err,
          f"rc {rc}: {out}{err}")
    check("the other files are untouched", os.listdir(other) == ["notes.txt"], os.listdir(other))

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("doctor and damaged store: all checks passed")

#!/usr/bin/python3
"""The block cache's size from the command line and the environment
(--block-cache-mb, $DUBAN_BLOCK_CACHE_MB): a size out of range or not a
number is a usage error (exit 2) naming what was wrong, before any store is
made; a valid one opens the store as usual, and the flag wins over the
environment. Usage: cli_block_cache_test.py PATH/TO/duban"""
import os
import subprocess
import sys
import tempfile

DUBAN = sys.argv[1]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from cli_checks import Checks  # noqa: E402

checks = Checks(DUBAN)
check = checks.check


def duban(data, *args, env_value=None):
    env = dict(os.environ)
    env.pop("DUBAN_BLOCK_CACHE_MB", None)
    if env_value is not None:
        env["DUBAN_BLOCK_CACHE_MB"] = env_value
    p = subprocess.run([DUBAN, "--data", data, *args], capture_output=True, text=True, env=env)
    return p.returncode, p.stdout, p.stderr


with tempfile.TemporaryDirectory() as tmp:
    data = os.path.join(tmp, "store")
    for bad in ["0", "-1", "1048577", "12x", "lots", " 64"]:
        rc, out, err = duban(data, "init", "--simulated", env_value=bad)
        check(f"DUBAN_BLOCK_CACHE_MB={bad!r} is refused as usage (exit 2)", rc == 2, f"rc={rc} {err}")
        check(f"DUBAN_BLOCK_CACHE_MB={bad!r}: the message names the variable", "DUBAN_BLOCK_CACHE_MB" in err, err)
    for bad in ["0", "1048577", "abc"]:
        rc, out, err = duban(data, "--block-cache-mb", bad, "init", "--simulated")
        check(f"--block-cache-mb {bad} is refused as usage (exit 2)", rc == 2, f"rc={rc} {err}")
        check(f"--block-cache-mb {bad}: the message names the option", "--block-cache-mb" in err, err)
    check("a refused size made no store", not os.path.exists(data), str(os.listdir(tmp)))

    rc, out, err = duban(data, "--block-cache-mb", "16", "init", "--simulated")
    check("--block-cache-mb 16 opens and makes the store", rc == 0, err)
    rc, out, err = duban(data, "status", env_value="32")
    check("DUBAN_BLOCK_CACHE_MB=32 opens it", rc == 0 and "0 assignment(s)" in out, out + err)
    rc, out, err = duban(data, "--block-cache-mb", "8", "status", env_value="bad")
    check("a bad environment value is refused even when the flag is given (a typo is not ignored)", rc == 2, err)
    rc, out, err = duban(data, "--block-cache-mb", "8", "verify", env_value="4096")
    check("the flag with a valid environment value: verify passes", rc == 0, out + err)

checks.finish("block cache size: bad values refused as usage, good ones open the store")

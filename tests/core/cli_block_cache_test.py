#!/usr/bin/python3
"""The block cache's size from the command line and the environment
(--block-cache-mb, $DUBAN_BLOCK_CACHE_MB): a size out of range or not a
number is a usage error (exit 2) naming what was wrong, before any store is
made; a valid one opens the store with that cache (read back from `-v`'s
log), and the flag wins over the environment. Usage: cli_block_cache_test.py PATH/TO/duban"""
import os
import re
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


def cache_mib(err):
    """The block cache's capacity the store was opened with, from `-v`'s log."""
    m = re.search(r"block cache (\d+) MiB", err)
    return int(m.group(1)) if m else None


with tempfile.TemporaryDirectory() as tmp:
    data = os.path.join(tmp, "store")
    for bad in ["0", "-1", "1048577", "12x", "lots", " 64", "0x10", "1e3", "+64"]:
        rc, out, err = duban(data, "init", "--simulated", env_value=bad)
        check(f"DUBAN_BLOCK_CACHE_MB={bad!r} is refused as usage (exit 2)", rc == 2, f"rc={rc} {err}")
        check(f"DUBAN_BLOCK_CACHE_MB={bad!r}: the message names the variable", "DUBAN_BLOCK_CACHE_MB" in err, err)
    for bad in ["0", "1048577", "abc", "0x10", "-18446744073709551615", " 64"]:
        rc, out, err = duban(data, f"--block-cache-mb={bad}", "init", "--simulated")
        check(f"--block-cache-mb={bad!r} is refused as usage (exit 2)", rc == 2, f"rc={rc} {err}")
        check(f"--block-cache-mb={bad!r}: the message names the option", "--block-cache-mb" in err, err)
    check("a refused size made no store", not os.path.exists(data), str(os.listdir(tmp)))
    rc, out, err = duban(data, "--help", env_value="bad")
    check("--help still works under a bad DUBAN_BLOCK_CACHE_MB", rc == 0 and "--block-cache-mb" in out, err)

    rc, out, err = duban(data, "--block-cache-mb", "16", "-v", "init", "--simulated")
    check("--block-cache-mb 16 makes the store with a 16 MiB cache", rc == 0 and cache_mib(err) == 16,
          f"rc={rc} cache={cache_mib(err)} {err[-300:]}")
    rc, out, err = duban(data, "-v", "status")
    check("by default the cache is 512 MiB", rc == 0 and cache_mib(err) == 512, f"rc={rc} cache={cache_mib(err)}")
    rc, out, err = duban(data, "-v", "status", env_value="")
    check("an empty DUBAN_BLOCK_CACHE_MB is unset: 512 MiB", rc == 0 and cache_mib(err) == 512, f"cache={cache_mib(err)}")
    rc, out, err = duban(data, "-v", "status", env_value="32")
    check("DUBAN_BLOCK_CACHE_MB=32 opens it with 32 MiB", rc == 0 and "0 assignment(s)" in out and cache_mib(err) == 32,
          f"rc={rc} cache={cache_mib(err)} {out}")
    rc, out, err = duban(data, "--block-cache-mb=010", "-v", "status")
    check("010 is read as decimal 10, not octal 8", rc == 0 and cache_mib(err) == 10, f"rc={rc} cache={cache_mib(err)}")
    rc, out, err = duban(data, "--block-cache-mb", "8", "status", env_value="bad")
    check("a bad environment value is refused even when the flag is given (a typo is not ignored)", rc == 2, err)
    rc, out, err = duban(data, "--block-cache-mb", "8", "-v", "verify", env_value="4096")
    check("the flag wins over the environment (8 MiB, not 4096), and verify passes",
          rc == 0 and cache_mib(err) == 8, f"rc={rc} cache={cache_mib(err)} {out}")

checks.finish("block cache size: bad values refused as usage, good ones open the store")

"""What the CLI scripts under tests/ share: run `duban --data DIR ...` and
collect failed checks, so a script reports every failure, not the first.

    from cli_checks import Checks
    c = Checks(DUBAN)
    rc, out, err = c.run(data, "status")
    c.check("status works", rc == 0, err)
    c.finish("all checks passed")      # exits 1 listing the failures, else prints the line
"""
import subprocess
import sys


class Checks:
    def __init__(self, duban):
        self.duban = duban
        self.failures = []

    def check(self, name, cond, detail=""):
        if not cond:
            self.failures.append(f"{name}: {detail}")

    def run(self, data, *args):
        p = subprocess.run([self.duban, "--data", data, *args], capture_output=True, text=True)
        return p.returncode, p.stdout, p.stderr

    def finish(self, ok_line):
        if self.failures:
            print("\n".join(self.failures))
            sys.exit(1)
        print(ok_line)

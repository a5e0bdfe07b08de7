#!/usr/bin/python3
"""Cross-checks the C++ WorkCalendar on workflows/calendars/cn-mainland.yaml
against python3-workalendar (Debian), day by day, for 2018-2023 (the years
workalendar 17 holds): whether each day is a working day, and the working-day
arithmetic (the next working day, 10 working days on, 3 working days back).

The C++ side is asked through the calendar_days test binary (tests/workflows/
calendar_days.cc), so this checks duban's code and data, not a re-reading of
the YAML. Fails on any difference not listed in KNOWN_DIFFERENCES with its
reason.
Usage: check_calendar_against_workalendar.py CALENDAR_DAYS_BINARY CALENDAR.yaml
Exit 0 on agreement, 1 on a difference, 77 (skip) when workalendar is missing.
"""
import datetime as dt
import subprocess
import sys
import warnings

try:
    from workalendar.asia import China
except ImportError as e:  # the test is skipped, not passed, without its oracle
    print(f"SKIP: python3-workalendar is not installed ({e}); ops/install-deps.sh installs it")
    sys.exit(77)

YEARS = range(2018, 2024)

# Days where the calendar is right and workalendar is not, each with why.
KNOWN_DIFFERENCES = {
    # 国办发明电〔2020〕1号 (2020-01-26) extended the 2020 Spring Festival to 2月2日.
    # workalendar 17 keeps the original notice (国办发明电〔2019〕16号): Friday
    # 01-31 a working day and Saturday 02-01 an adjusted working day. Our data holds
    # the original too (as of version 2019-11-21), checked below without exception.
    dt.date(2020, 1, 31): "2020 Spring Festival extension (国办发明电〔2020〕1号)",
    dt.date(2020, 2, 1): "2020 Spring Festival extension (国办发明电〔2020〕1号)",
}


def parse_date(s):
    return dt.date.fromisoformat(s)


class Ours:
    """What calendar_days printed: day -> (is_working, +1, +10, -3), dates or None."""

    def __init__(self, binary, calendar, years, as_of=None):
        args = [binary, calendar, str(years.start), str(years.stop - 1)] + ([as_of] if as_of else [])
        p = subprocess.run(args, capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(f"{' '.join(args)} exited {p.returncode}: {p.stderr}")
        self.days = {}
        for line in p.stdout.splitlines():
            d, kind, plus1, plus10, minus3 = line.split()
            self.days[parse_date(d)] = (kind == "work",) + tuple(
                None if x == "-" else parse_date(x) for x in (plus1, plus10, minus3))
        expected = sum((dt.date(y + 1, 1, 1) - dt.date(y, 1, 1)).days for y in years)
        if len(self.days) != expected:
            raise SystemExit(f"calendar_days printed {len(self.days)} days, expected {expected}")

    def __call__(self, d):
        return self.days[d][0]


def arithmetic_diffs(ours, cal, years, exceptions):
    """+1, +10 and -3 working days from every day, where both sides answer
    inside `years` and no documented exception lies between."""
    diffs = []
    lo, hi = dt.date(years.start, 1, 1), dt.date(years.stop, 1, 1)
    for d, (_, plus1, plus10, minus3) in sorted(ours.days.items()):
        for name, got, delta in (("+1", plus1, 1), ("+10", plus10, 10), ("-3", minus3, -3)):
            if got is None or not lo <= got < hi:
                continue
            if any(min(d, got) <= x <= max(d, got) for x in exceptions):
                continue
            try:
                want = cal.add_working_days(d, delta) if delta > 0 else cal.sub_working_days(d, -delta)
            except Exception:  # workalendar does not know the year: nothing to compare
                continue
            if got != want:
                diffs.append(f"{d} {name} working days: ours={got} workalendar={want}")
    return diffs


def compare(ours, theirs, exceptions, years=YEARS):
    diffs = []
    for year in years:
        d = dt.date(year, 1, 1)
        while d.year == year:
            if ours(d) != theirs(d) and d not in exceptions:
                diffs.append(f"{d}: ours={'work' if ours(d) else 'rest'} "
                             f"workalendar={'work' if theirs(d) else 'rest'}")
            d += dt.timedelta(days=1)
    return diffs


def main():
    binary, calendar = sys.argv[1], sys.argv[2]
    warnings.simplefilter("ignore")
    cal = China()
    theirs = cal.is_working_day

    failures = []
    latest = Ours(binary, calendar, YEARS)
    for d in compare(latest, theirs, KNOWN_DIFFERENCES):
        failures.append("latest: " + d)
    # Every listed exception must still be a real difference (no stale excuses).
    for d, why in KNOWN_DIFFERENCES.items():
        if latest(d) == theirs(d):
            failures.append(f"stale exception {d} ({why}): the two now agree")
    failures += ["latest: " + d for d in arithmetic_diffs(latest, cal, YEARS, KNOWN_DIFFERENCES)]
    # Before the amendment (as of 2019-11-21, covering 2018-2020) the data must
    # match workalendar with no exception at all.
    before = Ours(binary, calendar, range(2018, 2021), as_of="2019-11-21")
    for d in compare(before, theirs, {}, range(2018, 2021)):
        failures.append("as of 2019-11-21: " + d)
    failures += ["as of 2019-11-21: " + d for d in arithmetic_diffs(before, cal, range(2018, 2021), {})]

    days = len(latest.days)
    if failures:
        print("\n".join(failures[:50]))
        print(f"{len(failures)} differences")
        return 1
    print(f"{days} days of 2018-2023 agree with workalendar, each with +1, +10 and -3 working days "
          f"({len(KNOWN_DIFFERENCES)} documented exceptions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

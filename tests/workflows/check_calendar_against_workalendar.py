#!/usr/bin/python3
"""Cross-checks workflows/calendars/cn-mainland.yaml against python3-workalendar
(Debian), day by day, for 2018-2023 (the years workalendar 17 holds).

Fails on any difference that is not listed in KNOWN_DIFFERENCES with its reason.
Usage: check_calendar_against_workalendar.py CALENDAR.yaml
Exit 0 on agreement, 1 on a difference, 77 (skip) when workalendar is missing.
"""
import datetime as dt
import sys
import warnings

try:
    import yaml
    from workalendar.asia import China
except ImportError as e:  # the test is skipped, not passed, without its oracle
    print(f"SKIP: {e}")
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
    return dt.date.fromisoformat(str(s))


def working_days(doc, as_of=None):
    """Applies the notices up to `as_of` (inclusive); returns day -> is_working."""
    status = {}
    for n in doc["notices"]:
        if as_of is not None and str(n["version"]) > as_of:
            break
        for h in n.get("holidays", []):
            d, end = parse_date(h["from"]), parse_date(h["to"])
            while d <= end:
                status[d] = False
                d += dt.timedelta(days=1)
        for w in n.get("workdays", []):
            status[parse_date(w)] = True
    return lambda d: status.get(d, d.weekday() < 5)


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
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    warnings.simplefilter("ignore")
    cal = China()
    theirs = cal.is_working_day

    failures = []
    latest = working_days(doc)
    for d in compare(latest, theirs, KNOWN_DIFFERENCES):
        failures.append("latest: " + d)
    # Every listed exception must still be a real difference (no stale excuses).
    for d, why in KNOWN_DIFFERENCES.items():
        if latest(d) == theirs(d):
            failures.append(f"stale exception {d} ({why}): the two now agree")
    # Before the amendment (as of 2019-11-21, covering 2018-2020) the data must
    # match workalendar with no exception at all.
    for d in compare(working_days(doc, as_of="2019-11-21"), theirs, {}, range(2018, 2021)):
        failures.append("as of 2019-11-21: " + d)

    days = sum(1 for y in YEARS for _ in range((dt.date(y + 1, 1, 1) - dt.date(y, 1, 1)).days))
    if failures:
        print("\n".join(failures))
        return 1
    print(f"{days} days of 2018-2023 agree with workalendar "
          f"({len(KNOWN_DIFFERENCES)} documented exceptions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

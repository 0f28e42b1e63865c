#!/usr/bin/env python3
"""bench/outside_sample.py -- draws tickers the development set does not
contain from the repository it comes from, by a rule fixed before any model
ran on them, and copies their files out for bench/api_eval.py.

The 24 development tickers are byte-for-byte files of the public GitHub
repository Bluefin-Tuna/Yahoo-Finance-Historical-Data (commit 8b34492b, MIT
licence; about 6,500 Yahoo daily histories, each to 2020-12-11). The same
repository holds thousands of other tickers: a sample of them is the fairest
check of "these hold on tickers the development set does not contain".

The rule, per sample, over the repository's files in name order:
  - still trading at the end: the last row is 2020-12-11;
  - liquid: the median of close x volume over the last 250 rows (rows with
    a `null` left out) is at least 50 million dollars a day;
  - not NFLX and not one of the 24 development tickers;
  - `long`: at least 5,000 data rows (20 years or more; 1,000 test days or
    more, as the development tickers have), or
    `short`: 1,250 to 2,000 data rows (five to eight years: 250-400 test
    days, the length where the model only ties GARCH);
then 25 of those drawn with random.Random(13).sample (13: the issue).

    python3 bench/outside_sample.py REPO long|short OUTDIR
    python3 bench/api_eval.py OUTDIR/*.csv

REPO is a clone of that repository (git clone
https://github.com/Bluefin-Tuna/Yahoo-Finance-Historical-Data; commit
8b34492b150d8478d353d7441e36978e1b3092e2). Prints the files drawn with
their row counts and sha256. Python 3 standard library.
"""

import hashlib
import os
import random
import shutil
import statistics
import sys

DEV = ("AMD BA BAC C CAT CSCO CVX DIS F GE GS HD INTC JNJ MCD MMM MSFT NKE "
       "NVDA ORCL PG T VZ WMT").split()
LAST_DAY = "2020-12-11"
MIN_DOLLAR_VOLUME = 50e6
SAMPLES = {"long": (5000, None), "short": (1250, 2000)}
N, SEED = 25, 13


def rows_of(path):
    with open(path) as f:
        lines = f.read().split("\n")
    return [line.split(",") for line in lines[1:] if line]


def dollar_volume(rows):
    """Median close x volume over the last 250 rows, nulls left out."""
    v = [float(r[4]) * float(r[6]) for r in rows[-250:]
         if len(r) == 7 and "null" not in (r[4], r[6])]
    return statistics.median(v) if v else 0.0


def main():
    if len(sys.argv) != 4 or sys.argv[2] not in SAMPLES:
        raise SystemExit("usage: outside_sample.py REPO long|short OUTDIR")
    repo, kind, out = sys.argv[1:]
    lo, hi = SAMPLES[kind]
    pool = []
    for name in sorted(os.listdir(repo)):
        if not name.endswith(".csv"):
            continue
        ticker = name[:-4]
        if ticker == "NFLX" or ticker in DEV:
            continue
        rows = rows_of(os.path.join(repo, name))
        n = len(rows)
        if n < lo or (hi is not None and n > hi) or rows[-1][0] != LAST_DAY:
            continue
        if dollar_volume(rows) >= MIN_DOLLAR_VOLUME:
            pool.append((name, n))
    drawn = sorted(random.Random(SEED).sample(pool, N))
    os.makedirs(out, exist_ok=True)
    print("%s: %d of %d eligible files drawn" % (kind, N, len(pool)))
    for name, n in drawn:
        src = os.path.join(repo, name)
        shutil.copyfile(src, os.path.join(out, name))
        with open(src, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        print("%-8s %6d rows  sha256 %s" % (name[:-4], n, digest[:16]))


if __name__ == "__main__":
    main()

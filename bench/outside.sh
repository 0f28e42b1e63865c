#!/usr/bin/env bash
# bench/outside.sh — the default preset's intervals on daily histories that
# played no part in choosing it: neither NFLX nor the 24 development tickers.
# A confirmation, run once per change of the default; a measurement, not a
# test.
#
# Three real Yahoo Finance histories that ship inside public packages this
# machine can reach (each source file's sha256 is checked before use):
#   SPX   S&P 500 index, 2000-01-03 .. 2020-04-17 (5,104 days): data/sp500-2000.csv
#         of the npm package vega-datasets 3.2.1 (BSD-3-Clause);
#   AAPL  Apple, 2013-05-13 .. 2018-05-11 (1,260 days): aapl.csv of the npm
#         package @observablehq/sample-datasets 1.0.1 (ISC);
#   GOOG  Alphabet (then Google), 2004-08-19 .. 2008-10-14 (1,047 days):
#         mpl-data/sample_data/goog.npz of Debian 12's python-matplotlib-data
#         3.6.3-1 (matplotlib licence).
# Each is rewritten in the Yahoo CSV layout forecastd ingests (Date, Open,
# High, Low, Close, Adj Close, Volume; values unchanged) under build/outside/,
# then build/bench_dist_eval --variants 2 scores them as it scores NFLX and
# the development set (all bars, test = the last 20 %).
#
#   bench/outside.sh [bench_dist_eval options]     (after a build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/build/outside
mkdir -p "$out/src"
cd "$out/src"

check() { # FILE SHA256
    echo "$2  $1" | sha256sum --check --quiet ||
        { echo "outside.sh: $1 is not the file this script was written for" >&2; exit 1; }
}

if [ ! -f sp500-2000.csv ]; then
    npm pack --silent vega-datasets@3.2.1 >/dev/null
    tar xzf vega-datasets-3.2.1.tgz --strip-components=2 package/data/sp500-2000.csv
fi
check sp500-2000.csv 9409e9342d0657c747324e4cfabce8a8c7f663bc485b95a3378f36b0a160f8c8
if [ ! -f aapl.csv ]; then
    npm pack --silent @observablehq/sample-datasets@1.0.1 >/dev/null
    tar xzf observablehq-sample-datasets-1.0.1.tgz --strip-components=1 package/aapl.csv
fi
check aapl.csv 18dc8bf6542da26625d992544a619a5fc210d6dfc799e81ab7fb7f9edbc21f9a
if [ ! -f goog.npz ]; then
    apt-get download python-matplotlib-data >/dev/null 2>&1
    dpkg-deb --fsys-tarfile python-matplotlib-data_*.deb |
        tar x --strip-components=6 ./usr/share/matplotlib/mpl-data/sample_data/goog.npz
fi
check goog.npz 400917cf30e6b664f7b0da93d7c745860d3aa9008da8b7f160d2dd12e6a318b1

python3 - "$out" <<'EOF'
import csv, struct, sys, zipfile, datetime

out = sys.argv[1]
HEAD = ["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"]

def write(name, rows):
    with open(f"{out}/{name}.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEAD)
        w.writerows(rows)

# vega-datasets: the same columns, lower case.
with open(f"{out}/src/sp500-2000.csv", newline="") as f:
    r = csv.DictReader(f)
    write("SPX", ([d["date"], d["open"], d["high"], d["low"], d["close"],
                   d["adjclose"], d["volume"]] for d in r))

# Observable: already the Yahoo layout.
with open(f"{out}/src/aapl.csv", newline="") as f:
    r = csv.reader(f)
    next(r)
    write("AAPL", list(r))

# matplotlib: one NumPy structured array, read without NumPy. Its header
# says: date <M8[D] (days since 1970-01-01), open, high, low, close <f8,
# volume <i8, adj_close <f8; little-endian, C order.
blob = zipfile.ZipFile(f"{out}/src/goog.npz").read("price_data.npy")
hlen = struct.unpack_from("<H", blob, 8)[0]
header = blob[10:10 + hlen].decode("latin1")
assert "('date', '<M8[D]'), ('open', '<f8'), ('high', '<f8'), ('low', '<f8'), " \
       "('close', '<f8'), ('volume', '<i8'), ('adj_close', '<f8')" in header, header
rec = struct.Struct("<q4dqd")
epoch = datetime.date(1970, 1, 1)
rows = []
for day, o, h, l, c, v, a in rec.iter_unpack(blob[10 + hlen:]):
    rows.append([(epoch + datetime.timedelta(days=day)).isoformat(),
                 repr(o), repr(h), repr(l), repr(c), repr(a), v])
write("GOOG", rows)
EOF

cd "$root"
wc -l build/outside/*.csv | sed '$d'
build/bench_dist_eval --variants 2 "$@" build/outside/SPX.csv build/outside/AAPL.csv build/outside/GOOG.csv

#!/usr/bin/env bash
# bench/ingest_pg.sh — ingest of 1,000,000 rows into PostgreSQL by
# forecastd's store, next to psql's \copy of the same CSV into a table of
# the same shape, in one run on one cluster.
#
# The CSV (N rows, default 1,000,000: daily bars from 1900-01-01, prices on
# a sine between 50 and 150) is generated once. Each round, alternated so
# that the machine's load falls on both: `build/bench_ingest CSV DB` (the
# store's upsert of new rows, commit included; also CSV parsing and the
# whole fc_series_ingest call), then psql's `\copy` of the same file into
# a fresh table (day date PRIMARY KEY, five float8, volume bigint: the
# CSV's columns; the bars table adds series_id to the key). Prints every
# round and the medians, and forecastd's rows/s as a share of \copy's.
#
# PostgreSQL: a throwaway cluster of scripts/pg on this machine
# (FC_PG_URI names another: a database is created on it and dropped).
#
#   bench/ingest_pg.sh [rounds, default 3] [rows, default 1000000]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
rows=${2:-1000000}
bench=${FC_BENCH_INGEST:-$root/build/bench_ingest}
[ -x "$bench" ] || { echo "bench/ingest_pg.sh: no $bench; build first" >&2; exit 2; }
command -v psql >/dev/null || { echo "bench/ingest_pg.sh: psql is not installed" >&2; exit 2; }

dir=$(mktemp -d /tmp/fc_bench_ingest_pg.XXXXXX)
chmod 755 "$dir"
own_pg=
dbname=fc_bench_ingest_$$
pg_uri=${FC_PG_URI:-}
cleanup() {
    [ -n "${pg_uri:-}" ] && psql -X -q "$pg_uri" -c "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null 2>&1
    [ -n "$own_pg" ] && "$root/scripts/pg" stop "$dir/pg"
    rm -rf "$dir"
}
trap cleanup EXIT
if [ -z "$pg_uri" ]; then
    pg_uri=$("$root/scripts/pg" start "$dir/pg")
    own_pg=1
fi
psql -X -q "$pg_uri" -c "CREATE DATABASE $dbname" >/dev/null
db=$(printf '%s' "$pg_uri" | sed "s,/[^/?]*\(?.*\)\?$,/$dbname\1,")

csv=$dir/bars.csv
python3 - "$csv" "$rows" <<'EOF'
import datetime, math, sys
day = datetime.date(1900, 1, 1)
one = datetime.timedelta(days=1)
with open(sys.argv[1], "w") as f:
    f.write("Date,Open,High,Low,Close,Adj Close,Volume\n")
    for i in range(int(sys.argv[2])):
        o = 100 + 50 * math.sin(i / 100)
        c = 100 + 50 * math.sin((i + 1) / 100)
        f.write("%s,%.4f,%.4f,%.4f,%.4f,%.4f,%d\n" % (
            day.isoformat(), o, max(o, c) * 1.01, min(o, c) * 0.99, c, c,
            1000000 + i))
        day += one
EOF
chmod 644 "$csv"

# copy_once: rows/s of one \copy of the CSV into a fresh table (the
# creation is not timed; the \copy is its own transaction, like a batch).
copy_once() {
    PGOPTIONS="-c client_min_messages=warning" psql -X -q "$db" -c "DROP TABLE IF EXISTS copy_bars" \
        -c "CREATE TABLE copy_bars (day date PRIMARY KEY, open float8 NOT NULL,
            high float8 NOT NULL, low float8 NOT NULL, close float8 NOT NULL,
            adj_close float8, volume bigint NOT NULL)" >/dev/null
    local t0 t1
    t0=$(date +%s.%N)
    psql -X -q "$db" -c "\\copy copy_bars FROM '$csv' WITH (FORMAT csv, HEADER true)" >/dev/null
    t1=$(date +%s.%N)
    python3 -c 'import sys; print("%.0f" % (int(sys.argv[1]) / (float(sys.argv[3]) - float(sys.argv[2]))))' "$rows" "$t0" "$t1"
}

printf '%-6s %16s %16s %16s\n' round 'store (new)' 'parse + store' '\copy'
: >"$dir/rounds"
for r in $(seq "$rounds"); do
    # bench_ingest does 3 runs of each stage itself; one of them per round.
    out=$("$bench" "$csv" "$db")
    store=$(printf '%s' "$out" | python3 -c 'import json, sys; print(json.load(sys.stdin)["store_new_rows_per_s"])')
    whole=$(printf '%s' "$out" | python3 -c 'import json, sys; print(json.load(sys.stdin)["parse_and_store_rows_per_s"])')
    copy=$(copy_once)
    printf '%-6s %16s %16s %16s\n' "$r" "$store" "$whole" "$copy"
    echo "$store $whole $copy" >>"$dir/rounds"
done
python3 - "$dir/rounds" "$rows" <<'EOF'
import statistics, sys
rs = [list(map(float, l.split())) for l in open(sys.argv[1])]
s, w, c = (statistics.median(x[i] for x in rs) for i in range(3))
print("median %16.0f %16.0f %16.0f" % (s, w, c))
print("%s rows: forecastd's store %.0f rows/s (%.2fx \\copy), with CSV parsing %.0f rows/s (%.2fx \\copy)"
      % (sys.argv[2], s, s / c, w, w / c))
EOF

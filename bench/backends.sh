#!/usr/bin/env bash
# bench/backends.sh — the HTTP API on SQLite and on PostgreSQL in one run:
# requests/s and p50/p99 with wrk (64 keep-alive connections), median of
# FC_BENCH_RUNS (default 5) runs each, the two backends' runs alternated
# (SQLite, PostgreSQL, SQLite, ...) so that a change in the machine's load
# falls on both, with PostgreSQL's requests/s as a share of SQLite's, for
#   predict  GET /predict?ticker=NFLX (the prediction cache answers: the
#            database is not read once the first answer is cached)
#   bars     GET /series/NFLX/bars?limit=60 (a database read every time:
#            the last 60 bars of 5,549, as JSON)
# Each backend gets a fresh server (build/forecastd, http_threads 2) with the
# NFLX bars and a small champion model; both run for the whole benchmark,
# the one not measured idle. PostgreSQL: a throwaway cluster of
# scripts/pg on this machine (FC_PG_URI names another: a database is created
# on it and dropped). wrk, the server and PostgreSQL share the machine.
#
#   bench/backends.sh [seconds per run, default 10]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dur=${1:-10}
bin=${FORECASTD_BIN:-$root/build/forecastd}
command -v wrk >/dev/null || { echo "bench/backends.sh: wrk is not installed" >&2; exit 2; }
[ -x "$bin" ] || { echo "bench/backends.sh: no $bin; build first" >&2; exit 2; }

dir=$(mktemp -d /tmp/fc_bench_backends.XXXXXX)
chmod 755 "$dir"
pids=
own_pg=
dbname=fc_bench_$$
cleanup() {
    for p in $pids; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    [ -n "${pg_uri:-}" ] && psql -X -q "$pg_uri" -c "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null 2>&1
    [ -n "$own_pg" ] && "$root/scripts/pg" stop "$dir/pg"
    rm -rf "$dir"
}
trap cleanup EXIT
pg_uri=${FC_PG_URI:-}
if [ -z "$pg_uri" ]; then
    pg_uri=$("$root/scripts/pg" start "$dir/pg")
    own_pg=1
fi
psql -X -q "$pg_uri" -c "CREATE DATABASE $dbname" >/dev/null
pg_db=$(printf '%s' "$pg_uri" | sed "s,/[^/?]*\(?.*\)\?$,/$dbname\1,")
echo '{"train_on_first_ingest": false, "http_threads": 2}' >"$dir/config.json"

# start NAME DB: a server on DB, logging to $dir/NAME.log; sets base.
start() {
    local log=$dir/$1.log
    : >"$log"
    (cd "$dir" && exec "$bin" serve --port 0 --db "$2" --config "$dir/config.json" 2>"$log") &
    pids="$pids $!"
    local port=
    for _ in $(seq 1 400); do
        port=$(sed -n 's|.*listening on http://[^ ]*:\([0-9]*\)/.*|\1|p' "$log" | head -1)
        [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
        sleep 0.05
    done
    base=http://127.0.0.1:$port
    curl -sf -H 'Content-Type: text/csv' --data-binary @"$root/data/NFLX.csv" "$base/series/NFLX/bars" >/dev/null
    local id
    id=$(curl -sf -X POST "$base/train" -d '{"ticker":"NFLX","epochs":3,"layers":[8],"window":10}' |
         python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    for _ in $(seq 1 2000); do
        curl -s "$base/jobs/$id" | grep -q '"state":"succeeded"' && break
        sleep 0.05
    done
}

# run URL: "req/s p50_ms p99_ms errors" of one wrk run.
run() {
    wrk -t2 -c64 -d"${dur}s" --latency "$1" 2>&1 | python3 -c '
import re, sys
t = sys.stdin.read()
def ms(s):
    m = re.match(r"([\d.]+)(us|ms|s|m)", s)  # wrk: 950.00us, 1.20ms, 1.01s, 1.00m
    if m is None:
        return float("nan")
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]
rps = re.search(r"Requests/sec:\s+([\d.]+)", t).group(1)
p50 = ms(re.search(r"50%\s+(\S+)", t).group(1))
p99 = ms(re.search(r"99%\s+(\S+)", t).group(1))
m = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
e = re.search(r"Socket errors: (.*)", t)
print(rps, "%.2f" % p50, "%.2f" % p99, (m.group(1) if m else "0") + (" " + e.group(1) if e else ""))'
}

runs=${FC_BENCH_RUNS:-5}
# median LINES: the line whose requests/s is the median (runs is odd).
median() {
    sort -n -k1,1 | sed -n "$(((runs + 1) / 2))p"
}

start sqlite "$dir/db.sqlite"
sqlite_base=$base
start postgresql "$pg_db"
pg_base=$base
printf '%-10s %-8s %10s %9s %9s %8s  %s\n' backend route 'req/s' 'p50 ms' 'p99 ms' 'vs SQLite' 'non-2xx'
for route in predict bars; do
    if [ "$route" = predict ]; then path="/predict?ticker=NFLX"; else path="/series/NFLX/bars?limit=60"; fi
    curl -sf "$sqlite_base$path" >/dev/null
    curl -sf "$pg_base$path" >/dev/null
    : >"$dir/sqlite.runs"
    : >"$dir/postgresql.runs"
    for _ in $(seq "$runs"); do
        run "$sqlite_base$path" >>"$dir/sqlite.runs"
        run "$pg_base$path" >>"$dir/postgresql.runs"
    done
    ref=
    for backend in sqlite postgresql; do
        set -- $(median <"$dir/$backend.runs")
        [ -n "$ref" ] || ref=$1
        printf '%-10s %-8s %10.0f %9s %9s %8.2fx  %s\n' "$backend" "$route" "$1" "$2" "$3" \
            "$(python3 -c 'import sys; print(float(sys.argv[1]) / float(sys.argv[2]))' "$1" "$ref")" "${*:4}"
    done
    echo "  runs (req/s): sqlite $(cut -d' ' -f1 "$dir/sqlite.runs" | tr '\n' ' ')| postgresql $(cut -d' ' -f1 "$dir/postgresql.runs" | tr '\n' ' ')"
done

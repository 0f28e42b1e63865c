#!/usr/bin/env bash
# bench/http.sh — GET /predict under load with wrk, idle and while a training
# job runs: requests/s, p50/p99 latency and errors at 64 and 256 keep-alive
# connections.
#
# A fresh server (build/forecastd, port 0, a temporary database, request log
# to a file) gets the NFLX bars and a small champion model; wrk then hammers
# /predict?ticker=NFLX (answers come from the prediction cache; the first
# one computes). The "training" rows repeat the runs while a long training
# job (LSTM(64), window 60, on 5,549 bars) runs on train_threads workers in
# the same process, then cancel it. wrk and the server share the machine:
# on 2 cores wrk takes about one of them.
#
#   bench/http.sh [seconds per run, default 20] [wrk threads, default 2]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dur=${1:-20}
wrk_threads=${2:-2}
bin=${FORECASTD_BIN:-$root/build/forecastd}
command -v wrk >/dev/null || { echo "bench/http.sh: wrk is not installed (apt-get install wrk)" >&2; exit 2; }
[ -x "$bin" ] || { echo "bench/http.sh: no $bin; build first" >&2; exit 2; }

dir=$(mktemp -d /tmp/fc_bench_http.XXXXXX)
pid=
cleanup() {
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
cat >"$dir/config.json" <<JSON
{"train_on_first_ingest": false}
JSON
(cd "$dir" && exec "$bin" serve --port 0 --db "$dir/db.sqlite" --config "$dir/config.json" 2>"$dir/log") &
pid=$!
port=
for _ in $(seq 1 200); do
    port=$(sed -n 's|.*listening on http://[^ ]*:\([0-9]*\)/.*|\1|p' "$dir/log" | head -1)
    [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
    sleep 0.05
done
[ -n "$port" ] || { echo "server did not start:"; cat "$dir/log"; exit 1; }
base=http://127.0.0.1:$port

job_field() { # job id, python expression over j
    curl -s "$base/jobs/$1" | python3 -c "import json,sys; j=json.load(sys.stdin); print($2)"
}
wait_state() { # job id, state
    for _ in $(seq 1 6000); do
        [ "$(job_field "$1" 'j["state"]')" = "$2" ] && return 0
        sleep 0.05
    done
    echo "job $1 never reached $2" >&2; exit 1
}

curl -sf -H 'Content-Type: text/csv' --data-binary @"$root/data/NFLX.csv" "$base/series/NFLX/bars" >/dev/null
id=$(curl -sf -X POST "$base/train" -d '{"ticker":"NFLX","epochs":3,"layers":[8],"window":10}' |
     python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
wait_state "$id" succeeded
url="$base/predict?ticker=NFLX"
curl -sf "$url" >/dev/null

# One wrk run; prints "req/s p50 p99 errors".
run() {
    local out
    out=$(wrk -t"$wrk_threads" -c"$1" -d"${dur}s" --latency "$url")
    echo "$out" | python3 -c '
import re, sys
t = sys.stdin.read()
def ms(label):
    m = re.search(r"^\s*%s%%\s+([\d.]+)(us|ms|s)\s*$" % label, t, re.M)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
errs = 0
m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
if m:
    errs += sum(int(x) for x in m.groups())
m = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
if m:
    errs += int(m.group(1))
n = int(re.search(r"(\d+) requests in", t).group(1))
print("%10.0f %9.2f %9.2f %7d %10d" % (rps, ms("50"), ms("99"), errs, n))
'
}

printf '%-10s %5s %10s %9s %9s %7s %10s\n' state conns "req/s" "p50 ms" "p99 ms" errors requests
for c in 64 256; do
    printf '%-10s %5d ' idle "$c"; run "$c"
done
id=$(curl -sf -X POST "$base/train" \
     -d '{"ticker":"NFLX","epochs":1000,"layers":[64],"window":60,"patience":0}' |
     python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
wait_state "$id" running
e0=$(job_field "$id" 'j["progress"]["epoch"]')
for c in 64 256; do
    printf '%-10s %5d ' training "$c"; run "$c"
done
e1=$(job_field "$id" 'j["progress"]["epoch"]')
state=$(job_field "$id" 'j["state"]')
curl -sf -X DELETE "$base/jobs/$id" >/dev/null
echo "training job $id: $state during the runs, epochs $e0 -> $e1 (then cancelled)"
echo "server: $(grep -c 'path="/predict"' "$dir/log") /predict requests logged; $(nproc) cores; wrk -t$wrk_threads, ${dur}s per run"

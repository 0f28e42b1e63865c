#!/usr/bin/env bash
# tests/container/compose.sh — the PostgreSQL compose files, run as a user
# runs them, on the image tests/container/run.sh built.
#
# docker-compose.postgres.yml (PostgreSQL built from docker/postgres, and
# forecastd on it): up; ingest of data/NFLX.csv; the first-ingest training
# and a prediction; the bars and the model counted by psql inside the
# PostgreSQL container (the data is really there); PostgreSQL stopped under
# forecastd: 503s with Retry-After; started again: ready by itself, the same
# prediction; down -v.
#
# docker-compose.cluster.yml (PostgreSQL, three replicas, nginx): up;
# /readyz through nginx reaches all three replicas; ingest, the training it
# triggers and /predict through nginx, the same version and numbers from
# every replica; 20 s of wrk on /predict through nginx with one replica
# killed (SIGKILL) 5 s in: no failed request (no socket error, no status
# outside 2xx); down -v.
#
# Needs docker and docker-compose (v1, or any engine serving the Docker
# API; DOCKER_HOST honoured), curl, wrk, python3. Environment: FC_IMAGE (the
# forecastd image, default forecastd:test), FC_TRAIN_TIMEOUT_S (600).
# Exits non-zero on any failure; removes its containers, networks and
# volumes; keeps the images (cache).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export FORECASTD_IMAGE=${FC_IMAGE:-forecastd:test}
export POSTGRES_PASSWORD=fc-compose-$$
train_timeout_s=${FC_TRAIN_TIMEOUT_S:-600}
failures=0
project=
file=
health_pid=
tag=compose
. "$root/tests/container/lib.sh"

compose() { docker-compose -p "$project" -f "$root/$file" "$@"; }

port=$(free_port)
export FORECASTD_HTTP_PORT=$port
base=http://127.0.0.1:$port

# Podman runs a container's HEALTHCHECK only from systemd timers, which a
# CI machine may not have: while a project is up, run each check every
# second by hand, as Docker would by itself (compose's service_healthy
# waits on it).
health_start() {
    case $(docker version 2>/dev/null) in *[Pp]odman*) ;; *) return 0 ;; esac
    command -v podman >/dev/null || return 0
    (
        while :; do
            for c in $(docker ps -q --filter "label=com.docker.compose.project=$project"); do
                podman healthcheck run "$c" >/dev/null 2>&1 || true
            done
            sleep 1
        done
    ) &
    health_pid=$!
}
health_stop() {
    [ -n "$health_pid" ] && kill "$health_pid" 2>/dev/null && wait "$health_pid" 2>/dev/null || true
    health_pid=
}

# down: the project's containers, network and volumes removed.
down() {
    [ -n "$project" ] || return 0
    if [ "$failures" -gt 0 ] || [ "${1:-0}" != 0 ]; then
        log "logs of $project (last 60 lines):"
        compose logs --no-color --tail 20 2>&1 | tail -60 | sed 's/^/    /' || true
    fi
    compose down -v --remove-orphans >/dev/null 2>&1 || true
    health_stop
    project=
}
trap 'rc=$?; down $rc' EXIT

# up FILE PROJECT: builds the images of the services other than forecastd
# (PostgreSQL, nginx), starts the project, waits for /readyz 200 on $base.
up() {
    file=$1
    project=$2
    docker image inspect "$FORECASTD_IMAGE" >/dev/null 2>&1 ||
        die "no image $FORECASTD_IMAGE (tests/container/run.sh builds it)"
    compose config -q || die "$file does not validate"
    # The images of the other services (PostgreSQL, nginx) from their
    # Dockerfiles now (cached layers reused): up alone would keep a stale one.
    local t0=$SECONDS
    compose build $(compose config --services | grep -v '^forecastd') \
        >"/tmp/fc-compose.$$.log" 2>&1 || {
        tail -40 "/tmp/fc-compose.$$.log"
        die "$file: build failed"
    }
    health_start
    compose up -d >"/tmp/fc-compose.$$.log" 2>&1 || {
        tail -40 "/tmp/fc-compose.$$.log"
        rm -f "/tmp/fc-compose.$$.log"
        die "$file: up failed"
    }
    rm -f "/tmp/fc-compose.$$.log"
    until [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$base/readyz" || true)" = 200 ]; do
        [ $((SECONDS - t0)) -lt 180 ] || die "$file: /readyz not 200 within 180 s"
        sleep 0.2
    done
    log "$file: up, /readyz 200 after $((SECONDS - t0)) s"
}

# ingest_and_train: NFLX ingested, its first-ingest training job followed
# to success; sets $pred to /predict's answer.
ingest_and_train() {
    req POST /series/NFLX/bars -H 'Content-Type: text/csv' --data-binary @"$root/data/NFLX.csv"
    [ "$status" = 200 ] || die "ingest: status $status: $body"
    log "ingest: $(printf '%s' "$body" | json '"inserted %d" % d["inserted"]')"
    req GET '/jobs?ticker=NFLX'
    local job t0=$SECONDS state=
    job=$(printf '%s' "$body" | json 'd["jobs"][0]["id"] if d["jobs"] else ""')
    [ -n "$job" ] || die "no training job after the first ingest: $body"
    while :; do
        req GET "/jobs/$job"
        state=$(printf '%s' "$body" | json 'd["state"]' 2>/dev/null || echo "?")
        case $state in succeeded | failed | cancelled) break ;; esac
        [ $((SECONDS - t0)) -lt "$train_timeout_s" ] || break
        sleep 0.5
    done
    [ "$state" = succeeded ] || die "training job $job: '$state': $body"
    log "train: the first-ingest job $job succeeded after $((SECONDS - t0)) s$(printf '%s' "$body" | json '" on replica " + d["worker"] if d.get("worker") else ""')"
    req GET '/predict?ticker=NFLX&horizon=3'
    [ "$status" = 200 ] || die "predict: status $status: $body"
    pred=$body
}

psql_count() {
    docker exec -e PGPASSWORD="$POSTGRES_PASSWORD" "$1" \
        psql -h 127.0.0.1 -U forecastd -d forecastd -Atc "SELECT count(*) FROM $2"
}

# ---- docker-compose.postgres.yml ------------------------------------------
up docker-compose.postgres.yml "fcpg$$"
ingest_and_train
pg_ctr=$(compose ps -q postgres)
bars=$(psql_count "$pg_ctr" bars)
models=$(psql_count "$pg_ctr" models)
[ "$bars" = 5549 ] && [ "$models" = 1 ] &&
    log "in PostgreSQL (psql in its container): $bars bars, $models model" ||
    fail "in PostgreSQL: $bars bars and $models models, expected 5549 and 1"

# PostgreSQL stopped under forecastd: /readyz and the requests that need
# it 503 with Retry-After while it is away; started again, forecastd is
# ready by itself with the same answers.
compose stop postgres >/dev/null 2>&1 || fail "stop postgres failed"
req GET /readyz
[ "$status" = 503 ] || fail "PostgreSQL stopped: /readyz $status, expected 503"
code=$(curl -s -o /dev/null -D - -m 30 "$base/series" | tr -d '\r' |
    awk 'NR == 1 { s = $2 } tolower($1) == "retry-after:" { r = $2 } END { print s "/" r }')
[ "$code" = 503/1 ] && log "PostgreSQL stopped: /readyz 503, GET /series 503 with Retry-After: 1" ||
    fail "PostgreSQL stopped: GET /series answered status/Retry-After $code, expected 503/1"
compose start postgres >/dev/null 2>&1 || fail "start postgres failed"
t0=$SECONDS
until [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$base/readyz" || true)" = 200 ]; do
    [ $((SECONDS - t0)) -lt 60 ] || die "not ready within 60 s of PostgreSQL's restart"
    sleep 0.2
done
req GET '/series'
[ "$status" = 200 ] || fail "after PostgreSQL's restart: GET /series: $status"
req GET '/predict?ticker=NFLX&horizon=3'
[ "$status" = 200 ] && [ "$body" = "$pred" ] &&
    log "PostgreSQL started again: ready after $((SECONDS - t0)) s, the same prediction" ||
    fail "after PostgreSQL's restart: predict $status: $body (before: $pred)"
down
log "docker-compose.postgres.yml: down -v"

# ---- docker-compose.cluster.yml -------------------------------------------
up docker-compose.cluster.yml "fccl$$"
# /readyz through nginx until each replica has answered (nginx passes a 503
# of one still opening its database on to the next): all three within 60 s.
# (The engine's DNS can stop answering one new container for 20-40 s; each
# replica looks the database's name up once, server/store/pg.c, and is
# ready within seconds.)
t0=$SECONDS
seen=
until [ "$seen" = "a b c " ] || [ $((SECONDS - t0)) -ge 60 ]; do
    seen=$({ printf '%s\n' $seen
             for _ in $(seq 10); do curl -s -m 2 "$base/readyz" | json 'd["replica"]'; done
           } | grep . | sort -u | tr '\n' ' ') || true
    [ "$seen" = "a b c " ] || sleep 0.5
done
[ "$seen" = "a b c " ] && log "nginx: /readyz answered by replicas $seen(all within $((SECONDS - t0)) s)" ||
    fail "nginx: /readyz answered by replicas '$seen' in 60 s, expected a b c"
ingest_and_train
# Every replica has the champion (announced by NOTIFY): 30 requests through
# nginx, spread over the three, give one answer.
sleep 1
answers=$(for _ in $(seq 30); do curl -s -m 5 "$base/predict?ticker=NFLX&horizon=3"; echo; done | sort -u | wc -l)
[ "$answers" = 1 ] && log "predict through nginx: one answer from every replica" ||
    fail "predict through nginx: $answers different answers"

# 20 s of wrk on /predict through nginx; replica b killed 5 s in. nginx
# retries a GET whose replica failed on another (proxy_next_upstream).
victim=$(compose ps -q forecastd-b)
wrk_out=$(mktemp)
wrk -t2 -c16 -d20s --timeout 10s "$base/predict?ticker=NFLX" >"$wrk_out" 2>&1 &
wrk_pid=$!
sleep 5
docker kill -s KILL "$victim" >/dev/null || fail "docker kill of forecastd-b failed"
log "forecastd-b killed (SIGKILL) 5 s into wrk"
wait "$wrk_pid" || fail "wrk exited with $?"
sed 's/^/    /' "$wrk_out"
requests=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$wrk_out")
if [ -z "$requests" ] || [ "$requests" -lt 1 ]; then
    fail "wrk made no request"
elif grep -qE 'Socket errors|Non-2xx' "$wrk_out"; then
    fail "wrk: failed requests with a replica killed: $(grep -E 'Socket errors|Non-2xx' "$wrk_out" | tr -s ' ')"
else
    log "wrk through nginx with a replica killed: $requests requests, 0 failed ($(sed -n 's/^Requests\/sec: *//p' "$wrk_out") req/s)"
fi
rm -f "$wrk_out"
req GET '/predict?ticker=NFLX&horizon=3'
[ "$status" = 200 ] && [ "$body" = "$pred" ] ||
    fail "after the kill: predict $status: $body"
down
log "docker-compose.cluster.yml: down -v"

if [ "$failures" -gt 0 ]; then
    log "$failures check(s) failed"
    exit 1
fi
log "PASS"

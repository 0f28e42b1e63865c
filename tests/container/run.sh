#!/usr/bin/env bash
# tests/container/run.sh — the Docker image, tested as a user runs it.
#
# Builds the image from the repository (the build stage runs ctest), starts it
# on a fresh named volume and a free port, and checks: readiness time, ingest
# of data/NFLX.csv (5549 bars), a non-root process, the healthcheck command,
# a small training job and a prediction (training is part of the image's
# contract: POST /train answering 404 or 405 is a failure), `docker stop` ->
# exit 0 quickly even with a job running, that the bars, the model and its
# prediction survive a restart from the volume and the interrupted job is
# queued again, and FORECASTD_API_KEY.
# Prints the build time, the image size and the readiness time. Exits non-zero
# on any failure. Removes its container and volume; keeps the image (cache).
#
# Needs: docker (any Docker-API engine; DOCKER_HOST honoured), bash, curl,
# python3 (standard library only). The container uses the host's network
# (--network host) and FORECASTD_PORT, so no port mapping is relied upon.
#
# Environment: FC_IMAGE (default forecastd:test), FC_IMAGE_MAX_MB (200),
# FC_READY_MAX_S (2), FC_TRAIN_TIMEOUT_S (600).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
image=${FC_IMAGE:-forecastd:test}
max_mb=${FC_IMAGE_MAX_MB:-200}
max_ready_s=${FC_READY_MAX_S:-2}
train_timeout_s=${FC_TRAIN_TIMEOUT_S:-600}
name=fc-ctest-$$
volume=fc-ctest-vol-$$
failures=0
tag=container
. "$root/tests/container/lib.sh"

now() { date +%s.%N; }
elapsed() { python3 -c 'import sys; print("%.2f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$@"; }

cleanup() {
    if { [ "$failures" -gt 0 ] || [ "${1:-0}" != 0 ]; } &&
        docker inspect "$name" >/dev/null 2>&1; then
        log "container log (last 40 lines):"
        docker logs "$name" 2>&1 | tail -40 | sed 's/^/    /' || true
    fi
    docker rm -f "$name" "$name-key" >/dev/null 2>&1 || true
    docker volume rm -f "$volume" >/dev/null 2>&1 || true
}
trap 'rc=$?; cleanup $rc' EXIT

port=$(free_port)
base=http://127.0.0.1:$port

# wait_ready CONTAINER T0: polls /readyz every 20 ms for up to 30 s; prints
# the seconds since T0.
wait_ready() {
    local c=$1 t0=$2 code
    for _ in $(seq 1500); do
        code=$(curl -s -o /dev/null -m 1 -w '%{http_code}' "$base/readyz" || true)
        if [ "$code" = 200 ]; then
            elapsed "$t0" "$(now)"
            return 0
        fi
        if [ "$(docker inspect -f '{{.State.Running}}' "$c" 2>/dev/null)" != true ]; then
            return 1
        fi
        sleep 0.02
    done
    return 1
}

# stop_container CONTAINER: docker stop, expecting exit code 0 within 5 s.
stop_container() {
    local c=$1 t0 secs code
    t0=$(now)
    docker stop "$c" >/dev/null
    secs=$(elapsed "$t0" "$(now)")
    code=$(docker inspect -f '{{.State.ExitCode}}' "$c")
    if [ "$code" = 0 ]; then
        log "docker stop: exit code 0 after ${secs} s"
    else
        fail "docker stop: exit code $code after ${secs} s (expected 0)"
    fi
    python3 -c 'import sys; sys.exit(float(sys.argv[1]) > 5)' "$secs" ||
        fail "docker stop took ${secs} s (more than 5 s)"
}

bars_of() {
    req GET /series
    [ "$status" = 200 ] || {
        echo "status $status"
        return 0
    }
    printf '%s' "$body" |
        json '[s["bars"] for s in d["series"] if s["ticker"] == "NFLX"][0] if any(s["ticker"] == "NFLX" for s in d["series"]) else "none"'
}

# ---- build -------------------------------------------------------------------
log "building $image from $root"
t0=$(now)
if ! docker build --force-rm -t "$image" "$root" >/tmp/fc-container-build.$$.log 2>&1; then
    tail -60 /tmp/fc-container-build.$$.log
    rm -f /tmp/fc-container-build.$$.log
    die "docker build failed"
fi
build_s=$(elapsed "$t0" "$(now)")
# Every change to the sources leaves an untagged build stage (~0.9 GB) behind:
# tag the current one (all cached, so it stays the cache for the next run) and
# remove the stale ones.
docker build -q --target build -t "$image-build" "$root" >/dev/null 2>&1 &&
    docker image prune -f --filter label=org.forecastd.stage=build >/dev/null 2>&1 || true
grep -E 'tests passed|tests failed' /tmp/fc-container-build.$$.log | sed 's/^/[container] ctest in the build stage: /' ||
    log "build stage cached: these sources were built and passed ctest before"
rm -f /tmp/fc-container-build.$$.log
size_mb=$(docker image inspect -f '{{.Size}}' "$image" | python3 -c 'import sys; print("%.1f" % (int(sys.stdin.read()) / 1e6))')
log "image build: ${build_s} s (cached layers are reused)"
log "image size: ${size_mb} MB (limit ${max_mb} MB)"
python3 -c 'import sys; sys.exit(float(sys.argv[1]) >= float(sys.argv[2]))' "$size_mb" "$max_mb" ||
    fail "image is ${size_mb} MB, not under ${max_mb} MB"

if command -v docker-compose >/dev/null 2>&1; then
    (cd "$root" && docker-compose -f docker-compose.yml config -q) ||
        fail "docker-compose.yml does not validate"
    log "docker-compose.yml validates"
fi

# ---- first start -------------------------------------------------------------
docker volume create "$volume" >/dev/null
# Automatic training on first ingest is switched off so that the background
# job (60 epochs by default) does not compete with the checks below; the
# train/predict part trains explicitly with a small configuration.
t0=$(now)
docker run -d --name "$name" --network host --stop-timeout 10 \
    -e FORECASTD_PORT="$port" -e FORECASTD_TRAIN_ON_FIRST_INGEST=false \
    -v "$volume":/var/lib/forecastd "$image" >/dev/null
ready_s=$(wait_ready "$name" "$t0") || die "the container did not become ready"
log "readiness: /readyz 200 ${ready_s} s after docker run (limit ${max_ready_s} s)"
python3 -c 'import sys; sys.exit(float(sys.argv[1]) > float(sys.argv[2]))' "$ready_s" "$max_ready_s" ||
    fail "ready after ${ready_s} s, more than ${max_ready_s} s"
first_ready_s=$ready_s

uid=$(docker exec "$name" id -u)
pid1_uid=$(docker exec "$name" sh -c "awk '/^Uid:/ {print \$2}' /proc/1/status")
pid1_cmd=$(docker exec "$name" sh -c "tr '\\0' ' ' </proc/1/cmdline")
if [ "$uid" != 0 ] && [ "$pid1_uid" != 0 ]; then
    log "non-root: exec uid $uid, PID 1 uid $pid1_uid ($pid1_cmd)"
else
    fail "runs as root (exec uid $uid, PID 1 uid $pid1_uid)"
fi

# The image's HEALTHCHECK command, run by hand: engines differ in whether and
# when they schedule it (podman needs systemd timers), not in what it runs.
hc=$(docker image inspect -f '{{if .Config.Healthcheck}}{{json .Config.Healthcheck.Test}}{{end}}' "$image" 2>/dev/null || true)
if [ -z "$hc" ] && command -v podman >/dev/null 2>&1; then
    hc=$(podman image inspect -f '{{json .HealthCheck.Test}}' "$image" 2>/dev/null || true)
fi
if [ -z "$hc" ] || [ "$hc" = null ]; then
    fail "the image has no HEALTHCHECK"
else
    mapfile -t hc_argv < <(printf '%s' "$hc" | python3 -c 'import json, sys; t = json.load(sys.stdin); print("\n".join(t[1:] if t[0] == "CMD" else ["sh", "-c", t[1]]))')
    if docker exec "$name" "${hc_argv[@]}"; then
        log "healthcheck command: healthy"
    else
        fail "healthcheck command failed: $hc"
    fi
fi

req POST /series/NFLX/bars -H 'Content-Type: text/csv' --data-binary @"$root/data/NFLX.csv"
if [ "$status" = 200 ]; then
    log "ingest: $(printf '%s' "$body" | json '"inserted %d, bars_total %d" % (d["inserted"], d["bars_total"])')"
else
    fail "ingest: status $status: $body"
fi
bars=$(bars_of)
[ "$bars" = 5549 ] && log "GET /series: NFLX has 5549 bars" || fail "GET /series: NFLX has $bars bars, expected 5549"

# ---- train and predict ---------------------------------------------------------
trained=0
req POST /train -H 'Content-Type: application/json' \
    --data '{"ticker":"NFLX","epochs":2}'
case $status in
404 | 405)
    fail "POST /train answers $status: the image has lost training, which is part of its contract: $(printf '%s' "$body" | head -c 200)"
    ;;
202)
    job=$(printf '%s' "$body" | json 'd["id"]')
    log "train: job $job queued"
    t0=$(now)
    state=queued
    while :; do
        req GET "/jobs/$job"
        state=$(printf '%s' "$body" | json 'd["state"]' 2>/dev/null || echo "?")
        case $state in succeeded | failed | cancelled) break ;; esac
        if python3 -c 'import sys; sys.exit(float(sys.argv[1]) < float(sys.argv[2]))' \
            "$(elapsed "$t0" "$(now)")" "$train_timeout_s"; then
            break
        fi
        sleep 0.5
    done
    if [ "$state" = succeeded ]; then
        log "train: job $job succeeded after $(elapsed "$t0" "$(now)") s"
        req GET '/predict?ticker=NFLX'
        if [ "$status" = 200 ]; then
            pred1=$(printf '%s' "$body" | json 'json.dumps([d["model_version"], d["as_of"], d["predictions"]])')
            log "predict: $pred1"
            trained=1
        else
            fail "predict: status $status: $body"
        fi
    else
        fail "train: job $job ended as '$state': $body"
    fi
    ;;
*)
    fail "POST /train: status $status: $body"
    ;;
esac

# A long job (the report preset, 1000 epochs) is running when the container
# stops: SIGTERM must still exit 0 at once and the job come back queued.
long_job=
if [ "$trained" = 1 ]; then
    req POST /train -H 'Content-Type: application/json' \
        --data '{"ticker":"NFLX","preset":"report","epochs":1000}'
    if [ "$status" = 202 ]; then
        long_job=$(printf '%s' "$body" | json 'd["id"]')
        for _ in $(seq 300); do
            req GET "/jobs/$long_job"
            [ "$(printf '%s' "$body" | json 'd["state"] == "running" and (d["progress"]["epoch"] or 0) >= 1')" = True ] && break
            sleep 0.1
        done
        log "stopping while job $long_job runs: $(printf '%s' "$body" | json '"state %s, epoch %s" % (d["state"], d["progress"]["epoch"])')"
    else
        fail "POST /train (long job): status $status: $body"
    fi
fi

# ---- restart: the volume keeps the data --------------------------------------
stop_container "$name"
t0=$(now)
docker start "$name" >/dev/null
restart_ready_s=$(wait_ready "$name" "$t0") || die "the container did not become ready after a restart"
log "restart: /readyz 200 ${restart_ready_s} s after docker start"
bars=$(bars_of)
[ "$bars" = 5549 ] && log "after restart: NFLX still has 5549 bars" ||
    fail "after restart: NFLX has $bars bars, expected 5549"
if [ -n "$long_job" ]; then
    req GET "/jobs/$long_job"
    state=$(printf '%s' "$body" | json 'd["state"]')
    case $state in
    queued | running) log "after restart: the interrupted job $long_job is $state again" ;;
    *) fail "after restart: the interrupted job $long_job is '$state', expected queued or running" ;;
    esac
    # Cancel it: a running job stops at its next batch and publishes nothing.
    req DELETE "/jobs/$long_job"
    [ "$status" = 200 ] || fail "DELETE /jobs/$long_job: status $status: $body"
    for _ in $(seq 300); do
        req GET "/jobs/$long_job"
        state=$(printf '%s' "$body" | json 'd["state"]')
        [ "$state" = cancelled ] && break
        sleep 0.1
    done
    [ "$state" = cancelled ] && log "job $long_job cancelled" ||
        fail "job $long_job is '$state' after DELETE, expected cancelled"
fi
if [ "$trained" = 1 ]; then
    req GET '/predict?ticker=NFLX'
    if [ "$status" = 200 ]; then
        pred2=$(printf '%s' "$body" | json 'json.dumps([d["model_version"], d["as_of"], d["predictions"]])')
        [ "$pred1" = "$pred2" ] && log "after restart: the same prediction from the same model" ||
            fail "after restart: prediction changed: $pred1 -> $pred2"
    else
        fail "after restart: predict: status $status: $body"
    fi
fi
stop_container "$name"

# ---- configuration by environment: an API key -------------------------------
# A second container on the same volume (the first is stopped) with
# FORECASTD_API_KEY set: writes need the bearer token, reads stay open.
docker run -d --name "$name-key" --network host --stop-timeout 10 \
    -e FORECASTD_PORT="$port" -e FORECASTD_API_KEY=s3cret \
    -v "$volume":/var/lib/forecastd "$image" >/dev/null
wait_ready "$name-key" "$(now)" >/dev/null || die "the API-key container did not become ready"
req POST /series/NFLX/bars -H 'Content-Type: text/csv' --data-binary @"$root/data/NFLX.csv"
[ "$status" = 401 ] && log "FORECASTD_API_KEY: POST without the key is 401" ||
    fail "FORECASTD_API_KEY: POST without the key answered $status, expected 401"
req POST /series/NFLX/bars -H 'Content-Type: text/csv' -H 'Authorization: Bearer s3cret' \
    --data-binary @"$root/data/NFLX.csv"
if [ "$status" = 200 ]; then
    log "FORECASTD_API_KEY: POST with the key is 200 ($(printf '%s' "$body" | json '"unchanged %d" % d["unchanged"]'))"
else
    fail "FORECASTD_API_KEY: POST with the key answered $status: $body"
fi
stop_container "$name-key"

if [ "$failures" -gt 0 ]; then
    log "$failures check(s) failed"
    exit 1
fi
log "PASS (image ${size_mb} MB, build ${build_s} s, ready ${first_ready_s} s after run, ${restart_ready_s} s after restart)"

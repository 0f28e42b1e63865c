# shellcheck shell=bash
# scripts/lib.sh — shared set-up for scripts/run and scripts/test (sourced).
# Installs what is missing on Debian 12 (apt-get, as root or through sudo),
# then configures and builds with CMake. Safe to run again: it installs and
# rebuilds only what is missing or stale.

FC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FC_DEBS="build-essential cmake pkg-config libopenblas-dev libmicrohttpd-dev
libcjson-dev libsqlite3-dev sqlite3 python3 curl wrk"
# The API tests check every reply against /openapi.json with it.
FC_DEBS="$FC_DEBS python3-jsonschema"
# PostgreSQL: libpq for the store's second backend, and a server (with
# psql) for the tests that run on it (scripts/pg).
FC_DEBS="$FC_DEBS libpq-dev postgresql postgresql-client"
# Only for scripts/fuzz (libFuzzer ships in Debian's compiler-rt package) and
# for the valgrind pass of scripts/test.
FC_FUZZ_DEBS="clang libclang-rt-14-dev"
FC_VALGRIND_DEBS="valgrind"
# For scripts/format and its check in scripts/test (Debian 12's is 14).
FC_FORMAT_DEBS="clang-format"

fc_log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

fc_as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# fc_install_debs PKG...: apt-get install the packages that are not installed.
fc_install_debs() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    fc_log "installing ${missing[*]}"
    fc_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    fc_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${missing[@]}" >/dev/null
}

fc_deps() {
    # shellcheck disable=SC2086
    fc_install_debs $FC_DEBS
}

# fc_build DIR [CMAKE_ARGS...]: configure (once) and build into DIR.
fc_build() {
    local dir=$1
    shift
    fc_log "building in ${dir#"$FC_ROOT"/}"
    cmake -S "$FC_ROOT" -B "$dir" "$@" >/dev/null
    cmake --build "$dir" -j"$(nproc)" -- --no-print-directory >/dev/null ||
        cmake --build "$dir" -j1   # on failure, show the errors legibly
}

# ---- container engine (tests/container) --------------------------------------
# FC_ENGINE_TOOL (environment, empty by default): a script of the machine's
# own that starts a Docker-compatible engine (podman behind the Docker API on
# FC_ENGINE_SOCK) and stops it when given `stop`. The machine says where it
# is (CI's entry point sets it); when it is empty, only an engine that
# already answers is used.
FC_ENGINE_TOOL=${FC_ENGINE_TOOL:-}
FC_ENGINE_SOCK=unix:///run/podman/podman.sock
FC_ENGINE_STARTED=0

fc_docker_answers() {
    command -v docker >/dev/null 2>&1 && timeout 20 docker info >/dev/null 2>&1
}

# fc_engine_up: returns 0 when `docker` answers, after starting the engine
# with FC_ENGINE_TOOL if needed and set (then FC_ENGINE_STARTED=1 and
# DOCKER_HOST is exported).
fc_engine_up() {
    fc_docker_answers && return 0
    if [ -z "${DOCKER_HOST:-}" ]; then
        export DOCKER_HOST=$FC_ENGINE_SOCK
        fc_docker_answers && return 0
        unset DOCKER_HOST
    fi
    [ -n "$FC_ENGINE_TOOL" ] && [ -f "$FC_ENGINE_TOOL" ] || return 1
    fc_log "starting the container engine ($FC_ENGINE_TOOL)"
    fc_as_root bash "$FC_ENGINE_TOOL" || return 1
    export DOCKER_HOST=$FC_ENGINE_SOCK
    FC_ENGINE_STARTED=1
    fc_docker_answers
}

# fc_engine_stop: stops the engine's API service (no-op when not running or
# when FC_ENGINE_TOOL is empty).
fc_engine_stop() {
    if [ -n "$FC_ENGINE_TOOL" ] && [ -f "$FC_ENGINE_TOOL" ]; then
        fc_as_root bash "$FC_ENGINE_TOOL" stop || true
    fi
}

# ---- browser tests (tests/browser) ---------------------------------------------
# Debian's chromium (/usr/bin/chromium) driven by playwright-core from npm
# (never a downloaded browser). Node 18 (Debian) or later will do; a node that
# is already there (with its own npm) is kept.
fc_browser_deps() {
    fc_install_debs chromium fonts-dejavu-core
    command -v node >/dev/null 2>&1 || fc_install_debs nodejs
    command -v npm >/dev/null 2>&1 || fc_install_debs npm
}

# fc_browser_tests BINARY: npm ci in tests/browser, then the tests against BINARY.
fc_browser_tests() {
    fc_browser_deps
    (cd "$FC_ROOT/tests/browser" &&
        PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error &&
        FORECASTD_BIN=$1 CHROMIUM=/usr/bin/chromium npm test)
}

# tests/container/lib.sh — what the container tests share (sourced by run.sh
# and compose.sh after they set tag, the prefix of their lines): log lines,
# failures counted in $failures, JSON from a Python expression, a free TCP
# port, and requests to $base.

log() { printf '[%s] %s\n' "$tag" "$*"; }
fail() {
    printf '[%s] FAIL: %s\n' "$tag" "$*"
    failures=$((failures + 1))
}
die() {
    printf '[%s] FAIL: %s\n' "$tag" "$*"
    exit 1
}
# json EXPR: evaluates a Python expression over the JSON on stdin (as `d`).
json() { python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
# A TCP port nobody listens on now.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# req METHOD PATH [curl args...]: sets $body and $status (000: no answer).
req() {
    local method=$1 path=$2 out
    shift 2
    out=$(curl -sS -m 30 -X "$method" -w '\n%{http_code}' "$@" "$base$path") || {
        status=000
        body=
        return 0
    }
    status=${out##*$'\n'}
    body=${out%$'\n'*}
}

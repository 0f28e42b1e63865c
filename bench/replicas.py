#!/usr/bin/env python3
"""bench/replicas.py -- several forecastd replicas on one PostgreSQL
database, in one run: prints figures, asserts nothing but that the set-up
worked.

Every part runs on a private cluster made by scripts/pg in a temporary
directory (a fresh database per part), with the real binary
(build/forecastd, or FORECASTD_BIN). The replicas, PostgreSQL, wrk and
nginx share this machine.

promote  Three replicas A, B, C; NFLX (bars since 2019) with two versions.
         --promotions times: POST /models/NFLX/{v}/promote through A,
         alternating v between 1 and 2, then B and C are asked GET
         /predict?ticker=NFLX on keep-alive connections, each in its own
         thread, until both answer model_version v. The time counted runs
         from A's 200 to the later of the two; median and max.
retrain  --tickers synthetic daily series of --bars bars each (a random
         walk whose volatility follows GARCH(1,1): omega 2e-6, alpha 0.08,
         beta 0.90; seeded, so the same series every run), ingested once;
         then for 1, 2 and 3 replicas (train_threads 1 each, blas_threads
         1: one job at a time per replica) one POST /train without a ticker
         retrains them all (LSTM(8), window 20, --epochs epochs, patience
         0, batch 32, seed 1) and the wall time from that POST to the last
         job's end is printed, with the jobs each replica ran.
nginx    GET /predict?ticker=NFLX with wrk (2 threads, 64 keep-alive
         connections, --seconds per run, median of 3 runs by requests/s)
         straight to replica A, then through nginx (a config written here:
         one worker, an upstream of the three replicas with keep-alive,
         proxy_next_upstream for errors, timeouts, 502 and 503). The
         answers come from each replica's prediction cache. Skipped, with
         a line saying so, when nginx or wrk is missing.

    python3 bench/replicas.py [promote] [retrain] [nginx]   (default: all)
        [--promotions 100] [--tickers 96] [--bars 1500] [--epochs 5]
        [--seconds 8]
"""

import argparse
import http.client
import json
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PG = os.path.join(ROOT, "scripts", "pg")
sys.path.insert(0, os.path.join(ROOT, "tests", "api"))
# The databases are made here, not on a cluster FC_PG_URI names.
os.environ.pop("FC_BACKEND", None)
os.environ.setdefault("FORECASTD_BIN", os.path.join(ROOT, "build", "forecastd"))
import fcserver  # noqa: E402

SMALL = {"epochs": 3, "layers": [8], "window": 10, "seed": 1}


class PrivatePg:
    """A scripts/pg cluster in a temporary directory; db(name) creates a
    database on it and returns its URI."""

    def __enter__(self):
        self.tmp = tempfile.mkdtemp(prefix="fc_bench_rep_")
        os.chmod(self.tmp, 0o755)  # the postgres user enters it
        self.dir = os.path.join(self.tmp, "pg")
        self.uri = subprocess.run([PG, "start", self.dir], check=True,
                                  capture_output=True, text=True).stdout.strip()
        return self

    def db(self, name):
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", self.uri,
                        "-c", "CREATE DATABASE %s" % name], check=True,
                       stdout=subprocess.DEVNULL)
        return self.uri.rsplit("/", 1)[0] + "/" + name

    def __exit__(self, *exc):
        subprocess.run([PG, "stop", self.dir], check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)


def start_replicas(names, db, config):
    out = []
    for name in names:
        s = fcserver.Server(config=dict(config, replica_id=name))
        s.db = db
        s.check_contract = False
        out.append(s.start())
    return out


def stop_replicas(servers):
    for s in reversed(servers):
        s.cleanup()


def wait_jobs(srv, ids, timeout=3600):
    """Waits for every job of ids to end; returns the jobs."""
    out = []
    deadline = time.time() + timeout
    for jid in ids:
        while True:
            j = srv.get("/jobs/%d" % jid).json()
            if j["state"] in ("succeeded", "failed", "cancelled"):
                break
            if time.time() > deadline:
                raise RuntimeError("job %d still %s" % (jid, j["state"]))
            time.sleep(0.1)
        out.append(j)
    return out


def train(srv, body):
    r = srv.post_json("/train", body)
    assert r.status == 202, r
    j = r.json()
    return [x["id"] for x in j["jobs"]] if "jobs" in j else [j["id"]]


def nflx_since_2019():
    lines = fcserver.read_data("NFLX.csv").decode().splitlines()
    keep = [lines[0]] + [x for x in lines[1:] if x.split(",", 1)[0] >= "2019-01-01"]
    return "\n".join(keep) + "\n"


# -- promote ----------------------------------------------------------------

def watch(port, version, t_from, out, key):
    """Asks /predict on port until it answers version; out[key] = seconds
    since t_from."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while True:
        conn.request("GET", "/predict?ticker=NFLX")
        r = conn.getresponse()
        body = r.read()
        if r.status == 200 and json.loads(body)["model_version"] == version:
            break
    out[key] = time.perf_counter() - t_from
    conn.close()


def bench_promote(pgc, n):
    db = pgc.db("fc_promote")
    cfg = {"train_on_first_ingest": False, "http_threads": 2}
    servers = start_replicas(["A", "B", "C"], db, cfg)
    try:
        a, b, c = servers
        assert a.post_csv("/series/NFLX/bars", nflx_since_2019()).status == 200
        for seed in (1, 2):
            assert [j["state"] for j in wait_jobs(a, train(a, dict(SMALL, ticker="NFLX", seed=seed)))] == ["succeeded"]
        conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=30)
        lat, post = [], []
        for i in range(n):
            v = 1 + i % 2
            out = {}
            t_send = time.perf_counter()
            conn.request("POST", "/models/NFLX/%d/promote" % v)
            r = conn.getresponse()
            r.read()
            assert r.status == 200, r.status
            t0 = time.perf_counter()
            ts = [threading.Thread(target=watch, args=(s.port, v, t0, out, k))
                  for k, s in (("B", b), ("C", c))]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            lat.append(max(out.values()))
            post.append(t0 - t_send)
        conn.close()
        lat.sort()
        print("promote: %d promotions through A, 3 replicas: seen by B and C"
              " %.1f ms median, %.1f ms p90, %.1f ms max after A's 200"
              " (the POST itself: %.1f ms median)"
              % (n, 1000 * statistics.median(lat), 1000 * lat[int(0.9 * (n - 1))],
                 1000 * lat[-1], 1000 * statistics.median(post)), flush=True)
    finally:
        stop_replicas(servers)


# -- retrain ----------------------------------------------------------------

def garch_csv(n, seed):
    """n daily bars of a random walk with GARCH(1,1) volatility."""
    import datetime
    rng = random.Random(seed)
    omega, alpha, beta = 2e-6, 0.08, 0.90
    var = omega / (1 - alpha - beta)
    r_prev = 0.0
    price = 20.0 + 180.0 * rng.random()
    day = datetime.date(2000, 1, 3)
    out = ["Date,Open,High,Low,Close,Adj Close,Volume"]
    for _ in range(n):
        var = omega + alpha * r_prev * r_prev + beta * var
        r = math.sqrt(var) * rng.gauss(0.0, 1.0)
        o = price
        c = price * math.exp(r)
        span = abs(rng.gauss(0.0, math.sqrt(var)))
        hi = max(o, c) * (1 + span)
        lo = min(o, c) * (1 - span)
        vol = int(1e6 * math.exp(rng.gauss(0.0, 0.3)) * (1 + 20 * abs(r)))
        out.append("%s,%.4f,%.4f,%.4f,%.4f,%.4f,%d"
                   % (day.isoformat(), o, hi, lo, c, c, vol))
        price, r_prev = c, r
        day += datetime.timedelta(days=1 if day.weekday() < 4 else 3)
    return "\n".join(out) + "\n"


def bench_retrain(pgc, n_tickers, n_bars, epochs):
    db = pgc.db("fc_retrain")
    cfg = {"train_on_first_ingest": False, "retrain_after_new_bars": 0,
           "train_threads": 1, "blas_threads": 1}
    body = {"epochs": epochs, "layers": [8], "window": 20, "patience": 0,
            "batch_size": 32, "seed": 1}
    tickers = ["S%03d" % i for i in range(n_tickers)]
    (a,) = start_replicas(["A"], db, cfg)
    t0 = time.time()
    for i, t in enumerate(tickers):
        r = a.post_csv("/series/%s/bars" % t, garch_csv(n_bars, i + 1))
        assert r.status == 200, r
    print("retrain: %d series of %d bars ingested in %.1f s; LSTM(8), window 20,"
          " %d epochs, patience 0, train_threads 1 per replica"
          % (n_tickers, n_bars, time.time() - t0, epochs), flush=True)
    stop_replicas([a])
    rows = []
    for n in (1, 2, 3):
        servers = start_replicas(["A", "B", "C"][:n], db, cfg)
        try:
            t0 = time.time()
            ids = train(servers[0], body)
            assert len(ids) == n_tickers, ids
            jobs = wait_jobs(servers[0], ids)
            wall = time.time() - t0
        finally:
            stop_replicas(servers)
        states = sorted(set(j["state"] for j in jobs))
        per = {}
        for j in jobs:
            per[j.get("worker")] = per.get(j.get("worker"), 0) + 1
        rows.append(wall)
        print("retrain: %d replica%s: %6.1f s wall (%.2fx the one-replica time),"
              " jobs %s, by worker %s"
              % (n, "" if n == 1 else "s", wall, wall / rows[0], "/".join(states),
                 " ".join("%s %d" % kv for kv in sorted(per.items()))), flush=True)


# -- nginx ------------------------------------------------------------------

NGINX_CONF = """worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    upstream forecastd {{
{servers}
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://forecastd;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_next_upstream error timeout http_502 http_503;
        }}
    }}
}}
"""


def wrk(url, seconds):
    """(requests/s, p50 ms, p99 ms, non-2xx) of one wrk run."""
    t = subprocess.run(["wrk", "-t2", "-c64", "-d%ds" % seconds, "--latency", url],
                       check=True, capture_output=True, text=True).stdout

    def ms(s):
        m = re.match(r"([\d.]+)(us|ms|s|m)", s)
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    return (float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1)),
            ms(re.search(r"^\s+50%\s+(\S+)", t, re.M).group(1)),
            ms(re.search(r"^\s+99%\s+(\S+)", t, re.M).group(1)),
            int(m.group(1)) if m else 0)


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def bench_nginx(pgc, seconds):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if nginx is None or shutil.which("wrk") is None:
        print("nginx: skipped (%s is not installed)" % ("nginx" if nginx is None else "wrk"))
        return
    db = pgc.db("fc_nginx")
    servers = start_replicas(["A", "B", "C"], db, {"train_on_first_ingest": False,
                                                   "http_threads": 2})
    ndir = tempfile.mkdtemp(prefix="fc_bench_nginx_")
    proc = None
    try:
        a = servers[0]
        assert a.post_csv("/series/NFLX/bars", nflx_since_2019()).status == 200
        assert [j["state"] for j in wait_jobs(a, train(a, dict(SMALL, ticker="NFLX")))] == ["succeeded"]
        for s in servers:  # every replica's cache holds the answer
            deadline = time.time() + 5
            while s.get("/predict?ticker=NFLX").status != 200:
                assert time.time() < deadline
                time.sleep(0.05)
        os.makedirs(os.path.join(ndir, "tmp"))
        os.chmod(ndir, 0o755)
        os.chmod(os.path.join(ndir, "tmp"), 0o777)
        port = free_port()
        with open(os.path.join(ndir, "nginx.conf"), "w") as f:
            f.write(NGINX_CONF.format(dir=ndir, port=port, servers="\n".join(
                "        server 127.0.0.1:%d;" % s.port for s in servers)))
        proc = subprocess.Popen([nginx, "-c", os.path.join(ndir, "nginx.conf"),
                                 "-p", ndir, "-g", "daemon off;"],
                                stderr=subprocess.DEVNULL)
        path = "/predict?ticker=NFLX"
        deadline = time.time() + 10
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", path)
                if c.getresponse().status == 200:
                    break
            except OSError:
                pass
            assert time.time() < deadline, "nginx did not answer"
            time.sleep(0.1)
        print("nginx: GET %s, wrk -t2 -c64 %d s, median of 3 runs by req/s" % (path, seconds))
        print("%-28s %10s %8s %8s %8s" % ("", "req/s", "p50 ms", "p99 ms", "non-2xx"))
        for label, base in (("replica A alone, no nginx", a.port),
                            ("nginx over A, B, C", port)):
            runs = sorted(wrk("http://127.0.0.1:%d%s" % (base, path), seconds) for _ in range(3))
            rps, p50, p99, bad = runs[1]
            print("%-28s %10.0f %8.2f %8.2f %8d" % (label, rps, p50, p99, bad), flush=True)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(30)
        shutil.rmtree(ndir, ignore_errors=True)
        stop_replicas(servers)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("parts", nargs="*", help="promote, retrain, nginx (default: all)")
    ap.add_argument("--promotions", type=int, default=100)
    ap.add_argument("--tickers", type=int, default=96)
    ap.add_argument("--bars", type=int, default=1500)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=8)
    args = ap.parse_args()
    parts = args.parts or ["promote", "retrain", "nginx"]
    for p in parts:
        if p not in ("promote", "retrain", "nginx"):
            ap.error("unknown part %r" % p)
    with PrivatePg() as pgc:
        if "promote" in parts:
            bench_promote(pgc, args.promotions)
        if "retrain" in parts:
            bench_retrain(pgc, args.tickers, args.bars, args.epochs)
        if "nginx" in parts:
            bench_nginx(pgc, args.seconds)


if __name__ == "__main__":
    main()

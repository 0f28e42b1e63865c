#!/usr/bin/env python3
"""bench/predict_many.py -- forecasts for 100 tickers: one
GET /predict?ticker=A,B,... against 100 GET /predict?ticker=A on one
keep-alive connection, in one run of the real server.

Starts `forecastd serve` on 127.0.0.1 with a fresh database (tests/api/
fcserver.py), ingests 100 generated series (300 bars each), trains a small
model for every one (one POST /train without a ticker), then times both
ways of asking for all 100 forecasts, alternating, --runs times each, and
prints the medians:

- warm: the replies are in the prediction cache (the steady state of a
  dashboard refreshing);
- cold: one new bar on a series outside the 100 before each run makes
  every cached reply unreachable, so each forecast is computed again.

Time is measured on the client (Python's http.client, whose own cost per
request is part of what 100 requests pay), from the first byte sent to the
last byte read. Every reply is checked (200, 100 forecasts) before it
counts. Python 3 standard library only.

    python3 bench/predict_many.py [--bin build/forecastd] [--runs 9]
"""

import argparse
import http.client
import json
import statistics
import sys
import time

import benchserver  # also puts tests/api on sys.path

N_TICKERS = 100


def get(conn, path):
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    if r.status != 200:
        raise SystemExit("GET %s: %d %s" % (path, r.status, body[:300]))
    return body


def one_request(conn, tickers):
    t0 = time.perf_counter()
    body = get(conn, "/predict?ticker=" + ",".join(tickers))
    dt = time.perf_counter() - t0
    doc = json.loads(body)
    assert len(doc["forecasts"]) == len(tickers) and not doc["errors"], doc["errors"][:3]
    return dt


def many_requests(conn, tickers):
    bodies = []
    t0 = time.perf_counter()
    for t in tickers:
        bodies.append(get(conn, "/predict?ticker=" + t))
    dt = time.perf_counter() - t0
    assert [json.loads(b)["ticker"] for b in bodies] == tickers
    return dt


def main():
    ap = argparse.ArgumentParser()
    benchserver.add_bin(ap)
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    fcserver = benchserver.fcserver(args)

    tickers = ["PM%03d" % i for i in range(N_TICKERS)]
    with benchserver.server(fcserver) as srv:
        for i, t in enumerate(tickers):
            r = srv.post_csv("/series/%s/bars" % t,
                             fcserver.generated_csv(300, seed=i + 1).decode())
            assert r.status == 200, r
        t0 = time.time()
        r = srv.post_json("/train", {"epochs": 1, "layers": [8], "window": 10})
        assert r.status == 202, r
        ids = [j["id"] for j in r.json()["jobs"]]
        assert len(ids) == N_TICKERS, r.json()
        for job in ids:
            while True:
                j = srv.get("/jobs/%d" % job).json()
                if j["state"] in ("succeeded", "failed", "cancelled"):
                    break
                time.sleep(0.05)
            assert j["state"] == "succeeded", j
        print("set-up: %d series of 300 bars, %d models trained in %.1f s"
              % (N_TICKERS, N_TICKERS, time.time() - t0), file=sys.stderr)

        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
        bump_day = 0
        out = {}
        for mode in ("warm", "cold"):
            one, many = [], []
            one_request(conn, tickers)  # fill the cache, warm the connection
            for _ in range(args.runs):
                for way, times in (("one", one), ("many", many)):
                    if mode == "cold":
                        bump_day += 1
                        r = srv.post_csv("/series/PMBUMP/bars",
                                         fcserver.generated_csv(1, start_day=bump_day).decode())
                        assert r.status == 200, r
                    times.append((one_request if way == "one" else many_requests)(conn, tickers))
            out[mode] = {"one_request_ms": round(statistics.median(one) * 1e3, 2),
                         "hundred_requests_ms": round(statistics.median(many) * 1e3, 2)}
            out[mode]["ratio"] = round(out[mode]["hundred_requests_ms"] /
                                       out[mode]["one_request_ms"], 1)
            print("%s cache: 100 tickers in one request %.2f ms, in 100 requests "
                  "(keep-alive) %.2f ms (median of %d; %.1fx)"
                  % (mode, out[mode]["one_request_ms"], out[mode]["hundred_requests_ms"],
                     args.runs, out[mode]["ratio"]))
        conn.close()
        print(json.dumps(out))


if __name__ == "__main__":
    main()

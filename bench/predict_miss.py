#!/usr/bin/env python3
"""bench/predict_miss.py -- the latency of GET /predict?ticker=NFLX&horizon=30
when the prediction cache cannot answer, next to when it can, in one run of
the real server.

Starts `forecastd serve` on 127.0.0.1 with a fresh SQLite database (tests/api/
fcserver.py), ingests data/NFLX.csv and trains the default preset (the
distributional model: a 30-step answer runs 256 seeded sample paths through
the recursion). Then, on one keep-alive connection:

- first: the first /predict after the training (the adapted state of the
  intervals is built from the days after the model's calibration);
- miss: --runs requests, each with another `level` (0.5000, 0.5001, ...), so
  each is a new cache key and computed whole (bars read, adapted state,
  forecast with sample paths, JSON), while the work does not depend on the
  level;
- hit: the same URL --runs times (the cached reply: what HTTP and the
  client cost alone).

Prints the median, p90 and max of each, in milliseconds, measured on the
client from the first byte sent to the last byte read. Every reply is
checked (200, 30 predictions) before it counts. Python 3 standard library.

    python3 bench/predict_miss.py [--bin build/forecastd] [--runs 200]
"""

import argparse
import http.client
import json
import statistics
import time

import benchserver  # also puts tests/api on sys.path


def timed(conn, path):
    t0 = time.perf_counter()
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    dt = (time.perf_counter() - t0) * 1e3
    if r.status != 200:
        raise SystemExit("GET %s: %d %s" % (path, r.status, body[:300]))
    doc = json.loads(body)
    assert len(doc["predictions"]) == 30, doc
    return dt


def summary(name, xs):
    xs = sorted(xs)
    p90 = xs[min(len(xs) - 1, int(0.9 * len(xs)))]
    print("%-6s %6d  median %7.2f ms  p90 %7.2f ms  max %7.2f ms"
          % (name, len(xs), statistics.median(xs), p90, xs[-1]))


def main():
    ap = argparse.ArgumentParser()
    benchserver.add_bin(ap)
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    fcserver = benchserver.fcserver(args)
    from test_train import wait_done

    with benchserver.server(fcserver) as srv:
        r = srv.post_csv("/series/NFLX/bars", fcserver.read_data("NFLX.csv"))
        assert r.status == 200, r
        r = srv.post_json("/train", {"ticker": "NFLX"})
        assert r.status == 202, r
        job = wait_done(srv, r.json()["id"], timeout=600)
        assert job["state"] == "succeeded", job
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
        base = "/predict?ticker=NFLX&horizon=30"
        first = timed(conn, base)
        miss = [timed(conn, base + "&level=%.4f" % (0.5 + i * 1e-4))
                for i in range(args.runs)]
        hit = [timed(conn, base) for _ in range(args.runs)]
        conn.close()
    print("GET %s (default preset, NFLX, %d bars)" % (base, 5549))
    print("first  %6d  %7.2f ms (the adapted state built)" % (1, first))
    summary("miss", miss)
    summary("hit", hit)


if __name__ == "__main__":
    main()

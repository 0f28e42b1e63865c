#!/usr/bin/env python3
"""bench/ingest.py -- HTTP ingest speed of the real server (issue 3's target:
>= 400,000 rows/s for a generated 500,000-row CSV).

Starts `forecastd serve` on 127.0.0.1 with a fresh database (tests/api/
fcserver.py), then for data/NFLX.csv and a generated 500,000-row CSV posts
the file 3 times to fresh tickers (all rows new) and 3 times again to the
same ticker (all rows unchanged), and prints the median rows/s of each as
JSON. Time is measured on the client, from the first byte sent to the last
byte of the reply: parse, validation, the upsert and the fsync'ed commit
(synchronous=FULL) are all inside. Python 3 standard library only.

    python3 bench/ingest.py [--bin build/forecastd] [--rows 500000]
"""

import argparse
import http.client
import json
import statistics
import time

import benchserver  # also puts tests/api on sys.path


def post(port, path, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    t0 = time.perf_counter()
    conn.request("POST", path, body=body, headers={"Content-Type": "text/csv"})
    r = conn.getresponse()
    data = r.read()
    dt = time.perf_counter() - t0
    conn.close()
    if r.status != 200:
        raise SystemExit("POST %s: %d %s" % (path, r.status, data[:300]))
    return dt, json.loads(data)


def main():
    ap = argparse.ArgumentParser()
    benchserver.add_bin(ap)
    ap.add_argument("--rows", type=int, default=500000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    fcserver = benchserver.fcserver(args)

    files = [("NFLX.csv", fcserver.read_data("NFLX.csv")),
             ("generated_%d" % args.rows, fcserver.generated_csv(args.rows))]
    result = {"binary": fcserver.BIN, "runs": args.runs, "results": []}
    with fcserver.Server() as srv:
        for name, body in files:
            n = body.count(b"\n") - 1
            new, same = [], []
            for i in range(args.runs):
                dt, j = post(srv.port, "/series/BN%d/bars" % i, body)
                assert j["inserted"] == n, j
                new.append(n / dt)
            for i in range(args.runs):
                dt, j = post(srv.port, "/series/BN0/bars", body)
                assert j["unchanged"] == n, j
                same.append(n / dt)
            for i in range(args.runs):
                srv.request("DELETE", "/series/BN%d" % i)
            result["results"].append({
                "file": name, "rows": n, "bytes": len(body),
                "new_rows_per_s_median": round(statistics.median(new)),
                "new_rows_per_s_runs": [round(x) for x in new],
                "unchanged_rows_per_s_median": round(statistics.median(same)),
                "unchanged_rows_per_s_runs": [round(x) for x in same],
            })
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

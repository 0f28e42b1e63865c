"""test_load.py -- 60 s of mixed load on one server: wrk on GET /predict
(64 keep-alive connections), a client posting small CSV batches in a loop,
and a training job running all along. Zero errors: no non-2xx reply and no
socket error in wrk's report, every ingest answered 200. Memory stable: the
server's VmRSS (/proc/PID/status), sampled every second, grows less than 5 %
from the end of a 10 s warm-up to the end. Prints req/s, p50/p99 latency,
the ingest count, the training progress and the RSS figures.

Sanitizer builds (detected from the binary, fcbuild.py) run 15 s and skip
the RSS bound: their allocators keep freed memory in quarantine, so RSS
says nothing about leaks there (their own leak checks run at exit).
FC_LOAD_SECONDS overrides the duration. Needs wrk (scripts/lib.sh installs
it); without it the test is skipped, or fails under CI=true."""

import http.client
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcbuild  # noqa: E402
import fcserver  # noqa: E402

WARMUP_S = 10
MAX_GROWTH = 0.05
HEADER = "Date,Open,High,Low,Close,Adj Close,Volume\n"


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for %d" % pid)


def parse_wrk(text):
    """Requests, req/s, p50 and p99 in ms, non-2xx count, socket errors."""
    def ms(label):
        m = re.search(r"^\s*%s%%\s+([\d.]+)(us|ms|s)\s*$" % label, text, re.M)
        v, u = float(m.group(1)), m.group(2)
        return v / 1000 if u == "us" else v * 1000 if u == "s" else v
    out = {
        "requests": int(re.search(r"(\d+) requests in", text).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "non2xx": 0,
        "socket_errors": 0,
    }
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        out["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        out["socket_errors"] = sum(int(x) for x in m.groups())
    return out


def ingest_rows(first_day, n, seed):
    import datetime
    d0 = datetime.date(1900, 1, 1)
    rows = []
    for i in range(n):
        d = d0 + datetime.timedelta(days=first_day + i)
        c = 100.0 + ((first_day + i) * 7919 + seed) % 50
        rows.append("%s,%.2f,%.2f,%.2f,%.2f,%.2f,%d\n" % (d.isoformat(), c, c + 1, c - 1, c, c,
                                                          1000 + i))
    return HEADER + "".join(rows)


class LoadTest(unittest.TestCase):
    def test_predict_ingest_and_training_for_a_minute(self):
        wrk = shutil.which("wrk")
        if wrk is None:
            if os.environ.get("CI") == "true":
                self.fail("wrk is not installed (scripts/lib.sh installs it)")
            self.skipTest("wrk is not installed (apt-get install wrk)")
        san = fcbuild.sanitizer()
        seconds = int(os.environ.get("FC_LOAD_SECONDS", "15" if san else "60"))
        check_rss = san is None and seconds > WARMUP_S
        srv = fcserver.Server(config={"train_on_first_ingest": False,
                                      "retrain_after_new_bars": 0}).start()
        try:
            self.assertEqual(srv.post_csv("/series/NFLX/bars",
                                          fcserver.read_data("NFLX.csv")).status, 200)
            r = srv.post_json("/train", {"ticker": "NFLX", "epochs": 3, "layers": [8],
                                         "window": 10})
            self.assertEqual(r.status, 202, r)
            self.wait_job(srv, r.json()["id"], ("succeeded",))
            self.assertEqual(srv.get("/predict?ticker=NFLX").status, 200)
            # The training run: long enough for the whole test; cancelled at
            # the end. Sanitizer builds train 20-50x slower, and the trainer
            # runs niced under wrk: there a smaller net on the bars since 2019
            # still finishes epochs during the run (LSTM(32) on all of NFLX
            # did not finish one in 15 s under TSan).
            body = {"ticker": "NFLX", "epochs": 1000, "layers": [32], "window": 30,
                    "patience": 0, "seed": 7}
            if san:
                body.update(layers=[8], window=10, **{"from": "2019-01-01"})
            r = srv.post_json("/train", body)
            self.assertEqual(r.status, 202, r)
            job_id = r.json()["id"]
            self.wait_job(srv, job_id, ("running",))

            stop = threading.Event()
            pid = srv.proc.pid
            samples = []  # (seconds since start, KiB)
            statuses = {}
            t0 = time.time()

            def sample():
                while not stop.is_set():
                    samples.append((time.time() - t0, rss_kib(pid)))
                    stop.wait(1.0)

            def ingest():
                conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
                day = 0
                try:
                    while not stop.is_set():
                        conn.request("POST", "/series/LOAD/bars", body=ingest_rows(day, 5, day),
                                     headers={"Content-Type": "text/csv"})
                        resp = conn.getresponse()
                        resp.read()
                        statuses[resp.status] = statuses.get(resp.status, 0) + 1
                        day += 5
                except (OSError, http.client.HTTPException) as e:
                    statuses[repr(e)] = statuses.get(repr(e), 0) + 1
                finally:
                    conn.close()

            threads = [threading.Thread(target=sample), threading.Thread(target=ingest)]
            for t in threads:
                t.start()
            epoch0 = srv.get("/jobs/%d" % job_id).json()["progress"]["epoch"]
            # A reply slower than this counts as an error (a socket timeout);
            # sanitizer builds answer 10-20 times slower.
            wrk_timeout = "30s" if san else "5s"
            p = subprocess.run([wrk, "-t1", "-c64", "-d%ds" % seconds, "--timeout", wrk_timeout,
                                "--latency", "http://127.0.0.1:%d/predict?ticker=NFLX" % srv.port],
                               capture_output=True, text=True, timeout=seconds + 120)
            job = srv.get("/jobs/%d" % job_id).json()
            stop.set()
            for t in threads:
                t.join(60)
            self.assertEqual(p.returncode, 0, p.stderr)
            w = parse_wrk(p.stdout)
            # The training ran throughout: it moved and is still running.
            epoch1 = job["progress"]["epoch"]
            r = srv.request("DELETE", "/jobs/%d" % job_id)
            self.assertEqual(r.status, 200, r)

            warm = [kib for s, kib in samples if s >= WARMUP_S]
            rss_warm = warm[0] if warm else None
            rss_end = samples[-1][1]
            growth = (rss_end - rss_warm) / rss_warm if rss_warm else float("nan")
            n_ingest = sum(v for k, v in statuses.items() if k == 200)
            print("load %d s (%s build): wrk -t1 -c64 /predict: %d requests, %.0f req/s, "
                  "p50 %.2f ms, p99 %.2f ms, non-2xx %d, socket errors %d; ingest: %d batches "
                  "of 5 bars (%.0f/s), statuses %s; training job %d: %s, epochs %d -> %d "
                  "during the run; RSS KiB: start %d, after %d s warm-up %s, end %d, max %d, "
                  "growth %s"
                  % (seconds, san or "release", w["requests"], w["rps"], w["p50_ms"],
                     w["p99_ms"], w["non2xx"], w["socket_errors"], n_ingest,
                     n_ingest / seconds, statuses, job_id, job["state"], epoch0, epoch1,
                     samples[0][1], WARMUP_S, rss_warm, rss_end, max(k for _, k in samples),
                     "%.2f %%" % (100 * growth) if rss_warm else "n/a"), file=sys.stderr)
            print("RSS samples (s, KiB): %s" % [(round(s), k) for s, k in samples],
                  file=sys.stderr)
            self.assertGreater(w["requests"], 0)
            self.assertEqual(w["non2xx"], 0, p.stdout)
            self.assertEqual(w["socket_errors"], 0, p.stdout)
            self.assertEqual(set(statuses), {200}, statuses)
            self.assertGreater(n_ingest, 0)
            self.assertEqual(job["state"], "running", job)
            self.assertGreater(epoch1, epoch0, job)
            if check_rss:
                self.assertLess(growth, MAX_GROWTH,
                                "RSS grew %.1f %% after the warm-up" % (100 * growth))
            # The server is fine afterwards and stops cleanly (cleanup).
            self.assertEqual(srv.get("/predict?ticker=NFLX").status, 200)
        finally:
            srv.cleanup()

    def wait_job(self, srv, job_id, states, timeout=600):
        deadline = time.time() + timeout
        while time.time() < deadline:
            j = srv.get("/jobs/%d" % job_id).json()
            if j["state"] in states:
                return j
            self.assertNotIn(j["state"], ("failed", "cancelled"), j)
            time.sleep(0.05)
        self.fail("job %d never reached %s" % (job_id, states))


if __name__ == "__main__":
    fcserver.run_tests()

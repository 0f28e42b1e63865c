"""test_pg_restart.py -- PostgreSQL stops under load and comes back: no
restart of forecastd, nothing half-written.

A private cluster (scripts/pg start, in a temporary directory, so the
shared one of FC_PG_URI is not disturbed) serves one forecastd. A client
posts batches of new days in a loop, each batch marked by its volumes
(batch id * 100000 + row), and a training job runs, while the cluster is
stopped as a crash would stop it (pg_ctl -m immediate) and started again
a couple of seconds later. Then:

- every acknowledged batch (200) is there in full, bar for bar;
- every refused batch is a 503 problem+json with Retry-After, and absent;
- the batch whose connection broke (if any) is all or nothing;
- /readyz says 503 while the cluster is down (and /healthz 200), and 200
  again within seconds of its start, by itself;
- series.n_bars matches the bars;
- the training job ends succeeded or failed, never stuck running, and the
  service trains and serves again afterwards.

PostgreSQL only (FC_BACKEND=pg): exit 77 otherwise."""

import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcpg  # noqa: E402
import fcserver  # noqa: E402
from test_kill_trials import Batch, MARK  # noqa: E402
from test_train import wait_job  # noqa: E402

if fcserver.BACKEND != "pg":
    print("SKIP: PostgreSQL only (FC_BACKEND=pg)", file=sys.stderr)
    sys.exit(77)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PG = os.path.join(ROOT, "scripts", "pg")
DOWN_S = 2.0       # how long the cluster stays down
READY_AGAIN_S = 10  # ready again within this long after its start
CONFIG = {"train_on_first_ingest": False, "retrain_after_new_bars": 0,
          "http_threads": 2}


def pg(cmd, d, env=None):
    """scripts/pg CMD DIR with env added to the environment; returns its
    output."""
    return subprocess.run([PG, cmd, d], check=True, capture_output=True,
                          text=True, env=dict(os.environ, **(env or {}))).stdout.strip()


def finished(j):
    return j["state"] in ("succeeded", "failed", "cancelled")


class PrivateCluster(unittest.TestCase):
    """A private cluster in a temporary directory (self.cluster; its
    superuser URI self.admin) with the database fc_private (self.uri), and
    a forecastd on it, not started yet (self.srv)."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fc_pgp_")
        os.chmod(self.dir, 0o755)  # the postgres user enters it
        self.cluster = os.path.join(self.dir, "pg")
        self.admin = pg("start", self.cluster)
        fcpg.rows(self.admin, "CREATE DATABASE fc_private")
        self.uri = self.admin.rsplit("/", 1)[0] + "/fc_private"
        self.srv = fcserver.Server(config=CONFIG)
        if self.srv.pg_name is not None:  # not the shared cluster's
            fcserver.pg_admin("DROP DATABASE IF EXISTS %s" % self.srv.pg_name)
            self.srv.pg_name = None
        self.srv.db = self.uri

    def tearDown(self):
        try:
            self.srv.cleanup()
        finally:
            subprocess.run([PG, "stop", self.cluster], check=False)
            shutil.rmtree(self.dir, ignore_errors=True)

    def readyz(self):
        """/readyz's status."""
        return self.srv.raw_request("GET", "/readyz").status


class PgRestart(PrivateCluster):
    def setUp(self):
        super().setUp()
        self.srv.start()

    def test_restart_under_load(self):
        srv = self.srv
        data = fcserver.read_data("NFLX.csv")
        self.assertEqual(srv.post_csv("/series/NFLX/bars", data).status, 200)
        r = srv.post_json("/train", {"ticker": "NFLX", "epochs": 40, "patience": 0,
                                     "layers": [16], "window": 20, "seed": 3})
        self.assertEqual(r.status, 202, r)
        jid = r.json()["id"]
        wait_job(srv, jid, lambda j: j["state"] != "queued", what="start")

        rng = random.Random(7)
        batches, lock, stop = [], threading.Lock(), threading.Event()
        problems = []

        def client():
            day, bid = 0, 1
            conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
            while not stop.is_set():
                n = rng.choice([1, 20, 200, 2000])
                b = Batch(bid, "LOOP", day, n, rng, bad=False)
                bid += 1
                with lock:
                    batches.append(b)
                b.sent = True
                try:
                    conn.request("POST", "/series/LOOP/bars", body=b.body,
                                 headers={"Content-Type": "text/csv"})
                    resp = conn.getresponse()
                    body = resp.read()
                except (OSError, http.client.HTTPException) as e:
                    problems.append("batch %d: connection broke: %r" % (b.id, e))
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
                    continue
                if resp.status == 200:
                    b.outcome = "acked"
                    day += n
                elif resp.status == 503:
                    b.outcome = "refused"
                    ctype = resp.getheader("Content-Type", "")
                    if not ctype.startswith("application/problem+json"):
                        problems.append("batch %d: 503 as %s" % (b.id, ctype))
                    if not resp.getheader("Retry-After"):
                        problems.append("batch %d: 503 without Retry-After" % b.id)
                    if json.loads(body)["status"] != 503:
                        problems.append("batch %d: problem %r" % (b.id, body))
                    # Refused: the same days are offered again by the next batch.
                else:
                    b.outcome = "status %d" % resp.status
                    problems.append("batch %d: status %d: %r" % (b.id, resp.status, body[:200]))
                time.sleep(0.01)
            conn.close()

        t = threading.Thread(target=client)
        t.start()
        time.sleep(1.0)
        pg("crash", self.cluster)
        down_at = time.time()
        seen = []
        while time.time() - down_at < DOWN_S:
            seen.append(self.readyz())
            self.assertEqual(srv.raw_request("GET", "/healthz").status, 200)
            time.sleep(0.1)
        # The first look may still be the old connection's last answer.
        self.assertTrue(seen and all(s == 503 for s in seen[1:]), seen)
        pg("resume", self.cluster)
        up_at = time.time()
        while self.readyz() != 200:
            self.assertLess(time.time() - up_at, READY_AGAIN_S, "not ready again")
            time.sleep(0.05)
        ready_s = time.time() - up_at
        time.sleep(1.0)  # batches acknowledged after the restart too
        stop.set()
        t.join(60)

        self.assertEqual(problems, [])
        acked = [b for b in batches if b.outcome == "acked"]
        refused = [b for b in batches if b.outcome == "refused"]
        self.assertTrue(refused, "no batch was refused while PostgreSQL was down")
        after = [b for b in acked if b.id > refused[-1].id]
        self.assertTrue(after, "no batch acknowledged after the restart")
        got = {}
        for bid, day, o, h, l, c, a, v in [tuple(x) for x in fcpg.rows(
                self.uri, "SELECT b.volume / %d, b.day, b.open, b.high, b.low, b.close,"
                " b.adj_close, b.volume FROM bars b JOIN series s ON s.id = b.series_id"
                " WHERE s.ticker = 'LOOP' ORDER BY b.day" % MARK)]:
            got.setdefault(bid, []).append((day, float(o), float(h), float(l), float(c),
                                            float(a), v))
        for b in acked:
            self.assertEqual(got.get(b.id), b.rows, "acknowledged batch %d" % b.id)
        for b in refused:
            self.assertNotIn(b.id, got, "refused batch %d was written" % b.id)
        self.assertLessEqual(set(got), {b.id for b in acked})
        drift = fcpg.rows(self.uri, "SELECT ticker FROM series s WHERE n_bars <>"
                          " (SELECT count(*) FROM bars b WHERE b.series_id = s.id)")
        self.assertEqual(drift, [])

        job = wait_job(srv, jid, finished, timeout=120)
        self.assertIn(job["state"], ("succeeded", "failed"), job)
        # The service trains and serves again.
        r = srv.post_json("/train", {"ticker": "NFLX", "epochs": 2, "layers": [8],
                                     "window": 10, "seed": 4})
        self.assertEqual(r.status, 202, r)
        j2 = wait_job(srv, r.json()["id"], finished, timeout=120)
        self.assertEqual(j2["state"], "succeeded", j2)
        self.assertEqual(srv.get("/predict?ticker=NFLX").status, 200)
        print("pg restart: %d batches: %d acknowledged (%d after the restart), %d refused"
              " with 503; ready %.2f s after the start; training job %s"
              % (len(batches), len(acked), len(after), len(refused), ready_s,
                 job["state"]), file=sys.stderr)


if __name__ == "__main__":
    unittest.main()

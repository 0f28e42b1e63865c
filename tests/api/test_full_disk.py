"""A full disk: the database lives on an 8 MB tmpfs that ingests fill up.
The write that does not fit is refused whole (507, problem+json), nothing
acknowledged is lost, the server keeps serving reads, takes writes again as
soon as space is freed, and after a kill -9 the database is intact with
every acknowledged batch in it. A training job whose model cannot be
stored fails (recorded once the disk takes writes again) and publishes
nothing.

Needs root to mount the tmpfs (CI and scripts/test run as root); elsewhere
the test is skipped and says why."""
import os
import sqlite3
import subprocess
import tempfile
import time
import unittest

import fcserver
from test_train import NO_AUTO, problem

ROWS = 2000  # bars per batch


def batch(i):
    return fcserver.generated_csv(ROWS, start_day=0, seed=i + 1)


class FullDiskTest(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("mounting a tmpfs needs root")
        self.mnt = tempfile.mkdtemp(prefix="fc_full_")
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", self.mnt],
                           capture_output=True)
        if p.returncode != 0:
            os.rmdir(self.mnt)
            self.skipTest("cannot mount a tmpfs here: %s" % p.stderr.decode().strip())

    def start_server(self):
        """A server (automatic training off) with its database on the tmpfs."""
        srv = fcserver.Server(config=NO_AUTO)
        srv.db = os.path.join(self.mnt, "forecastd.db")
        srv.start()
        return srv

    def tearDown(self):
        subprocess.run(["umount", "-l", self.mnt])
        os.rmdir(self.mnt)

    def test_full_disk_refuses_whole_writes_and_loses_nothing(self):
        ballast = os.path.join(self.mnt, "ballast")
        with open(ballast, "wb") as f:
            f.write(b"\0" * (2 << 20))  # 2 MB to free later
        srv = self.start_server()
        try:
            acked = []
            refused = None
            for i in range(200):
                r = srv.post_csv("/series/S%d/bars" % i, batch(i))
                if r.status == 200:
                    self.assertEqual(r.json()["inserted"], ROWS)
                    acked.append(i)
                    continue
                refused = i
                j = problem(self, r, 507)
                self.assertEqual(j["title"], "Insufficient Storage")
                self.assertIn("full", j["detail"])
                break
            self.assertIsNotNone(refused, "8 MB never filled up")
            self.assertGreater(len(acked), 3)
            print("disk full after %d batches of %d bars" % (len(acked), ROWS))

            def check_series():
                s = srv.get("/series").json()["series"]
                self.assertEqual(sorted(x["ticker"] for x in s),
                                 sorted("S%d" % i for i in acked))
                self.assertTrue(all(x["bars"] == ROWS for x in s))
                problem(self, srv.get("/series/S%d/bars" % refused), 404)
                for i in (acked[0], acked[-1]):
                    got = srv.get("/series/S%d/bars?format=csv" % i).body.decode().splitlines()
                    sent = batch(i).decode().splitlines()
                    self.assertEqual(len(got), len(sent))
                    for g, w in zip(got[1:], sent[1:]):
                        g, w = g.split(","), w.split(",")
                        self.assertEqual(g[0], w[0])
                        self.assertEqual([float(x) for x in g[1:5]], [float(x) for x in w[1:5]])

            # Still serving: probes and reads; the same write refused again.
            self.assertEqual(srv.get("/healthz").status, 200)
            self.assertEqual(srv.get("/readyz").status, 200)
            check_series()
            r = srv.post_csv("/series/S%d/bars" % refused, batch(refused))
            problem(self, r, 507)
            metrics = srv.metrics()
            self.assertIn('route="/series/{ticker}/bars",status="507"', metrics)

            # Space freed: the refused batch goes in without a restart.
            os.unlink(ballast)
            r = srv.post_csv("/series/S%d/bars" % refused, batch(refused))
            self.assertEqual(r.status, 200, r)
            acked.append(refused)
            refused = len(acked) + 1000  # a series that never existed
            check_series()

            # kill -9: every acknowledged batch is there, the file is sound.
            srv.kill()
            con = sqlite3.connect(srv.db)
            self.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            n = con.execute("SELECT count(*) FROM bars").fetchone()[0]
            con.close()
            self.assertEqual(n, ROWS * len(acked))
            srv.start()
            check_series()
            self.assertEqual(srv.stop(), 0)
        finally:
            srv.cleanup()

    def test_job_refused_on_a_full_disk(self):
        """POST /train on a disk full to the last byte: the job's insert
        cannot commit, the request gets 507 and no job is left behind; once
        space is freed the same request is taken. The server then exits
        cleanly (under ASan: nothing the refused write read is leaked)."""
        srv = self.start_server()
        try:
            self.assertEqual(srv.post_csv("/series/S0/bars", batch(0)).status, 200)
            ballast = os.path.join(self.mnt, "ballast")
            with open(ballast, "wb", buffering=0) as f:
                try:
                    while True:
                        f.write(b"\0" * 4096)
                except OSError:
                    pass
            body = {"ticker": "S0", "layers": [8], "window": 10, "epochs": 2}
            for taken in range(20):  # pages the WAL still holds may take a few
                r = srv.post_json("/train", body)
                if r.status == 507:
                    print("a job insert refused after %d taken" % taken)
                    break
                self.assertEqual(r.status, 202, r)
                srv.request("DELETE", "/jobs/%d" % r.json()["id"])
            else:
                self.fail("no job insert ever met the full disk")
            self.assertIn("full", r.json()["detail"])
            before = srv.get("/jobs").json()["jobs"]
            self.assertTrue(all(j["state"] == "cancelled" for j in before), before)
            os.unlink(ballast)
            r = srv.post_json("/train", body)
            self.assertEqual(r.status, 202, r)
            self.assertEqual(len(srv.get("/jobs").json()["jobs"]), len(before) + 1)
            code = srv.stop()
            self.assertEqual(code, 0, "\n".join(srv.log[-30:]))
        finally:
            srv.cleanup()

    def test_training_that_cannot_store_its_model(self):
        """A job whose model does not fit on the disk fails, says why once
        the disk takes the write again, and never becomes a champion."""
        srv = self.start_server()
        try:
            self.assertEqual(srv.post_csv("/series/S0/bars", batch(0)).status, 200)
            ballast = os.path.join(self.mnt, "ballast")
            with open(ballast, "wb") as f:
                f.write(b"\0" * (3 << 20))
            # LSTM(256): a model blob of about 1 MB, trained for a few
            # seconds, while the disk fills up under it.
            r = srv.post_json("/train", {"ticker": "S0", "layers": [256], "window": 10,
                                         "epochs": 4, "patience": 0})
            self.assertEqual(r.status, 202, r)
            job = r.json()["id"]
            for i in range(1, 200):
                r = srv.post_csv("/series/F%d/bars" % i, batch(i))
                if r.status != 200:
                    problem(self, r, 507)
                    break
            else:
                self.fail("the disk never filled up")
            line = "job %d: " % job
            deadline = time.time() + 300
            while not any(line + "failed" in x or line + "S0 version" in x for x in srv.log):
                self.assertLess(time.time(), deadline, "\n".join(srv.log[-20:]))
                time.sleep(0.05)
            self.assertTrue(any(line + "failed" in x and "full" in x for x in srv.log),
                            "the model was stored before the disk filled: %s"
                            % [x for x in srv.log if line in x])
            # The failure is written as soon as the disk takes writes again.
            os.unlink(ballast)
            deadline = time.time() + 30
            while srv.get("/jobs/%d" % job).json()["state"] == "running":
                self.assertLess(time.time(), deadline)
                time.sleep(0.05)
            j = srv.get("/jobs/%d" % job).json()
            self.assertEqual(j["state"], "failed", j)
            self.assertIn("full", j["error"])
            self.assertIsNone(j["model_version"])
            self.assertEqual(srv.get("/models?ticker=S0").json()["models"], [])
            problem(self, srv.get("/predict?ticker=S0"), 409)
            # And the next job trains and stores normally.
            r = srv.post_json("/train", {"ticker": "S0", "layers": [8], "window": 10,
                                         "epochs": 2})
            self.assertEqual(r.status, 202, r)
            deadline = time.time() + 300
            while srv.get("/jobs/%d" % r.json()["id"]).json()["state"] in ("queued", "running"):
                self.assertLess(time.time(), deadline)
                time.sleep(0.05)
            self.assertEqual(srv.get("/predict?ticker=S0").status, 200)
            self.assertEqual(srv.stop(), 0)
        finally:
            srv.cleanup()


if __name__ == "__main__":
    fcserver.run_tests()

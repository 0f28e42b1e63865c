"""test_copy.py -- forecastd copy moves a database between backends whole.

A server on this run's backend (SQLite, or PostgreSQL with FC_BACKEND=pg)
gets two series, three trained versions of one (the champion moved back
to version 1), a backtest and a cancelled job. Its database is copied to
the other backend and back (SQLite -> PostgreSQL -> SQLite, or the other
way round), and then every copy has the same bars, the same versions with
the same blob SHA-256 and champion, the same jobs with their ids, and a
server started on each copy gives the same /predict answers. A new job on
a copy gets an id past the copied ones. Also: a destination that is not
empty is refused (exit 3) unless --replace, and usage errors exit 2.

Needs FC_PG_URI (both backends are used): exit 77 without it."""

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcpg  # noqa: E402
import fcserver  # noqa: E402
from test_train import wait_job  # noqa: E402

if not fcserver.PG_URI:
    print("SKIP: test_copy needs FC_PG_URI (scripts/pg start DIR)", file=sys.stderr)
    sys.exit(77)

CONFIG = {"train_on_first_ingest": False, "retrain_after_new_bars": 0}
SMALL = {"layers": [8], "window": 10, "epochs": 3, "patience": 0}


def finished(j):
    return j["state"] in ("succeeded", "failed", "cancelled")


def copy(src, dst, *extra):
    p = subprocess.run([fcserver.BIN, "copy", "--from", src, "--to", dst] + list(extra),
                       capture_output=True, text=True, env=fcserver.clean_env())
    return p.returncode, p.stdout + p.stderr


def blobs(db):
    """{(ticker, version): (sha256 of the blob, champion)} of a database."""
    if db.startswith("postgresql://"):
        rows = fcpg.rows(db, "SELECT s.ticker, m.version, encode(sha256(m.blob), 'hex'),"
                         " m.champion FROM models m JOIN series s ON s.id = m.series_id")
    else:
        con = sqlite3.connect(db)
        rows = [(t, v, hashlib.sha256(b).hexdigest(), c) for t, v, b, c in con.execute(
            "SELECT s.ticker, m.version, m.blob, m.champion FROM models m"
            " JOIN series s ON s.id = m.series_id")]
        con.close()
    return {(t, v): (h, c) for t, v, h, c in rows}


class Copy(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fc_copy_")
        self.servers = []
        self.pg_names = []

    def tearDown(self):
        for s in self.servers:
            s.cleanup()
        for name in self.pg_names:
            fcserver.pg_admin("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
        shutil.rmtree(self.dir, ignore_errors=True)

    def database(self, backend, tag):
        if backend == "pg":
            name, uri = fcserver.pg_database()
            self.pg_names.append(name)
            return uri
        return os.path.join(self.dir, tag + ".db")

    def server_on(self, db):
        srv = fcserver.Server(config=CONFIG)
        if srv.pg_name is not None:
            fcserver.pg_admin("DROP DATABASE IF EXISTS %s" % srv.pg_name)
            srv.pg_name = None
        srv.db = db
        self.servers.append(srv)
        return srv.start()

    def state(self, srv):
        """What the API shows of a server's data."""
        series = srv.get("/series").json()
        bars = {s["ticker"]: srv.raw_request("GET", "/series/%s/bars?format=csv"
                                             % s["ticker"]).body for s in series["series"]}
        models = [(m["ticker"], m["version"], m["champion"], m["created_at"])
                  for m in srv.get("/models").json()["models"]]
        jobs = [(j["id"], j["ticker"], j["kind"], j["state"], j.get("model_version"),
                 j["created_at"]) for j in srv.get("/jobs?limit=1000").json()["jobs"]]
        predict = {t: srv.get("/predict?ticker=%s&horizon=5" % t).json()
                   for t in ("NFLX",)}
        return series, bars, models, jobs, predict

    def test_round_trip(self):
        here = fcserver.BACKEND
        other = "sqlite" if here == "pg" else "pg"
        src = self.server_on(self.database(here, "a"))
        self.assertEqual(src.post_csv("/series/NFLX/bars",
                                      fcserver.read_data("NFLX.csv")).status, 200)
        self.assertEqual(src.post_csv("/series/AAPL/bars",
                                      fcserver.read_data("NFLX.csv")[:20000]
                                      .rsplit(b"\n", 1)[0] + b"\n").status, 200)
        for seed in (1, 2, 3):
            r = src.post_json("/train", dict(SMALL, ticker="NFLX", seed=seed))
            self.assertEqual(r.status, 202, r)
            self.assertEqual(wait_job(src, r.json()["id"], finished)["state"], "succeeded")
        self.assertEqual(src.request("POST", "/models/NFLX/1/promote").status, 200)
        r = src.post_json("/backtest", dict(SMALL, ticker="NFLX", folds=2))
        self.assertEqual(r.status, 202, r)
        wait_job(src, r.json()["id"], finished)
        r = src.post_json("/train", dict(SMALL, ticker="AAPL", epochs=1000))
        self.assertEqual(r.status, 202, r)
        self.assertEqual(src.request("DELETE", "/jobs/%d" % r.json()["id"]).status, 200)
        wait_job(src, r.json()["id"], finished)
        before = self.state(src)
        self.assertEqual(src.stop(), 0)

        b_db = self.database(other, "b")
        c_db = self.database(here, "c")
        code, out = copy(src.db, b_db)
        self.assertEqual(code, 0, out)
        self.assertIn("copied and checked", out)
        code, out = copy(b_db, c_db)
        self.assertEqual(code, 0, out)
        self.assertEqual(blobs(b_db), blobs(src.db))
        self.assertEqual(blobs(c_db), blobs(src.db))
        self.assertEqual(len(blobs(c_db)), 3)

        # Refusals: a destination that is not empty, usage.
        code, out = copy(src.db, b_db)
        self.assertEqual(code, 3, out)
        self.assertNotIn(fcserver.PG_URI.split("@")[0].split(":")[-1], out)  # no password
        code, out = copy(src.db, b_db, "--replace")
        self.assertEqual(code, 0, out)
        self.assertEqual(copy(src.db, "")[0], 2)
        self.assertEqual(subprocess.run([fcserver.BIN, "copy", "--from", src.db],
                                        capture_output=True).returncode, 2)

        for db in (b_db, c_db):
            srv = self.server_on(db)
            self.assertEqual(self.state(srv), before, db)
            r = srv.post_json("/train", dict(SMALL, ticker="AAPL"))
            self.assertEqual(r.status, 202, r)
            self.assertGreater(r.json()["id"], max(j[0] for j in before[3]))
            wait_job(srv, r.json()["id"], finished)
            self.assertEqual(srv.stop(), 0)


if __name__ == "__main__":
    unittest.main()

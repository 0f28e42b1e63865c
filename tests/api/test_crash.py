"""test_crash.py -- durability: kill -9 in the middle of a large (300k-row)
ingest, then restart: the batch is all there or not at all, the earlier data
is intact, and PRAGMA integrity_check is ok. Also: a write the client was
told about (200) survives an immediate kill -9."""

import os
import socket
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcpg  # noqa: E402
import fcserver  # noqa: E402

N_BIG = 300000


def db_state_pg(uri):
    """db_state on PostgreSQL, with psql. PostgreSQL has no integrity_check
    and enforces foreign keys on every write: those two are reported as
    fine (said once on stderr); the counts are read as on SQLite."""
    if not getattr(db_state_pg, "said", False):
        print("pg: PRAGMA integrity_check and foreign_key_check have no"
              " PostgreSQL equivalent here (the server checks its pages and"
              " enforces foreign keys itself); bar counts and series.n_bars"
              " are checked", file=sys.stderr)
        db_state_pg.said = True
    count = ("SELECT count(*) FROM bars JOIN series s ON s.id = bars.series_id"
             " WHERE s.ticker = '%s'")
    big = fcpg.value(uri, count % "BIG")
    nflx = fcpg.value(uri, count % "NFLX")
    drift = fcpg.rows(uri, "SELECT ticker FROM series s WHERE n_bars <>"
                           " (SELECT count(*) FROM bars b WHERE b.series_id = s.id)")
    assert drift == [], "series.n_bars drifted: %r" % drift
    return big, nflx, "ok", []


def db_state(path):
    """(bars of BIG, bars of NFLX, integrity_check) read with Python's
    sqlite3, the way an operator would after a crash."""
    if fcserver.BACKEND == "pg":
        return db_state_pg(path)
    con = sqlite3.connect(path)
    try:
        check = con.execute("PRAGMA integrity_check").fetchone()[0]
        fk = con.execute("PRAGMA foreign_key_check").fetchall()
        big = con.execute("SELECT count(*) FROM bars JOIN series s ON s.id = bars.series_id"
                          " WHERE s.ticker = 'BIG'").fetchone()[0]
        nflx = con.execute("SELECT count(*) FROM bars JOIN series s ON s.id = bars.series_id"
                           " WHERE s.ticker = 'NFLX'").fetchone()[0]
        # The count kept with each series matches its bars.
        drift = con.execute("SELECT ticker FROM series s WHERE n_bars !="
                            " (SELECT count(*) FROM bars b WHERE b.series_id = s.id)").fetchall()
        assert drift == [], "series.n_bars drifted: %r" % drift
        return big, nflx, check, fk
    finally:
        con.close()


def post_raw(port, path, body, ctype="text/csv"):
    """Sends a POST and returns the socket without reading the reply."""
    s = socket.create_connection(("127.0.0.1", port), timeout=120)
    head = ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\n"
            "Content-Length: %d\r\n\r\n" % (path, ctype, len(body))).encode()
    s.sendall(head + body)
    return s


class CrashTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.big = fcserver.generated_csv(N_BIG)
        cls.nflx = fcserver.read_data("NFLX.csv")

    def test_kill9_mid_ingest_is_all_or_nothing(self):
        srv = fcserver.Server().start()
        outcomes = []
        try:
            r = srv.post_csv("/series/NFLX/bars", self.nflx)
            self.assertEqual(r.status, 200, r)
            # How long one such ingest takes here (ASan builds are slower).
            t0 = time.time()
            self.assertEqual(srv.post_csv("/series/WARM/bars", self.big).status, 200)
            took = time.time() - t0
            self.assertEqual(srv.request("DELETE", "/series/WARM").status, 204)
            # Kill at moments spread over that time (while the server
            # receives, parses, writes, commits) and once well after it.
            delays = [took * f for f in (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)]
            delays.append(took * 3 + 0.5)
            for delay in delays:
                with self.subTest(delay=delay):
                    sock = post_raw(srv.port, "/series/BIG/bars", self.big)
                    time.sleep(delay)
                    srv.kill()
                    sock.close()
                    big, nflx, check, fk = db_state(srv.db)
                    outcomes.append((delay, big))
                    self.assertEqual(check, "ok")
                    self.assertEqual(fk, [])
                    self.assertIn(big, (0, N_BIG), "half a batch after kill -9")
                    self.assertEqual(nflx, 5549)
                    srv.start()
                    r = srv.get("/series/BIG/bars?limit=1")
                    if big == 0:
                        self.assertEqual(r.status, 404, r)
                    else:
                        self.assertEqual(r.status, 200, r)
                    # Start the next round from an empty BIG.
                    if big:
                        self.assertEqual(srv.request("DELETE", "/series/BIG").status, 204)
            print("ingest took %.3f s; kill -9 outcomes (delay s, BIG bars): %s"
                  % (took, [(round(t, 3), n) for t, n in outcomes]), file=sys.stderr)
            # The test saw both sides: killed before the commit, and after.
            self.assertEqual(outcomes[0][1], 0)
            self.assertEqual(outcomes[-1][1], N_BIG)
        finally:
            srv.cleanup()

    def test_acknowledged_write_survives_kill9(self):
        srv = fcserver.Server().start()
        try:
            for i in range(3):
                sock = post_raw(srv.port, "/series/BIG/bars", self.big)
                # Read the reply: once the status line arrives, the write
                # was acknowledged.
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:200])
                srv.kill()  # at once
                sock.close()
                big, _, check, _ = db_state(srv.db)
                self.assertEqual(check, "ok")
                self.assertEqual(big, N_BIG)
                srv.start()
                j = srv.get("/series").json()["series"]
                self.assertEqual([s["bars"] for s in j if s["ticker"] == "BIG"], [N_BIG])
                self.assertEqual(srv.request("DELETE", "/series/BIG").status, 204)
        finally:
            srv.cleanup()


class MigrationTest(unittest.TestCase):
    def test_upgrade_from_schema_1(self):
        """A database written by the first schema (no series.n_bars) is
        migrated at start-up and keeps its data."""
        srv = fcserver.Server().start()
        try:
            self.assertEqual(srv.post_csv("/series/NFLX/bars",
                                          fcserver.read_data("NFLX.csv")).status, 200)
            self.assertEqual(srv.stop(), 0)
            # Undo every migration after the first (002: series.n_bars;
            # 003: models.skill and an index on jobs; 004: models.evaluation
            # and jobs.result).
            undo = ["ALTER TABLE jobs DROP COLUMN result",
                    "ALTER TABLE models DROP COLUMN evaluation",
                    "ALTER TABLE series DROP COLUMN n_bars",
                    "ALTER TABLE models DROP COLUMN skill",
                    "DROP INDEX jobs_by_ticker"]
            if fcserver.BACKEND == "pg":
                fcpg.rows(srv.db, "; ".join(undo + [
                    "DELETE FROM schema_migrations WHERE version > 1"]))
            else:
                con = sqlite3.connect(srv.db, isolation_level=None)
                for sql in undo + ["PRAGMA user_version = 1"]:
                    con.execute(sql)
                con.close()
            srv.start()
            s = srv.get("/series").json()["series"]
            self.assertEqual([(x["ticker"], x["bars"]) for x in s], [("NFLX", 5549)])
            self.assertGreaterEqual(srv.get("/readyz").json()["schema_version"], 2)
            j = srv.post_csv("/series/NFLX/bars", fcserver.read_data("NFLX.csv")).json()
            self.assertEqual((j["unchanged"], j["bars_total"]), (5549, 5549))
            # A database from a newer binary is refused, not damaged.
            self.assertEqual(srv.stop(), 0)
            if fcserver.BACKEND == "pg":
                fcpg.rows(srv.db, "INSERT INTO schema_migrations (version)"
                                  " VALUES (999)")
            else:
                con = sqlite3.connect(srv.db, isolation_level=None)
                con.execute("PRAGMA user_version = 999")
                con.close()
            import subprocess
            p = subprocess.run([fcserver.BIN, "serve", "--port", "0", "--db", srv.db],
                               cwd=srv.dir, env=fcserver.clean_env(), capture_output=True,
                               timeout=60)
            self.assertEqual(p.returncode, 1)
            self.assertIn(b"newer", p.stderr)
        finally:
            srv.cleanup()


if __name__ == "__main__":
    fcserver.run_tests()

"""test_kill_trials.py -- kill -9 at random moments, many times: during
ingest, during training and during promotion, on one database, with a
restart after each kill. Seeded: the seed is printed, FC_KILL_SEED replays
it, FC_KILL_TRIALS sets the number of trials (default 24; 12 under TSan).

After every kill, with the server dead, the file is opened with Python's
sqlite3: PRAGMA integrity_check is ok, foreign keys hold, series.n_bars
matches the bars, and:

- ingest: two clients post batches in a loop, each batch marked by its own
  volume values (batch id * 100000 + row), some of them with a bad row
  (422). Every acknowledged batch is there in full and bar for bar as
  sent; every rejected batch is absent; the batch in flight is all or
  nothing. The restarted server serves the same bars.
- training: a job sized to last about a second, killed anywhere from its
  queueing to past its end. Every model version belongs to a succeeded job
  (a version and its job's success are one transaction); the champion
  after the restart is the one before (its /predict reply unchanged, bar
  for bar) unless the job's success was committed, and then the new
  version; the interrupted job is queued again and runs again.
- promotion: either the end of such a job (storing the version and
  promoting it), or a client promoting versions back and forth through
  POST /models/T/V/promote. Exactly one champion; it is the last
  acknowledged one or the one in flight, and /predict serves it.

With FC_BACKEND=pg the same trials run on PostgreSQL: the checks of the
dead server's database are pg_amcheck (every table and index, heap and
B-tree with every index entry matched) and the same queries through psql.

test_crash.py has the fixed single cases (kill -9 in one large ingest, an
acknowledged write, migrations); test_train.py a kill -9 in one job."""

import datetime
import http.client
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcbuild  # noqa: E402
import fcpg  # noqa: E402
import fcserver  # noqa: E402
from test_train import wait_job  # noqa: E402

HEADER = "Date,Open,High,Low,Close,Adj Close,Volume\n"
MARK = 100000           # volume = batch id * MARK + row index
EPOCH0 = datetime.date(1970, 1, 1)
DAY0 = datetime.date(1900, 1, 1)
SMALL = {"layers": [8], "window": 10, "patience": 0}
CONFIG = {"train_on_first_ingest": False, "retrain_after_new_bars": 0}


def nflx_since(since):
    lines = fcserver.read_data("NFLX.csv").decode().splitlines()
    return ("\n".join([lines[0]] + [l for l in lines[1:] if l[:10] >= since]) + "\n").encode()


class Batch:
    """One ingest batch: n rows on consecutive new days, volumes marked with
    the batch id; `bad` puts one invalid row in it (a 422)."""

    def __init__(self, bid, ticker, first_day, n, rng, bad):
        self.id, self.ticker, self.n, self.bad = bid, ticker, n, bad
        self.rows = []  # (day number since 1970, open, high, low, close, adj, volume)
        lines = [HEADER]
        price = 50 + rng.random() * 100
        bad_at = rng.randrange(n) if bad else -1
        for i in range(n):
            d = DAY0 + datetime.timedelta(days=first_day + i)
            o = round(price, 4)
            c = round(price * (1 + (rng.random() - 0.5) / 50), 4)
            hi = round(max(o, c) * 1.01, 4)
            lo = round(min(o, c) * 0.99, 4)
            if i == bad_at:
                lo = round(hi + 1, 4)  # low above high: "low above min(open, close)"
            v = bid * MARK + i
            lines.append("%s,%.4f,%.4f,%.4f,%.4f,%.4f,%d\n" % (d.isoformat(), o, hi, lo, c, c, v))
            self.rows.append(((d - EPOCH0).days, o, hi, lo, c, c, v))
            price = c
        self.body = "".join(lines).encode()
        self.outcome = None  # "acked", "rejected", or None (in flight / not sent)
        self.sent = False


PG_AMCHECK = os.path.join(os.environ.get("FC_PG_BIN", "/usr/lib/postgresql/15/bin"),
                          "pg_amcheck")


def _sql_literal(v):
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


def _pg_value(v):
    """A psql field as sqlite3 gives it: ints as ints, numbers as floats."""
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return v
    return v


class PgCon:
    """The little of sqlite3's connection these trials use (execute with ?
    parameters, fetchone, fetchall, iteration, close), on a PostgreSQL
    database through psql."""

    def __init__(self, uri):
        self.uri = uri

    def execute(self, sql, params=()):
        parts = sql.split("?")
        assert len(parts) == len(params) + 1, sql
        text = parts[0] + "".join(_sql_literal(p) + rest
                                  for p, rest in zip(params, parts[1:]))
        return PgRows([tuple(_pg_value(v) for v in r) for r in fcpg.rows(self.uri, text)])

    def close(self):
        pass


class PgRows(list):
    def fetchone(self):
        return self[0] if self else None

    def fetchall(self):
        return list(self)


def db_check(tc, path):
    """Opens the dead server's database; checks integrity, foreign keys and
    the kept bar counts. Returns the connection (the caller closes it).
    On PostgreSQL (path is the URI): pg_amcheck of every table and index
    (heap and B-tree, every index entry matched to its row), no bar
    without its series."""
    if fcserver.BACKEND == "pg":
        p = subprocess.run([PG_AMCHECK, "--install-missing", "--heapallindexed", path],
                           capture_output=True, text=True)
        said = [l for l in (p.stdout + p.stderr).splitlines()
                if not l.startswith("NOTICE:")]  # "amcheck already exists"
        tc.assertEqual((p.returncode, said), (0, []), "pg_amcheck")
        con = PgCon(path)
        tc.assertEqual(con.execute("SELECT count(*) FROM bars b WHERE NOT EXISTS"
                                   " (SELECT 1 FROM series s WHERE s.id = b.series_id)")
                       .fetchone()[0], 0)
    else:
        con = sqlite3.connect(path)
        tc.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        tc.assertEqual(con.execute("PRAGMA foreign_key_check").fetchall(), [])
    drift = con.execute("SELECT ticker, n_bars, (SELECT count(*) FROM bars b WHERE"
                        " b.series_id = s.id) FROM series s WHERE n_bars !="
                        " (SELECT count(*) FROM bars b WHERE b.series_id = s.id)").fetchall()
    tc.assertEqual(drift, [], "series.n_bars drifted")
    return con


def models_state(con, ticker):
    """{version: champion}, {job id: (state, model_version)} of a ticker."""
    models = dict(con.execute("SELECT m.version, m.champion FROM models m JOIN series s"
                              " ON s.id = m.series_id WHERE s.ticker = ?", (ticker,)))
    jobs = {r[0]: (r[1], r[2]) for r in con.execute(
        "SELECT id, state, model_version FROM jobs WHERE ticker = ?", (ticker,))}
    return models, jobs


def finished(j):
    return j["state"] in ("succeeded", "failed", "cancelled")


class KillTrials(unittest.TestCase):
    def setUp(self):
        self.seed = int(os.environ.get("FC_KILL_SEED", str(int(time.time() * 1000) % 1000000)))
        default_trials = 12 if fcbuild.sanitizer() == "thread" else 24
        self.trials = int(os.environ.get("FC_KILL_TRIALS", str(default_trials)))
        print("kill trials: seed %d (FC_KILL_SEED=%d replays it), %d trials, sanitizer %s"
              % (self.seed, self.seed, self.trials, fcbuild.sanitizer()), file=sys.stderr)
        self.rng = random.Random(self.seed)
        self.srv = fcserver.Server(config=CONFIG).start()
        self.next_batch = 1
        self.log = []

    def tearDown(self):
        self.srv.cleanup()

    # -- helpers --------------------------------------------------------------

    def train(self, ticker, **params):
        r = self.srv.post_json("/train", dict(SMALL, ticker=ticker, **params))
        self.assertEqual(r.status, 202, r)
        return r.json()["id"]

    def predict(self, ticker):
        r = self.srv.get("/predict?ticker=%s" % ticker)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def kill_and_check(self):
        """SIGKILL; returns an open connection to the checked file."""
        self.srv.kill()
        return db_check(self, self.srv.db)

    def restart(self):
        self.srv.start()

    # -- set-up -----------------------------------------------------------------

    def prepare(self):
        """TRN: one version, the champion; epochs sized to about 1 s of
        training here. PRM: three versions to promote back and forth."""
        data = nflx_since("2019-01-01")
        for t in ("TRN", "PRM"):
            self.assertEqual(self.srv.post_csv("/series/%s/bars" % t, data).status, 200)
        jid = self.train("TRN", epochs=3)
        job = wait_job(self.srv, jid, finished)
        self.assertEqual(job["state"], "succeeded", job)
        # Grow the epochs until a job lasts about a second, queue to
        # success as the client sees it (fixed costs weigh in too).
        self.epochs = 10
        for seed in range(2, 8):
            t0 = time.time()
            job = wait_job(self.srv, self.train("TRN", epochs=self.epochs, seed=seed), finished)
            self.assertEqual(job["state"], "succeeded", job)
            self.job_s = time.time() - t0
            if self.job_s >= 0.7 or self.epochs >= 2000:
                break
            self.epochs = min(2000, int(self.epochs * 1.0 / max(self.job_s, 0.01)) + 1)
        for seed in (1, 2, 3):
            job = wait_job(self.srv, self.train("PRM", epochs=2, seed=seed), finished)
            self.assertEqual(job["state"], "succeeded", job)
        print("training: %d epochs, a job takes %.2f s" % (self.epochs, self.job_s),
              file=sys.stderr)

    # -- ingest -------------------------------------------------------------------

    def trial_ingest(self, k):
        tickers = ["I%dA" % k, "I%dB" % k]
        batches = []
        lock = threading.Lock()
        port = self.srv.port
        seeds = [self.rng.randrange(1 << 30) for _ in tickers]

        def client(ticker, seed):
            rng = random.Random(seed)
            day = 0
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                while True:
                    with lock:
                        bid = self.next_batch
                        self.next_batch += 1
                    n = rng.choice([1, 5, 50, 500, 2000, 5000])
                    if day + n > 2900000:  # up to year 9839: enough for any run
                        return
                    b = Batch(bid, ticker, day, n, rng, bad=rng.random() < 0.25)
                    day += n
                    with lock:
                        batches.append(b)
                    b.sent = True
                    conn.request("POST", "/series/%s/bars" % ticker, body=b.body,
                                 headers={"Content-Type": "text/csv"})
                    r = conn.getresponse()
                    r.read()
                    if r.status == 200 and not b.bad:
                        b.outcome = "acked"
                    elif r.status == 422 and b.bad:
                        b.outcome = "rejected"
                    else:
                        b.outcome = "wrong status %d" % r.status
                        return
            except (OSError, http.client.HTTPException):
                return  # the kill
            finally:
                conn.close()

        threads = [threading.Thread(target=client, args=a) for a in zip(tickers, seeds)]
        for t in threads:
            t.start()
        delay = self.rng.uniform(0.0, 1.0)
        time.sleep(delay)
        con = self.kill_and_check()
        for t in threads:
            t.join(60)
        try:
            with lock:
                bs = list(batches)
            self.assertEqual([b.outcome for b in bs if b.outcome not in
                              (None, "acked", "rejected")], [])
            counts = dict(con.execute(
                "SELECT b.volume / ?, count(*) FROM bars b JOIN series s ON s.id = b.series_id"
                " WHERE s.ticker IN (?, ?) GROUP BY 1", (MARK, tickers[0], tickers[1])))
            # No rows that belong to no batch of ours.
            self.assertLessEqual(set(counts), {b.id for b in bs})
            acked = rejected = inflight_in = inflight_out = 0
            for b in bs:
                got = counts.get(b.id, 0)
                if b.outcome == "acked":
                    acked += 1
                    self.assertEqual(got, b.n, "acknowledged batch %d lost rows" % b.id)
                    rows = con.execute(
                        "SELECT day, open, high, low, close, adj_close, volume FROM bars b"
                        " JOIN series s ON s.id = b.series_id WHERE s.ticker = ? AND"
                        " b.volume / ? = ? ORDER BY day", (b.ticker, MARK, b.id)).fetchall()
                    self.assertEqual(rows, b.rows, "batch %d differs from what was sent" % b.id)
                elif b.outcome == "rejected":
                    rejected += 1
                    self.assertEqual(got, 0, "rejected batch %d was written" % b.id)
                else:
                    self.assertIn(got, (0, b.n), "batch %d is half there after kill -9" % b.id)
                    if b.sent:
                        inflight_in += got == b.n
                        inflight_out += got == 0
            stored = {t: con.execute("SELECT n_bars FROM series WHERE ticker = ?",
                                     (t,)).fetchone() for t in tickers}
        finally:
            con.close()
        self.restart()
        for t in tickers:
            r = self.srv.get("/series/%s/bars" % t)
            n = stored[t][0] if stored[t] else 0
            self.assertEqual(r.status, 200 if n else 404, r)
            if n:
                self.assertEqual(len(r.json()["bars"]), n)
                self.assertEqual(self.srv.request("DELETE", "/series/%s" % t).status, 204)
        return ("ingest", round(delay, 3), "%d batches: %d acked, %d rejected, in flight: "
                "%d kept whole, %d absent" % (len(bs), acked, rejected, inflight_in,
                                              inflight_out))

    # -- training and promotion at the end of a job ---------------------------------

    def trial_training(self, k, at_end):
        before = self.predict("TRN")
        jid = self.train("TRN", epochs=self.epochs, seed=100 + k)
        if at_end:  # around storing the version and promoting it
            delay = self.job_s * self.rng.uniform(0.6, 1.2)
        else:
            delay = self.job_s * self.rng.uniform(0.0, 0.9)
        time.sleep(delay)
        con = self.kill_and_check()
        try:
            models, jobs = models_state(con, "TRN")
        finally:
            con.close()
        state, version = jobs[jid]
        # A version exists exactly for each succeeded job, and is its own.
        succeeded = {v for s, v in jobs.values() if s == "succeeded"}
        self.assertEqual(set(models), succeeded, jobs)
        self.assertEqual(sum(models.values()), 1, models)
        champion = [v for v, c in models.items() if c][0]
        self.restart()
        after = self.predict("TRN")
        if state == "succeeded":
            # Committed before the kill: the new version, and champion.
            self.assertEqual(champion, version)
            self.assertEqual(after["model_version"], version)
            outcome = "done before the kill: v%d champion" % version
        else:
            self.assertIn(state, ("queued", "running"))
            self.assertEqual(champion, before["model_version"])
            self.assertEqual(after, before)  # the same model, the same answer
            # The interrupted job is queued again and runs again; every
            # third one is followed to its end, the others cancelled.
            j = self.srv.get("/jobs/%d" % jid).json()
            self.assertIn(j["state"], ("queued", "running"), j)
            if k % 3 == 0:
                j = wait_job(self.srv, jid, finished)
                self.assertEqual(j["state"], "succeeded", j)
                self.assertEqual(self.predict("TRN")["model_version"], j["model_version"])
                outcome = "%s at the kill; re-run after restart -> v%d" % (state,
                                                                           j["model_version"])
            else:
                r = self.srv.request("DELETE", "/jobs/%d" % jid)
                self.assertEqual(r.status, 200, r)
                j = wait_job(self.srv, jid, finished)
                if j["state"] == "succeeded":  # it finished before the cancel
                    self.assertEqual(self.predict("TRN")["model_version"], j["model_version"])
                else:
                    self.assertEqual(j["state"], "cancelled", j)
                    self.assertEqual(self.predict("TRN"), before)
                outcome = "%s at the kill; %s again after restart" % (state, "queued/running")
        return ("promotion (job end)" if at_end else "training", round(delay, 3), outcome)

    # -- promotion through the API ------------------------------------------------------

    def trial_promote(self, k):
        before = self.predict("PRM")["model_version"]
        acked = [before]
        inflight = []
        port = self.srv.port
        rng = random.Random(self.rng.randrange(1 << 30))

        def client():
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                while True:
                    v = rng.choice([x for x in (1, 2, 3) if x != acked[-1]])
                    inflight.append(v)
                    conn.request("POST", "/models/PRM/%d/promote" % v, body=b"")
                    r = conn.getresponse()
                    r.read()
                    if r.status != 200:
                        acked.append(("status", r.status))
                        return
                    acked.append(v)
            except (OSError, http.client.HTTPException):
                return
            finally:
                conn.close()

        t = threading.Thread(target=client)
        t.start()
        delay = self.rng.uniform(0.0, 0.5)
        time.sleep(delay)
        con = self.kill_and_check()
        t.join(60)
        try:
            models, _ = models_state(con, "PRM")
        finally:
            con.close()
        self.assertTrue(all(isinstance(v, int) for v in acked), acked)
        self.assertEqual(set(models), {1, 2, 3})
        champions = [v for v, c in models.items() if c]
        self.assertEqual(len(champions), 1, models)
        # The last acknowledged promotion, or the one in flight at the kill.
        allowed = {acked[-1]}
        if len(inflight) >= len(acked):
            allowed.add(inflight[-1])
        self.assertIn(champions[0], allowed, (acked[-5:], inflight[-5:]))
        self.restart()
        self.assertEqual(self.predict("PRM")["model_version"], champions[0])
        models = self.srv.get("/models?ticker=PRM").json()["models"]
        self.assertEqual([m["version"] for m in models if m["champion"]], champions)
        return ("promotion (API)", round(delay, 3), "%d promotions acknowledged; champion v%d "
                "(last acknowledged v%d)" % (len(acked) - 1, champions[0], acked[-1]))

    # -- the trials -------------------------------------------------------------------------

    def test_random_kills(self):
        t_start = time.time()
        self.prepare()
        kinds = ["ingest", "training", "job_end", "promote"]
        plan = [kinds[i % 4] for i in range(self.trials)]
        self.rng.shuffle(plan)
        results = []
        for k, kind in enumerate(plan):
            with self.subTest(trial=k, kind=kind, seed=self.seed):
                if kind == "ingest":
                    res = self.trial_ingest(k)
                elif kind == "training":
                    res = self.trial_training(k, at_end=False)
                elif kind == "job_end":
                    res = self.trial_training(k, at_end=True)
                else:
                    res = self.trial_promote(k)
                results.append(res)
                print("trial %2d: %-19s kill after %.3f s: %s" % ((k,) + res), file=sys.stderr)
        # Everything still works at the end: a last clean stop and start.
        self.assertEqual(self.srv.stop(), 0)
        con = db_check(self, self.srv.db)
        con.close()
        self.srv.start()
        self.assertEqual(self.srv.get("/healthz").status, 200)
        by_kind = {}
        for kind, _, _ in results:
            by_kind[kind] = by_kind.get(kind, 0) + 1
        print("kill trials: seed %d, %d trials %s, %.1f s"
              % (self.seed, len(results), by_kind, time.time() - t_start), file=sys.stderr)
        self.assertEqual(len(results), self.trials)


if __name__ == "__main__":
    fcserver.run_tests()

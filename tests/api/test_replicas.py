"""test_replicas.py -- several forecastd processes on one PostgreSQL
database are one service (PostgreSQL only: FC_BACKEND=pg and FC_PG_URI).

Three replicas A, B and C (real processes, distinct replica_id, one fresh
database): an ingest through A is trained through B and followed through
C, and all three predict the same version and numbers; a job seen
succeeded through one replica is predicted with through every other at
once, even with every listener's connection cut (its first champion read
from the database); one POST /train sent
to all three at once queues one job (one 202, two 409s naming it); a
replica killed with SIGKILL while training loses its job to another once
the lease expires, which runs it to one new version, and restarted it
publishes nothing for the job it lost; a replica frozen (SIGSTOP) past its
lease cannot publish either when it wakes up; a job cancelled through a
replica that does not run it stops on its runner within a second (the
cancellation is announced); a job whose epochs and
scoring each outlast the lease keeps it (renewed between batches and test
days) and stays with its replica; a promotion through A reaches
B and C within a second; 30 disjoint batches of one ticker through A, B
and C at once store every bar once and the automatic jobs (first ingest,
new bars) are queued once in the cluster.

On a private PostgreSQL cluster (scripts/pg, so the shared one of
FC_PG_URI is not disturbed), stopped as a crash would stop it and started
again under the three replicas: while it is away /readyz is 503 on every
replica (and /healthz 200), and the requests that need it are 503
problem+json with Retry-After, never 500; once it is back every replica is
ready again within seconds by itself (the same process), a promotion
through A is answered by B and C within a second (their listeners
reconnected), and a training job that was running across the restart ends
succeeded or failed, wherever it ends up.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcpg  # noqa: E402
import fcserver  # noqa: E402
from test_train import wait_job  # noqa: E402

if fcserver.BACKEND != "pg":
    print("SKIP: replicas need PostgreSQL (FC_BACKEND=pg)", file=sys.stderr)
    sys.exit(77)

LEASE_S = 3
BASE = {"train_on_first_ingest": False, "train_threads": 1,
        "job_lease_seconds": LEASE_S}
SMALL = {"epochs": 3, "layers": [8], "window": 10}
MID = {"layers": [16], "window": 20, "patience": 0}
PG = os.path.join(fcserver.SOURCE_DIR, "scripts", "pg")
DOWN_S = 3.0        # how long the private cluster stays down
READY_AGAIN_S = 10  # every replica ready again within this long after it


def nflx(since=None):
    lines = fcserver.read_data("NFLX.csv").decode().splitlines()
    keep = [lines[0]] + [x for x in lines[1:]
                         if since is None or x.split(",", 1)[0] >= since]
    return ("\n".join(keep) + "\n").encode()


def pg(cmd, d):
    """scripts/pg CMD DIR; returns its output."""
    return subprocess.run([PG, cmd, d], check=True, capture_output=True,
                          text=True).stdout.strip()


class Cluster:
    """Replicas named names on one database: db (a URI) when given, else
    the one the first replica created."""

    def __init__(self, names, config=None, db=None):
        cfg = dict(BASE, **(config or {}))
        self.servers = []
        for i, name in enumerate(names):
            s = fcserver.Server(config=dict(cfg, replica_id=name))
            if i > 0 or db is not None:
                fcserver.pg_admin("DROP DATABASE %s" % s.pg_name)
                s.pg_name = None
                s.db = db if db is not None else self.servers[0].db
            self.servers.append(s)
        self.by_name = dict(zip(names, self.servers))

    def __enter__(self):
        for s in self.servers:
            s.start()
        return self

    def __exit__(self, *exc):
        # The database's owner last: it drops the database.
        for s in reversed(self.servers):
            s.cleanup()


def done(job):
    return job["state"] in ("succeeded", "failed", "cancelled")


def at_once(calls):
    """Runs every call in its own thread, started together; their results
    in order."""
    out = [None] * len(calls)
    go = threading.Barrier(len(calls))

    def run(i, f):
        go.wait()
        out[i] = f()

    ts = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(calls)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


def versions(srv, ticker):
    return sorted(m["version"] for m in
                  srv.get("/models?ticker=%s" % ticker).json()["models"])


class ReplicasTest(unittest.TestCase):
    def test_one_service(self):
        with Cluster(["A", "B", "C"]) as cl:
            a, b, c = cl.servers
            self.assertEqual(a.post_csv("/series/NFLX/bars", nflx("2019-01-01")).status, 200)
            # Trained through B, followed through C.
            r = b.post_json("/train", dict(MID, ticker="NFLX", epochs=40))
            self.assertEqual(r.status, 202, r)
            jid = r.json()["id"]
            running = wait_job(c, jid, lambda j: j["state"] == "running" or done(j))
            if running["state"] == "running":
                self.assertIn(running["worker"], ("A", "B", "C"))
                self.assertIn("lease_until", running)
            job = wait_job(c, jid, done)
            self.assertEqual(job["state"], "succeeded", job)
            self.assertIn(job["worker"], ("A", "B", "C"))
            self.assertNotIn("lease_until", job)
            # Every replica predicts the same version and numbers.
            deadline = time.time() + 1.0
            while True:
                ps = [s.get("/predict?ticker=NFLX&horizon=3") for s in cl.servers]
                if all(p.status == 200 for p in ps) or time.time() > deadline:
                    break
                time.sleep(0.05)
            self.assertEqual([p.status for p in ps], [200] * 3, ps)
            bodies = [p.json() for p in ps]
            self.assertEqual(bodies[0]["model_version"], 1)
            self.assertEqual(bodies[1], bodies[0])
            self.assertEqual(bodies[2], bodies[0])

            # A second version through C (trained wherever), then version 1
            # promoted back through A: B and C answer with it within 1 s.
            r = c.post_json("/train", dict(SMALL, ticker="NFLX"))
            self.assertEqual(r.status, 202, r)
            self.assertEqual(wait_job(a, r.json()["id"], done)["state"], "succeeded")
            self.assertEqual(versions(a, "NFLX"), [1, 2])
            deadline = time.time() + 1.0
            while any(s.get("/predict?ticker=NFLX").json()["model_version"] != 2
                      for s in cl.servers):
                self.assertLess(time.time(), deadline, "version 2 not everywhere")
                time.sleep(0.02)
            self.promote_seen(a, (b, c), 1)
            self.assertEqual(b.get("/predict?ticker=NFLX&horizon=3").json(), bodies[0])
            # The series deleted through C: A and B stop answering for it
            # within 1 s (its champion is announced as gone).
            self.assertEqual(c.request("DELETE", "/series/NFLX").status, 204)
            t0 = time.time()
            while any(s.get("/predict?ticker=NFLX").status != 404 for s in (a, b)):
                self.assertLess(time.time() - t0, 1.0, "deletion not seen in 1 s")
                time.sleep(0.02)

    def train_seen_through(self, a, b, body):
        """Cuts every replica's listener connection (they are back after
        about a second), posts body to /train on a and polls b's
        GET /jobs/{id} without a pause until the job ends: the job as b
        showed it, checked succeeded."""
        cut = fcpg.rows(a.db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                              " WHERE application_name = 'forecastd listener'"
                              " AND datname = current_database()")
        self.assertEqual(len(cut), 3, cut)
        r = a.post_json("/train", body)
        self.assertEqual(r.status, 202, r)
        while True:
            job = b.get("/jobs/%d" % r.json()["id"]).json()
            if done(job):
                break
        self.assertEqual(job["state"], "succeeded", job)
        return job

    def test_first_champion_answers_everywhere_once_succeeded(self):
        # A client that sees a job succeed through one replica predicts
        # with its version through any other at once, even while the
        # announcement cannot reach it: every listener's connection is cut
        # first (they are back after about a second), so the replicas that
        # did not run the job learn of its champion from the database.
        with Cluster(["A", "B", "C"]) as cl:
            a, b, c = cl.servers
            self.assertEqual(a.post_csv("/series/NFLX/bars", nflx("2019-01-01")).status, 200)
            self.train_seen_through(a, b, dict(SMALL, ticker="NFLX"))
            ps = [s.get("/predict?ticker=NFLX") for s in cl.servers]
            self.assertEqual([p.status for p in ps], [200] * 3, ps)
            self.assertEqual([p.json()["model_version"] for p in ps], [1] * 3)
            self.assertEqual(ps[1].json(), ps[0].json())
            self.assertEqual(ps[2].json(), ps[0].json())

    def test_newer_champion_answers_where_the_job_was_seen(self):
        # A retrained champion: the replica through which a client sees the
        # job succeed answers /predict with the new version at once, even
        # while announcements cannot reach it (listeners cut, as above);
        # one that lists the ticker's jobs does too.
        with Cluster(["A", "B", "C"]) as cl:
            a, b, c = cl.servers
            self.assertEqual(a.post_csv("/series/NFLX/bars", nflx("2019-01-01")).status, 200)
            r = a.post_json("/train", dict(SMALL, ticker="NFLX"))
            self.assertEqual(wait_job(a, r.json()["id"], done)["state"], "succeeded")
            deadline = time.time() + 10
            while [s.get("/predict?ticker=NFLX").json().get("model_version")
                   for s in cl.servers] != [1] * 3:
                self.assertLess(time.time(), deadline, "v1 not everywhere in 10 s")
                time.sleep(0.05)
            job = self.train_seen_through(a, b, dict(SMALL, ticker="NFLX", seed=2))
            self.assertEqual(job["model_version"], 2, job)
            self.assertEqual(b.get("/predict?ticker=NFLX").json()["model_version"], 2)
            self.assertEqual(a.get("/predict?ticker=NFLX").json()["model_version"], 2)
            jobs = c.get("/jobs?ticker=NFLX").json()["jobs"]
            self.assertEqual(jobs[0]["state"], "succeeded", jobs[0])
            self.assertEqual(c.get("/predict?ticker=NFLX").json()["model_version"], 2)

    def test_one_job_per_ticker(self):
        with Cluster(["A", "B", "C"]) as cl:
            a = cl.servers[0]
            self.assertEqual(a.post_csv("/series/NFLX/bars", nflx("2019-01-01")).status, 200)
            body = dict(MID, ticker="NFLX", epochs=1000)
            rs = at_once([lambda s=s: s.post_json("/train", body) for s in cl.servers])
            self.assertEqual(sorted(r.status for r in rs), [202, 409, 409], rs)
            jid = [r for r in rs if r.status == 202][0].json()["id"]
            for r in rs:
                if r.status == 409:
                    self.assertEqual(r.json()["job"], "/jobs/%d" % jid)
            jobs = a.get("/jobs?ticker=NFLX").json()["jobs"]
            self.assertEqual([j["id"] for j in jobs], [jid])
            # Cancelled through another replica than the one running it:
            # it stops there at its next epoch.
            job = wait_job(a, jid, lambda j: j["state"] == "running"
                           and j["progress"]["epoch"] >= 1)
            other = [s for n, s in cl.by_name.items() if n != job["worker"]][0]
            self.assertEqual(other.request("DELETE", "/jobs/%d" % jid).status, 200)
            runner = cl.by_name[job["worker"]]
            deadline = time.time() + 30
            while not any("job %d: cancelled" % jid in x for x in runner.log):
                self.assertLess(time.time(), deadline, runner.log[-20:])
                time.sleep(0.05)

    def test_takeover_after_kill_and_fencing(self):
        with Cluster(["A", "B", "C"]) as cl:
            a = cl.servers[0]
            self.assertEqual(a.post_csv("/series/NFLX/bars", nflx("2019-01-01")).status, 200)
            # Epochs that take about 6 s here (a 2-epoch run measures them).
            r = a.post_json("/train", dict(MID, ticker="NFLX", epochs=2))
            self.assertEqual(wait_job(a, r.json()["id"], done)["state"], "succeeded")
            m = a.get("/models?ticker=NFLX").json()["models"][0]
            per_epoch = max(m["train_seconds"] / max(m["epochs_run"], 1), 1e-3)
            epochs = max(10, min(1000, int(6.0 / per_epoch) + 1))

            # kill -9 the replica running the job: another takes it over
            # once the lease expired, and one new version comes out of it.
            r = a.post_json("/train", dict(MID, ticker="NFLX", epochs=epochs))
            self.assertEqual(r.status, 202, r)
            jid = r.json()["id"]
            job = wait_job(a, jid, lambda j: j["state"] == "running"
                           and j["progress"]["epoch"] >= 1)
            victim_name = job["worker"]
            victim = cl.by_name[victim_name]
            watcher = [s for s in cl.servers if s is not victim][0]
            victim.kill()
            t_kill = time.time()
            job = wait_job(watcher, jid, lambda j: j["state"] == "running"
                           and j.get("worker") not in (None, victim_name),
                           timeout=LEASE_S + 30, what="takeover")
            self.assertGreater(time.time() - t_kill, LEASE_S - 1.5)
            job = wait_job(watcher, jid, done)
            self.assertEqual(job["state"], "succeeded", job)
            self.assertEqual(job["model_version"], 2)
            self.assertEqual(versions(watcher, "NFLX"), [1, 2])
            # Restarted, the killed replica publishes nothing for it.
            victim.start()
            time.sleep(LEASE_S)
            self.assertEqual(versions(watcher, "NFLX"), [1, 2])
            self.assertEqual(watcher.get("/jobs/%d" % jid).json()["model_version"], 2)

            # Frozen past its lease (SIGSTOP), a replica loses the job to
            # another; woken up, it cannot store or publish anything.
            r = a.post_json("/train", dict(MID, ticker="NFLX", epochs=epochs, seed=9))
            jid = r.json()["id"]
            job = wait_job(a, jid, lambda j: j["state"] == "running"
                           and j["progress"]["epoch"] >= 1)
            frozen = cl.by_name[job["worker"]]
            watcher = [s for s in cl.servers if s is not frozen][0]
            frozen.proc.send_signal(signal.SIGSTOP)
            try:
                wait_job(watcher, jid, lambda j: j["state"] == "running"
                         and j.get("worker") != job["worker"],
                         timeout=LEASE_S + 30, what="takeover")
            finally:
                frozen.proc.send_signal(signal.SIGCONT)
            job = wait_job(watcher, jid, done)
            self.assertEqual(job["state"], "succeeded", job)
            self.assertEqual(versions(watcher, "NFLX"), [1, 2, 3])
            deadline = time.time() + 30
            while not any("job %d: cancelled" % jid in x for x in frozen.log):
                self.assertLess(time.time(), deadline, frozen.log[-20:])
                time.sleep(0.05)
            self.assertEqual(versions(watcher, "NFLX"), [1, 2, 3])

    def promote_seen(self, via, others, version):
        """Promotes NFLX's version through replica via and waits until every
        one of others answers /predict with it, at most 1 s; returns the
        seconds that took."""
        self.assertEqual(via.request("POST", "/models/NFLX/%d/promote" % version).status, 200)
        t0 = time.time()
        while any(s.get("/predict?ticker=NFLX").json()["model_version"] != version
                  for s in others):
            self.assertLess(time.time() - t0, 1.0, "promotion not seen in 1 s")
            time.sleep(0.02)
        return time.time() - t0

    def start_slow_job(self, srv, epochs):
        """Every NFLX bar ingested through srv and a job queued whose
        epochs (0.5-2 s, with the machine) and scoring after training (3-8 s:
        256 sample paths per test day) are slow: a 64x64 model on a 60-day
        window. Returns its id."""
        self.assertEqual(srv.post_csv("/series/NFLX/bars", nflx()).status, 200)
        r = srv.post_json("/train", {"ticker": "NFLX", "layers": [64, 64],
                                     "window": 60, "epochs": epochs,
                                     "patience": 0})
        self.assertEqual(r.status, 202, r)
        return r.json()["id"]

    def test_lease_renewed_within_long_epochs(self):
        # A scoring after training (and, on a slower machine, each epoch)
        # that outlasts a lease of 2 s (a 64x64 model on a 60-day window over
        # every NFLX bar): the lease is renewed between batches and test
        # days, so the job stays with the replica that claimed it, which the
        # other sees alive.
        lease = 2
        with Cluster(["A", "B"], config={"job_lease_seconds": lease}) as cl:
            a, b = cl.servers
            jid = self.start_slow_job(a, epochs=2)
            job = wait_job(b, jid, lambda j: j["state"] == "running" or done(j))
            self.assertEqual(job["state"], "running", job)
            worker = job["worker"]
            # Between progress writes the lease moves forward and never
            # lapses: progress "epoch" counts the epochs done, so none is
            # written during an epoch under way, nor during the scoring after
            # training (epoch 2). lease_until has whole seconds: on a fast
            # machine an epoch may end before a renewal shows, while the
            # scoring lasts seconds everywhere; both renew through the same
            # per-batch and per-test-day hook.
            leases, workers, epochs = {}, set(), set()
            deadline = time.time() + 300
            while not done(job):
                self.assertLess(time.time(), deadline, job)
                workers.add(job.get("worker"))
                self.assertEqual(workers, {worker}, "the job changed replicas")
                if job["state"] == "running":
                    epoch = job["progress"]["epoch"]
                    epochs.add(epoch)
                    leases.setdefault(epoch, set()).add(job["lease_until"])
                time.sleep(0.1)
                job = b.get("/jobs/%d" % jid).json()
            self.assertEqual(job["state"], "succeeded", job)
            self.assertEqual(workers, {worker}, "the job changed replicas")
            self.assertGreaterEqual(max(len(x) for x in leases.values()), 2,
                                    "no renewal between progress writes: %s" % leases)
            self.assertIn(2, epochs)
            self.assertEqual(versions(b, "NFLX"), [1])
            runner = cl.by_name[worker]
            self.assertFalse(any("job %d: cancelled" % jid in x for x in runner.log),
                             runner.log[-20:])

    def test_cancel_reaches_the_runner_at_once(self):
        # A job cancelled through the replica that does not run it, while
        # the runner scores its test days (3-8 s, no progress written
        # for a third of the 30 s lease): the cancellation is announced
        # (NOTIFY fc_job_stop) and the runner stops within a second.
        with Cluster(["A", "B"], config={"job_lease_seconds": 30}) as cl:
            a = cl.servers[0]
            jid = self.start_slow_job(a, epochs=1)
            job = wait_job(a, jid, lambda j: done(j) or j["state"] == "running"
                           and j["progress"]["epoch"] >= 1)
            self.assertEqual(job["state"], "running", job)
            runner = cl.by_name[job["worker"]]
            other = [s for s in cl.servers if s is not runner][0]
            t0 = time.time()
            self.assertEqual(other.request("DELETE", "/jobs/%d" % jid).status, 200)
            while not any("job %d: cancelled" % jid in x for x in runner.log):
                self.assertLess(time.time() - t0, 1.0, runner.log[-20:])
                time.sleep(0.01)
            self.assertEqual(versions(other, "NFLX"), [])

    def test_concurrent_ingest_and_automatic_jobs(self):
        # Automatic jobs long enough (patience 0) to still run while the
        # batches arrive: the replicas' retrain attempts meet it.
        cfg = {"train_on_first_ingest": True, "retrain_after_new_bars": 5,
               "train": dict(SMALL, epochs=300, patience=0)}
        with Cluster(["A", "B", "C"], cfg) as cl:
            a = cl.servers[0]
            csv = nflx("2019-01-01").decode().splitlines()
            header, rows = csv[0], csv[1:]
            tail = rows[-10:]
            rows = rows[:-10]
            size = (len(rows) + 29) // 30
            batches = [rows[i:i + size] for i in range(0, len(rows), size)]
            self.assertEqual(len(batches), 30)
            calls = [lambda i=i, bt=bt: cl.servers[i % 3].post_csv(
                "/series/NFLX/bars", ("\n".join([header] + bt) + "\n").encode())
                for i, bt in enumerate(batches)]
            rs = at_once(calls)
            self.assertEqual([r.status for r in rs], [200] * 30, rs)
            self.assertEqual(sum(r.json()["inserted"] for r in rs), len(rows))
            s = a.get("/series").json()["series"]
            self.assertEqual([(x["ticker"], x["bars"]) for x in s], [("NFLX", len(rows))])
            # The first ingest queued one job in the cluster.
            jobs = a.get("/jobs?ticker=NFLX").json()["jobs"]
            self.assertEqual(len(jobs), 1, jobs)
            self.assertTrue(jobs[0]["auto"])
            self.assertEqual(wait_job(a, jobs[0]["id"], done)["state"], "succeeded")
            # Every replica has the champion (the listener), so new bars past
            # retrain_after_new_bars through one replica queue one retrain.
            deadline = time.time() + 1.0
            while any(x.get("/predict?ticker=NFLX").status != 200 for x in cl.servers):
                self.assertLess(time.time(), deadline)
                time.sleep(0.02)
            r = cl.servers[1].post_csv("/series/NFLX/bars",
                                       ("\n".join([header] + tail) + "\n").encode())
            self.assertEqual(r.status, 200, r)
            jobs = a.get("/jobs?ticker=NFLX").json()["jobs"]
            self.assertEqual(len(jobs), 2, jobs)
            self.assertEqual(wait_job(a, jobs[0]["id"], done)["state"], "succeeded")
            self.assertEqual(len(a.get("/jobs?ticker=NFLX").json()["jobs"]), 2)

    def test_pg_restart_under_replicas(self):
        tmp = tempfile.mkdtemp(prefix="fc_pgrep_")
        os.chmod(tmp, 0o755)  # the postgres user enters it
        cdir = os.path.join(tmp, "pg")
        try:
            uri = pg("start", cdir)
            fcpg.rows(uri, "CREATE DATABASE fc_replicas")
            with Cluster(["A", "B", "C"], {"http_threads": 2},
                         db=uri.rsplit("/", 1)[0] + "/fc_replicas") as cl:
                self.restart_under_replicas(cl, cdir)
        finally:
            subprocess.run([PG, "stop", cdir], check=False)
            shutil.rmtree(tmp, ignore_errors=True)

    def restart_under_replicas(self, cl, cdir):
        a, b, c = cl.servers
        pids = [s.proc.pid for s in cl.servers]
        data = nflx("2019-01-01")
        self.assertEqual(a.post_csv("/series/NFLX/bars", data).status, 200)
        self.assertEqual(a.post_csv("/series/LONG/bars", data).status, 200)
        # Two versions of NFLX (2 the champion), every replica serving it.
        for seed in (1, 2):
            r = a.post_json("/train", dict(SMALL, ticker="NFLX", seed=seed))
            self.assertEqual(wait_job(a, r.json()["id"], done)["state"], "succeeded")
        deadline = time.time() + 1.0
        while any(s.get("/predict?ticker=NFLX").json()["model_version"] != 2
                  for s in cl.servers):
            self.assertLess(time.time(), deadline, "version 2 not everywhere")
            time.sleep(0.02)
        # A job of another ticker (so its version cannot race the
        # promotion below) that runs across the restart: about 8 s of
        # epochs, measured by a 2-epoch run.
        r = b.post_json("/train", dict(MID, ticker="LONG", epochs=2))
        self.assertEqual(wait_job(b, r.json()["id"], done)["state"], "succeeded")
        m = b.get("/models?ticker=LONG").json()["models"][0]
        per_epoch = max(m["train_seconds"] / max(m["epochs_run"], 1), 1e-3)
        epochs = max(10, min(1000, int(8.0 / per_epoch) + 1))
        r = b.post_json("/train", dict(MID, ticker="LONG", epochs=epochs, seed=5))
        self.assertEqual(r.status, 202, r)
        jid = r.json()["id"]
        before = wait_job(b, jid, lambda j: j["state"] == "running"
                          and j["progress"]["epoch"] >= 1)

        pg("crash", cdir)
        down_at = time.time()
        readyz = {s.config["replica_id"]: [] for s in cl.servers}
        problems = []
        need_db = [("GET", "/series", None), ("GET", "/jobs/%d" % jid, None),
                   ("GET", "/models?ticker=NFLX", None),
                   ("POST", "/train", dict(SMALL, ticker="NFLX")),
                   ("POST", "/models/NFLX/1/promote", None)]
        while time.time() - down_at < DOWN_S:
            for s in cl.servers:
                name = s.config["replica_id"]
                readyz[name].append(s.raw_request("GET", "/readyz").status)
                self.assertEqual(s.raw_request("GET", "/healthz").status, 200)
                for method, path, body in need_db:
                    if body is not None:
                        r = s.post_json(path, body)
                    else:
                        r = s.request(method, path)
                    if r.status != 503:
                        problems.append("%s: %s %s -> %r" % (name, method, path, r))
                        continue
                    if not r.headers.get("content-type", "").startswith(
                            "application/problem+json"):
                        problems.append("%s: %s %s: 503 as %s" % (
                            name, method, path, r.headers.get("content-type")))
                    if not r.headers.get("retry-after"):
                        problems.append("%s: %s %s: 503 without Retry-After"
                                        % (name, method, path))
                # A prediction may come from the cache; never a 500.
                r = s.request("GET", "/predict?ticker=NFLX&horizon=3")
                if r.status not in (200, 503):
                    problems.append("%s: GET /predict -> %r" % (name, r))
                r = s.post_csv("/series/NFLX/bars", nflx("2019-12-01"))
                if r.status != 503:
                    problems.append("%s: POST bars -> %r" % (name, r))
            time.sleep(0.1)
        # The first look may still be the old connection's last answer.
        for name, seen in readyz.items():
            self.assertTrue(len(seen) > 1 and all(x == 503 for x in seen[1:]),
                            (name, seen))
        self.assertEqual(problems, [])

        pg("resume", cdir)
        up_at = time.time()
        ready_s = {}
        while len(ready_s) < len(cl.servers):
            for s in cl.servers:
                name = s.config["replica_id"]
                if name not in ready_s and s.raw_request("GET", "/readyz").status == 200:
                    ready_s[name] = time.time() - up_at
            self.assertLess(time.time() - up_at, READY_AGAIN_S,
                            "not ready again: %r" % ready_s)
            time.sleep(0.05)
        # No replica restarted: the same processes, each listening once.
        self.assertEqual([s.proc.pid for s in cl.servers], pids)
        for s in cl.servers:
            self.assertIsNone(s.proc.poll())
            self.assertEqual(sum("listening on" in x for x in s.log), 1)

        # A promotion through A now: B and C answer with it within 1 s.
        seen_s = self.promote_seen(a, (b, c), 1)

        # The job that ran across the restart ends, wherever it ran.
        job = wait_job(a, jid, done, timeout=120)
        self.assertIn(job["state"], ("succeeded", "failed"), job)
        # At most one version came out of it, whoever ran it.
        self.assertEqual(versions(a, "LONG"),
                         [1, 2] if job["state"] == "succeeded" else [1])
        # The service trains again.
        r = c.post_json("/train", dict(SMALL, ticker="NFLX", seed=3))
        self.assertEqual(r.status, 202, r)
        self.assertEqual(wait_job(a, r.json()["id"], done)["state"], "succeeded")
        print("pg restart under 3 replicas: ready again after %s s; promotion"
              " seen by B and C in %.2f s; job %d (on %s at the crash) %s on %s"
              % (", ".join("%s %.2f" % kv for kv in sorted(ready_s.items())),
                 seen_s, jid, before["worker"], job["state"], job.get("worker")),
              file=sys.stderr)


if __name__ == "__main__":
    fcserver.run_tests()

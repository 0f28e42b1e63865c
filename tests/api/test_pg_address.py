"""test_pg_address.py -- the database's host name is looked up once per
process: a name service that stops answering does not stop forecastd, and
a server that moved is found again.

forecastd runs in a mount namespace of its own (unshare -m) whose
/etc/hosts is a file the test rewrites, so the test decides what the name
fc-pg-host resolves to, and whether it resolves at all. Its database is a
private cluster (scripts/pg, as in test_pg_restart.py) reached as
fc-pg-host.

- The name disappears after start-up, and every session of the database
  is cut: forecastd reconnects at the address it had (each of its
  connections: readiness, reads, an ingest, a training job), where a
  lookup per connection would answer 503 until the name came back.
- The server moves (stopped, started on 127.0.0.2, the name pointing
  there): the stale address is dropped after one failed try, the name is
  looked up again, and forecastd is ready within seconds with its data.

PostgreSQL only (FC_BACKEND=pg), and root (a mount namespace); exit 77 or
skipped otherwise."""

import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcpg  # noqa: E402
import fcserver  # noqa: E402
# (test_pg_restart exits 77 itself when the backend is not PostgreSQL.)
from test_pg_restart import PrivateCluster, finished, pg  # noqa: E402
from test_train import wait_job  # noqa: E402

NAME = "fc-pg-host"
READY_S = 15  # ready again within this long


class AddressTest(PrivateCluster):
    def setUp(self):
        if os.geteuid() != 0 or shutil.which("unshare") is None or \
                subprocess.run(["unshare", "-m", "true"]).returncode != 0:
            self.skipTest("a mount namespace needs root and unshare")
        super().setUp()
        self.hosts = os.path.join(self.dir, "hosts")
        self.point_name_at("127.0.0.1")
        self.srv.db = self.uri.replace("@127.0.0.1:", "@%s:" % NAME)
        # A private mount namespace whose /etc/hosts is self.hosts (the
        # bind mount follows the file: rewriting it in place is seen by
        # every later lookup).
        self.srv.wrap = ["unshare", "-m", "sh", "-c",
                         'mount --bind "$0" /etc/hosts && exec "$@"', self.hosts]
        self.srv.start()

    def point_name_at(self, addr):
        """fc-pg-host resolves to addr (None: not at all)."""
        with open(self.hosts, "w") as f:
            f.write("127.0.0.1 localhost\n")
            if addr is not None:
                f.write("%s %s\n" % (addr, NAME))

    def cut_sessions(self, admin):
        fcpg.rows(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                  " WHERE datname = 'fc_private'")

    def wait_ready(self, what):
        deadline = time.time() + READY_S
        while time.time() < deadline:
            if self.readyz() == 200:
                return
            time.sleep(0.1)
        self.fail("%s: /readyz not 200 within %d s:\n%s"
                  % (what, READY_S, "\n".join(self.srv.log[-20:])))

    def n_bars(self):
        r = self.srv.get("/series")
        self.assertEqual(r.status, 200, r)
        return {s["ticker"]: s["bars"] for s in r.json()["series"]}["NFLX"]

    def test_name_gone_after_start(self):
        srv = self.srv
        rows = fcserver.read_data("NFLX.csv").decode().splitlines(keepends=True)
        head = "".join(rows[:701])
        self.assertEqual(srv.post_csv("/series/NFLX/bars", head).status, 200)
        self.point_name_at(None)
        self.cut_sessions(self.admin)
        self.wait_ready("name gone, sessions cut")
        self.assertEqual(self.n_bars(), 700)
        r = srv.post_csv("/series/NFLX/bars", rows[0] + "".join(rows[701:801]))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.n_bars(), 800)
        r = srv.post_json("/train", {"ticker": "NFLX", "epochs": 2, "patience": 0})
        self.assertEqual(r.status, 202, r)
        j = wait_job(srv, r.json()["id"], finished, what="end")
        self.assertEqual(j["state"], "succeeded", j)
        self.assertEqual(srv.get("/predict?ticker=NFLX").status, 200)

    def test_server_moved(self):
        srv = self.srv
        rows = fcserver.read_data("NFLX.csv").decode().splitlines(keepends=True)
        self.assertEqual(srv.post_csv("/series/NFLX/bars", "".join(rows[:301])).status, 200)
        pg("stop", self.cluster)
        pg("resume", self.cluster, env={"FC_PG_LISTEN": "127.0.0.2"})
        self.point_name_at("127.0.0.2")
        # The sessions ended with the server; the first request after it
        # finds its connection gone.
        self.wait_ready("server moved to 127.0.0.2")
        self.assertEqual(self.n_bars(), 300)
        r = srv.post_csv("/series/NFLX/bars", rows[0] + "".join(rows[301:401]))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.n_bars(), 400)
        self.cut_sessions(self.admin.replace("@127.0.0.1:", "@127.0.0.2:"))
        self.wait_ready("sessions cut at the new address")


if __name__ == "__main__":
    fcserver.run_tests()

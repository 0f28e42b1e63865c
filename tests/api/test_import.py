"""test_import.py -- `forecastd import`: the ingest path offline, same JSON
as the HTTP reply, exit 0/1/2, and a server on the same database sees it."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcserver  # noqa: E402


def imp(args, cwd):
    p = subprocess.run([fcserver.BIN, "import"] + args, cwd=cwd, env=fcserver.clean_env(),
                       capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


class ImportTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="fc_imp_")
        self.db = os.path.join(self.dir, "v", "f.db")
        self.nflx = os.path.join(fcserver.DATA_DIR, "NFLX.csv")

    def test_import_then_serve(self):
        code, out, err = imp(["--ticker", "nflx", "--db", self.db, self.nflx], self.dir)
        self.assertEqual(code, 0, err)
        j = json.loads(out)
        self.assertEqual((j["ticker"], j["received"], j["inserted"]), ("NFLX", 5549, 5549))
        self.assertEqual((j["first_date"], j["last_date"], j["bars_total"]),
                         ("2002-05-23", "2024-06-07", 5549))
        code, out, err = imp(["--ticker", "NFLX", "--db", self.db, self.nflx], self.dir)
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["unchanged"], 5549)
        # A server on the same file sees the bars.
        srv = fcserver.Server(workdir=self.dir)
        srv.db = self.db
        try:
            srv.start()
            s = srv.get("/series").json()["series"]
            self.assertEqual([(x["ticker"], x["bars"]) for x in s], [("NFLX", 5549)])
        finally:
            srv.kill()

    def test_bad_rows_reject_and_skip(self):
        path = os.path.join(self.dir, "bad.csv")
        with open(path, "w") as f:
            f.write("Date,Open,High,Low,Close,Volume\n2019-01-02,1,2,0.5,1.5,10\n"
                    "2019-01-03,1,2,0.5,1.5,-3\n")
        code, out, err = imp(["--ticker", "B", "--db", self.db, path], self.dir)
        self.assertEqual(code, 1)
        p = json.loads(out)
        self.assertEqual((p["status"], p["errors"][0]["row"], p["errors"][0]["field"]),
                         (422, 2, "volume"))
        code, out, err = imp(["--ticker", "B", "--db", self.db, "--on-error", "skip", path],
                             self.dir)
        self.assertEqual(code, 0, err)
        j = json.loads(out)
        self.assertEqual((j["inserted"], j["skipped"]), (1, 1))

    def test_usage_errors(self):
        for args in [[], ["--ticker", "X"], [self.nflx], ["--ticker", "bad ticker", self.nflx],
                     ["--ticker", "X", "--on-error", "maybe", self.nflx],
                     ["--ticker", "X", self.nflx, "extra"], ["--nope", "1", self.nflx]]:
            with self.subTest(args=args):
                code, _, err = imp(args + ["--db", self.db], self.dir)
                self.assertEqual(code, 2, err)
        code, _, err = imp(["--ticker", "X", "--db", self.db, "/nonexistent.csv"], self.dir)
        self.assertEqual(code, 1)
        self.assertIn("/nonexistent.csv", err)


if __name__ == "__main__":
    fcserver.run_tests()

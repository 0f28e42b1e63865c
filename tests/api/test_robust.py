"""test_robust.py -- seeded random damage to valid CSV and JSON bodies, query
strings and paths: every reply is a 200, 400, 404, 405, 413, 415 or 422
(never a 500, a hang or a crash), a 200 stores exactly what the reply says,
and the server still answers afterwards. Deterministic (fixed seeds), so a
failure reproduces."""

import json
import os
import random
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcserver  # noqa: E402

OK_STATUSES = {200, 400, 404, 405, 413, 415, 422}


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(6)
        if not data:
            data += b"x"
        i = rng.randrange(len(data))
        if op == 0:    # flip a byte
            data[i] = rng.randrange(256)
        elif op == 1:  # delete a span
            del data[i:i + rng.randint(1, 20)]
        elif op == 2:  # insert interesting text
            data[i:i] = rng.choice([b",", b"\n", b"\r", b"\"", b"-", b"e999", b"NaN", b"null",
                                    b"\x00", b"\xef\xbb\xbf", b"1e-400", b"9" * 40, b"{", b"]",
                                    b"2019-02-29", b"0000-00-00", b"  ", b"\\u0000"])
        elif op == 3:  # duplicate a span
            j = rng.randrange(len(data))
            data[i:i] = data[j:j + rng.randint(1, 60)]
        elif op == 4:  # truncate
            del data[i:]
        else:          # swap two bytes
            j = rng.randrange(len(data))
            data[i], data[j] = data[j], data[i]
    return bytes(data)


class RobustTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = fcserver.Server(config={"max_body_bytes": 200000}).start()
        lines = fcserver.read_data("NFLX.csv").split(b"\n")
        cls.csv = b"\n".join(lines[:60]) + b"\n"
        bars = []
        for l in lines[1:40]:
            f = l.decode().split(",")
            bars.append({"date": f[0], "open": float(f[1]), "high": float(f[2]),
                         "low": float(f[3]), "close": float(f[4]), "adj_close": float(f[5]),
                         "volume": int(f[6])})
        cls.json = json.dumps({"bars": bars}).encode()

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def check(self, r, what):
        self.assertIn(r.status, OK_STATUSES, (what, r))
        if r.status != 200:
            p = r.json()
            self.assertEqual(p["status"], r.status)
        return r

    def test_damaged_bodies(self):
        rng = random.Random(int(os.environ.get("FC_ROBUST_SEED", "1234")))
        for i in range(300):
            csv_case = i % 2 == 0
            body = mutate(rng, self.csv if csv_case else self.json)
            ctype = "text/csv" if csv_case else "application/json"
            ticker = "R%d" % (i % 7)
            before = self.srv.get("/series/%s/bars" % ticker)
            n_before = len(before.json()["bars"]) if before.status == 200 else 0
            q = rng.choice(["", "?on_error=skip"])
            r = self.check(self.srv.request("POST", "/series/%s/bars%s" % (ticker, q), body=body,
                                            headers={"Content-Type": ctype}), body[:200])
            after = self.srv.get("/series/%s/bars" % ticker)
            n_after = len(after.json()["bars"]) if after.status == 200 else 0
            if r.status == 200:
                j = r.json()
                self.assertEqual(j["received"], j["inserted"] + j["updated"] + j["unchanged"]
                                 + j["skipped"], j)
                self.assertEqual(n_after, n_before + j["inserted"])
                self.assertEqual(j["bars_total"], n_after)
            else:
                self.assertEqual(n_after, n_before, "a refused batch changed the series")
        self.assertEqual(self.srv.get("/healthz").status, 200)

    def test_damaged_queries_and_paths(self):
        self.srv.post_csv("/series/QP/bars", self.csv)
        rng = random.Random(99)
        keys = ["from", "to", "limit", "format", "on_error", "x"]
        values = ["2019-01-01", "", "0", "-1", "99999999999999999999", "csv", "json", "%00",
                  "2019-02-30", "\u00e9", "a" * 300, "1e3", " 5", "skip"]
        for _ in range(200):
            q = "&".join("%s=%s" % (rng.choice(keys), urllib.parse.quote(rng.choice(values)))
                         for _ in range(rng.randint(0, 4)))
            self.check(self.srv.get("/series/QP/bars?" + q), q)
        segs = ["series", "QP", "bars", "..", ".", "", "%2F", "%00", "a" * 200, "%ZZ", "~", "*"]
        for _ in range(200):
            path = "/" + "/".join(rng.choice(segs) for _ in range(rng.randint(0, 4)))
            method = rng.choice(["GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS", "HEAD"])
            r = self.srv.request(method, path, body=b"x" if method in ("POST", "PUT") else None,
                                 headers={"Content-Type": "text/csv"})
            self.assertIn(r.status, OK_STATUSES | {204}, (method, path, r))
        self.assertEqual(self.srv.get("/healthz").status, 200)


if __name__ == "__main__":
    fcserver.run_tests()

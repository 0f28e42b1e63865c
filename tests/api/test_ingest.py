"""test_ingest.py -- POST /series/{ticker}/bars, GET /series, GET and DELETE
against the real server: the whole NFLX history, re-ingest, updates, every
kind of bad input with its status and message, on_error=skip, JSON bodies,
tickers, query parameters of GET bars, delete."""

import os
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcpg  # noqa: E402
import fcserver  # noqa: E402

HEADER = "Date,Open,High,Low,Close,Adj Close,Volume\n"
GOOD = [
    "2019-01-02,1,2,0.5,1.5,1.5,100",
    "2019-01-03,1.5,2.5,1.0,2.0,2.0,200",
    "2019-01-04,2,3,1.5,2.5,2.5,300",
]


def csv(*rows):
    return HEADER + "\n".join(rows) + "\n"


class IngestTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = fcserver.Server().start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def problem(self, r, status, detail_part=None):
        self.assertEqual(r.status, status, r)
        self.assertTrue(r.headers["content-type"].startswith("application/problem+json"), r.headers)
        p = r.json()
        self.assertEqual(p["type"], "about:blank")
        self.assertEqual(p["status"], status)
        self.assertIsInstance(p["title"], str)
        if detail_part is not None:
            self.assertIn(detail_part, p["detail"])
        return p

    def bars_total(self, ticker):
        r = self.srv.get("/series/%s/bars" % ticker)
        if r.status == 404:
            return 0
        return len(r.json()["bars"])

    # -- the happy path ------------------------------------------------------

    def test_nflx_whole_history_then_unchanged_then_update(self):
        text = fcserver.read_data("NFLX.csv")
        r = self.srv.post_csv("/series/nflx/bars", text)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["content-type"].startswith("application/json"))
        j = r.json()
        self.assertEqual(j["ticker"], "NFLX")
        self.assertEqual(j["received"], 5549)
        self.assertEqual(j["inserted"], 5549)
        self.assertEqual((j["updated"], j["unchanged"], j["skipped"]), (0, 0, 0))
        self.assertEqual(j["errors"], [])
        self.assertEqual(j["first_date"], "2002-05-23")
        self.assertEqual(j["last_date"], "2024-06-07")
        self.assertEqual(j["bars_total"], 5549)

        r = self.srv.post_csv("/series/NFLX/bars", text)
        j = r.json()
        self.assertEqual((j["inserted"], j["updated"], j["unchanged"]), (0, 0, 5549))

        # One bar changed, one new: counts and the stored values follow.
        r = self.srv.post_csv("/series/NFLX/bars",
                              csv("2024-06-07,649.380005,650.400024,640.23999,645.0,645.0,1874000",
                                  "2024-06-10,645,650,640,648,648,1000"))
        j = r.json()
        self.assertEqual(r.status, 200, r)
        self.assertEqual((j["inserted"], j["updated"], j["unchanged"]), (1, 1, 0))
        self.assertEqual(j["bars_total"], 5550)
        self.assertEqual(j["last_date"], "2024-06-10")
        r = self.srv.get("/series/NFLX/bars?from=2024-06-07&to=2024-06-07")
        b = r.json()["bars"]
        self.assertEqual(len(b), 1)
        self.assertEqual(b[0]["close"], 645.0)
        self.assertEqual(b[0]["volume"], 1874000)

        # Values read back are the values sent, to the bit.
        r = self.srv.get("/series/NFLX/bars?to=2002-05-24")
        b = r.json()["bars"]
        self.assertEqual(b[0], {"date": "2002-05-23", "open": 1.156429, "high": 1.242857,
                                "low": 1.145714, "close": 1.196429, "adj_close": 1.196429,
                                "volume": 104790000})

        # /series lists it.
        s = self.srv.get("/series").json()["series"]
        nflx = [x for x in s if x["ticker"] == "NFLX"][0]
        self.assertEqual(nflx, {"ticker": "NFLX", "bars": 5550, "first_date": "2002-05-23",
                                "last_date": "2024-06-10", "champion_version": None})

    def test_second_file_adj_close_underscore_bom_crlf(self):
        text = fcserver.read_data("NFLX_2015-12-16_2019-12-16.csv")
        r = self.srv.post_csv("/series/NFLX2/bars", text)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["inserted"], 1007)
        crlf = ("\ufeff" + csv(*GOOD)).replace("\n", "\r\n").rstrip("\r\n")
        r = self.srv.post_csv("/series/CRLF/bars", crlf.encode("utf-8"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["inserted"], 3)

    def test_json_body(self):
        bars = [{"date": "2019-01-02", "open": 1, "high": 2, "low": 0.5, "close": 1.5,
                 "adj_close": None, "volume": 5000000000},
                {"date": "2019-01-03", "open": "1.5", "high": 2.5, "low": 1, "close": 2,
                 "volume": 7}]
        r = self.srv.post_json("/series/JS/bars", {"bars": bars})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["inserted"], 2)
        got = self.srv.get("/series/JS/bars").json()["bars"]
        self.assertIsNone(got[0]["adj_close"])
        self.assertEqual(got[0]["volume"], 5000000000)  # past 2^32
        self.assertEqual(got[1]["open"], 1.5)
        # JSON rows follow the same rules as CSV rows.
        bad = [dict(bars[0], close=None), dict(bars[1], date="2019-02-30"), "x"]
        r = self.srv.post_json("/series/JS/bars", {"bars": bad})
        p = self.problem(r, 422)
        fields = [(e["row"], e["field"]) for e in p["errors"]]
        self.assertEqual(fields, [(1, "close"), (2, "date"), (3, None)])
        self.assertEqual(p["errors"][0]["date"], "2019-01-02")
        self.assertIn("null", p["errors"][0]["message"])
        self.assertIsNone(p["errors"][1]["date"])

    # -- bad input: one row in an otherwise good batch ----------------------------

    def check_bad_row(self, row, field, message, date):
        ticker = "BAD"
        before = self.bars_total(ticker)
        r = self.srv.post_csv("/series/%s/bars" % ticker, csv(GOOD[0], row, GOOD[2]))
        p = self.problem(r, 422, "nothing was written")
        self.assertEqual(p["bad_rows"], 1)
        self.assertGreaterEqual(len(p["errors"]), 1)
        e = p["errors"][0]
        self.assertEqual(e["row"], 2, p)
        self.assertEqual(e["field"], field, p)
        self.assertIn(message, e["message"], p)
        self.assertEqual(e["date"], date, p)
        self.assertEqual(set(e), {"row", "date", "field", "message"})
        self.assertEqual(self.bars_total(ticker), before)  # nothing written

    def test_bad_rows(self):
        cases = [
            ("2019-02-30,1,2,0.5,1.5,1.5,10", "date", "not a calendar date: '2019-02-30'", None),
            ("2019-01-03,NaN,2,0.5,1.5,1.5,10", "open", "not a finite number: 'NaN'", "2019-01-03"),
            ("2019-01-03,1,2,0.5,null,1.5,10", "close", "not a number: 'null'", "2019-01-03"),
            ("2019-01-03,1,2,0.5,,1.5,10", "close", "empty value", "2019-01-03"),
            ("2019-01-03,1,2,0.5,1.5,1.5,-10", "volume", "must be >= 0", "2019-01-03"),
            ("2019-01-03,1,1.2,0.5,1.5,1.5,10", "high", "below max(open, close)", "2019-01-03"),
            ("2019-01-03,1,2,1.2,1.5,1.5,10", "low", "above min(open, close)", "2019-01-03"),
            ("2019-01-03,1,2,0.5,0,1.5,10", "close", "must be > 0", "2019-01-03"),
            ("2019-01-03,1,2,0.5,1.5,1.5,1.5", "volume", "not a whole number", "2019-01-03"),
            ("2019-01-02,1,2,0.5,1.5,1.5,10", "date", "duplicate date (first at row 1)", "2019-01-02"),
            ("2019-01-03,1,2,0.5,1.5", None, "expected 7 fields, got 5", "2019-01-03"),
        ]
        for row, field, message, date in cases:
            with self.subTest(row=row):
                self.check_bad_row(row, field, message, date)

    def test_every_bad_row_listed_and_capped(self):
        rows = ["2019-01-%02d,1,2,0.5,1.5,1.5,-1" % (d + 1) for d in range(28)]
        rows += ["2019-02-%02d,1,2,0.5,1.5,1.5,-1" % (d + 1) for d in range(28)]
        rows += ["2019-03-%02d,1,2,0.5,1.5,1.5,-1" % (d + 1) for d in range(31)]
        rows += ["2019-04-%02d,1,2,0.5,1.5,1.5,-1" % (d + 1) for d in range(30)]
        r = self.srv.post_csv("/series/CAP/bars", csv(*rows))
        p = self.problem(r, 422)
        self.assertEqual(p["bad_rows"], 117)
        self.assertEqual(p["errors_total"], 117)
        self.assertEqual(len(p["errors"]), 100)
        self.assertEqual([e["row"] for e in p["errors"]], list(range(1, 101)))

    def test_malformed_bodies_are_400(self):
        cases = [
            (b"", "text/csv", "empty"),
            (b"2019-01-02,1,2,0.5,1.5,1.5,100\n", "text/csv", "no header"),
            (b"Date,Open,High,Low,Close\n2019-01-02,1,2,0.5,1.5\n", "text/csv",
             "missing column 'volume'"),
            (HEADER.encode(), "text/csv", "no rows"),
            (b"", "application/json", "empty"),
            (b"{\"bars\": [", "application/json", "not valid JSON"),
            (b"[1,2]", "application/json", "\"bars\""),
            (b"{\"bars\": []}", "application/json", "empty"),
            (b"{\"bars\": []} trailing", "application/json", "not valid JSON"),
            (b"[" * 100000, "application/json", "not valid JSON"),
            (b"{\"bars\": " + b"[" * 5000 + b"]" * 5000 + b"}", "application/json", None),
            (b"\x00\x01\x02garbage", "text/csv", None),
        ]
        for body, ctype, part in cases:
            with self.subTest(body=body, ctype=ctype):
                r = self.srv.request("POST", "/series/MAL/bars", body=body,
                                     headers={"Content-Type": ctype})
                self.problem(r, 400, part)
        self.assertEqual(self.srv.get("/series/MAL/bars").status, 404)

    def test_on_error_skip(self):
        r = self.srv.post_csv("/series/SKIP/bars",
                              csv(GOOD[0], "2019-01-03,1,2,0.5,x,1.5,10", GOOD[2],
                                  "2019-01-02,1,2,0.5,1.5,1.5,10"),
                              query="?on_error=skip")
        self.assertEqual(r.status, 200, r)
        j = r.json()
        self.assertEqual((j["received"], j["inserted"], j["skipped"]), (4, 2, 2))
        self.assertEqual([(e["row"], e["field"]) for e in j["errors"]], [(2, "close"), (4, "date")])
        self.assertEqual(j["bars_total"], 2)
        self.assertEqual(j["first_date"], "2019-01-02")
        self.assertEqual(j["last_date"], "2019-01-04")
        # Every row bad: 422 and nothing written.
        r = self.srv.post_csv("/series/SKIP2/bars", csv("2019-01-03,1,2,0.5,x,1.5,10"),
                              query="?on_error=skip")
        self.problem(r, 422, "all 1 rows failed")
        self.assertEqual(self.srv.get("/series/SKIP2/bars").status, 404)
        r = self.srv.post_csv("/series/SKIP/bars", csv(*GOOD), query="?on_error=maybe")
        self.problem(r, 422, "on_error")

    def test_tickers(self):
        text = csv(*GOOD)
        r = self.srv.post_csv("/series/brk.b/bars", text)
        self.assertEqual(r.json()["ticker"], "BRK.B")
        for t in ["^GSPC", "BTC-USD", "EURUSD=X", "A" * 16]:
            with self.subTest(t=t):
                self.assertEqual(self.srv.post_csv("/series/%s/bars" % t, text).status, 200)
        self.srv.post_csv("/series/VICTIM/bars", text)
        bad = ["%27%3B%20DROP%20TABLE%20bars%3B--", "A" * 17, "A%20B", "%C3%A9"]
        for t in bad:
            with self.subTest(t=t):
                self.problem(self.srv.post_csv("/series/%s/bars" % t, text), 400, "invalid ticker")
                self.problem(self.srv.get("/series/%s/bars" % t), 400, "invalid ticker")
                self.problem(self.srv.request("DELETE", "/series/%s" % t), 400, "invalid ticker")
        # The bars are intact and the tables still there.
        self.assertEqual(self.bars_total("VICTIM"), 3)
        if fcserver.BACKEND == "pg":
            n = fcpg.value(self.srv.db, "SELECT count(*) FROM bars")
            self.assertGreater(n, 0)
            return
        con = sqlite3.connect(self.srv.db)
        try:
            n = con.execute("SELECT count(*) FROM bars").fetchone()[0]
            self.assertGreater(n, 0)
        finally:
            con.close()

    def test_get_bars_params(self):
        rows = ["2020-01-%02d,1,2,0.5,1.5,,%d" % (d, d) for d in range(1, 11)]
        self.assertEqual(self.srv.post_csv("/series/Q/bars", csv(*rows)).status, 200)
        g = lambda q: self.srv.get("/series/Q/bars" + q)
        b = g("").json()["bars"]
        self.assertEqual([x["date"][-2:] for x in b], ["%02d" % d for d in range(1, 11)])
        self.assertIsNone(b[0]["adj_close"])
        b = g("?from=2020-01-03&to=2020-01-05").json()["bars"]
        self.assertEqual([x["volume"] for x in b], [3, 4, 5])
        b = g("?limit=3").json()["bars"]
        self.assertEqual([x["volume"] for x in b], [8, 9, 10])
        b = g("?to=2020-01-05&limit=2").json()["bars"]
        self.assertEqual([x["volume"] for x in b], [4, 5])
        self.assertEqual(g("?from=2021-01-01").json()["bars"], [])
        r = g("?format=csv&limit=2")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["content-type"].startswith("text/csv"))
        self.assertEqual(r.body.decode(), "date,open,high,low,close,adj_close,volume\n"
                                          "2020-01-09,1,2,0.5,1.5,,9\n"
                                          "2020-01-10,1,2,0.5,1.5,,10\n")
        for q, part in [("?from=2020-13-01", "from"), ("?to=x", "to"), ("?limit=0", "limit"),
                        ("?limit=-1", "limit"), ("?limit=abc", "limit"), ("?format=xml", "format"),
                        ("?from=2020-01-05&to=2020-01-01", "after")]:
            with self.subTest(q=q):
                self.problem(g(q), 422, part)
        self.problem(self.srv.get("/series/NOPE/bars"), 404)
        # The CSV output is valid input: a round trip changes nothing.
        text = g("?format=csv").body
        j = self.srv.post_csv("/series/Q/bars", text).json()
        self.assertEqual((j["inserted"], j["updated"], j["unchanged"]), (0, 0, 10))

    def test_delete(self):
        self.srv.post_csv("/series/DEL/bars", csv(*GOOD))
        # A model and a job for the series (the trainer's tables): the
        # delete must take them too.
        if fcserver.BACKEND == "pg":
            self.delete_pg()
            return
        con = sqlite3.connect(self.srv.db, timeout=30)
        try:
            sid = con.execute("SELECT id FROM series WHERE ticker = 'DEL'").fetchone()[0]
            con.execute("INSERT INTO jobs (kind, series_id, ticker, state, created_at)"
                        " VALUES ('train', ?, 'DEL', 'succeeded', '2026-01-01T00:00:00Z')", (sid,))
            con.execute("INSERT INTO models (series_id, version, created_at, champion, params,"
                        " data, metrics, blob, epochs_run, train_seconds) VALUES"
                        " (?, 1, '2026-01-01T00:00:00Z', 1, '{}', '{}', '{}', x'00', 1, 0.1)",
                        (sid,))
            con.commit()
        finally:
            con.close()
        s = [x for x in self.srv.get("/series").json()["series"] if x["ticker"] == "DEL"]
        self.assertEqual(s[0]["champion_version"], 1)
        r = self.srv.request("DELETE", "/series/del")
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.body, b"")
        self.assertEqual(self.srv.get("/series/DEL/bars").status, 404)
        self.problem(self.srv.request("DELETE", "/series/DEL"), 404)
        tickers = [s["ticker"] for s in self.srv.get("/series").json()["series"]]
        self.assertNotIn("DEL", tickers)
        con = sqlite3.connect(self.srv.db, timeout=30)
        try:
            self.assertEqual(con.execute("SELECT count(*) FROM jobs WHERE ticker = 'DEL'")
                             .fetchone()[0], 0)
            self.assertEqual(con.execute("SELECT count(*) FROM models WHERE series_id = ?",
                                         (sid,)).fetchone()[0], 0)
        finally:
            con.close()

    def delete_pg(self):
        """test_delete's second half on PostgreSQL, the rows written and
        counted with psql."""
        db = self.srv.db
        sid = fcpg.value(db, "SELECT id FROM series WHERE ticker = 'DEL'")
        fcpg.rows(db, "INSERT INTO jobs (kind, series_id, ticker, state, created_at)"
                      " VALUES ('train', %d, 'DEL', 'succeeded', '2026-01-01T00:00:00Z');"
                      " INSERT INTO models (series_id, version, created_at, champion, params,"
                      " data, metrics, blob, epochs_run, train_seconds) VALUES"
                      " (%d, 1, '2026-01-01T00:00:00Z', 1, '{}', '{}', '{}', '\\x00', 1, 0.1)"
                      % (sid, sid))
        s = [x for x in self.srv.get("/series").json()["series"] if x["ticker"] == "DEL"]
        self.assertEqual(s[0]["champion_version"], 1)
        r = self.srv.request("DELETE", "/series/del")
        self.assertEqual(r.status, 204, r)
        self.assertEqual(r.body, b"")
        self.assertEqual(self.srv.get("/series/DEL/bars").status, 404)
        self.problem(self.srv.request("DELETE", "/series/DEL"), 404)
        tickers = [s["ticker"] for s in self.srv.get("/series").json()["series"]]
        self.assertNotIn("DEL", tickers)
        self.assertEqual(fcpg.value(db, "SELECT count(*) FROM jobs WHERE ticker = 'DEL'"), 0)
        self.assertEqual(fcpg.value(db, "SELECT count(*) FROM models WHERE series_id = %d"
                                        % sid), 0)


if __name__ == "__main__":
    fcserver.run_tests()

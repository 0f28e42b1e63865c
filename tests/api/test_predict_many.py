"""test_predict_many.py -- GET /predict?ticker=A,B,C (forecasts for a
portfolio in one request) against the real server, with two small models
trained for it:

- each ticker's forecast is byte for byte the body a single /predict of it
  answers (same horizon and level), in the order of the list; the tickers
  without one (no series: 404, no model yet: 409) are problems naming their
  ticker, with the single request's status and detail; the answer is 200
  either way;
- horizon and level apply to every ticker; the list's case is normalised;
- a single ticker keeps the Prediction shape;
- a bad list is 400 (an empty item, an invalid ticker, a ticker twice,
  more than 100, version with a list); 100 is accepted; a bad horizon
  is still 422.

Every reply is checked against the OpenAPI description (fcserver)."""

import json
import os
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcserver  # noqa: E402

SMALL = {"epochs": 3, "layers": [8], "window": 10}
NO_AUTO = {"train_on_first_ingest": False}
WAIT_S = 600  # sanitizer builds train several times slower


def q(tickers, **extra):
    params = {"ticker": ",".join(tickers) if isinstance(tickers, list) else tickers}
    params.update(extra)
    return "/predict?" + urllib.parse.urlencode(params, safe=",")


class PredictManyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = fcserver.Server(config=NO_AUTO)
        cls.srv.start()
        for ticker, seed in (("PMA", 1), ("PMB", 2), ("PMC", 3)):
            r = cls.srv.post_csv("/series/%s/bars" % ticker,
                                 fcserver.generated_csv(400, seed=seed).decode())
            assert r.status == 200, r
        for ticker in ("PMA", "PMB"):  # PMC keeps no model
            r = cls.srv.post_json("/train", dict(SMALL, ticker=ticker, seed=7))
            assert r.status == 202, r
            job = r.json()["id"]
            deadline = time.time() + WAIT_S
            while True:
                j = cls.srv.get("/jobs/%d" % job).json()
                if j["state"] in ("succeeded", "failed", "cancelled"):
                    break
                assert time.time() < deadline, j
                time.sleep(0.05)
            assert j["state"] == "succeeded", j

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def test_forecasts_are_the_single_answers_in_order(self):
        singles = {t: self.srv.get(q(t)) for t in ("PMB", "PMA", "PMC", "NOSUCH")}
        self.assertEqual((singles["PMA"].status, singles["PMB"].status), (200, 200))
        self.assertEqual(singles["PMC"].status, 409)
        self.assertEqual(singles["NOSUCH"].status, 404)
        r = self.srv.get(q(["PMB", "NOSUCH", "PMA", "PMC"]))
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["content-type"].startswith("application/json"))
        doc = r.json()
        self.assertEqual(set(doc), {"forecasts", "errors"})
        self.assertEqual([f["ticker"] for f in doc["forecasts"]], ["PMB", "PMA"])
        # Byte for byte: each single body is spliced in unchanged.
        self.assertEqual(r.body, b'{"forecasts":[' + singles["PMB"].body + b","
                         + singles["PMA"].body + b'],"errors":'
                         + json.dumps(doc["errors"], separators=(",", ":")).encode() + b"}")
        self.assertEqual([(e["ticker"], e["status"]) for e in doc["errors"]],
                         [("NOSUCH", 404), ("PMC", 409)])
        for e in doc["errors"]:
            single = singles[e["ticker"]].json()
            self.assertEqual({k: e[k] for k in single}, single)
            self.assertEqual(set(e), set(single) | {"ticker"})

    def test_horizon_and_level_apply_to_all_and_case_is_normalised(self):
        r = self.srv.get(q("pma,Pmb", horizon=5, level=0.8))
        self.assertEqual(r.status, 200, r)
        doc = r.json()
        self.assertEqual(doc["errors"], [])
        for f in doc["forecasts"]:
            single = self.srv.get(q(f["ticker"], horizon=5, level=0.8)).json()
            self.assertEqual(f, single)
            self.assertEqual((len(f["predictions"]), f["level"]), (5, 0.8))

    def test_all_without_forecast_is_still_200(self):
        r = self.srv.get(q(["PMC", "NOSUCH"]))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["forecasts"], [])
        self.assertEqual(len(r.json()["errors"]), 2)

    def test_single_ticker_keeps_its_shape(self):
        r = self.srv.get(q("PMA"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(set(r.json()), {"ticker", "as_of", "last_close", "model_version",
                                         "level", "predictions", "metrics"})

    def test_bad_lists(self):
        many = ["T%d" % i for i in range(101)]
        cases = [
            ("PMA,", {}, 400, "item 2 of the list is empty"),
            (",PMA", {}, 400, "item 1 of the list is empty"),
            ("PMA,,PMB", {}, 400, "item 2 of the list is empty"),
            ("PMA,NF/LX", {}, 400, "invalid ticker 'NF/LX'"),
            ("PMA,%s" % ("A" * 40), {}, 400, "invalid ticker"),
            ("PMA,pma", {}, 400, "PMA is listed twice"),
            (",".join(many), {}, 400, "more than 100 tickers"),
            ("PMA,PMB", {"version": 1}, 400, "version names a model of one ticker"),
            ("PMA,PMB", {"horizon": 99}, 422, "horizon"),
        ]
        for tickers, extra, want, needle in cases:
            with self.subTest(tickers=tickers[:40], extra=extra):
                r = self.srv.get(q(tickers, **extra))
                self.assertEqual(r.status, want, r)
                self.assertTrue(r.headers["content-type"].startswith("application/problem+json"))
                self.assertIn(needle, r.json()["detail"])

    def test_one_hundred_is_accepted(self):
        tickers = ["PMA"] + ["X%d" % i for i in range(98)] + ["PMB"]
        r = self.srv.get(q(tickers))
        self.assertEqual(r.status, 200, r)
        doc = r.json()
        self.assertEqual([f["ticker"] for f in doc["forecasts"]], ["PMA", "PMB"])
        self.assertEqual([e["ticker"] for e in doc["errors"]], tickers[1:99])
        self.assertTrue(all(e["status"] == 404 for e in doc["errors"]))

    def test_version_with_one_ticker_still_works(self):
        r = self.srv.get(q("PMA", version=1))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["model_version"], 1)


if __name__ == "__main__":
    fcserver.run_tests()

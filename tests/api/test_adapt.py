"""Adapted intervals through the real server: a distributional model's
evaluation band is the one its metrics' coverage measured (each day's state
from the calibration and the covered days before it), and /predict's
step-1 interval uses the same state carried to the last bar, so a wild
stretch before the model's window widens it where the old fixed quantiles
would not move."""
import datetime
import math
import unittest

import fcserver
from test_train import NO_AUTO, nflx, train

EPOCHS = 2


def bars_csv(start, closes):
    """Weekday bars from the day after `start` (a date), each
    open = high = low = close, one volume. Returns (csv bytes, last day)."""
    rows = ["Date,Open,High,Low,Close,Volume"]
    day = start
    for c in closes:
        day += datetime.timedelta(days=1)
        while day.weekday() >= 5:
            day += datetime.timedelta(days=1)
        rows.append("%s,%.6f,%.6f,%.6f,%.6f,%d" % (day.isoformat(), c, c, c, c, 1000000))
    return ("\n".join(rows) + "\n").encode(), day


def alternating(base, step, n):
    """n closes moving by +step, -step, ... in log terms around base (an
    even n ends on base)."""
    return [base * math.exp(step) if k % 2 == 0 else base for k in range(n)]


class AdaptTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = fcserver.Server(config=NO_AUTO).start()
        r = cls.srv.post_csv("/series/NFLX/bars", nflx())
        assert r.status == 200, r

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def predict(self, query):
        r = self.srv.get("/predict?ticker=NFLX&" + query)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def test_evaluation_band_and_predict(self):
        srv = self.srv
        # Without the GARCH base the model reads only its window's bars, so
        # what moves the interval below is the adapted state alone.
        job = train(self, srv, {"ticker": "NFLX", "epochs": EPOCHS, "seed": 5,
                                "garch_power": 0})
        v = job["model_version"]

        # 2: the share of covered days inside each evaluation band is the
        # coverage the metrics measured on the same days.
        for level, key in ((0.8, "coverage80"), (0.95, "coverage95")):
            r = srv.get("/models/NFLX/%d/evaluation?level=%s" % (v, level))
            self.assertEqual(r.status, 200, r)
            e = r.json()
            met, pts = e["metrics"], e["points"]
            self.assertIn("mu", pts[0], "the default model is distributional")
            days = met["calibration"]["days"]
            cov = pts[len(pts) - days:]
            inside = sum(p["lower"] <= p["actual"] <= p["upper"] for p in cov)
            self.assertEqual(met["model"]["intervals"]["days"], days)
            self.assertAlmostEqual(inside / days, met["model"]["intervals"][key], places=12)
            self.assertAlmostEqual(inside / days, met["calibration"][key], places=12)
            # The band moves with the state: not a fixed multiple of sigma.
            q = {round((math.log(p["upper"] / p["naive"]) - p["mu"]) / p["sigma"], 9)
                 for p in cov}
            self.assertGreater(len(q), days // 2)
            # The CSV has the same band.
            r = srv.get("/models/NFLX/%d/evaluation?level=%s&format=csv" % (v, level))
            self.assertEqual(r.status, 200, r)
            lines = r.body.decode().strip().split("\n")[1:]
            self.assertEqual(len(lines), len(pts))
            for line, p in zip(lines, pts):
                f = line.split(",")
                self.assertEqual((float(f[7]), float(f[8])), (p["lower"], p["upper"]))

        # The same request twice is the same answer, and step 1 does not
        # depend on the horizon (computed anew for each).
        a = self.predict("level=0.9")
        self.assertEqual(self.predict("level=0.9"), a)
        b = self.predict("level=0.9&horizon=5")
        s1 = ("close", "lower", "upper", "p_up")
        self.assertEqual({k: a["predictions"][0][k] for k in s1 if k in a["predictions"][0]},
                         {k: b["predictions"][0][k] for k in s1 if k in b["predictions"][0]})

        # A calm stretch longer than the model's window, then predict; then
        # a wild stretch and the same calm stretch again: the model sees
        # the same last bars (same mu and sigma, same close), but the state
        # has folded in the wild days, so the interval is wider. The fixed
        # quantiles would give the same interval twice.
        last = a["as_of"] if "as_of" in a else None
        base = a["last_close"] if "last_close" in a else None
        self.assertIsNotNone(last)
        self.assertIsNotNone(base)
        day0 = datetime.date.fromisoformat(last)
        calm = alternating(base, 0.002, 120)
        body, day1 = bars_csv(day0, calm)
        self.assertEqual(srv.post_csv("/series/NFLX/bars", body).status, 200)
        calm_ans = self.predict("level=0.9")
        body, day2 = bars_csv(day1, alternating(base, 0.12, 40))
        self.assertEqual(srv.post_csv("/series/NFLX/bars", body).status, 200)
        body, _ = bars_csv(day2, calm)
        self.assertEqual(srv.post_csv("/series/NFLX/bars", body).status, 200)
        wild_ans = self.predict("level=0.9")
        c0, c1 = calm_ans["predictions"][0], wild_ans["predictions"][0]
        self.assertEqual(calm_ans["last_close"], wild_ans["last_close"])
        self.assertAlmostEqual(c0["close"], c1["close"], places=9)
        w0, w1 = c0["upper"] - c0["lower"], c1["upper"] - c1["lower"]
        self.assertGreater(w1, 1.2 * w0, (calm_ans, wild_ans))

        # The state carried from the previous forecast and the wild bars
        # folded in after it is the one a fresh replay gives.
        srv.restart()
        self.assertEqual(self.predict("level=0.9"), wild_ans)


if __name__ == "__main__":
    fcserver.run_tests()

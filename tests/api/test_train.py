"""test_train.py -- training jobs, the model registry and predictions,
through the real server: a small training run to success with its
progress, models and data fingerprint; predictions (shape, next sessions
after a Friday, across a holiday, every day for a series with weekend
bars; intervals that contain the point and widen with the horizon);
versions, promotion (rollback) and a restart that answers the same; a
running job that moves, blocks a second request (409 naming it) and is
cancelled without leaving a version; the automatic job of a first ingest
replaced by a user's request; retraining after new bars; kill -9 and
SIGTERM during training; bad parameters."""

import datetime
import hashlib
import os
import sqlite3
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcserver  # noqa: E402

# Small configurations keep training fast; SLOW runs long enough to be
# watched, blocked and cancelled; MID's epochs are sized to the build's
# speed (mid_epochs) so that a run lasts seconds in every build (release,
# ASan, TSan): long enough to be interrupted, short enough to finish.
SMALL = {"epochs": 3, "layers": [8], "window": 10}
SLOW = {"epochs": 1000, "layers": [32], "window": 30, "patience": 0}
MID = {"layers": [16], "window": 20, "patience": 0}
RECENT = "2019-01-01"  # NFLX from here: 1,368 bars, enough and 4x cheaper
NO_AUTO = {"train_on_first_ingest": False}
WAIT_S = 600  # sanitizer builds train several times slower


def nflx(since=None, until=None):
    """NFLX.csv rows with since <= date <= until, with the header."""
    lines = fcserver.read_data("NFLX.csv").decode().splitlines()
    keep = [lines[0]]
    for line in lines[1:]:
        d = line.split(",", 1)[0]
        if (since is None or d >= since) and (until is None or d <= until):
            keep.append(line)
    return ("\n".join(keep) + "\n").encode()


def wait_job(srv, job_id, pred, timeout=WAIT_S, what="state"):
    """Polls GET /jobs/{id} until pred(job) holds; returns the job."""
    deadline = time.time() + timeout
    while True:
        r = srv.get("/jobs/%d" % job_id)
        assert r.status == 200, r
        job = r.json()
        if pred(job):
            return job
        if time.time() > deadline:
            raise AssertionError("job %d: no %s after %ds: %r" % (job_id, what, timeout, job))
        time.sleep(0.02)


def wait_done(srv, job_id, timeout=WAIT_S):
    return wait_job(srv, job_id,
                    lambda j: j["state"] in ("succeeded", "failed", "cancelled"),
                    timeout)


def wait_training(srv, job_id, min_epoch=1):
    return wait_job(srv, job_id,
                    lambda j: j["state"] == "running" and j["progress"]["epoch"] >= min_epoch,
                    what="epoch %d" % min_epoch)


def train(tc, srv, body, expect_state="succeeded"):
    r = srv.post_json("/train", body)
    tc.assertEqual(r.status, 202, r)
    job = wait_done(srv, r.json()["id"])
    tc.assertEqual(job["state"], expect_state, job)
    return job


def mid_epochs(tc, srv, ticker, seconds=4.0):
    """Epochs of MID on ticker that take about `seconds` here, measured
    with a 2-epoch run (which stores a version)."""
    job = train(tc, srv, dict(MID, ticker=ticker, epochs=2))
    m = [x for x in srv.get("/models?ticker=%s" % ticker).json()["models"]
         if x["version"] == job["model_version"]][0]
    per_epoch = max(m["train_seconds"] / max(m["epochs_run"], 1), 1e-3)
    return max(5, min(1000, int(seconds / per_epoch) + 1))


def problem(tc, r, status, needle=None):
    tc.assertEqual(r.status, status, r)
    tc.assertTrue(r.headers["content-type"].startswith("application/problem+json"), r.headers)
    j = r.json()
    tc.assertEqual(j["status"], status)
    if needle is not None:
        tc.assertIn(needle, j["detail"])
    return j


def assert_same_numbers(tc, a, b, rel=1e-12, path="$"):
    """a and b the same JSON tree, numbers equal to rel (the service prints
    a double in 15 significant digits when they read back within an ulp or
    two, so a figure derived from read-back numbers may differ in the
    last)."""
    if isinstance(a, dict) and isinstance(b, dict):
        tc.assertEqual(set(a), set(b), path)
        for k in a:
            assert_same_numbers(tc, a[k], b[k], rel, path + "." + k)
    elif isinstance(a, list) and isinstance(b, list):
        tc.assertEqual(len(a), len(b), path)
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_numbers(tc, x, y, rel, "%s[%d]" % (path, i))
    elif isinstance(a, float) or isinstance(b, float):
        tc.assertLessEqual(abs(a - b), rel * max(abs(a), abs(b)), (path, a, b))
    else:
        tc.assertEqual(a, b, path)


def predict(srv, query):
    r = srv.get("/predict?" + query)
    assert r.status == 200, r
    return r.json()


class TrainFlowTest(unittest.TestCase):
    def test_train_models_predict_promote_restart(self):
        with fcserver.Server(config=NO_AUTO) as srv:
            r = srv.post_csv("/series/NFLX/bars", nflx(since="2019-01-01"))
            self.assertEqual(r.status, 200, r)
            n_bars = r.json()["bars_total"]
            problem(self, srv.get("/predict?ticker=NFLX"), 409, "POST /train")

            r = srv.post_json("/train", dict(SMALL, ticker="nflx"))
            self.assertEqual(r.status, 202, r)
            job = r.json()
            self.assertEqual(r.headers["location"], "/jobs/%d" % job["id"])
            self.assertEqual(set(job) >= {"id", "kind", "ticker", "state", "created_at",
                                          "started_at", "finished_at", "params", "progress",
                                          "model_version", "error"}, True)
            self.assertEqual((job["kind"], job["ticker"], job["auto"]), ("train", "NFLX", False))
            self.assertIn(job["state"], ("queued", "running"))
            self.assertEqual((job["params"]["window"], job["params"]["layers"],
                              job["params"]["epochs"], job["params"]["preset"]),
                             (10, [8], 3, "default"))
            self.assertEqual(set(job["progress"]), {"epoch", "epochs", "train_loss", "val_loss",
                                                    "best_epoch", "eta_seconds"})
            job = wait_done(srv, job["id"])
            self.assertEqual(job["state"], "succeeded", job)
            self.assertEqual(job["model_version"], 1)
            self.assertIsNotNone(job["started_at"])
            self.assertIsNotNone(job["finished_at"])
            self.assertGreaterEqual(job["progress"]["epoch"], 1)

            models = srv.get("/models?ticker=NFLX").json()["models"]
            self.assertEqual(len(models), 1)
            m = models[0]
            self.assertEqual((m["ticker"], m["version"], m["champion"]), ("NFLX", 1, True))
            self.assertEqual(m["params"], job["params"])
            csv = srv.get("/series/NFLX/bars?format=csv").body
            self.assertEqual(m["data"], {"first_date": "2019-01-02", "last_date": "2024-06-07",
                                         "bars": n_bars,
                                         "sha256": hashlib.sha256(csv).hexdigest()})
            met = m["metrics"]
            self.assertEqual(list(met), ["period", "model", "naive", "drift", "sma14", "ewma",
                                         "garch", "skill", "interval_skill80",
                                         "interval_skill95", "calibration"])
            cal = met["calibration"]
            self.assertEqual(set(cal), {"residuals", "days", "coverage80", "coverage95", "brier"})
            self.assertGreaterEqual(cal["residuals"], 30)
            self.assertGreater(cal["days"], 0)
            self.assertLessEqual(cal["days"], met["period"]["n"])
            self.assertTrue(0 <= cal["coverage80"] <= cal["coverage95"] <= 1)
            self.assertTrue(0 <= cal["brier"] <= 1)
            point_keys = {"rmse", "mae", "mape", "smape", "mase", "directional_accuracy"}
            for k in ("naive", "drift", "sma14"):
                self.assertEqual(set(met[k]), point_keys)
            # The model, EWMA and GARCH also have their intervals scored, on
            # the same days as the calibration; EWMA and GARCH are centred on
            # the naive forecast, so their point scores are naive's.
            iv_keys = {"days", "coverage80", "coverage95", "coverage80_calm",
                       "coverage80_middle", "coverage80_volatile", "interval_score80",
                       "interval_score95", "kupiec95_p", "christoffersen95_p",
                       "miss95_after_miss", "days_h5", "coverage80_h5"}
            for k in ("model", "ewma", "garch"):
                self.assertEqual(set(met[k]), point_keys | {"intervals"})
                iv = met[k]["intervals"]
                self.assertEqual(set(iv), iv_keys)
                self.assertEqual(iv["days"], cal["days"])
                self.assertEqual(iv["days_h5"], cal["days"])
                for c in ("coverage80", "coverage95", "coverage80_calm", "coverage80_middle",
                          "coverage80_volatile", "kupiec95_p", "christoffersen95_p",
                          "coverage80_h5"):
                    self.assertTrue(0 <= iv[c] <= 1, (k, c, iv))
                self.assertTrue(0 < iv["interval_score80"] < iv["interval_score95"] * 2, iv)
                if k != "model":
                    self.assertEqual({x: met[k][x] for x in point_keys}, met["naive"])
            # the same days' coverage, one as 1 - misses / n, the other as
            # hits / n: equal to the last bit or two
            for lv in ("coverage80", "coverage95"):
                self.assertAlmostEqual(met["model"]["intervals"][lv], cal[lv], places=12)
            for lv in ("80", "95"):
                self.assertAlmostEqual(met["interval_skill" + lv],
                                       1 - met["model"]["intervals"]["interval_score" + lv]
                                       / met["garch"]["intervals"]["interval_score" + lv],
                                       places=12)
            self.assertEqual((job["params"]["loss"], job["params"]["student_df"],
                              job["params"]["garch_power"]), ("gaussian", 0, 0.5))
            self.assertEqual(set(met["period"]), {"from", "to", "n"})
            self.assertAlmostEqual(met["skill"], 1 - met["model"]["rmse"] / met["naive"]["rmse"])
            self.assertGreaterEqual(m["epochs_run"], 1)
            self.assertGreater(m["train_seconds"], 0)
            series = srv.get("/series").json()["series"]
            self.assertEqual(series[0]["champion_version"], 1)

            # The last bar is Friday 2024-06-07: the next session is Monday.
            p1 = predict(srv, "ticker=NFLX")
            self.assertEqual(set(p1), {"ticker", "as_of", "last_close", "model_version", "level",
                                       "predictions", "metrics"})
            self.assertEqual((p1["ticker"], p1["as_of"], p1["model_version"], p1["level"]),
                             ("NFLX", "2024-06-07", 1, 0.9))
            self.assertAlmostEqual(p1["last_close"], 641.469971)
            assert_same_numbers(self, p1["metrics"], met)
            self.assertEqual([x["date"] for x in p1["predictions"]], ["2024-06-10"])
            p5 = predict(srv, "ticker=nflx&horizon=5")
            self.assertEqual([x["date"] for x in p5["predictions"]],
                             ["2024-06-10", "2024-06-11", "2024-06-12", "2024-06-13", "2024-06-14"])
            widths = []
            for x in p5["predictions"]:
                self.assertLessEqual(x["lower"], x["close"])
                self.assertLessEqual(x["close"], x["upper"])
                self.assertEqual(set(x), {"date", "close", "lower", "upper", "p_up"})
                self.assertTrue(0 <= x["p_up"] <= 1)
                widths.append((x["upper"] - x["lower"]) / x["close"])
            for a, b in zip(widths, widths[1:]):
                self.assertGreater(b, a)
            # The distributional model's step 1 is its calibrated one-step
            # forecast, whatever the horizon (the sample paths are for 2..).
            self.assertEqual(p5["predictions"][0], p1["predictions"][0])
            narrow = predict(srv, "ticker=NFLX&level=0.5")["predictions"][0]
            wide = predict(srv, "ticker=NFLX&level=0.95")["predictions"][0]
            self.assertLess(narrow["upper"] - narrow["lower"], wide["upper"] - wide["lower"])
            self.assertEqual(predict(srv, "ticker=NFLX"), p1)  # cached: the same answer

            # A second version becomes champion; promoting the first rolls back.
            job2 = train(self, srv, dict(SMALL, ticker="NFLX", seed=7, layers=[6]))
            self.assertEqual(job2["model_version"], 2)
            p2 = predict(srv, "ticker=NFLX")
            self.assertEqual(p2["model_version"], 2)
            self.assertNotEqual(p2["predictions"][0]["close"], p1["predictions"][0]["close"])
            self.assertEqual([(x["version"], x["champion"]) for x in
                              srv.get("/models?ticker=NFLX").json()["models"]],
                             [(2, True), (1, False)])
            r = srv.request("POST", "/models/nflx/1/promote")
            self.assertEqual(r.status, 200, r)
            self.assertEqual((r.json()["version"], r.json()["champion"]), (1, True))
            self.assertEqual(predict(srv, "ticker=NFLX"), p1)
            self.assertEqual(predict(srv, "ticker=NFLX&version=2"), p2)
            self.assertEqual(srv.get("/series").json()["series"][0]["champion_version"], 1)
            self.assertEqual([(x["version"], x["champion"]) for x in
                              srv.get("/models").json()["models"]],
                             [(2, False), (1, True)])
            problem(self, srv.request("POST", "/models/NFLX/9/promote"), 404)
            problem(self, srv.request("POST", "/models/ZZZ/1/promote"), 404)
            problem(self, srv.get("/predict?ticker=NFLX&version=9"), 404)

            # Jobs: newest first, filters, a finished job cannot be cancelled.
            jobs = srv.get("/jobs").json()["jobs"]
            self.assertEqual([j["id"] for j in jobs], [job2["id"], job["id"]])
            self.assertEqual(len(srv.get("/jobs?limit=1").json()["jobs"]), 1)
            self.assertEqual(len(srv.get("/jobs?ticker=nflx&state=succeeded").json()["jobs"]), 2)
            self.assertEqual(srv.get("/jobs?state=queued").json()["jobs"], [])
            j = problem(self, srv.request("DELETE", "/jobs/%d" % job["id"]), 409)
            self.assertEqual(j["job"], "/jobs/%d" % job["id"])
            problem(self, srv.get("/jobs/999"), 404)
            problem(self, srv.get("/jobs/abc"), 404)
            problem(self, srv.request("DELETE", "/jobs/999"), 404)

            # A restart publishes the same champion: the same answer.
            srv.restart()
            self.assertEqual(predict(srv, "ticker=NFLX"), p1)
            self.assertEqual(predict(srv, "ticker=NFLX&horizon=5&version=1"), p5)

            # A new bar moves the forecast on (the cache does not hold it).
            r = srv.post_csv("/series/NFLX/bars",
                             b"Date,Open,High,Low,Close,Adj Close,Volume\n"
                             b"2024-06-10,641,650,640,645.5,645.5,2000000\n")
            self.assertEqual(r.status, 200, r)
            p = predict(srv, "ticker=NFLX")
            self.assertEqual((p["as_of"], p["last_close"]), ("2024-06-10", 645.5))
            self.assertEqual(p["predictions"][0]["date"], "2024-06-11")

    def test_calendar_holiday_and_daily_series(self):
        with fcserver.Server(config=NO_AUTO) as srv:
            # Ends Friday 2023-12-22; Monday the 25th is Christmas.
            self.assertEqual(srv.post_csv("/series/HOL/bars",
                                          nflx("2019-01-01", "2023-12-22")).status, 200)
            train(self, srv, dict(SMALL, ticker="HOL"))
            p = predict(srv, "ticker=HOL&horizon=3")
            self.assertEqual(p["as_of"], "2023-12-22")
            self.assertEqual([x["date"] for x in p["predictions"]],
                             ["2023-12-26", "2023-12-27", "2023-12-28"])
            # Bars on every day (weekends too): a daily calendar.
            self.assertEqual(srv.post_csv("/series/BTC-USD/bars",
                                          fcserver.generated_csv(600)).status, 200)
            train(self, srv, dict(SMALL, ticker="BTC-USD"))
            p = predict(srv, "ticker=btc-usd&horizon=3")
            last = datetime.date(1900, 1, 1) + datetime.timedelta(days=599)
            self.assertEqual(p["as_of"], last.isoformat())
            self.assertEqual([x["date"] for x in p["predictions"]],
                             [(last + datetime.timedelta(days=k)).isoformat() for k in (1, 2, 3)])


class ReadYourWritesTest(unittest.TestCase):
    def test_predict_as_soon_as_the_job_succeeded(self):
        """A client that has seen its job succeed predicts with that
        version at once, a first model and a retrained one: GET /jobs/{id}
        reads under the lock the trainer holds from committing the job to
        publishing its champion. The job is polled without a pause, to land
        as close to its commit as a client can."""
        with fcserver.Server(config=NO_AUTO) as srv:
            bars = nflx(RECENT)
            for i in range(3):
                t = "RYW%d" % i
                self.assertEqual(srv.post_csv("/series/%s/bars" % t, bars).status, 200)
                for version in (1, 2):
                    r = srv.post_json("/train", dict(SMALL, ticker=t))
                    self.assertEqual(r.status, 202, r)
                    job_id = r.json()["id"]
                    while True:
                        job = srv.get("/jobs/%d" % job_id).json()
                        if job["state"] not in ("queued", "running"):
                            break
                    self.assertEqual((job["state"], job["model_version"]),
                                     ("succeeded", version), job)
                    for path in ("/predict", "/anomalies"):
                        r = srv.get("%s?ticker=%s" % (path, t))
                        self.assertEqual(r.status, 200, r)
                        self.assertEqual(r.json()["model_version"], version, path)


class BadRequestTest(unittest.TestCase):
    def test_garch_base_off(self):
        with fcserver.Server(config=NO_AUTO) as srv:
            self.assertEqual(srv.post_csv("/series/NFLX/bars", nflx(since="2019-01-01")).status, 200)
            # A point model has no GARCH base: mse turns it off.
            job = train(self, srv, {"ticker": "NFLX", "loss": "mse", "epochs": 1})
            self.assertEqual((job["params"]["loss"], job["params"]["garch_power"]), ("mse", 0))
            # No GARCH fits a series that never moves: the job fails and
            # says how to train it.
            flat = ["Date,Open,High,Low,Close,Volume"] + [
                "%s,10,10,10,10,1000" % (datetime.date(2020, 1, 1) + datetime.timedelta(days=k))
                for k in range(300)]
            self.assertEqual(srv.post_csv("/series/FLAT/bars",
                                          ("\n".join(flat) + "\n").encode()).status, 200)
            job = train(self, srv, {"ticker": "FLAT", "epochs": 1}, expect_state="failed")
            self.assertIn("garch_power 0", job["error"])
            train(self, srv, {"ticker": "FLAT", "epochs": 1, "garch_power": 0})

    def test_bad_parameters(self):
        with fcserver.Server(config=NO_AUTO) as srv:
            self.assertEqual(srv.post_csv("/series/NFLX/bars", nflx(since="2019-01-01")).status, 200)
            tiny = b"\n".join(nflx(since="2024-05-01").split(b"\n")[:11]) + b"\n"
            self.assertEqual(srv.post_csv("/series/TINY/bars", tiny).status, 200)
            for body, needle in [
                    ({"nope": 1}, "unknown key 'nope'"),
                    ({"epochs": 0}, "epochs"),
                    ({"epochs": 1001}, "epochs"),
                    ({"epochs": 2.5}, "epochs"),
                    ({"window": 1000}, "window"),
                    ({"window": 1}, "window"),
                    ({"layers": [0]}, "layers"),
                    ({"layers": [513]}, "layers"),
                    ({"layers": []}, "layers"),
                    ({"layers": "8"}, "layers"),
                    ({"features": ["nope"]}, "features"),
                    ({"features": []}, "features"),
                    ({"from": "2020-01-01", "to": "2019-01-01"}, "from is after to"),
                    ({"from": "2020-13-01"}, "from"),
                    ({"preset": "fast"}, "preset"),
                    ({"learning_rate": 0}, "learning_rate"),
                    ({"dropout": 0.95}, "dropout"),
                    ({"target": "open"}, "target"),
                    ({"batch_size": 0}, "batch_size"),
                    ({"seed": -1}, "seed"),
                    ({"garch_power": 1.5}, "garch_power"),
                    ({"garch_power": -0.1}, "garch_power"),
                    ({"garch_power": "half"}, "garch_power"),
                    ({"ticker": 5}, "ticker")]:
                b = dict(body)
                b.setdefault("ticker", "NFLX")
                problem(self, srv.post_json("/train", b), 422, needle)
            problem(self, srv.post_json("/train", "{not json"), 400)
            problem(self, srv.post_json("/train", "[1, 2]"), 400)
            problem(self, srv.post_json("/train?ticker=AAPL", {"ticker": "NFLX"}), 422, "AAPL")
            problem(self, srv.post_json("/train", {"ticker": "ZZZZ"}), 404)
            problem(self, srv.request("POST", "/train?ticker=ZZZZ"), 404)
            problem(self, srv.post_json("/train", {"ticker": "a b"}), 400)
            problem(self, srv.post_json("/train", {"ticker": "TINY"}), 422, "too few bars")
            # A failed request leaves no job behind.
            self.assertEqual(srv.get("/jobs").json()["jobs"], [])
            # Predictions.
            problem(self, srv.get("/predict?ticker=TINY"), 409, "POST /train")
            problem(self, srv.get("/predict?ticker=ZZZZ"), 404)
            problem(self, srv.get("/predict"), 422)
            problem(self, srv.get("/predict?ticker=a%20b"), 400)
            for q in ["horizon=0", "horizon=31", "horizon=x", "level=0", "level=1",
                      "level=1.5", "level=abc", "version=0", "version=x"]:
                problem(self, srv.get("/predict?ticker=NFLX&" + q), 422)
            problem(self, srv.get("/jobs?state=nope"), 422)
            problem(self, srv.get("/jobs?limit=0"), 422)
            problem(self, srv.get("/models?ticker=ZZZZ"), 404)
            self.assertEqual(srv.get("/models?ticker=NFLX").json(), {"models": []})
            # Ticker in the body and the query, the same once upper-cased.
            r = srv.post_json("/train?ticker=NFLX", dict(SMALL, ticker="nflx"))
            self.assertEqual(r.status, 202, r)
            wait_done(srv, r.json()["id"])
            # No ticker: every series gets a job, or says why not.
            r = srv.post_json("/train", SMALL)
            self.assertEqual(r.status, 202, r)
            self.assertEqual(r.headers["location"], "/jobs?state=queued")
            j = r.json()
            self.assertEqual([x["ticker"] for x in j["jobs"]], ["NFLX"])
            self.assertEqual([(x["ticker"], x["status"]) for x in j["skipped"]], [("TINY", 422)])
            wait_done(srv, j["jobs"][0]["id"])


class RunningJobTest(unittest.TestCase):
    def test_progress_conflict_cancel(self):
        with fcserver.Server(config=NO_AUTO) as srv:
            self.assertEqual(srv.post_csv("/series/NFLX/bars", nflx(since=RECENT)).status, 200)
            self.assertEqual(srv.post_csv("/series/OTHER/bars", nflx(since="2019-01-01")).status, 200)
            train(self, srv, dict(SMALL, ticker="NFLX"))
            before = predict(srv, "ticker=NFLX")

            r = srv.post_json("/train", dict(SLOW, ticker="NFLX"))
            self.assertEqual(r.status, 202, r)
            jid = r.json()["id"]
            job = wait_training(srv, jid)
            # The progress moves while it runs.
            e1 = job["progress"]["epoch"]
            job = wait_training(srv, jid, e1 + 1)
            self.assertEqual(job["progress"]["epochs"], 1000)
            self.assertIsNotNone(job["progress"]["train_loss"])
            self.assertIsNotNone(job["progress"]["eta_seconds"])
            # A second request for the ticker: 409 naming the job.
            j = problem(self, srv.post_json("/train", dict(SMALL, ticker="NFLX")), 409)
            self.assertEqual(j["job"], "/jobs/%d" % jid)
            # Predictions keep coming from the champion meanwhile.
            for _ in range(20):
                self.assertEqual(predict(srv, "ticker=NFLX"), before)
            # A queued job (the trainer is busy) is cancelled at once.
            r = srv.post_json("/train", dict(SMALL, ticker="OTHER"))
            self.assertEqual(r.status, 202, r)
            qid = r.json()["id"]
            r = srv.request("DELETE", "/jobs/%d" % qid)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json()["state"], "cancelled")
            # The running one stops at its next batch; nothing is stored.
            r = srv.request("DELETE", "/jobs/%d" % jid)
            self.assertEqual(r.status, 200, r)
            self.assertEqual((r.json()["id"], r.json()["state"]), (jid, "cancelled"))
            # The trainer is free again: the next job runs at once.
            nxt = train(self, srv, dict(SMALL, ticker="NFLX", seed=3))
            self.assertEqual(nxt["model_version"], 2)
            job = srv.get("/jobs/%d" % jid).json()
            self.assertEqual((job["state"], job["model_version"]), ("cancelled", None))
            self.assertLess(job["progress"]["epoch"], 1000)
            self.assertEqual(srv.get("/jobs/%d" % qid).json()["state"], "cancelled")
            self.assertEqual([m["version"] for m in srv.get("/models?ticker=NFLX").json()["models"]],
                             [2, 1])
            self.assertEqual(srv.get("/models?ticker=OTHER").json()["models"], [])

    def test_first_ingest_job_replaced_by_a_request(self):
        # train_on_first_ingest is on by default; the configured defaults
        # make the automatic job slow so it is still in the way.
        cfg = {"train": {"epochs": 1000, "layers": [32], "window": 30, "patience": 0}}
        with fcserver.Server(config=cfg) as srv:
            self.assertEqual(srv.post_csv("/series/NFLX/bars", fcserver.read_data("NFLX.csv")).status, 200)
            jobs = srv.get("/jobs?ticker=NFLX").json()["jobs"]
            self.assertEqual(len(jobs), 1)
            auto = jobs[0]
            self.assertEqual((auto["auto"], auto["params"]["epochs"], auto["params"]["layers"]),
                             (True, 1000, [32]))
            self.assertIn(auto["state"], ("queued", "running"))
            r = srv.post_json("/train", dict(SMALL, ticker="NFLX"))
            self.assertEqual(r.status, 202, r)
            mine = wait_done(srv, r.json()["id"])
            self.assertEqual((mine["state"], mine["model_version"]), ("succeeded", 1))
            auto = srv.get("/jobs/%d" % auto["id"]).json()
            self.assertEqual((auto["state"], auto["model_version"]), ("cancelled", None))
            self.assertIn("replaced by job %d" % mine["id"], auto["error"])
            self.assertEqual(len(srv.get("/models?ticker=NFLX").json()["models"]), 1)

    def test_retrain_after_new_bars(self):
        cfg = {"retrain_after_new_bars": 5, "train": {"epochs": 3, "layers": [8], "window": 10}}
        with fcserver.Server(config=cfg) as srv:
            self.assertEqual(srv.post_csv("/series/NFLX/bars",
                                          nflx("2019-01-01", "2024-05-24")).status, 200)
            jobs = srv.get("/jobs").json()["jobs"]
            self.assertEqual(len(jobs), 1)
            self.assertEqual(wait_done(srv, jobs[0]["id"])["state"], "succeeded")
            # Four new bars: not yet; the fifth: an automatic retrain.
            self.assertEqual(srv.post_csv("/series/NFLX/bars",
                                          nflx("2024-05-25", "2024-05-31")).status, 200)
            self.assertEqual(len(srv.get("/jobs").json()["jobs"]), 1)
            self.assertEqual(srv.post_csv("/series/NFLX/bars",
                                          nflx("2024-06-01", "2024-06-03")).status, 200)
            jobs = srv.get("/jobs").json()["jobs"]
            self.assertEqual(len(jobs), 2)
            self.assertTrue(jobs[0]["auto"])
            done = wait_done(srv, jobs[0]["id"])
            self.assertEqual(done["state"], "succeeded")
            models = srv.get("/models?ticker=NFLX").json()["models"]
            self.assertEqual(models[0]["data"]["last_date"], "2024-06-03")


    def test_scheduled_retrain(self):
        # retrain_interval_hours = 0.0005 (1.8 s): a series whose newest
        # model is older than that gets an automatic job.
        cfg = {"retrain_interval_hours": 0.0005, "train_on_first_ingest": False}
        with fcserver.Server(config=cfg) as srv:
            self.assertEqual(srv.post_csv("/series/NFLX/bars", nflx(since="2019-01-01")).status, 200)
            first = train(self, srv, dict(SMALL, ticker="NFLX"))
            deadline = time.time() + WAIT_S
            while True:
                jobs = srv.get("/jobs?ticker=NFLX").json()["jobs"]
                if len(jobs) >= 2:
                    break
                self.assertLess(time.time(), deadline, jobs)
                time.sleep(0.1)
            self.assertEqual(jobs[-1]["id"], first["id"])
            self.assertTrue(jobs[0]["auto"])
            self.assertEqual(wait_done(srv, jobs[0]["id"])["state"], "succeeded")


class CliTest(unittest.TestCase):
    def test_train_and_predict_offline(self):
        """`forecastd train --ticker` stores a version like a job would;
        `forecastd predict --ticker` answers what GET /predict answers."""
        import json
        import subprocess
        import tempfile
        with tempfile.TemporaryDirectory(prefix="fc_cli_") as d:
            db = os.path.join(d, "var", "x.db")
            csv = os.path.join(d, "nflx.csv")
            with open(csv, "wb") as f:
                f.write(nflx(since="2019-01-01"))

            def run(*args):
                return subprocess.run([fcserver.BIN] + list(args), cwd=d, capture_output=True,
                                      env=fcserver.clean_env(), timeout=WAIT_S)
            self.assertEqual(run("import", "--ticker", "NFLX", "--db", db, csv).returncode, 0)
            p = run("predict", "--ticker", "NFLX", "--db", db)
            self.assertEqual(p.returncode, 1)
            self.assertIn(b"forecastd train --ticker NFLX", p.stderr)
            self.assertEqual(run("train", "--ticker", "NFLX", "--db", db, "--epochs", "0").returncode, 2)
            p = run("train", "--ticker", "nflx", "--db", db, "--epochs", "3", "--layers", "8",
                    "--window", "10", "--quiet")
            self.assertEqual(p.returncode, 0, p.stderr)
            m = json.loads(p.stdout)
            self.assertEqual((m["ticker"], m["version"], m["champion"], m["params"]["layers"]),
                             ("NFLX", 1, True, [8]))
            p = run("predict", "--ticker", "NFLX", "--db", db, "--horizon", "2")
            self.assertEqual(p.returncode, 0, p.stderr)
            offline = json.loads(p.stdout)
            self.assertEqual([x["date"] for x in offline["predictions"]], ["2024-06-10", "2024-06-11"])
            # The CSV form prints the calendar's dates too.
            model = os.path.join(d, "m.bin")
            self.assertEqual(run("train", "--csv", csv, "--epochs", "2", "--layers", "4",
                                 "--window", "10", "--quiet", "--out", model).returncode, 0)
            p = run("predict", "--csv", csv, "--model", model, "--horizon", "2")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn(b"t+1 2024-06-10 close", p.stdout)
            self.assertIn(b"t+2 2024-06-11 close", p.stdout)
            srv = fcserver.Server(config=NO_AUTO)
            srv.db = db
            with srv:
                self.assertEqual(predict(srv, "ticker=NFLX&horizon=2"), offline)
                job = srv.get("/jobs").json()["jobs"][0]
                self.assertEqual((job["state"], job["model_version"], job["auto"]),
                                 ("succeeded", 1, False))


class CrashTest(unittest.TestCase):
    def test_kill9_and_sigterm_during_training(self):
        srv = fcserver.Server(config=NO_AUTO).start()
        try:
            self.assertEqual(srv.post_csv("/series/NFLX/bars", nflx(since=RECENT)).status, 200)
            epochs = mid_epochs(self, srv, "NFLX")  # stores version 1
            train(self, srv, dict(SMALL, ticker="NFLX"))  # version 2
            before = predict(srv, "ticker=NFLX")
            self.assertEqual(before["model_version"], 2)

            r = srv.post_json("/train", dict(MID, ticker="NFLX", epochs=epochs))
            self.assertEqual(r.status, 202, r)
            jid = r.json()["id"]
            wait_training(srv, jid)
            srv.kill()
            srv.start()
            # The champion still serves; the job is queued again and runs.
            self.assertEqual(predict(srv, "ticker=NFLX"), before)
            self.assertIn(srv.get("/jobs/%d" % jid).json()["state"], ("queued", "running"))
            job = wait_done(srv, jid)
            self.assertEqual((job["state"], job["model_version"]), ("succeeded", 3))

            # SIGTERM: the running job goes back to queued, then resumes.
            r = srv.post_json("/train", dict(MID, ticker="NFLX", seed=5, epochs=epochs))
            self.assertEqual(r.status, 202, r)
            jid = r.json()["id"]
            wait_training(srv, jid)
            self.assertEqual(srv.stop(), 0)
            if fcserver.BACKEND == "pg":
                import fcpg
                state = fcpg.value(srv.db, "SELECT state FROM jobs WHERE id = %d" % jid)
                versions = fcpg.value(srv.db, "SELECT count(*) FROM models")
            else:
                con = sqlite3.connect(srv.db)
                try:
                    state = con.execute("SELECT state FROM jobs WHERE id = ?",
                                        (jid,)).fetchone()[0]
                    versions = con.execute("SELECT count(*) FROM models").fetchone()[0]
                finally:
                    con.close()
            self.assertEqual((state, versions), ("queued", 3))
            srv.start()
            job = wait_done(srv, jid)
            self.assertEqual((job["state"], job["model_version"]), ("succeeded", 4))
        finally:
            srv.cleanup()


if __name__ == "__main__":
    fcserver.run_tests()

"""test_concurrency.py -- many clients at once: concurrent ingests into
different and into the same series (one SQLite writer at a time, none lost,
counts exact), and reads that stay fast while a large batch is being
written (WAL: readers do not wait for the writer)."""

import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcserver  # noqa: E402


def rows(start_day, n):
    import datetime
    d0 = datetime.date(2000, 1, 1) + datetime.timedelta(days=start_day)
    out = ["Date,Open,High,Low,Close,Volume"]
    for i in range(n):
        d = d0 + datetime.timedelta(days=i)
        out.append("%s,1,2,0.5,1.5,%d" % (d.isoformat(), i))
    return "\n".join(out) + "\n"


class ConcurrencyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = fcserver.Server(config={"http_threads": 4}).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def run_threads(self, fns):
        results = [None] * len(fns)
        errors = []

        def wrap(i, fn):
            try:
                results[i] = fn()
            except Exception as e:  # reported below
                errors.append(e)
        ts = [threading.Thread(target=wrap, args=(i, fn)) for i, fn in enumerate(fns)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(300)
        self.assertEqual(errors, [])
        return results

    def test_parallel_ingests(self):
        # Eight series at once, 2000 bars each.
        fns = [lambda i=i: self.srv.post_csv("/series/P%d/bars" % i, rows(0, 2000))
               for i in range(8)]
        for r in self.run_threads(fns):
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json()["inserted"], 2000)
        # Eight overlapping batches into one series: every day stored once,
        # and the inserted counts add up to the series' size.
        fns = [lambda i=i: self.srv.post_csv("/series/SAME/bars", rows(i * 500, 1000))
               for i in range(8)]
        res = self.run_threads(fns)
        for r in res:
            self.assertEqual(r.status, 200, r)
        inserted = sum(r.json()["inserted"] for r in res)
        total = len(self.srv.get("/series/SAME/bars").json()["bars"])
        self.assertEqual(total, 500 * 7 + 1000)
        self.assertEqual(inserted, total)
        for r in res:
            j = r.json()
            self.assertEqual(j["inserted"] + j["updated"] + j["unchanged"], 1000)

    def test_reads_during_a_large_write(self):
        self.srv.post_csv("/series/READ/bars", rows(0, 100))
        big = fcserver.generated_csv(300000)
        done = threading.Event()
        latencies = []

        def writer():
            r = self.srv.post_csv("/series/WRITE/bars", big)
            done.set()
            return r

        def reader():
            while not done.is_set():
                t0 = time.time()
                r = self.srv.get("/series/READ/bars?limit=5")
                latencies.append(time.time() - t0)
                if r.status != 200:
                    return r
                time.sleep(0.01)
            return None
        w, rd = self.run_threads([writer, reader])
        self.assertEqual(w.status, 200, w)
        self.assertIsNone(rd)
        self.assertGreater(len(latencies), 3)
        # A reader never waits for the whole write (which takes far longer).
        self.assertLess(max(latencies), 0.5, latencies)


if __name__ == "__main__":
    fcserver.run_tests()

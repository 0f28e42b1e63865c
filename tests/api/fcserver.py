"""fcserver.py -- run the real forecastd binary for API tests and benchmarks.

Python 3 standard library only. A Server starts `forecastd serve` on
127.0.0.1 with port 0 (the server picks a free port and logs it, so parallel
tests never race for a port), a fresh database file in its own temporary
directory (also the working directory, so no stray ./config/forecastd.json is
read), waits for /readyz, and can stop it with SIGTERM, kill it with SIGKILL
and restart it on the same database. The server's stderr (one line per
request) is drained by a thread and kept for assertions and post-mortems.

Environment: FORECASTD_BIN is the binary (ctest sets it), FC_SOURCE_DIR the
repository root (for data/).
"""

import ctypes
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

SOURCE_DIR = os.environ.get(
    "FC_SOURCE_DIR",
    os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BIN = os.path.abspath(os.environ.get("FORECASTD_BIN",
                                     os.path.join(SOURCE_DIR, "build", "forecastd")))
DATA_DIR = os.path.join(SOURCE_DIR, "data")

# ASan builds are several times slower; give start-up room.
READY_TIMEOUT_S = 60


def die_with_parent():
    """In the child before exec: SIGKILL it when its parent dies.

    ctest kills a test that passes its timeout; without this the server it
    started would live on, holding a core, long after the run. (The signal
    follows the thread that forked: servers are started from the test's main
    thread.)"""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def clean_env(extra=None):
    """The environment minus every FORECASTD_* variable, plus extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FORECASTD_")}
    env.update(extra or {})
    return env


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # dict, lower-case names
        self.body = body        # bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "<%d %r>" % (self.status, self.body[:300])


class Server:
    def __init__(self, config=None, env=None, args=None, workdir=None):
        """config: dict written as the --config file (None: no file);
        env: extra environment; args: extra command-line arguments."""
        self.own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="fc_api_")
        self.db = os.path.join(self.dir, "var", "forecastd.db")
        self.config = config
        self.env = env or {}
        self.args = list(args or [])
        self.proc = None
        self.port = None
        self.log = []
        self._reader = None

    # -- life cycle ---------------------------------------------------------

    def start(self, wait_ready=True):
        cmd = [BIN, "serve", "--port", "0", "--db", self.db]
        if self.config is not None:
            path = os.path.join(self.dir, "config.json")
            with open(path, "w") as f:
                json.dump(self.config, f)
            cmd += ["--config", path]
        cmd += self.args
        self.log = []
        self.port = None
        self.proc = subprocess.Popen(cmd, cwd=self.dir, env=clean_env(self.env),
                                     stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE,
                                     preexec_fn=die_with_parent)
        listening = threading.Event()

        def drain(proc, log):
            for raw in proc.stderr:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                log.append(line)
                m = re.search(r"listening on http://[^ ]*:(\d+)/", line)
                if m:
                    self.port = int(m.group(1))
                    listening.set()
            listening.set()  # the process ended

        self._reader = threading.Thread(target=drain, args=(self.proc, self.log),
                                        daemon=True)
        self._reader.start()
        if not listening.wait(READY_TIMEOUT_S) or self.port is None:
            self.kill()
            raise RuntimeError("server did not start:\n" + "\n".join(self.log))
        if wait_ready:
            self.wait_ready()
        return self

    def wait_ready(self):
        deadline = time.time() + READY_TIMEOUT_S
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited %d:\n%s"
                                   % (self.proc.returncode, "\n".join(self.log)))
            try:
                if self.get("/readyz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError("server not ready:\n" + "\n".join(self.log))

    def stop(self, timeout=60):
        """SIGTERM; returns the exit code."""
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        self._reader.join(5)
        self.proc.stderr.close()
        self.proc = None
        return code

    def kill(self):
        """SIGKILL, as a crash would."""
        if self.proc is None:
            return
        self.proc.kill()
        self.proc.wait()
        if self._reader is not None:
            self._reader.join(5)
        self.proc.stderr.close()
        self.proc = None

    def restart(self):
        if self.proc is not None:
            self.stop()
        return self.start()

    def cleanup(self):
        """Stops a running server with SIGTERM and removes its directory.
        Raises AssertionError when it does not exit 0: a clean shutdown is
        part of every test, and in sanitizer builds a leak or a memory error
        turns into a non-zero exit here."""
        code = 0
        if self.proc is not None:
            code = self.stop()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)
        if code != 0:
            raise AssertionError("server exited %s on SIGTERM; last log lines:\n%s"
                                 % (code, "\n".join(self.log[-40:])))

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()

    # -- requests -----------------------------------------------------------

    def request(self, method, path, body=None, headers=None, timeout=300):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            if isinstance(body, str):
                body = body.encode("utf-8")
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            data = r.read()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
            return Response(r.status, hdrs, data)
        finally:
            conn.close()

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def post_csv(self, ticker_path, text, headers=None, query=""):
        h = {"Content-Type": "text/csv"}
        h.update(headers or {})
        return self.request("POST", ticker_path + query, body=text, headers=h)

    def post_json(self, path, obj, headers=None):
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        body = obj if isinstance(obj, (str, bytes)) else json.dumps(obj)
        return self.request("POST", path, body=body, headers=h)


def read_data(name):
    with open(os.path.join(DATA_DIR, name), "rb") as f:
        return f.read()


def generated_csv(n_rows, start_day=0, seed=1):
    """n_rows valid bars on consecutive days from 1900-01-01 + start_day, in
    the Yahoo layout. Deterministic."""
    import datetime
    out = ["Date,Open,High,Low,Close,Adj Close,Volume"]
    d0 = datetime.date(1900, 1, 1) + datetime.timedelta(days=start_day)
    one = datetime.timedelta(days=1)
    price = 100.0 + seed
    d = d0
    for i in range(n_rows):
        o = price
        c = price * (1.0 + (((i * 7919 + seed) % 201) - 100) / 10000.0)
        hi = max(o, c) * 1.01
        lo = min(o, c) * 0.99
        out.append("%s,%.4f,%.4f,%.4f,%.4f,%.4f,%d"
                   % (d.isoformat(), o, hi, lo, c, c, 1000000 + i))
        price = c
        d += one
    return ("\n".join(out) + "\n").encode("ascii")


def run_tests():
    """unittest main with a non-zero exit on any failure (for ctest)."""
    import unittest
    prog = unittest.main(module="__main__", exit=False, verbosity=2)
    sys.exit(0 if prog.result.wasSuccessful() else 1)

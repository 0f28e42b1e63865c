"""fcserver.py -- run the real forecastd binary for API tests and benchmarks.

Python 3 standard library only. A Server starts `forecastd serve` on
127.0.0.1 with port 0 (the server picks a free port and logs it, so parallel
tests never race for a port), a fresh database file in its own temporary
directory (also the working directory, so no stray ./config/forecastd.json is
read), waits for /readyz, and can stop it with SIGTERM, kill it with SIGKILL
and restart it on the same database. The server's stderr (one line per
request) is drained by a thread and kept for assertions and post-mortems.

Every reply a test receives through Server.request is checked against the
OpenAPI description the server itself serves (GET /openapi.json, fetched
once per server): the operation is found by method and path template, the
answer by status (then 4XX/5XX, then default), and its media type must be
one the answer lists; a JSON body (problem+json included) is validated
against that schema with python3-jsonschema, $refs resolved in the document.
A reply the description does not allow raises ContractError naming the
method, path, status and the validator's message. python3-jsonschema is
required (scripts/lib.sh installs it): without it the tests fail at import,
so a machine that lacks it cannot pass them unchecked.

Environment: FORECASTD_BIN is the binary (ctest sets it), FC_SOURCE_DIR the
repository root (for data/). FC_BACKEND=pg runs the servers on PostgreSQL:
each Server gets a database of its own, created on the server FC_PG_URI
names (scripts/pg) and dropped by cleanup(), and its db is that database's
URI; without FC_PG_URI such a test is skipped (exit 77).
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
import urllib.parse

import jsonschema

SOURCE_DIR = os.environ.get(
    "FC_SOURCE_DIR",
    os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BIN = os.path.abspath(os.environ.get("FORECASTD_BIN",
                                     os.path.join(SOURCE_DIR, "build", "forecastd")))
DATA_DIR = os.path.join(SOURCE_DIR, "data")

# ASan builds are several times slower; give start-up room.
READY_TIMEOUT_S = 60

# The store the servers run on: "sqlite" (a file per server) or "pg".
BACKEND = os.environ.get("FC_BACKEND", "sqlite")
PG_URI = os.environ.get("FC_PG_URI", "")
if BACKEND == "pg" and not PG_URI:
    print("SKIP: FC_BACKEND=pg needs FC_PG_URI (scripts/pg start DIR)",
          file=sys.stderr)
    sys.exit(77)


def pg_admin(sql):
    """Runs sql on FC_PG_URI's database with psql (CREATE/DROP DATABASE)."""
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", PG_URI,
                    "-c", sql], check=True, stdout=subprocess.DEVNULL)


def pg_database():
    """A new empty database on FC_PG_URI's server: (name, its URI)."""
    name = "fc_api_%d_%s" % (os.getpid(), os.urandom(4).hex())
    pg_admin("CREATE DATABASE %s" % name)
    base, _, rest = PG_URI.partition("://")
    host, _, path = rest.partition("/")
    query = path.partition("?")[2]
    return name, "%s://%s/%s%s" % (base, host, name, "?" + query if query else "")


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


class ContractError(AssertionError):
    """A reply the server's own OpenAPI description does not allow."""


JSON_MEDIA = ("application/json", "application/problem+json")


def media_type(ctype):
    """'application/json; charset=utf-8' -> 'application/json'."""
    return (ctype or "").split(";")[0].strip().lower()


class Contract:
    """The OpenAPI description of one server, ready to check its replies."""

    def __init__(self, doc):
        self.doc = doc
        self.ops = []  # (method, compiled path template, template, operation)
        for template, item in doc.get("paths", {}).items():
            rx = re.compile("^" + re.sub(r"\\\{[^}/]+\\\}", "[^/]+",
                                         re.escape(template)) + "$")
            for method, op in item.items():
                if method in ("get", "put", "post", "delete", "patch",
                              "head", "options", "trace"):
                    self.ops.append((method.upper(), rx, template, op))
        # Literal templates before templated ones: /jobs before /{x}.
        self.ops.sort(key=lambda o: "{" in o[2])

    def resolve(self, obj):
        """obj with a local $ref followed (a response or a schema)."""
        seen = 0
        while isinstance(obj, dict) and "$ref" in obj and seen < 16:
            ref = obj["$ref"]
            if not ref.startswith("#/"):
                raise ContractError("non-local $ref %r" % ref)
            obj = self.doc
            for part in ref[2:].split("/"):
                obj = obj[part.replace("~1", "/").replace("~0", "~")]
            seen += 1
        return obj

    def operation(self, method, path):
        """(template, operation) for the request, or (None, None)."""
        if method == "HEAD":
            method = "GET"
        path = urllib.parse.urlsplit(path).path
        for m, rx, template, op in self.ops:
            if m == method and rx.match(path):
                return template, op
        return None, None

    def answer(self, op, status):
        """The response object for a status, or None."""
        responses = op.get("responses", {})
        for key in (str(status), "%dXX" % (status // 100), "default"):
            if key in responses:
                return self.resolve(responses[key])
        return None

    def validate(self, schema, instance):
        """Raises jsonschema's ValidationError when instance does not fit.
        The schema is checked under a root that holds the document's
        components, so its '#/components/...' references resolve."""
        root = {"allOf": [schema], "components": self.doc.get("components", {})}
        cls = jsonschema.Draft202012Validator
        cls(root, format_checker=cls.FORMAT_CHECKER).validate(instance)

    def check(self, method, path, status, headers, body):
        """Raises ContractError when the reply is not one the description
        allows for this operation and status."""
        where = "%s %s -> %d" % (method, path, status)
        template, op = self.operation(method, path)
        mtype = media_type(headers.get("content-type"))
        if op is None:
            # No operation (an unknown path, a method a route does not
            # have): only the shape of a problem is promised.
            if mtype == "application/problem+json" and body:
                self._check_json(where, {"$ref": "#/components/schemas/Problem"},
                                 body)
            return
        where = "%s (%s %s)" % (where, method, template)
        answer = self.answer(op, status)
        if answer is None:
            raise ContractError("%s: status %d is not described" % (where, status))
        content = answer.get("content") or {}
        if not body and (method == "HEAD" or not content):
            return  # HEAD drops the body; 204 has none
        if mtype not in content:
            raise ContractError("%s: media type %r is not described (the "
                                "answer lists %s)" % (where, mtype,
                                                      sorted(content) or "none"))
        schema = content[mtype].get("schema")
        if mtype in JSON_MEDIA and schema is not None:
            self._check_json(where, schema, body)

    def _check_json(self, where, schema, body):
        try:
            instance = json.loads(body.decode("utf-8"))
        except ValueError as e:
            raise ContractError("%s: the body is not JSON: %s" % (where, e))
        try:
            self.validate(schema, instance)
        except jsonschema.ValidationError as e:
            at = "/".join(str(p) for p in e.absolute_path) or "(root)"
            raise ContractError("%s: the body does not fit the OpenAPI "
                                "description at %s: %s"
                                % (where, at, e.message)) from None


class Server:
    def __init__(self, config=None, env=None, args=None, workdir=None):
        """config: dict written as the --config file (None: no file);
        env: extra environment; args: extra command-line arguments."""
        self.own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix="fc_api_")
        self.db = os.path.join(self.dir, "var", "forecastd.db")
        self.pg_name = None
        if BACKEND == "pg":
            self.pg_name, self.db = pg_database()
        self.config = config
        self.env = env or {}
        self.args = list(args or [])
        self.wrap = []  # a command the server runs under (e.g. unshare)
        self.proc = None
        self.port = None
        self.log = []
        self._reader = None
        self.contract = None  # Contract, fetched at the first checked reply
        self.check_contract = True

    # -- life cycle ---------------------------------------------------------

    def start(self, wait_ready=True):
        cmd = self.wrap + [BIN, "serve", "--port", "0", "--db", self.db]
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
        # The description first, while the client's rate-limit bucket is
        # full (GET /openapi.json needs no database).
        if self.check_contract:
            self.openapi()
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
        if self.pg_name is not None:
            pg_admin("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.pg_name)
            self.pg_name = None
        if code != 0:
            raise AssertionError("server exited %s on SIGTERM; last log lines:\n%s"
                                 % (code, "\n".join(self.log[-40:])))

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()

    # -- requests -----------------------------------------------------------

    def raw_request(self, method, path, body=None, headers=None, timeout=300):
        """One request; the reply is not checked against the description."""
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

    def request(self, method, path, body=None, headers=None, timeout=300):
        """One request; the reply is checked against the server's OpenAPI
        description (ContractError when it does not fit)."""
        r = self.raw_request(method, path, body, headers, timeout)
        if self.check_contract:
            self.openapi().check(method, path, r.status, r.headers, r.body)
        return r

    def openapi(self):
        """The server's Contract, fetched once."""
        if self.contract is None:
            r = self.raw_request("GET", "/openapi.json")
            if r.status == 429:  # a test spent the bucket before the fetch
                time.sleep(int(r.headers.get("retry-after", "1")))
                r = self.raw_request("GET", "/openapi.json")
            if r.status != 200:
                raise ContractError("GET /openapi.json -> %d" % r.status)
            self.contract = Contract(r.json())
        return self.contract

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def metrics(self):
        """GET /metrics as text with the replica label taken out of every
        sample, after checking that every sample has it and that all name
        one replica (the one /readyz names, once the server is ready)."""
        text = self.get("/metrics").body.decode()
        seen, out = set(), []
        for line in text.splitlines():
            if line and not line.startswith("#"):
                m = re.match(r'([a-z_]+)\{replica="([^"]*)"(,?)(.*)$', line)
                if m is None:
                    raise ContractError("a /metrics sample without the "
                                        "replica label: " + line)
                seen.add(m.group(2))
                rest = m.group(4)
                line = m.group(1) + ("{" + rest if m.group(3) else rest[1:])
            out.append(line)
        if len(seen) > 1:
            raise ContractError("/metrics names several replicas: %s" % seen)
        r = self.raw_request("GET", "/readyz")
        if r.status == 200 and seen:
            if json.loads(r.body)["replica"] not in seen:
                raise ContractError("/metrics and /readyz name other replicas")
        return "\n".join(out) + "\n"

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

"""test_http.py -- the HTTP surface: 404/405/413/415, the API key, health,
readiness, metrics, the OpenAPI document, CORS, static files and path
traversal, HEAD/OPTIONS, the rate limit, the access log, keep-alive, many
connections at once, and SIGTERM."""

import http.client
import os
import re
import signal
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcserver  # noqa: E402

CSV = ("Date,Open,High,Low,Close,Adj Close,Volume\n"
       "2019-01-02,1,2,0.5,1.5,1.5,100\n")


def is_problem(tc, r, status, part=None):
    tc.assertEqual(r.status, status, r)
    tc.assertTrue(r.headers.get("content-type", "").startswith("application/problem+json"),
                  r.headers)
    p = r.json()
    tc.assertEqual((p["type"], p["status"]), ("about:blank", status))
    if part is not None:
        tc.assertIn(part, p["detail"])
    return p


class HttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        web = os.path.join(fcserver.tempfile.mkdtemp(prefix="fc_web_"), "web")
        os.makedirs(os.path.join(web, "js"))
        with open(os.path.join(web, "index.html"), "w") as f:
            f.write("<h1>hello</h1>")
        with open(os.path.join(web, "js", "app.js"), "w") as f:
            f.write("console.log(1)")
        with open(os.path.join(web, ".secret"), "w") as f:
            f.write("hidden")
        cls.web = web
        cls.srv = fcserver.Server(config={"web_dir": web, "cors_origin": "https://x.example"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def test_health_ready(self):
        r = self.srv.get("/healthz")
        self.assertEqual((r.status, r.json()), (200, {"status": "ok"}))
        r = self.srv.get("/readyz")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["status"], "ready")
        self.assertGreaterEqual(r.json()["schema_version"], 1)

    def test_404_405_415(self):
        is_problem(self, self.srv.get("/nope"), 404, "openapi")
        is_problem(self, self.srv.request("POST", "/nope", body="x"), 404)
        is_problem(self, self.srv.get("/series/NFLX/bars/extra"), 404)
        r = self.srv.request("PUT", "/series/NFLX/bars", body="x")
        is_problem(self, r, 405)
        self.assertEqual(r.headers["allow"], "GET, HEAD, POST, OPTIONS")
        r = self.srv.request("POST", "/healthz")
        is_problem(self, r, 405)
        self.assertIn("GET", r.headers["allow"])
        r = self.srv.request("GET", "/series/NFLX")
        is_problem(self, r, 405)
        self.assertIn("DELETE", r.headers["allow"])
        # curl -d's default type, no type, and others: 415, detail shows the header.
        for ctype in ["application/x-www-form-urlencoded", "text/plain", "application/xml", None]:
            with self.subTest(ctype=ctype):
                h = {} if ctype is None else {"Content-Type": ctype}
                r = self.srv.request("POST", "/series/T415/bars", body=CSV, headers=h)
                is_problem(self, r, 415, "Content-Type: text/csv")
        # Parameters and case in the media type are fine.
        r = self.srv.request("POST", "/series/T415/bars", body=CSV,
                             headers={"Content-Type": "Text/CSV; charset=utf-8"})
        self.assertEqual(r.status, 200, r)

    def test_openapi_lists_the_routes(self):
        r = self.srv.get("/openapi.json")
        self.assertEqual(r.status, 200)
        doc = r.json()
        self.assertEqual(doc["openapi"], "3.1.0")
        paths = doc["paths"]
        self.assertEqual(set(paths["/series/{ticker}/bars"]), {"parameters", "get", "post"})
        for p in ["/healthz", "/readyz", "/metrics", "/openapi.json", "/series",
                  "/series/{ticker}", "/", "/train", "/jobs", "/jobs/{id}",
                  "/models", "/models/{ticker}/{version}/promote", "/predict",
                  "/models/{ticker}/{version}/evaluation", "/backtest", "/anomalies"]:
            self.assertIn(p, paths)
        # Every $ref resolves.
        text = r.body.decode()
        for ref in set(re.findall(r'"\$ref": ?"#/([^"]+)"', text)):
            node = doc
            for part in ref.split("/"):
                node = node[part]

    def test_metrics(self):
        self.srv.post_csv("/series/MET/bars", CSV)
        self.srv.get("/nope")
        text = self.srv.metrics()
        self.assertRegex(text, r'forecastd_http_requests_total\{route="/series/\{ticker\}/bars",status="200"\} \d+')
        self.assertRegex(text, r'forecastd_http_requests_total\{route="static",status="404"\} \d+')
        self.assertRegex(text, r'forecastd_http_request_duration_seconds_bucket\{route="/healthz",le="\+Inf"\} \d+')
        m = re.search(r'forecastd_bars_ingested_total\{outcome="inserted"\} (\d+)', text)
        self.assertIsNotNone(m)
        self.assertGreaterEqual(int(m.group(1)), 1)

    def test_cors(self):
        r = self.srv.get("/healthz")
        self.assertEqual(r.headers["access-control-allow-origin"], "https://x.example")
        r = self.srv.request("OPTIONS", "/series/NFLX/bars",
                             headers={"Origin": "https://x.example",
                                      "Access-Control-Request-Method": "POST"})
        self.assertEqual(r.status, 204)
        self.assertIn("POST", r.headers["access-control-allow-methods"])
        self.assertIn("Authorization", r.headers["access-control-allow-headers"])

    def test_static_files_and_traversal(self):
        r = self.srv.get("/")
        self.assertEqual((r.status, r.body), (200, b"<h1>hello</h1>"))
        self.assertTrue(r.headers["content-type"].startswith("text/html"))
        r = self.srv.get("/js/app.js")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["content-type"].startswith("text/javascript"))
        for path in ["/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/.secret", "/js/../index.html",
                     "/js/", "//etc/passwd", "/..%2f..%2fetc%2fpasswd", "/index.html%00.js",
                     "/js/..", "/nothing.html"]:
            with self.subTest(path=path):
                conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=10)
                conn.putrequest("GET", path, skip_accept_encoding=True)
                conn.endheaders()
                resp = conn.getresponse()
                body = resp.read()
                conn.close()
                # A NUL byte makes the request malformed (400); the rest
                # simply is not there (404).
                self.assertEqual(resp.status, 400 if "%00" in path else 404, (path, body))
                self.assertNotIn(b"root:", body)
                self.assertNotIn(b"hidden", body)

    def test_head_and_options(self):
        r = self.srv.request("HEAD", "/healthz")
        self.assertEqual((r.status, r.body), (200, b""))
        r = self.srv.request("OPTIONS", "/series")
        self.assertEqual(r.status, 204)
        self.assertIn("GET", r.headers["allow"])

    def test_keep_alive_and_many_connections(self):
        # Many requests on one connection: the server must not close it after
        # every reply (the first-call trap of libmicrohttpd).
        conn = http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=10)
        for _ in range(50):
            conn.request("GET", "/healthz")
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, 200)
            self.assertNotEqual(r.getheader("Connection", "").lower(), "close")
        conn.close()
        # 256 connections at once all get answered (the epoll trap).
        socks = []
        try:
            for _ in range(256):
                s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=30)
                socks.append(s)
            for s in socks:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            for s in socks:
                data = b""
                while b"\r\n\r\n" not in data or not data.endswith(b"}"):
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:100])
        finally:
            for s in socks:
                s.close()

    def test_access_log(self):
        self.srv.get("/healthz?probe=1")
        time.sleep(0.2)
        lines = [l for l in self.srv.log if 'path="/healthz"' in l]
        self.assertTrue(lines, self.srv.log[-5:])
        self.assertRegex(lines[-1], r'^ts=\S+ method=GET path="/healthz" status=200 us=\d+')

    def test_bad_requests_never_crash(self):
        junk = [b"GARBAGE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"\x00\xff" * 100,
                b"POST /series/X/bars HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
                b"POST /series/X/bars HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                b"Content-Type: text/csv\r\n\r\nZZZ\r\n"]
        for j in junk:
            s = socket.create_connection(("127.0.0.1", self.srv.port), timeout=10)
            try:
                s.sendall(j)
                s.shutdown(socket.SHUT_WR)
                try:
                    s.recv(4096)
                except OSError:
                    pass
            finally:
                s.close()
        self.assertEqual(self.srv.get("/healthz").status, 200)
        self.assertIsNone(self.srv.proc.poll())


class LimitsTest(unittest.TestCase):
    def test_body_over_limit_is_413(self):
        with fcserver.Server(config={"max_body_bytes": 2048}) as srv:
            big = CSV + "".join("2019-02-%02d,1,2,0.5,1.5,1.5,100\n" % (1 + i % 28)
                                for i in range(200))
            self.assertGreater(len(big), 2048)
            r = srv.post_csv("/series/BIG/bars", big)
            is_problem(self, r, 413, "max_body_bytes")
            # Chunked (no Content-Length) is capped the same way.
            conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
            conn.request("POST", "/series/BIG/bars", body=iter([big.encode()[:1500], big.encode()[1500:]]),
                         headers={"Content-Type": "text/csv"}, encode_chunked=True)
            resp = conn.getresponse()
            self.assertEqual(resp.status, 413)
            resp.read()
            conn.close()
            self.assertEqual(srv.get("/series/BIG/bars").status, 404)
            # Under the limit still works on the same server.
            self.assertEqual(srv.post_csv("/series/BIG/bars", CSV).status, 200)

    def test_auth(self):
        with fcserver.Server(args=["--api-key", "s3cret"]) as srv:
            r = srv.post_csv("/series/AUTH/bars", CSV)
            is_problem(self, r, 401)
            self.assertTrue(r.headers["www-authenticate"].startswith("Bearer"))
            for h in ["Bearer wrong", "Bearer s3cre", "Bearer s3crett", "Basic czNjcmV0", "s3cret"]:
                with self.subTest(h=h):
                    is_problem(self, srv.post_csv("/series/AUTH/bars", CSV,
                                                  headers={"Authorization": h}), 401)
            is_problem(self, srv.request("DELETE", "/series/AUTH"), 401)
            ok = {"Authorization": "Bearer s3cret"}
            self.assertEqual(srv.post_csv("/series/AUTH/bars", CSV, headers=ok).status, 200)
            # Reads stay open.
            self.assertEqual(srv.get("/series/AUTH/bars").status, 200)
            self.assertEqual(srv.get("/series").status, 200)
            self.assertEqual(srv.request("DELETE", "/series/AUTH", headers=ok).status, 204)
        # The same key from the environment.
        with fcserver.Server(env={"FORECASTD_API_KEY": "k2"}) as srv:
            is_problem(self, srv.post_csv("/series/AUTH/bars", CSV), 401)
            self.assertEqual(srv.post_csv("/series/AUTH/bars", CSV,
                                          headers={"Authorization": "Bearer k2"}).status, 200)
        # No key: no auth.
        with fcserver.Server() as srv:
            self.assertEqual(srv.post_csv("/series/AUTH/bars", CSV).status, 200)

    def test_rate_limit(self):
        with fcserver.Server(config={"rate_limit_per_second": 2}) as srv:
            statuses = [srv.get("/series").status for _ in range(6)]
            self.assertIn(429, statuses)
            self.assertEqual(statuses[0], 200)
            r = srv.get("/series")
            if r.status == 429:
                is_problem(self, r, 429)
                self.assertGreaterEqual(int(r.headers["retry-after"]), 1)
            # Health checks are never limited; unknown paths are.
            self.assertTrue(all(srv.get("/healthz").status == 200 for _ in range(5)))
            self.assertIn(429, [srv.get("/nope").status for _ in range(6)])

    def test_readyz_503_until_the_database_opens(self):
        import sqlite3
        import fcpg
        srv = fcserver.Server()
        try:
            if fcserver.BACKEND == "pg":
                # Hold the migrations' advisory lock: the server's open
                # waits for it.
                con = fcpg.Session(srv.db)
                con.run("BEGIN; SELECT pg_advisory_xact_lock(7378707441427299);")
            else:
                os.makedirs(os.path.dirname(srv.db))
                # Hold an exclusive lock: the server's open waits
                # (busy_timeout).
                con = sqlite3.connect(srv.db, isolation_level=None)
                con.execute("BEGIN EXCLUSIVE")
                con.execute("CREATE TABLE hold (x)")
            srv.start(wait_ready=False)
            self.assertEqual(srv.get("/healthz").status, 200)
            is_problem(self, srv.get("/readyz"), 503, "database")
            is_problem(self, srv.get("/series"), 503)
            is_problem(self, srv.post_csv("/series/R/bars", CSV), 503)
            con.execute("ROLLBACK")
            con.close()
            srv.wait_ready()
            self.assertEqual(srv.post_csv("/series/R/bars", CSV).status, 200)
        finally:
            srv.cleanup()

    def test_sigterm_exits_zero(self):
        srv = fcserver.Server().start()
        try:
            srv.post_csv("/series/T/bars", CSV)
            code = srv.stop()
            self.assertEqual(code, 0)
            self.assertTrue(any("stopped" in l for l in srv.log), srv.log[-5:])
            # The data is there after a clean restart.
            srv.start()
            self.assertEqual(len(srv.get("/series/T/bars").json()["bars"]), 1)
            # SIGINT (Ctrl-C) is a clean stop too.
            srv.proc.send_signal(signal.SIGINT)
            self.assertEqual(srv.proc.wait(60), 0)
            srv._reader.join(10)
            srv.proc.stderr.close()
            srv.proc = None
            self.assertTrue(any("SIGINT received" in l for l in srv.log), srv.log[-5:])
        finally:
            srv.cleanup()


if __name__ == "__main__":
    fcserver.run_tests()

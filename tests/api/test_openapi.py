"""The OpenAPI description at /openapi.json against the server that serves it.

- it is served as JSON, OpenAPI 3.1, with a unique operationId on every
  operation;
- every route the server answers is described, and nothing more: each
  probe path's Allow header (OPTIONS) names exactly the methods the
  description has for its template (plus HEAD with GET, and OPTIONS), and
  paths no route has are 404;
- the validator fcserver.py applies to every reply is live: a copy of a real
  reply with a member added or removed, or under a status the operation does
  not list, is refused;
- every example in the description fits its schema.
"""

import copy
import json
import os
import unittest

import fcserver

# One concrete path per route of the router (server/http/api.c), the
# template the description must list it under, and the dashboard's "/".
PROBES = {
    "/healthz": "/healthz",
    "/readyz": "/readyz",
    "/metrics": "/metrics",
    "/openapi.json": "/openapi.json",
    "/series": "/series",
    "/series/NFLX": "/series/{ticker}",
    "/series/NFLX/bars": "/series/{ticker}/bars",
    "/train": "/train",
    "/jobs": "/jobs",
    "/jobs/1": "/jobs/{id}",
    "/models": "/models",
    "/models/NFLX/1/promote": "/models/{ticker}/{version}/promote",
    "/models/NFLX/1/evaluation": "/models/{ticker}/{version}/evaluation",
    "/predict": "/predict",
    "/backtest": "/backtest",
    "/anomalies": "/anomalies",
}
# Paths a client might guess; no route has them.
NOT_ROUTES = ["/series/NFLX/models", "/models/NFLX", "/models/NFLX/1",
              "/jobs/1/cancel", "/config", "/version", "/predict/NFLX"]
METHODS = ("get", "put", "post", "delete", "patch")
CSV = ("Date,Open,High,Low,Close,Adj Close,Volume\n"
       "2024-01-02,10,11,9.5,10.5,10.5,1000\n")


class OpenApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = fcserver.Server(config={
            "train_on_first_ingest": False,
            "web_dir": os.path.join(fcserver.SOURCE_DIR, "web")}).start()
        r = cls.srv.get("/openapi.json")
        cls.doc = r.json()

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def operations(self):
        for template, item in self.doc["paths"].items():
            for method in METHODS:
                if method in item:
                    yield template, method, item[method]

    def contract(self):
        return self.srv.openapi()

    def test_served_as_openapi_31(self):
        r = self.srv.get("/openapi.json")
        self.assertEqual(r.status, 200)
        self.assertEqual(fcserver.media_type(r.headers["content-type"]),
                         "application/json")
        self.assertEqual(self.doc["openapi"], "3.1.0")
        self.assertTrue(self.doc["info"]["license"]["name"])
        self.assertTrue(self.doc["servers"])

    def test_operation_ids_are_unique(self):
        ids = [op.get("operationId") for _, _, op in self.operations()]
        self.assertEqual(len(ids), 19)
        self.assertNotIn(None, ids)
        self.assertEqual(len(set(ids)), len(ids), ids)

    def test_every_route_is_described(self):
        described = {(t, m.upper()) for t, m, _ in self.operations()}
        answered = set()
        for path, template in PROBES.items():
            options = self.srv.request("OPTIONS", path)
            self.assertEqual(options.status, 204, path)
            allow = {m.strip() for m in options.headers["allow"].split(",")}
            self.assertIn("OPTIONS", allow, path)
            self.assertEqual("GET" in allow, "HEAD" in allow, path)
            answered |= {(template, m) for m in allow - {"OPTIONS", "HEAD"}}
            # A method the route does not have is 405 with the same Allow.
            for m in METHODS:
                if m.upper() not in allow:
                    r = self.srv.request(m.upper(), path)
                    self.assertEqual(r.status, 405, (m, path))
                    self.assertEqual(r.headers["allow"],
                                     options.headers["allow"], path)
        # The dashboard: a GET of static files, no route of its own.
        self.assertEqual(self.srv.get("/").status, 200)
        answered.add(("/", "GET"))
        self.assertEqual(answered, described)
        for path in NOT_ROUTES:
            for m in ("GET", "POST", "DELETE"):
                self.assertEqual(self.srv.request(m, path).status, 404,
                                 (m, path))

    def test_a_wrong_reply_is_refused(self):
        c = self.contract()
        self.assertEqual(self.srv.post_csv("/series/WRONG/bars", CSV).status, 200)
        r = self.srv.get("/series")
        self.assertEqual(r.status, 200)
        good = r.json()

        def check(method, path, status, obj, ctype="application/json"):
            c.check(method, path, status, {"content-type": ctype},
                    json.dumps(obj).encode())

        check("GET", "/series", 200, good)  # the real reply fits
        extra = copy.deepcopy(good)
        extra["series"][0]["surprise"] = 1
        with self.assertRaisesRegex(fcserver.ContractError,
                                    r"GET /series -> 200.*surprise"):
            check("GET", "/series", 200, extra)
        missing = copy.deepcopy(good)
        del missing["series"][0]["bars"]
        with self.assertRaisesRegex(fcserver.ContractError, "'bars' is a required"):
            check("GET", "/series", 200, missing)
        with self.assertRaisesRegex(fcserver.ContractError, "status 404 is not described"):
            check("GET", "/healthz", 404, good)
        with self.assertRaisesRegex(fcserver.ContractError, "media type"):
            check("GET", "/series", 200, good, "text/plain")
        # Problems too, described or not.
        r = self.srv.get("/predict?ticker=WRONG")
        self.assertEqual(r.status, 409)
        problem = r.json()
        problem["hint"] = "x"
        for path in ("/predict?ticker=WRONG", "/no/such/route"):
            with self.assertRaisesRegex(fcserver.ContractError, "hint"):
                check("GET", path, 409, problem, "application/problem+json")
        # And the request helper itself raises.
        with self.assertRaisesRegex(fcserver.ContractError, "not described"):
            saved = c.doc["paths"]["/series"]["get"]["responses"].pop("200")
            try:
                self.srv.get("/series")
            finally:
                c.doc["paths"]["/series"]["get"]["responses"]["200"] = saved

    def test_examples_fit_their_schemas(self):
        c = self.contract()
        n = 0
        for template, method, op in self.operations():
            media = [("request", (op.get("requestBody") or {}).get("content", {}))]
            for status, answer in op["responses"].items():
                media.append((status, c.resolve(answer).get("content", {})))
            for where, content in media:
                for mtype, m in content.items():
                    examples = [m["example"]] if "example" in m else []
                    examples += [c.resolve(e)["value"]
                                 for e in m.get("examples", {}).values()]
                    for ex in examples:
                        if mtype.endswith("json"):
                            with self.subTest(op=op["operationId"], at=where):
                                c.validate(m["schema"], ex)
                        n += 1
                    self.assertTrue(examples, (template, method, where, mtype))
        self.assertGreater(n, 100)


if __name__ == "__main__":
    fcserver.run_tests()

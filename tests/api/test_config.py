"""test_config.py -- settings: the shipped config/forecastd.json holds every
key with its default; file < FORECASTD_* environment < flags; unknown keys,
wrong types, bad values and bad JSON stop start-up with exit 2 and a message
naming the key; ./config/forecastd.json is read when present; an environment
override reaches the running server."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fcserver  # noqa: E402


def run(args, env=None, cwd=None, config=None):
    """Runs forecastd with args; config (a dict or text) is written to a file
    passed with --config. Returns (code, stdout, stderr)."""
    cwd = cwd or tempfile.mkdtemp(prefix="fc_cfg_")
    if config is not None:
        path = os.path.join(cwd, "given.json")
        with open(path, "w") as f:
            f.write(config if isinstance(config, str) else json.dumps(config))
        args = args + ["--config", path]
    p = subprocess.run([fcserver.BIN] + args, cwd=cwd, env=fcserver.clean_env(env),
                       capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def effective(env=None, cwd=None, config=None, flags=()):
    code, out, err = run(["config"] + list(flags), env=env, cwd=cwd, config=config)
    if code != 0:
        raise AssertionError("forecastd config exited %d: %s" % (code, err))
    return json.loads(out)


class ConfigTest(unittest.TestCase):
    def test_shipped_file_is_every_key_with_its_default(self):
        with open(os.path.join(fcserver.SOURCE_DIR, "config", "forecastd.json")) as f:
            shipped = json.load(f)
        self.assertEqual(shipped, effective())
        for key in ["bind", "port", "db", "api_key", "http_threads", "max_body_bytes",
                    "max_connections", "rate_limit_per_second", "blas_threads",
                    "train_threads", "train_on_first_ingest", "retrain_after_new_bars",
                    "retrain_interval_hours", "promotion_manual", "promotion_auto",
                    "cors_origin", "web_dir", "train"]:
            self.assertIn(key, shipped)
        self.assertEqual(shipped["bind"], "127.0.0.1")
        self.assertEqual(shipped["port"], 8080)
        self.assertEqual(shipped["db"], "./var/forecastd.db")
        self.assertEqual(shipped["max_body_bytes"], 64 << 20)
        self.assertEqual(shipped["rate_limit_per_second"], 0)
        self.assertIs(shipped["train_on_first_ingest"], True)
        self.assertEqual(shipped["promotion_manual"], "always")
        self.assertEqual(shipped["promotion_auto"], "if_not_worse")
        for key in ["preset", "window", "layers", "epochs", "batch_size", "learning_rate",
                    "dropout", "patience", "seed", "max_epochs", "max_window", "max_units"]:
            self.assertIn(key, shipped["train"])
        self.assertEqual(shipped["train"]["preset"], "default")
        self.assertEqual(shipped["train"]["max_epochs"], 1000)
        self.assertEqual(shipped["train"]["max_window"], 365)
        self.assertEqual(shipped["train"]["max_units"], 512)
        # The shipped file itself loads.
        self.assertEqual(effective(config=shipped), shipped)

    def test_precedence_file_env_flags(self):
        cfg = {"port": 1111, "db": "/tmp/a.db", "train": {"epochs": 5}}
        self.assertEqual(effective(config=cfg)["port"], 1111)
        self.assertEqual(effective(config=cfg)["train"]["epochs"], 5)
        env = {"FORECASTD_PORT": "2222", "FORECASTD_TRAIN_EPOCHS": "7",
               "FORECASTD_TRAIN_LAYERS": "32,16", "FORECASTD_TRAIN_ON_FIRST_INGEST": "false",
               "FORECASTD_CORS_ORIGIN": "*"}
        e = effective(config=cfg, env=env)
        self.assertEqual((e["port"], e["train"]["epochs"], e["train"]["layers"]), (2222, 7, [32, 16]))
        self.assertIs(e["train_on_first_ingest"], False)
        self.assertEqual(e["cors_origin"], "*")
        self.assertEqual(e["db"], "/tmp/a.db")
        e = effective(config=cfg, env=env, flags=["--port", "3333", "--db=/tmp/b.db",
                                                  "--bind", "::1", "--api-key", "k"])
        self.assertEqual((e["port"], e["db"], e["bind"], e["api_key"]),
                         (3333, "/tmp/b.db", "::1", "k"))
        # FORECASTD_CONFIG names the file when --config is absent.
        d = tempfile.mkdtemp(prefix="fc_cfg_")
        path = os.path.join(d, "c.json")
        with open(path, "w") as f:
            json.dump({"http_threads": 3}, f)
        self.assertEqual(effective(env={"FORECASTD_CONFIG": path})["http_threads"], 3)

    def test_reads_config_dir_of_the_working_directory(self):
        d = tempfile.mkdtemp(prefix="fc_cfg_")
        os.makedirs(os.path.join(d, "config"))
        with open(os.path.join(d, "config", "forecastd.json"), "w") as f:
            json.dump({"port": 4444}, f)
        self.assertEqual(effective(cwd=d)["port"], 4444)

    def test_errors_name_the_key_and_exit_2(self):
        cases = [
            ({"prot": 8080}, "prot"),
            ({"train": {"epocs": 3}}, "train.epocs"),
            ({"port": "8080"}, "port"),
            ({"port": 70000}, "port"),
            ({"port": 80.5}, "port"),
            ({"http_threads": 0}, "http_threads"),
            ({"promotion_auto": "sometimes"}, "promotion_auto"),
            ({"train": {"preset": "fast"}}, "train.preset"),
            ({"train": {"layers": [50, "x"]}}, "train.layers"),
            ({"train": {"layers": []}}, "train.layers"),
            ({"train": {"window": 400}}, "train.window"),
            ({"train": {"epochs": 5000}}, "train.epochs"),
            ({"train": {"layers": [1024]}}, "train.layers"),
            ({"train_on_first_ingest": 1}, "train_on_first_ingest"),
            ({"bind": ""}, "bind"),
            ({"bind": "localhost"}, "bind"),
            ("{\"port\": 8080,", "line 1"),
            ("[1, 2]", "top level"),
        ]
        for cfg, name in cases:
            for cmd in (["config"], ["serve", "--port", "0", "--db", ":memory:"]):
                with self.subTest(cfg=cfg, cmd=cmd[0]):
                    code, _, err = run(cmd, config=cfg)
                    self.assertEqual(code, 2, err)
                    self.assertIn(name, err)
        code, _, err = run(["config", "--config", "/nonexistent/x.json"])
        self.assertEqual(code, 2)
        self.assertIn("/nonexistent/x.json", err)
        for env, name in [({"FORECASTD_PORT": "http"}, "FORECASTD_PORT"),
                          ({"FORECASTD_TRAIN_EPOCHS": "-1"}, "FORECASTD_TRAIN_EPOCHS"),
                          ({"FORECASTD_MAX_BODY_BYTES": "1e99"}, "FORECASTD_MAX_BODY_BYTES")]:
            with self.subTest(env=env):
                code, _, err = run(["config"], env=env)
                self.assertEqual(code, 2, err)
                self.assertIn(name, err)
        code, _, err = run(["serve", "--port", "x"])
        self.assertEqual(code, 2)
        self.assertIn("--port", err)
        code, _, err = run(["serve", "--bogus", "1"])
        self.assertEqual(code, 2)
        self.assertIn("--bogus", err)
        code, _, err = run(["frobnicate"])
        self.assertEqual(code, 2)
        self.assertIn("usage", err)

    def test_environment_reaches_the_server(self):
        with fcserver.Server(env={"FORECASTD_MAX_BODY_BYTES": "1500"}) as srv:
            body = "Date,Open,High,Low,Close,Volume\n" + "2019-01-02,1,2,0.5,1.5,1\n" * 100
            r = srv.post_csv("/series/E/bars", body)
            self.assertEqual(r.status, 413, r)
        # The default database path: ./var/forecastd.db, directory created.
        srv = fcserver.Server()
        try:
            srv.db = None
            d = srv.dir
            p = subprocess.Popen([fcserver.BIN, "serve", "--port", "0"], cwd=d,
                                 env=fcserver.clean_env(), stderr=subprocess.PIPE)
            try:
                line = p.stderr.readline().decode()
                self.assertIn("listening", line)
                line = p.stderr.readline().decode()
                self.assertIn("ready", line)
                self.assertTrue(os.path.exists(os.path.join(d, "var", "forecastd.db")))
            finally:
                p.terminate()
                self.assertEqual(p.wait(30), 0)
                p.stderr.close()
        finally:
            srv.cleanup()

    def test_unusable_database_fails_start(self):
        d = tempfile.mkdtemp(prefix="fc_cfg_")
        bad = os.path.join(d, "not.db")
        with open(bad, "wb") as f:
            f.write(b"not a database" * 1000)
        code, _, err = run(["serve", "--port", "0", "--db", bad], cwd=d)
        self.assertEqual(code, 1)
        self.assertIn("database", err)


if __name__ == "__main__":
    fcserver.run_tests()

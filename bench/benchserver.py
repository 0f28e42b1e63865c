"""benchserver.py -- what the benchmarks that start the real server share:
the API tests' fcserver module (tests/api/fcserver.py), set by --bin to the
forecastd binary to run (default: build/forecastd, or FORECASTD_BIN), and
the server their set-up uses.

    ap = argparse.ArgumentParser()
    benchserver.add_bin(ap)
    args = ap.parse_args()
    fcserver = benchserver.fcserver(args)
    with benchserver.server(fcserver) as srv:
        ...
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "api"))


def add_bin(ap):
    """The --bin option of ArgumentParser ap."""
    ap.add_argument("--bin", default=None,
                    help="the forecastd binary (default build/forecastd)")


def fcserver(args):
    """The fcserver module, starting args.bin when it is given."""
    if args.bin:
        os.environ["FORECASTD_BIN"] = os.path.abspath(args.bin)
    import fcserver as module
    return module


def server(fcserver):
    """A fresh server (use it with `with`) that trains only when asked and
    does not check replies against the OpenAPI description: the benchmarks'
    set-up, their timed requests going raw."""
    srv = fcserver.Server(config={"train_on_first_ingest": False})
    srv.check_contract = False
    return srv

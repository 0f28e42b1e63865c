"""fcbuild.py -- what kind of build FORECASTD_BIN is, for tests whose size
or whose checks depend on it (a 60 s load run, RSS figures, many kill -9
trials). Python 3 standard library only."""

import functools

import fcserver


@functools.lru_cache(maxsize=None)
def sanitizer():
    """"thread", "address" or None: the sanitizer the binary was built
    with, read from its runtime's symbols (the sanitizer runtimes are
    linked into the executable, so their entry points are in its symbol
    table whatever the environment says)."""
    with open(fcserver.BIN, "rb") as f:
        data = f.read()
    if b"__tsan_init" in data:
        return "thread"
    if b"__asan_init" in data:
        return "address"
    return None

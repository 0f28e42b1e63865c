"""fcpg.py -- what the API tests read or write in a PostgreSQL database
directly, with psql (no Python driver needed): the equivalent of their
sqlite3 calls when FC_BACKEND=pg (fcserver.BACKEND)."""

import subprocess

SEP = "\x1f"


def _value(text):
    """psql's text for one field: an int when it is one, None for NULL."""
    if text == "\\N":
        return None
    try:
        return int(text)
    except ValueError:
        return text


def rows(uri, sql):
    """The rows of sql run on the database at uri, as tuples (ints as
    ints). Several statements may be given; the rows are the last one's."""
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", SEP,
                        "-P", "null=\\N", "-v", "ON_ERROR_STOP=1", uri,
                        "-c", sql],
                       check=True, capture_output=True, text=True)
    return [tuple(_value(f) for f in line.split(SEP))
            for line in p.stdout.splitlines() if line != ""]


def value(uri, sql):
    """The first column of the first row of sql."""
    return rows(uri, sql)[0][0]


class Session:
    """A psql session kept open (to hold a lock across other work)."""

    def __init__(self, uri):
        self.proc = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", uri],
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def run(self, sql):
        """Runs sql and waits until psql has done it."""
        self.proc.stdin.write(sql + "\n\\echo fc-done\n")
        self.proc.stdin.flush()
        while self.proc.stdout.readline().strip() != "fc-done":
            pass

    execute = run  # as sqlite3's connection says it

    def close(self):
        self.proc.stdin.write("\\q\n")
        self.proc.stdin.close()
        self.proc.wait(30)

"""A PostgreSQL server for the tests: Debian's postgresql run as the
unprivileged user postgres (PostgreSQL refuses root) in a temporary
folder, a Unix socket only (listen_addresses=''), no fsync; one server
per test session, a fresh database per test (PgServer.fresh()).
"""
import itertools
import os
import shutil
import subprocess
import tempfile
import time

PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
PG_USER = "postgres"


def available():
    return os.path.exists(os.path.join(PG_BIN, "initdb"))


def _as_user(argv, **kw):
    if os.getuid() == 0:
        argv = ["runuser", "-u", PG_USER, "--"] + argv
    return subprocess.run(argv, capture_output=True, text=True,
                          timeout=60, **kw)


class PgServer:
    """One postgres process; stop() ends it and removes its folder."""

    _n = itertools.count(1)

    def __init__(self, durable=False):
        self.dir = tempfile.mkdtemp(prefix="chatircd-pg-")
        os.chmod(self.dir, 0o755)       # the socket, for any test user
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "log")
        if os.getuid() == 0:
            shutil.chown(self.dir, PG_USER)
        r = _as_user([os.path.join(PG_BIN, "initdb"), "-D", self.data,
                      "-U", PG_USER, "-A", "trust", "-E", "UTF8",
                      "--no-sync"])
        assert r.returncode == 0, r.stderr
        fast = ("fsync = off\nsynchronous_commit = off\n"
                "full_page_writes = off\n")
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            f.write("listen_addresses = ''\n"
                    "unix_socket_directories = '%s'\n"
                    "max_connections = 200\nshared_buffers = 32MB\n%s"
                    % (self.dir, "" if durable else fast))
        self.start()

    def start(self):
        r = _as_user([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data,
                      "-l", self.log, "-w", "-t", "30", "start"])
        assert r.returncode == 0, r.stdout + r.stderr + self.log_text()

    def stop(self, mode="fast"):
        _as_user([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-m",
                  mode, "-w", "stop"])

    def log_text(self):
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ""

    def psql(self, dbname, sql):
        r = _as_user([os.path.join(PG_BIN, "psql"), "-h", self.dir, "-U",
                      PG_USER, "-d", dbname, "-XAtq", "-v",
                      "ON_ERROR_STOP=1", "-c", sql])
        assert r.returncode == 0, r.stderr
        return r.stdout

    def fresh(self):
        """A new empty database: its libpq URI for --db."""
        name = "t%d_%d" % (os.getpid(), next(self._n))
        self.psql("postgres", "CREATE DATABASE %s" % name)
        return self.uri(name)

    def uri(self, name):
        return "postgresql:///%s?host=%s&user=%s" % (name, self.dir,
                                                       PG_USER)

    def close(self):
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


_server = None


def server():
    """The session's server, started on first use."""
    global _server
    if _server is None:
        _server = PgServer()
    return _server


def shutdown():
    global _server
    if _server is not None:
        _server.close()
        _server = None


def is_pg(db):
    return db.startswith(("postgresql://", "postgres://"))


def query(db, sql):
    """One query on a store, either backend: the rows as tuples of
    strings (the tests' own look at what was stored)."""
    if is_pg(db):
        r = subprocess.run(["psql", db, "-XAtq", "-F", "\t", "-v",
                            "ON_ERROR_STOP=1", "-c", sql],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        return [tuple(line.split("\t")) for line in r.stdout.splitlines()]
    import sqlite3
    con = sqlite3.connect(db)
    try:
        return [tuple(str(v) for v in row) for row in con.execute(sql)]
    finally:
        con.close()


def lock_table(db, table, mode):
    """A psql session holding table locked in mode (its transaction
    open): write ROLLBACK to its stdin to let go."""
    p = subprocess.Popen(["psql", db, "-XAtq"], stdin=subprocess.PIPE,
                         text=True, stdout=subprocess.PIPE)
    p.stdin.write("BEGIN; LOCK TABLE %s IN %s MODE; SELECT 'locked';\n"
                  % (table, mode))
    p.stdin.flush()
    assert p.stdout.readline().strip() == "locked"
    return p


class WriteLock:
    """Hold the store's messages still: what the writer waits behind.
    SQLite: another process's write lock; PostgreSQL: a session holding
    msg locked."""

    def __init__(self, db):
        self.db = db
        if is_pg(db):
            self.p = lock_table(db, "msg", "EXCLUSIVE")
        else:
            import sqlite3
            self.con = sqlite3.connect(db, isolation_level=None,
                                       timeout=10)
            self.con.execute("BEGIN IMMEDIATE")

    def release(self):
        if is_pg(self.db):
            self.p.stdin.write("ROLLBACK;\n")
            self.p.stdin.close()
            self.p.wait(10)
        else:
            self.con.execute("ROLLBACK")
            self.con.close()

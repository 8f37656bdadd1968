"""Database outages: which errors mean "locked or unreachable", and a gate that stops a queue forming.

A database that is locked by another process or cannot be reached makes every request wait the
database's bounded wait (PWA_DB_WAIT_SECONDS) and then fail. With many requests in flight they
would queue for threads, each waiting in turn, and the last would answer after minutes. So once
one has failed, the others fail at once (`Gate.admit`) while a single request at a time (the
"trial") tries the database for real; the first that gets through opens the way again. The
trial is whatever request comes next, or the `/healthz` check, so recovery needs no restart.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import threading
import time

from sqlalchemy import exc as sa

from pwa.errors import DatabaseUnavailable

log = logging.getLogger("pwa.db")

# SQLite's primary result codes that mean "another process has it" or "the file cannot be used now":
# BUSY, LOCKED, IOERR, FULL, CANTOPEN, PROTOCOL. Anything else (a syntax error, a constraint) is a bug or bad data.
_SQLITE_CODES = {5, 6, 10, 13, 14, 15}
_SQLITE_WORDS = ("database is locked", "database table is locked", "unable to open database file")
# PostgreSQL's SQLSTATE classes that mean the same: connection exception, insufficient resources
# (too many connections, disk full), operator intervention (shutdown, cannot connect now), system error.
_PG_CLASSES = {"08", "53", "57", "58"}
_PG_STATES = {"55P03"}  # lock_not_available: a lock held longer than the wait (lock_timeout)


def is_outage(error: BaseException) -> bool:
    """True if `error` means the database is locked or out of reach (try again soon), not a mistake in the code."""
    if isinstance(error, sa.TimeoutError | sa.DisconnectionError):  # no pooled connection free; connection lost
        return True
    if isinstance(error, sa.DBAPIError):
        if error.connection_invalidated:
            return True
        if error.orig is None:
            return False
        error = error.orig
    if isinstance(error, sqlite3.OperationalError):
        code = getattr(error, "sqlite_errorcode", None)
        return (code & 0xFF) in _SQLITE_CODES if code is not None else str(error) in _SQLITE_WORDS
    psycopg = sys.modules.get("psycopg")  # loaded only by a process on PostgreSQL
    if psycopg is not None and isinstance(error, psycopg.OperationalError):
        state = error.sqlstate
        # No SQLSTATE: the client's own failure (refused, timed out, connection lost).
        return state is None or state[:2] in _PG_CLASSES or state in _PG_STATES
    return False


def trips_gate(error: BaseException) -> bool:
    """False for a lock on some rows that outlived the wait (PostgreSQL's lock_timeout), or every pooled
    connection busy: the database itself answers, so other requests must not be turned away."""
    if isinstance(error, sa.TimeoutError):
        return False
    orig = error.orig if isinstance(error, sa.DBAPIError) else error
    return getattr(orig, "sqlstate", None) not in _PG_STATES


class Gate:
    """What this process last saw of its database, and the one trial allowed while it is failing."""

    def __init__(self, what: str) -> None:
        self.what = what  # the database, without credentials, for the log
        self.failing = False
        self.checked = 0.0  # monotonic time of the last answer or failure
        self.writes_blocked = False  # SQLite: the last write waited out another process's write lock
        self._trial: int | None = None  # the thread making the trial
        self._lock = threading.Lock()

    def admit(self) -> bool:
        """Let a database call through, or raise DatabaseUnavailable at once while another is trying.
        True when this call is the trial (it must then call `done`, whatever happens)."""
        if not self.failing:
            return False
        me = threading.get_ident()
        with self._lock:
            if self._trial == me:  # a session inside the trial's own: part of the same trial
                return False
            if self._trial is not None:
                raise DatabaseUnavailable()
            self._trial = me
            return True

    def answered(self, *, wrote: bool = False) -> None:
        """The database answered (whatever the use case then decided)."""
        self.checked = time.monotonic()
        if wrote:
            self.writes_blocked = False
        if self.failing:
            with self._lock:
                if self.failing:
                    self.failing = False
                    log.warning("database %s answers again", self.what)

    def failed(self, error: BaseException, *, writing: bool = False) -> None:
        """The database could not be used: fail the requests that follow at once until one gets through."""
        self.checked = time.monotonic()
        if writing and isinstance(getattr(error, "orig", error), sqlite3.OperationalError) and not self.failing:
            self.writes_blocked = True  # reads may still work (WAL): only writes wait
        elif trips_gate(error):
            with self._lock:
                if not self.failing:
                    self.failing = True
                    log.warning("database %s unavailable (%s): failing fast until it answers", self.what, _why(error))

    def done(self, trial: bool) -> None:
        """The trial is over: the next call may try again."""
        if trial:
            self._trial = None


def _why(error: BaseException) -> str:
    """The error's class and first line, without the SQL or parameters SQLAlchemy appends."""
    orig = error.orig if isinstance(error, sa.DBAPIError) else error
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    return f"{type(orig).__name__}: {first[:200]}"

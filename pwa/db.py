"""The database: one engine per app, SQLite or PostgreSQL with the same code.

SQLite gets WAL, a busy timeout, foreign keys, and `BEGIN IMMEDIATE` for
write transactions so two writers queue instead of failing half-way.

Every wait is bounded (`wait`, PWA_DB_WAIT_SECONDS): a lock held by another process, a
connection, a free pooled connection. Past it, or when the database cannot be reached, a
session raises `DatabaseUnavailable` (503, try again) instead of the driver's error
(pwa/outage.py).
"""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlmodel import Session

from pwa.errors import DatabaseUnavailable
from pwa.outage import Gate, is_outage
from pwa.settings import ROOT_DIR

if TYPE_CHECKING:
    from alembic.config import Config

P = ParamSpec("P")
T = TypeVar("T")
WRITE_OPTION = "pwa_write"
MIGRATIONS_DIR = ROOT_DIR / "migrations"
WAIT_SECONDS = 5.0  # the default of PWA_DB_WAIT_SECONDS


class NotMigrated(RuntimeError):
    """The database schema is behind the code."""


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, wait: float = WAIT_SECONDS) -> Engine:
    """Create an engine with the pragmas and transaction rules of this app; no wait lasts past `wait` seconds."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, wait)
    return _postgresql_engine(url, wait)


def _postgresql_engine(url: str, wait: float) -> Engine:
    # Bounded waits: to connect, for a row or table lock (lock_timeout), for a pooled connection.
    # TCP keepalives and tcp_user_timeout end a connection whose server vanished without a word
    # (a cut cable, a host gone), which would otherwise hang for the kernel's ~15 minutes.
    # A value the URL already gives (`?connect_timeout=…`) is kept.
    query = make_url(url).query
    given = str(query.get("options", ""))
    lock_timeout = "" if "lock_timeout" in given else f"-c lock_timeout={int(wait * 1000)}"
    options = " ".join(filter(None, [given, lock_timeout]))
    defaults: dict[str, Any] = {
        "connect_timeout": max(2, math.ceil(wait)),
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        "tcp_user_timeout": int(wait * 1000),
    }
    connect_args = {k: v for k, v in defaults.items() if k not in query}
    connect_args["options"] = options
    return create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=20, pool_timeout=wait, connect_args=connect_args
    )


def _sqlite_engine(url: str, wait: float = WAIT_SECONDS) -> Engine:
    path = url.split("///", 1)[-1].split("?", 1)[0]
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Create the file owner-only before SQLite does (its -wal and -shm copy these rights).
        # Only when missing: closing any descriptor of an open SQLite file drops the
        # process's POSIX locks on it, which would corrupt concurrent access.
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600))
    # Keep as many connections as threads may use at once: a connection past the pool's size is
    # closed after each use, and opening one again costs the pragmas below.
    # `timeout` bounds the wait for another process's lock while connecting; the pragma, every
    # statement after. Past it SQLite says "database is locked" and the request answers 503.
    connect_args = {"check_same_thread": False, "timeout": wait}
    engine = create_engine(url, connect_args=connect_args, pool_size=10, max_overflow=20, pool_timeout=wait)
    busy_ms = int(wait * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock up front: no deadlock on lock upgrade.
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


_writes_lock = threading.Lock()
_writes: dict[str, int] = {}  # write transactions committed through this process, per database URL


class Database:
    """The app's engine and its two kinds of session: read and write."""

    def __init__(self, url: str, *, wait: float = WAIT_SECONDS) -> None:
        self.url = normalise_url(url)
        self.wait = wait
        self.engine = make_engine(self.url, wait)
        self._write_engine = self.engine.execution_options(**{WRITE_OPTION: True})
        self._mark_lock = threading.Lock()
        self._mark_connection: sqlite3.Connection | None = None
        self.gate = Gate(self.engine.url.render_as_string(hide_password=True))

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded engine."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; anything written is rolled back."""
        trial = self.gate.admit()
        try:
            with Session(self.engine) as session:
                yield session
        except Exception as exc:
            self._failed(exc)
            raise
        else:
            self.gate.answered()
        finally:
            self.gate.done(trial)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one write transaction, committed on success."""
        trial = self.gate.admit()
        try:
            with Session(self._write_engine) as session, session.begin():
                yield session
        except Exception as exc:
            self._failed(exc, writing=True)
            raise
        else:
            self.gate.answered(wrote=True)
        finally:
            self.gate.done(trial)
        with _writes_lock:
            _writes[self.url] = _writes.get(self.url, 0) + 1

    def _failed(self, exc: Exception, *, writing: bool = False) -> None:
        """Raise DatabaseUnavailable in place of an error that means "locked or unreachable"; note
        that the database answered otherwise (a use case's own AppError, a constraint...)."""
        if isinstance(exc, DatabaseUnavailable):  # from a session inside this one: already counted
            return
        if not is_outage(exc):
            self.gate.answered()
            return
        self.gate.failed(exc, writing=writing)
        raise DatabaseUnavailable() from exc

    @property
    def local_writes(self) -> int:
        """Write transactions this process has committed here: anything kept from before is stale once this moves."""
        return _writes.get(self.url, 0)

    def change_mark(self) -> int | None:
        """A number that moves whenever anything is committed to this database, by any process:
        what was read before is current while it stays the same. None where there is no such cheap
        signal (PostgreSQL, in-memory SQLite): then nothing may be kept on its strength.

        SQLite's `PRAGMA data_version`, on a connection of its own that never writes: it moves with
        every commit of every other connection, this process's included. Reading it takes a few
        microseconds and never waits for a writer (WAL)."""
        path = self.engine.url.database if self.is_sqlite else None
        if not path or path == ":memory:" or path.startswith("file:"):
            return None
        with self._mark_lock:
            if self._mark_connection is None:
                # No busy wait (timeout 0): this runs on the event loop. Locked by another process, it
                # gives no mark, so the request goes to the database and answers its 503 from a thread.
                self._mark_connection = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
            try:
                return int(self._mark_connection.execute("PRAGMA data_version").fetchone()[0])
            except sqlite3.OperationalError:
                return None

    def ping(self) -> bool:
        """True if the database answers a query that reads it (a lock held by another process included).
        SQLite's `SELECT 1` would answer without reading the file; its schema version must."""
        query = "PRAGMA schema_version" if self.is_sqlite else "SELECT 1"
        try:
            with self.read() as session:
                return session.connection().exec_driver_sql(query).scalar() is not None
        except DatabaseUnavailable:
            return False

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        with self._mark_lock:
            if self._mark_connection is not None:
                self._mark_connection.close()
                self._mark_connection = None


# Alembic is imported only where it is used: serving pages and delivering pushes never need it
# (`pwa serve` migrates in a child process), and it costs each process about 11 MB.


def alembic_config(db: Database) -> Config:
    """An Alembic configuration pointing at this database."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    cfg.attributes["engine"] = db.engine
    return cfg


def migrate(db: Database) -> None:
    """Bring the schema up to date."""
    from alembic import command

    command.upgrade(alembic_config(db), "heads")


def pending_migrations(db: Database) -> bool:
    """True when the schema lacks a migration the code has."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(db))
    with db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current != set(script.get_heads())


def check_migrated(db: Database) -> None:
    """Refuse to run on a schema that is behind the code."""
    if pending_migrations(db):
        raise NotMigrated("The database is not up to date: run `pwa migrate` (or `pwa serve`).")


def dialect_insert(session: Session) -> Any:
    """`insert()` of the session's dialect, for `on_conflict_do_*` upserts (SQLite and PostgreSQL spell them alike)."""
    # Imported here: a process on SQLite then never loads the PostgreSQL dialect (about 2 MB).
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert

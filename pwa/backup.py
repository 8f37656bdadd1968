"""Backing up and restoring the SQLite database while the app may be running.

Both directions use SQLite's online backup API, never a file copy: a copy of a live WAL database
can miss what sits in the -wal file or tear a page mid-write. A backup reads one consistent
snapshot (writers carry on meanwhile); a restore writes the whole database under SQLite's write
lock, so a process that has it open sees the old or the new content, never a mix.

"Running" means: some process has the database (or its -wal/-shm files) open, as Linux's /proc
tells; a `pwa serve`, its push workers or any other client keep it open while they live. Restoring
under them needs --force: they keep running on the restored data, and whatever they had in memory
(bookings being typed, pushes in flight) belongs to the old one. PostgreSQL is backed up with
pg_dump/pg_restore (README).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    """What went wrong, in words for the command line."""


@dataclass(frozen=True)
class Copied:
    """Where a backup or restore wrote, and how much."""

    path: Path
    pages: int
    size: int


def sqlite_path(url: str) -> Path:
    """The database file of a SQLite URL; BackupError for PostgreSQL or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupError("this is not a SQLite database: back PostgreSQL up with pg_dump (see the README)")
    if not parsed.database or parsed.database == ":memory:" or parsed.database.startswith("file:"):
        raise BackupError("the database is not a file")
    return Path(parsed.database).absolute()


def _connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    uri = f"file:{path}?mode=ro" if readonly else f"file:{path}"
    conn = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def _check(conn: sqlite3.Connection, what: Path) -> int:
    """The page count of a sound pwa database; BackupError otherwise."""
    try:
        verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
        migrated = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'").fetchone()[0]
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{what} is not a SQLite database ({exc})") from exc
    if verdict != "ok":
        raise BackupError(f"{what} is damaged: {verdict}")
    if not migrated:
        raise BackupError(f"{what} is not a database of this app (no alembic_version table)")
    return pages


def backup(url: str, dest: Path) -> Copied:
    """A consistent copy of the live database at `dest` (a new file, or a folder to put a dated file in)."""
    source = sqlite_path(url)
    if not source.exists():
        raise BackupError(f"there is no database at {source}")
    if dest.is_dir():
        dest = dest / f"pwa-{datetime.now(UTC):%Y%m%d-%H%M%S}.sqlite3"
    if dest.exists():
        raise BackupError(f"{dest} exists: choose a new name (a backup never overwrites a file)")
    partial = dest.with_name(dest.name + ".partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))  # owner-only, like the instance folder
    try:
        with (
            contextlib.closing(_connect(source, readonly=True)) as src,
            contextlib.closing(_connect(partial, readonly=False)) as copy,
        ):
            src.backup(copy)  # one step: one read snapshot, however many writes happen meanwhile
            copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
            pages = _check(copy, dest)
        partial.replace(dest)  # only a complete, checked copy gets the name
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return Copied(dest, pages, dest.stat().st_size)


def users_of(path: Path) -> list[int]:
    """Process ids (other than this one) that have the database or its -wal/-shm files open (Linux /proc)."""
    names = {str(path), f"{path}-wal", f"{path}-shm"}
    found: set[int] = set()
    proc = Path("/proc")
    if not proc.is_dir():
        raise BackupError("cannot tell whether the app is running here (no /proc): use --force if it is stopped")
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if any(os.readlink(fd) in names for fd in (entry / "fd").iterdir()):
                found.add(int(entry.name))
    return sorted(found)


def restore(url: str, src: Path, *, force: bool) -> Copied:
    """Replace the database with the backup at `src`; refused while a process has it open, unless forced."""
    target = sqlite_path(url)
    if not src.is_file():
        raise BackupError(f"there is no backup at {src}")
    with contextlib.closing(_connect(src.absolute(), readonly=True)) as backup_conn:
        _check(backup_conn, src)
        if target.exists() and not force:
            running = users_of(target)
            if running:
                pids = ", ".join(map(str, running))
                raise BackupError(
                    f"the database is in use by process {pids} (the app is running): stop it first, "
                    "or add --force to restore under it"
                )
        target.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        with contextlib.closing(_connect(target, readonly=False)) as live:
            backup_conn.backup(live)  # under the write lock: readers see the old or the new, never a mix
            pages = _check(live, target)
    return Copied(target, pages, target.stat().st_size)

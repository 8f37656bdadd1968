"""`pwa backup` and `pwa restore` on a live SQLite database: nothing acknowledged lost, nothing running clobbered."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlmodel import select

from pwa.backup import BackupError, backup, restore, sqlite_path
from pwa.db import Database
from pwa.models import Pickup
from pwa.settings import Settings
from tests.factories import make_pickup, open_day, set_capacity
from tests.faults import assert_places_add_up, assert_serials_add_up, assert_sqlite_sound

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("PWA_TEST_DATABASE_URL")), reason="SQLite's backup; PostgreSQL uses pg_dump (README)"
)


def _pwa(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run(
        [sys.executable, "-m", "pwa.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def _codes(url: str) -> set[str]:
    database = Database(url)
    try:
        with database.read() as session:
            return set(session.exec(select(Pickup.code)).all())
    finally:
        database.dispose()


def test_a_backup_under_write_load_restores_every_acknowledged_booking(
    isolated_db: Database, settings: Settings, tmp_path: Path
) -> None:
    url = isolated_db.url
    live = settings.with_overrides(database_url=url)
    set_capacity(isolated_db, live, open_day(live), "morning", 1000)
    acknowledged: list[tuple[float, str]] = []
    stop = threading.Event()

    def book() -> None:
        while not stop.is_set():
            code = make_pickup(isolated_db, live)
            acknowledged.append((time.monotonic(), code))

    writers = [threading.Thread(target=book) for _ in range(3)]
    for writer in writers:
        writer.start()
    while len(acknowledged) < 30:
        time.sleep(0.05)
    started = time.monotonic()
    made = _pwa("backup", str(tmp_path / "copy.sqlite3"), url=url)
    stop.set()
    for writer in writers:
        writer.join()
    assert made.returncode == 0, made.stderr
    before = {code for at, code in acknowledged if at < started}
    assert len(before) >= 30 and len(acknowledged) > len(before)  # writes went on during the backup

    restored_url = f"sqlite:///{tmp_path / 'restored' / 'pwa.sqlite3'}"
    back = _pwa("restore", str(tmp_path / "copy.sqlite3"), url=restored_url)
    assert back.returncode == 0, back.stderr
    assert before <= _codes(restored_url) <= {code for _at, code in acknowledged}
    restored = Database(restored_url)
    try:
        assert_places_add_up(restored)
        assert_serials_add_up(restored)
        assert_sqlite_sound(restored)
    finally:
        restored.dispose()
    assert (tmp_path / "copy.sqlite3").stat().st_mode & 0o077 == 0  # owner-only, like the database


def test_restore_refuses_a_database_in_use_unless_forced(
    isolated_db: Database, settings: Settings, tmp_path: Path
) -> None:
    url = isolated_db.url
    kept = make_pickup(isolated_db, settings.with_overrides(database_url=url))
    backup(url, tmp_path)
    copy = next(tmp_path.glob("pwa-*.sqlite3"))
    later = make_pickup(isolated_db, settings.with_overrides(database_url=url))
    holder = sqlite3.connect(sqlite_path(url))  # another process holding it open, as a running app does
    holder_process = subprocess.Popen(
        [sys.executable, "-c", f"import sqlite3, time; c = sqlite3.connect({str(sqlite_path(url))!r}); time.sleep(60)"]
    )
    try:
        time.sleep(0.5)
        refused = _pwa("restore", str(copy), url=url)
        assert refused.returncode == 1 and str(holder_process.pid) in refused.stderr, refused.stderr
        assert later in _codes(url)  # untouched
        forced = _pwa("restore", str(copy), "--force", url=url)
        assert forced.returncode == 0, forced.stderr
    finally:
        holder_process.kill()
        holder_process.wait()
        holder.close()
    assert _codes(url) == {kept}
    isolated_db.dispose()  # the pool's connections read the restored file afresh
    assert make_pickup(isolated_db, settings.with_overrides(database_url=url))  # and it takes writes


def test_backup_never_overwrites_and_restore_checks_what_it_is_given(isolated_db: Database, tmp_path: Path) -> None:
    target = tmp_path / "exists.sqlite3"
    target.write_bytes(b"keep me")
    with pytest.raises(BackupError, match="exists"):
        backup(isolated_db.url, target)
    assert target.read_bytes() == b"keep me"
    with pytest.raises(BackupError, match="not a SQLite database"):
        restore(isolated_db.url, target, force=True)
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(BackupError, match="not a database of this app"):
        restore(isolated_db.url, empty, force=True)
    with pytest.raises(BackupError, match="pg_dump"):
        backup("postgresql+psycopg://postgres@127.0.0.1/x", tmp_path)

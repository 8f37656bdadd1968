"""Waking idle workers: a committed transaction that queues pushes rings them; nothing else does."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import make_url

from pwa import notify
from pwa.db import Database
from pwa.push import wake
from pwa.push.worker import Worker
from pwa.settings import Settings
from tests.factories import make_device, subscribe
from tests.fakepush import FakePushService

MESSAGE = notify.Message(topic="news", kind="notice", tag="n", url="/", text=lambda: ("Tin mới", "Nội dung"))


@contextmanager
def doorbell_listener(db: Database) -> Iterator[Callable[[float], bool]]:
    """What a worker listens on, opened by hand; yields `rung(within_seconds) -> bool`."""
    if db.is_sqlite:
        folder = wake.folder_for(db.url)
        assert folder is not None
        folder.mkdir(exist_ok=True)
        path = folder / "listener.sock"
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(str(path))

        def rung_sqlite(within: float) -> bool:
            sock.settimeout(within)
            try:
                return sock.recv(64) == b"!"
            except TimeoutError:
                return False

        try:
            yield rung_sqlite
        finally:
            sock.close()
            path.unlink()
        return
    conninfo = make_url(db.url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"LISTEN {wake.CHANNEL}")

        def rung_pg(within: float) -> bool:
            return any(True for _ in conn.notifies(timeout=within, stop_after=1))

        yield rung_pg


def follower(db: Database, push: FakePushService, key: str = "d1") -> None:
    make_device(db, key, topics=("news",))
    subscribe(db, key, push.subscribe().as_json())


def test_the_wake_folder_sits_beside_a_sqlite_file_only() -> None:
    assert wake.folder_for("sqlite:////srv/pwa/pwa.sqlite3") == Path("/srv/pwa/pwa.sqlite3-wake")
    assert wake.folder_for("sqlite://") is None
    assert wake.folder_for("sqlite:///:memory:") is None
    assert wake.folder_for("postgresql+psycopg://postgres@127.0.0.1/test") is None


def test_queueing_pushes_rings_the_workers_at_commit_not_before(isolated_db: Database) -> None:
    db = isolated_db
    with FakePushService() as push:
        follower(db, push)
        with doorbell_listener(db) as rung:
            with db.write() as session:
                notify.broadcast(session, MESSAGE)
                session.flush()
                assert not rung(0.2)  # not while the rows are invisible to the workers
            assert rung(5)


def test_a_rolled_back_transaction_rings_nobody(isolated_db: Database) -> None:
    db = isolated_db
    with FakePushService() as push:
        follower(db, push)
        with doorbell_listener(db) as rung:
            try:
                with db.write() as session:
                    notify.broadcast(session, MESSAGE)
                    raise RuntimeError("the change failed")
            except RuntimeError:
                pass
            assert not rung(0.5)


def test_a_transaction_that_queues_nothing_rings_nobody(isolated_db: Database) -> None:
    db = isolated_db
    make_device(db, "quiet", topics=("news",))  # follows the topic but has no subscription: inbox only
    with doorbell_listener(db) as rung:
        with db.write() as session:
            notify.broadcast(session, MESSAGE)
        assert not rung(0.5)


def test_ringing_removes_sockets_nobody_listens_on(tmp_path: Path) -> None:
    folder = tmp_path / "db.sqlite3-wake"
    folder.mkdir()
    live = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    live.bind(str(folder / "1-live.sock"))
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    dead.bind(str(folder / "2-dead.sock"))
    dead.close()  # a worker killed outright leaves its socket file behind
    try:
        assert wake.ring(folder) == 1
        assert live.recv(64) == b"!"
        assert sorted(p.name for p in folder.iterdir()) == ["1-live.sock"]
    finally:
        live.close()
    assert wake.ring(tmp_path / "missing") == 0


def test_an_idle_worker_sends_when_rung_without_waiting_for_its_poll(isolated_db: Database, tmp_path: Path) -> None:
    db = isolated_db
    settings = Settings(instance_dir=tmp_path / "instance", database_url=db.url, secret_key="k" * 40).prepared()
    with FakePushService() as push:
        sub = push.subscribe()
        make_device(db, "d1", topics=("news",))
        subscribe(db, "d1", sub.as_json())
        worker = Worker(db, settings)
        loop = asyncio.new_event_loop()
        stop = asyncio.Event()
        # A poll of a minute: only the doorbell can make this worker send within the test.
        thread = threading.Thread(target=loop.run_until_complete, args=(worker.run(stop, poll=60),), daemon=True)
        thread.start()
        try:
            time.sleep(1.5)  # idle, and listening
            with db.write() as session:
                notify.broadcast(session, MESSAGE)
            deadline = time.monotonic() + 20
            while not push.received_by(sub):
                assert time.monotonic() < deadline, "the worker was not woken"
                time.sleep(0.05)
        finally:
            loop.call_soon_threadsafe(stop.set)
            thread.join(30)
            loop.close()
    assert not thread.is_alive()
    if db.is_sqlite:  # the worker took its socket with it
        folder = wake.folder_for(db.url)
        assert folder is not None and list(folder.iterdir()) == []

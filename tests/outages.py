"""Ways to take the database away from the app in tests: another process locking a SQLite file,
and a TCP proxy in front of PostgreSQL that can be cut and restored (never the shared server itself)."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pwa import notify
from pwa.db import Database
from pwa.settings import MIGRATED_BY_SERVE, Settings
from tests.factories import make_device, subscribe
from tests.fakepush import FakePushService, FakeSubscription

RESET = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends a reset, as a dead server's host would

# Another process: `exclusive` takes SQLite's exclusive locking mode and writes once, after which it
# holds the file against readers and writers alike (WAL mode too) until it ends; otherwise it keeps a
# write transaction open, which in WAL mode stops writers only. Ends when its stdin closes.
_LOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
if sys.argv[2] == "exclusive":
    conn.execute("PRAGMA locking_mode=EXCLUSIVE")
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE alembic_version SET version_num = version_num")
if sys.argv[2] == "exclusive":
    conn.execute("COMMIT")
print("locked", flush=True)
sys.stdin.read()
"""


@contextmanager
def sqlite_locked(path: Path, *, exclusive: bool = True) -> Iterator[None]:
    """Hold the SQLite file from another process while the block runs. SQLite grants the exclusive lock
    only once no other connection has the file open: dispose of the app's engine first."""
    mode = "exclusive" if exclusive else "write"
    cmd = [sys.executable, "-c", _LOCKER, str(path), mode]
    locker = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout is not None and locker.stdout.readline() == "locked\n", "the locker could not lock"
        yield
    finally:
        assert locker.stdin is not None
        locker.stdin.close()
        try:
            locker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            locker.kill()
            locker.wait()
        if locker.stdout is not None:
            locker.stdout.close()


def sqlite_blocks(path: Path, sql: str) -> bool:
    """True if `sql` on a fresh connection, without waiting, finds the database locked."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute(sql).fetchall()
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc)
    finally:
        conn.close()
    return False


class CuttableProxy:
    """A TCP proxy on a free local port in front of `target`. `cut("reset")` closes every live connection
    and resets new ones at once (a server stopped); `cut("blackhole")` closes the live ones and accepts new
    ones that never get an answer (a server out of reach); `restore()` forwards again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.mode = "open"
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._live: list[socket.socket] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self, mode: str = "reset") -> None:
        """Stop forwarding: close the live connections; new ones are reset or left unanswered."""
        assert mode in ("reset", "blackhole")
        self.mode = mode
        self._close_live()

    def restore(self) -> None:
        """Forward again (blackholed connections are closed)."""
        self.mode = "open"
        self._close_live()

    def close(self) -> None:
        """Stop listening and close everything."""
        self._closed = True
        self._listener.close()
        self._close_live()

    def _close_live(self) -> None:
        with self._lock:
            live, self._live = self._live, []
        for sock in live:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET)
                sock.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _addr = self._listener.accept()
            except OSError:
                return
            if self.mode == "reset":
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET)
                client.close()
                continue
            with self._lock:
                self._live.append(client)
            if self.mode == "open":
                threading.Thread(target=self._forward, args=(client,), daemon=True).start()

    def _forward(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self.target)
        except OSError:
            client.close()
            return
        with self._lock:
            self._live.append(server)
        pair = {client: server, server: client}
        try:
            while True:
                readable, _w, _x = select.select(list(pair), [], [], 1.0)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pair[sock].sendall(data)
        except (OSError, ValueError):  # closed by a cut
            return
        finally:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.close()


# --- The delivery worker, as `pwa serve` runs it ---


def start_worker(settings: Settings, log: Path, wait: float) -> subprocess.Popen[bytes]:
    """`pwa worker` on these settings (as beside `pwa serve`: no migration of its own), logging to `log`."""
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "PWA_INSTANCE_DIR": str(settings.instance_dir),
        "PWA_DB_WAIT_SECONDS": str(wait),
        MIGRATED_BY_SERVE: "1",
    }
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "pwa.cli", "worker"], env=env, stdout=out, stderr=out)


def queue_one(url: str, push: FakePushService, n: int) -> FakeSubscription:
    """A device following `news`, subscribed, and one announcement queued for it."""
    database = Database(url)
    try:
        key = make_device(database, f"outage-{n}", topics=("news",))
        sub = push.subscribe()
        subscribe(database, key, sub.as_json())
        text = lambda: ("Tin mới", f"Thông báo {n}")  # noqa: E731
        with database.write() as session:
            notify.broadcast(session, notify.Message(topic="news", kind="notice", tag=f"n{n}", url="/", text=text))
    finally:
        database.dispose()
    return sub


def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def stop(worker: subprocess.Popen[bytes]) -> int:
    worker.send_signal(signal.SIGTERM)
    try:
        return worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
        return worker.wait()

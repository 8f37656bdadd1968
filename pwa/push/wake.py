"""Waking the delivery workers when a transaction has queued pushes.

Polling alone is a choice between a slow start and a busy idle worker: each
look at the queue costs about a millisecond of a processor gone cold. So a
transaction that queues deliveries rings a doorbell as it commits, and idle
workers wait on it, still looking every `PWA_PUSH_POLL_SECONDS` for retries and
scheduled notices coming due (and for a ring that got lost):

- PostgreSQL: `NOTIFY pwa_push` inside the transaction. The server sends it at
  commit and never for a rollback, to workers on any machine, each `LISTEN`ing
  on a connection of its own.
- SQLite (one machine by nature): after commit, a one-byte datagram to each
  worker's Unix socket in a folder beside the database file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import event, make_url, text
from sqlmodel import Session

log = logging.getLogger("pwa.push")
CHANNEL = "pwa_push"
_PENDING = "pwa_push_ring"  # session.info: the folder to ring once this transaction commits
_LISTENING = "pwa_push_listening"


def folder_for(url: str) -> Path | None:
    """Where the workers of this SQLite database keep their sockets (None: not a SQLite file)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    if parsed.database.startswith("file:"):
        return None
    return Path(parsed.database + "-wake").absolute()


def ring_after_commit(session: Session) -> None:
    """Have the workers look at the queue once this session's transaction commits."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.execute(text(f"NOTIFY {CHANNEL}"))  # repeated in one transaction, it is sent once
        return
    folder = folder_for(str(bind.engine.url))
    if folder is None:
        return
    session.info[_PENDING] = folder
    if not session.info.get(_LISTENING):
        session.info[_LISTENING] = True
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_rollback", _after_rollback)


def _after_commit(session: Session) -> None:
    folder = session.info.pop(_PENDING, None)
    if folder is not None:
        ring(folder)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def ring(folder: Path) -> int:
    """Send one byte to every worker socket in `folder`; returns how many were reached.

    Sockets nobody listens on any more (a worker killed outright) are removed.
    """
    try:
        names = [n for n in os.listdir(folder) if n.endswith(".sock")]
    except OSError:
        return 0
    reached = 0
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
        sender.setblocking(False)
        for name in names:
            path = folder / name
            try:
                sender.sendto(b"!", str(path))
                reached += 1
            except (ConnectionRefusedError, FileNotFoundError):
                with contextlib.suppress(OSError):
                    path.unlink()
            except BlockingIOError:
                reached += 1  # its queue is full of rings it has not read yet: it will look
            except OSError as exc:
                log.debug("could not ring %s: %s", path, exc)
    return reached


class Doorbell:
    """What an idle worker waits on: a ring, `stop`, or `timeout` seconds, whichever comes first.

    `async with Doorbell.for_url(url) as bell: await bell.wait(stop, timeout)`. Without a way to
    be rung (a database in memory, a socket path that cannot be bound) it is a plain timer.
    """

    def __init__(self) -> None:
        self.rung = asyncio.Event()

    @staticmethod
    def for_url(url: str) -> Doorbell:
        """The doorbell that suits this database."""
        if make_url(url).get_backend_name() == "postgresql":
            return ListenBell(url)
        folder = folder_for(url)
        return SocketBell(folder) if folder is not None else Doorbell()

    async def __aenter__(self) -> Doorbell:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def wait(self, stop: asyncio.Event, timeout: float) -> bool:
        """Wait; True if it was rung (the ring is used up)."""
        waiters = [asyncio.ensure_future(self.rung.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        rung = self.rung.is_set()
        self.rung.clear()
        return rung


class SocketBell(Doorbell):
    """A Unix datagram socket named after this process in the database's wake folder."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        self.path = folder / f"{os.getpid()}-{secrets.token_hex(4)}.sock"
        self._sock: socket.socket | None = None

    async def __aenter__(self) -> Doorbell:
        try:
            self.folder.mkdir(mode=0o700, exist_ok=True)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.setblocking(False)
            sock.bind(str(self.path))
        except OSError as exc:  # e.g. a path longer than the 107 bytes a socket name may have
            log.warning("push wake-up socket unavailable (%s): polling only", exc)
            return self
        self._sock = sock
        asyncio.get_running_loop().add_reader(sock.fileno(), self._read)
        return self

    def _read(self) -> None:
        assert self._sock is not None
        with contextlib.suppress(BlockingIOError):
            while self._sock.recv(64):  # several rings waiting are one
                self.rung.set()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._sock is not None:
            asyncio.get_running_loop().remove_reader(self._sock.fileno())
            self._sock.close()
            with contextlib.suppress(OSError):
                self.path.unlink()


# A server that vanishes without a word (host gone, cable cut) ends the connection within about half a
# minute instead of leaving the worker listening to nothing; one out of reach fails to connect in 10 s.
LIVENESS = {
    "connect_timeout": 10,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
}


class ListenBell(Doorbell):
    """`LISTEN pwa_push` on a PostgreSQL connection of its own, reconnecting if it drops."""

    RECONNECT_AFTER = 5.0

    def __init__(self, url: str) -> None:
        super().__init__()
        self.conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._task: asyncio.Task[Any] | None = None

    async def __aenter__(self) -> Doorbell:
        self._task = asyncio.get_running_loop().create_task(self._listen())
        return self

    async def _listen(self) -> None:
        import psycopg

        while True:
            try:
                # Keepalives end a connection to a server that vanished without a word (host gone, cable cut)
                # in about half a minute, instead of listening to nothing; one out of reach fails in 10 s.
                async with await psycopg.AsyncConnection.connect(
                    self.conninfo, autocommit=True, connect_timeout=10,
                    keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=3,
                ) as conn:  # fmt: skip
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self.rung.set()  # anything queued while not listening is looked at now
                    async for _note in conn.notifies():
                        self.rung.set()
            except (OSError, psycopg.Error) as exc:
                log.warning("push wake-up (LISTEN) lost: %s; polling until it is back", exc)
            await asyncio.sleep(self.RECONNECT_AFTER)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

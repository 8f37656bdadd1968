"""The delivery worker as a process: signals, the parent watch, and the processes `pwa serve` starts.

Kept apart from the delivery loop (pwa/push/worker.py) and free of anything the
web pages need (templates, the app, address conversion): a worker process
imports only the database, the models and the sender.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

from pwa.db import Database, migrate
from pwa.outage import is_outage
from pwa.push.worker import Worker
from pwa.settings import Settings

log = logging.getLogger("pwa.push")
NICE = 10  # CPU priority the worker beside `pwa serve` gives up
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def run(*, once: bool = False, nice: int = 0, parent: int | None = None) -> int:
    """Deliver until SIGTERM/SIGINT (which finish the current round), or what is due if `once`."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    if nice:
        os.nice(nice)
    settings = Settings.from_env()
    database = Database(settings.database_url, wait=settings.db_wait_seconds)
    if settings.run_migrations_check:  # false beside `pwa serve`, which has just migrated
        migrate_when_reachable(database)
    worker = Worker(database, settings)

    async def work(stop: asyncio.Event) -> None:
        if once:
            await worker.drain()
        else:
            await worker.run(stop)

    asyncio.run(until_stopped(work, parent=parent))
    database.dispose()
    return 0


def migrate_when_reachable(database: Database) -> None:
    """Migrate; while the database is locked or out of reach, say so and try again (no crash loop)."""
    while True:
        try:
            migrate(database)
            return
        except Exception as exc:
            if not is_outage(exc):
                raise
            log.warning("database unavailable (%s); trying again in %.0f s", type(exc).__name__, database.wait)
            time.sleep(database.wait)


async def until_stopped(work: Callable[[asyncio.Event], Awaitable[None]], *, parent: int | None = None) -> None:
    """Run `work(stop)`; SIGTERM/SIGINT set `stop`, and so does `parent` ending (if given)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    watch = loop.create_task(watch_parent(stop, parent)) if parent else None
    await work(stop)
    stop.set()
    if watch:
        await watch


async def watch_parent(stop: asyncio.Event, parent: int) -> None:
    """Set `stop` once `parent` is no longer this process's parent (`pwa serve` killed outright)."""
    while not stop.is_set():
        if os.getppid() != parent:
            log.warning("parent process gone: stopping")
            stop.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=1)


class WorkerProcesses:
    """The workers beside the web server: `count` child `pwa worker` processes, started once by
    `pwa serve` (not per web process). Their own interpreters, so encrypting thousands of
    messages never holds the lock the page handlers need; several, so a fan-out uses every core
    the pages leave idle (claims never overlap: `SKIP LOCKED` on PostgreSQL, `BEGIN IMMEDIATE`
    on SQLite); niced, so a person waiting for a page comes first."""

    def __init__(self, settings: Settings, count: int | None = None) -> None:
        self.settings = settings
        self.count = settings.push_workers if count is None else count
        self._processes: list[subprocess.Popen[bytes]] = []

    def _env(self) -> dict[str, str]:
        s = self.settings
        return {
            **os.environ,
            "DATABASE_URL": s.database_url,
            "PWA_INSTANCE_DIR": str(s.instance_dir),
            "PWA_BASE_URL": s.base_url,
            "PWA_SECRET_KEY": s.secret_key,
            "PWA_VAPID_SUBJECT": s.vapid_subject,
            "PWA_VAPID_PRIVATE_KEY": s.vapid_private_key,
            "PWA_PUSH_CONCURRENCY": str(s.push_concurrency),
            "PWA_PUSH_TIMEOUT": str(s.push_timeout),
            "PWA_PUSH_LEASE_SECONDS": str(s.push_lease_seconds),
            "PWA_PUSH_POLL_SECONDS": str(s.push_poll_seconds),
        }

    def start(self) -> None:
        """Begin delivering."""
        cmd = [sys.executable, "-m", "pwa.cli", "worker", "--nice", str(NICE), "--parent", str(os.getpid())]
        self._processes = [subprocess.Popen(cmd, env=self._env()) for _ in range(self.count)]

    def stop(self, timeout: float = 15.0) -> None:
        """Ask each worker to finish its round (SIGTERM), then wait; kill any that hang."""
        running = [p for p in self._processes if p.poll() is None]
        for process in running:
            process.terminate()
        deadline = time.monotonic() + timeout
        for process in running:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes = []

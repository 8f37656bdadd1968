"""The delivery loop: claimed batches stream through concurrent senders, results are written in batches.

The SQL is in pwa/push/deliveries.py; running it as a process (signals, the
parent watch, the processes `pwa serve` starts) in pwa/push/supervise.py.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from pwa.db import Database
from pwa.errors import DatabaseUnavailable
from pwa.models import utcnow
from pwa.offices import reminders
from pwa.push import notices
from pwa.push.deliveries import BATCH, claim, due, purge_attempts, record
from pwa.push.sender import Job, Outcome, Sender
from pwa.push.vapid import Identity
from pwa.push.vapid import load as load_identity
from pwa.push.wake import Doorbell
from pwa.settings import Settings

log = logging.getLogger("pwa.push")


def unavailable(exc: BaseException) -> bool:
    """The database was locked or out of reach (alone, or in a group from concurrent tasks)."""
    if isinstance(exc, BaseExceptionGroup):
        return all(unavailable(e) for e in exc.exceptions)
    return isinstance(exc, DatabaseUnavailable)


PURGE_EVERY = 3600.0  # seconds between two looks for old attempts
REMIND_EVERY = 60.0  # seconds between two looks for due payment day reminders
__all__ = ["Worker", "claim", "due", "purge_attempts", "record"]


class Worker:
    """Delivers until stopped; `drain` empties the queue of what is due now.

    Sending is a stream: `concurrency` senders take jobs from a queue that one
    feeder tops up with claimed batches, and results are written in batches, so
    the database work (on one thread of its own) overlaps the sending and the
    event loop never waits for it.
    """

    def __init__(self, database: Database, settings: Settings, identity: Identity | None = None) -> None:
        self.database, self.settings = database, settings
        self.identity = identity or load_identity(settings)
        self.token = secrets.token_hex(8)
        self.clock: Callable[[], float] = time.monotonic  # times leases; tests move it
        self.reminded_at = -REMIND_EVERY
        self.waiting = False  # the last round found the database unavailable

    def _sender(self) -> Sender:
        s = self.settings
        return Sender(self.identity, base_url=s.base_url, concurrency=s.push_concurrency, timeout=s.push_timeout)

    async def run(self, stop: asyncio.Event, *, poll: float | None = None) -> None:
        """Deliver until `stop` is set. While idle, wait for the doorbell (pwa/push/wake.py), and
        look anyway every `poll` seconds (default: the setting) with a cheap read."""
        poll = self.settings.push_poll_seconds if poll is None else poll
        async with self._sender() as sender, Doorbell.for_url(self.database.url) as bell:
            log.info("push worker %s started", self.token)
            purged_at = -PURGE_EVERY
            while not stop.is_set():
                pause, outage = poll, False
                try:
                    if self.clock() - purged_at >= PURGE_EVERY:
                        await asyncio.to_thread(self._purge, utcnow())
                        purged_at = self.clock()
                    due = await asyncio.to_thread(self._anything_due, utcnow())
                    done = await self.pump(sender, stop=stop) if due else 0
                except Exception as exc:  # a database hiccup must not end the worker
                    outage = unavailable(exc)
                    if not outage:
                        log.exception("push delivery round failed")
                    pause, done = max(poll, self.database.wait) if outage else poll, 0
                self._note(outage)
                if not done:
                    await bell.wait(stop, pause)  # rung when a transaction queues pushes

    def _note(self, outage: bool) -> None:
        """Say once when the database stops answering the worker, and once when it answers again."""
        if outage and not self.waiting:
            log.warning("push worker %s: database unavailable; messages wait in the outbox, trying again", self.token)
        elif self.waiting and not outage:
            log.warning("push worker %s: database answers again; delivering", self.token)
        self.waiting = outage

    async def drain(self, *, now: datetime | None = None) -> int:
        """Send everything due at `now` (default: the clock); returns how many attempts were made."""
        await asyncio.to_thread(reminders.due_reminders, self.database, self.settings, now or utcnow())
        async with self._sender() as sender:
            return await self.pump(sender, now=now)

    async def pump(self, sender: Sender, *, now: datetime | None = None, stop: asyncio.Event | None = None) -> int:
        """Claim, send and record until nothing is due (or `stop` is set); returns the attempts made."""
        loop = asyncio.get_running_loop()
        jobs: asyncio.Queue[tuple[Job, float] | None] = asyncio.Queue(maxsize=BATCH)
        outcomes: list[Outcome] = []
        attempts = 0
        # Send a job only while half its lease remains: a request started then ends (or times out,
        # PWA_PUSH_TIMEOUT <= half the lease) before another worker may claim the row again.
        lease = self.settings.push_lease_seconds

        with ThreadPoolExecutor(1, thread_name_prefix="push-db") as db:
            async with asyncio.TaskGroup() as tasks:

                async def write(batch: list[Outcome]) -> None:
                    await loop.run_in_executor(db, self._record, batch, now or utcnow())

                def flush() -> None:
                    batch = outcomes[:]
                    outcomes.clear()
                    if batch:
                        tasks.create_task(write(batch))

                async def feed() -> None:
                    while not (stop and stop.is_set()):
                        batch = await loop.run_in_executor(db, self._claim, now or utcnow())
                        if not batch:
                            break
                        deadline = self.clock() + lease / 2
                        for job in batch:
                            await jobs.put((job, deadline))
                    for _ in range(sender.concurrency):
                        await jobs.put(None)

                async def send() -> None:
                    nonlocal attempts
                    while (item := await jobs.get()) is not None:
                        job, deadline = item
                        if self.clock() > deadline:
                            continue  # its lease is running out: it comes back to the queue, for us or another
                        outcomes.append(await sender.send(job))
                        attempts += 1
                        if len(outcomes) >= BATCH:
                            flush()

                tasks.create_task(feed())
                await asyncio.gather(*(tasks.create_task(send()) for _ in range(sender.concurrency)))
                flush()
        return attempts

    def _purge(self, now: datetime) -> None:
        with self.database.write() as session:
            purge_attempts(session, now=now)

    def _anything_due(self, now: datetime) -> bool:
        """A delivery or a scheduled notice is due: two index lookups, no write lock taken.
        Payment day reminders whose time has come are queued first, once a minute (their times are minutes)."""
        if self.clock() - self.reminded_at >= REMIND_EVERY:
            self.reminded_at = self.clock()
            reminders.due_reminders(self.database, self.settings, now)
        with self.database.read() as session:
            return due(session, now)

    def _claim(self, now: datetime) -> list[Job]:
        with self.database.write() as session:
            notices.dispatch_due(session, now=now)
        with self.database.write() as session:
            return claim(session, token=self.token, now=now, lease=self.settings.push_lease_seconds)

    def _record(self, outcomes: Sequence[Outcome], now: datetime) -> None:
        with self.database.write() as session:
            counts = record(session, outcomes, token=self.token, now=now)
        log.info("push worker %s round: %s", self.token, counts)

"""The delivery worker: claims due deliveries, sends them, records every attempt.

Claims are leases: a claimed row's `next_attempt_at` moves `lease` seconds ahead,
so a worker killed mid-batch loses nothing (its rows come back when the lease
ends; a message may then arrive twice, and its `Topic` makes the newer replace
the older). On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several workers claim
side by side without sending a message twice; SQLite's `BEGIN IMMEDIATE`
serialises claims.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import secrets
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, delete, exists, insert, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from pwa.db import Database
from pwa.models import Notice, PushAttempt, PushDelivery, PushSubscription, UTCDateTime, utcnow
from pwa.push import notices
from pwa.push.sender import Job, Outcome, Sender
from pwa.push.vapid import Identity
from pwa.push.vapid import load as load_identity
from pwa.push.wake import Doorbell
from pwa.settings import Settings

log = logging.getLogger("pwa.push")
BATCH = 500
BACKOFF_BASE = 30.0
BACKOFF_MAX = 3600.0
NICE = 10  # CPU priority the worker beside `pwa serve` gives up
ATTEMPT_DAYS = 30  # how long the attempt log keeps a row
PURGE_EVERY = 3600.0  # seconds between two looks for old attempts


def backoff(attempts: int) -> float:
    """Seconds before retry number `attempts`: 30 s doubling to an hour, with jitter."""
    base: float = min(BACKOFF_MAX, BACKOFF_BASE * 2.0 ** max(0, attempts - 1))
    return base * random.uniform(1.0, 1.25)


_NOW = bindparam("now", type_=UTCDateTime())
# Built once: an idle worker asks it several times a second; building it cost more than running it.
_DUE = sa_select(
    or_(
        exists().where(col(PushDelivery.status) == "queued", col(PushDelivery.next_attempt_at) <= _NOW),
        exists().where(col(Notice.dispatched_at).is_(None), col(Notice.send_at) <= _NOW),
    )
)


def due(session: Session, now: datetime) -> bool:
    """Whether a delivery or a scheduled notice is waiting to be sent at `now`: one statement,
    two index lookups."""
    return bool(session.execute(_DUE, {"now": now}).scalar())


def claim(session: Session, *, token: str, now: datetime, lease: float, limit: int = BATCH) -> list[Job]:
    """Take up to `limit` due deliveries for this worker; orphans (subscription gone) become pruned."""
    due = (
        select(PushDelivery.id)
        .where(PushDelivery.status == "queued", col(PushDelivery.next_attempt_at) <= now)
        .order_by(col(PushDelivery.next_attempt_at), col(PushDelivery.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(session.exec(due).all())
    if not ids:
        return []
    until = now + timedelta(seconds=lease)
    session.execute(
        update(PushDelivery).where(col(PushDelivery.id).in_(ids)).values(claim=token, next_attempt_at=until)
    )
    # Plain columns, not ORM objects: building thousands of instances cost more than the query.
    rows = session.execute(
        sa_select(
            col(PushDelivery.id),
            col(PushSubscription.id),
            col(PushSubscription.endpoint),
            col(PushSubscription.p256dh),
            col(PushSubscription.auth),
            col(PushDelivery.payload),
            col(PushDelivery.ttl),
            col(PushDelivery.urgency),
            col(PushDelivery.topic),
        )
        .join(PushSubscription, col(PushDelivery.subscription_id) == col(PushSubscription.id), isouter=True)
        .where(col(PushDelivery.id).in_(ids))
    ).all()
    orphans = [row[0] for row in rows if row[1] is None]
    if orphans:
        session.execute(
            update(PushDelivery)
            .where(col(PushDelivery.id).in_(orphans))
            .values(status="pruned", claim=None, finished_at=now, last_error="subscription removed")
        )
    return [Job(*row) for row in rows if row[1] is not None]


def record(session: Session, outcomes: Sequence[Outcome], *, token: str, now: datetime) -> dict[str, int]:
    """Write a batch of attempts in at most six statements, whatever its size; counts by result.

    A finished delivery's row holds its last attempt; every attempt that did not finish its
    delivery (a retry, or one whose lease was lost: the row, claimed again since, is left
    alone) goes into the attempt log. A message sent at the first try costs no log row.
    """
    counts = {"sent": 0, "gone": 0, "retry": 0, "failed": 0}
    for outcome in outcomes:
        counts[outcome.result] += 1
    if not outcomes:
        return counts
    mine = (col(PushDelivery.claim) == token) & (col(PushDelivery.status) == "queued")
    held = _held(session, [o.job.delivery_id for o in outcomes], mine)
    ours = [o for o in outcomes if o.job.delivery_id in held]
    log = [_logged(o, now) for o in outcomes if o.job.delivery_id not in held]
    sent = [o.job.delivery_id for o in ours if o.result == "sent"]
    if sent:
        session.execute(
            update(PushDelivery)
            .where(col(PushDelivery.id).in_(sent), mine)
            .values(status="sent", attempts=col(PushDelivery.attempts) + 1, last_code=201, claim=None, finished_at=now)
        )
    finished = [_finished(o, "pruned", o.error, now) for o in ours if o.result == "gone"]
    finished += [_finished(o, "failed", o.error, now) for o in ours if o.result == "failed"]
    retried, gave_up = _reschedule([o for o in ours if o.result == "retry"], held, now)
    finished += gave_up
    log += [_logged(o, now) for o in ours if o.result == "retry" and o.job.delivery_id in retried]
    if finished:
        _update_each(session, finished, token, status=bindparam("b_status"), finished_at=bindparam("b_finished_at"))
    if retried:
        _update_each(session, list(retried.values()), token, next_attempt_at=bindparam("b_next_attempt_at"))
    if log:
        session.execute(insert(PushAttempt), log)
    gone = sorted({o.job.subscription_id for o in outcomes if o.result == "gone"})
    if gone:  # the push service said so: whatever became of the lease, the subscription is dead
        session.execute(delete(PushSubscription).where(col(PushSubscription.id).in_(gone)))
    _alert([o for o in outcomes if o.code in (403, 413)])
    return counts


def _held(session: Session, ids: list[int], mine: ColumnElement[bool]) -> dict[int, tuple[int, datetime]]:
    """Of these deliveries, those this worker still holds: id -> (attempts so far, give_up_at).
    Locked until the batch is written (PostgreSQL; SQLite's write lock already covers it)."""
    query = (
        select(PushDelivery.id, PushDelivery.attempts, PushDelivery.give_up_at)
        .where(col(PushDelivery.id).in_(ids), mine)
        .with_for_update()
    )
    return {int(row_id or 0): (attempts, give_up_at) for row_id, attempts, give_up_at in session.exec(query).all()}


def _logged(outcome: Outcome, now: datetime) -> dict[str, object]:
    return {
        "delivery_id": outcome.job.delivery_id,
        "at": now,
        "result": outcome.result,
        "code": outcome.code,
        "error": outcome.error[:300],
    }


def purge_attempts(session: Session, *, now: datetime) -> int:
    """Forget attempts older than `ATTEMPT_DAYS`; returns how many."""
    old = delete(PushAttempt).where(col(PushAttempt.at) < now - timedelta(days=ATTEMPT_DAYS))
    return int(session.execute(old).rowcount or 0)  # type: ignore[attr-defined]


def _update_each(session: Session, rows: list[dict[str, object]], token: str, **values: object) -> None:
    """One executemany UPDATE of still-held rows; Core, so there is no ORM bookkeeping per row."""
    table = SQLModel.metadata.tables[PushDelivery.__tablename__]
    held = (table.c.id == bindparam("b_id")) & (table.c.claim == token) & (table.c.status == "queued")
    common = {
        "attempts": table.c.attempts + 1,
        "last_code": bindparam("b_last_code"),
        "last_error": bindparam("b_last_error"),
        "claim": None,
    }
    session.execute(update(table).where(held).values(**common, **values), rows)


def _finished(outcome: Outcome, status: str, error: str, now: datetime) -> dict[str, object]:
    return {
        "b_id": outcome.job.delivery_id,
        "b_status": status,
        "b_finished_at": now,
        "b_last_code": outcome.code,
        "b_last_error": error[:300],
    }


def _reschedule(
    outcomes: Sequence[Outcome], held: dict[int, tuple[int, datetime]], now: datetime
) -> tuple[dict[int, dict[str, object]], list[dict[str, object]]]:
    """(rows to try again later by id, rows given up on because the next try would come after
    `give_up_at`)."""
    retried: dict[int, dict[str, object]] = {}
    gave_up: list[dict[str, object]] = []
    for outcome in outcomes:
        attempts, give_up_at = held[outcome.job.delivery_id]
        wait = max(outcome.retry_after or 0.0, backoff(attempts + 1))
        if now + timedelta(seconds=wait) <= give_up_at:
            row = {"b_id": outcome.job.delivery_id, "b_next_attempt_at": now + timedelta(seconds=wait)}
            retried[outcome.job.delivery_id] = {**row, "b_last_code": outcome.code, "b_last_error": outcome.error[:300]}
        else:
            error = f"gave up after {attempts + 1} attempts: {outcome.error}"
            gave_up.append(_finished(outcome, "failed", error, now))
    return retried, gave_up


def _alert(outcomes: Sequence[Outcome]) -> None:
    """Log 403 (VAPID) and 413 (payload) answers: configuration bugs an admin must see."""
    for code in sorted({o.code for o in outcomes if o.code is not None}):
        some = [o for o in outcomes if o.code == code]
        log.error(
            "push configuration problem (%s) for %d deliveries, e.g. %s: %s",
            code,
            len(some),
            some[0].job.delivery_id,
            some[0].error,
        )


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
                try:
                    if self.clock() - purged_at >= PURGE_EVERY:
                        await asyncio.to_thread(self._purge, utcnow())
                        purged_at = self.clock()
                    due = await asyncio.to_thread(self._anything_due, utcnow())
                    done = await self.pump(sender, stop=stop) if due else 0
                except Exception:  # a database hiccup must not end the worker
                    log.exception("push delivery round failed")
                    done = 0
                if not done:
                    await bell.wait(stop, poll)  # rung when a transaction queues pushes

    async def drain(self, *, now: datetime | None = None) -> int:
        """Send everything due at `now` (default: the clock); returns how many attempts were made."""
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
        """A delivery or a scheduled notice is due: two index lookups, no write lock taken."""
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

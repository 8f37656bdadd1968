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
import contextlib
import logging
import os
import random
import secrets
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from pwa.db import Database
from pwa.models import PushDelivery, PushSubscription, utcnow
from pwa.push import notices
from pwa.push.sender import Job, Outcome, Sender
from pwa.push.vapid import Identity
from pwa.push.vapid import load as load_identity
from pwa.settings import Settings

log = logging.getLogger("pwa.push")
BATCH = 500
BACKOFF_BASE = 30.0
BACKOFF_MAX = 3600.0


def backoff(attempts: int) -> float:
    """Seconds before retry number `attempts`: 30 s doubling to an hour, with jitter."""
    base: float = min(BACKOFF_MAX, BACKOFF_BASE * 2.0 ** max(0, attempts - 1))
    return base * random.uniform(1.0, 1.25)


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
    rows = session.exec(
        select(PushDelivery, PushSubscription)
        .join(PushSubscription, col(PushDelivery.subscription_id) == col(PushSubscription.id), isouter=True)
        .where(col(PushDelivery.id).in_(ids))
    ).all()
    orphans = [d.id for d, s in rows if s is None]
    if orphans:
        session.execute(
            update(PushDelivery)
            .where(col(PushDelivery.id).in_(orphans))
            .values(status="pruned", claim=None, finished_at=now, last_error="subscription removed")
        )
    return [_job(d, s) for d, s in rows if s is not None]


def _job(delivery: PushDelivery, sub: PushSubscription) -> Job:
    return Job(
        delivery_id=int(delivery.id or 0),
        subscription_id=int(sub.id or 0),
        endpoint=sub.endpoint,
        p256dh=sub.p256dh,
        auth=sub.auth,
        payload=delivery.payload,
        ttl=delivery.ttl,
        urgency=delivery.urgency,
        topic=delivery.topic,
    )


def record(session: Session, outcomes: Sequence[Outcome], *, token: str, now: datetime) -> dict[str, int]:
    """Write each attempt's result; counts by result. Rows whose lease was lost are left alone."""
    counts = {"sent": 0, "gone": 0, "retry": 0, "failed": 0}
    mine = (col(PushDelivery.claim) == token) & (col(PushDelivery.status) == "queued")
    sent = [o.job.delivery_id for o in outcomes if o.result == "sent"]
    if sent:
        session.execute(
            update(PushDelivery)
            .where(col(PushDelivery.id).in_(sent), mine)
            .values(status="sent", attempts=col(PushDelivery.attempts) + 1, last_code=201, claim=None, finished_at=now)
        )
    counts["sent"] = len(sent)
    for outcome in (o for o in outcomes if o.result != "sent"):
        counts[outcome.result] += 1
        _record_one(session, outcome, mine, now)
    return counts


def _record_one(session: Session, outcome: Outcome, mine: object, now: datetime) -> None:
    delivery = session.get(PushDelivery, outcome.job.delivery_id)
    if delivery is None or delivery.claim is None or delivery.status != "queued":
        return
    delivery.attempts += 1
    delivery.last_code, delivery.last_error, delivery.claim = outcome.code, outcome.error[:300], None
    if outcome.result == "gone":
        delivery.status, delivery.finished_at = "pruned", now
        session.flush()
        session.execute(delete(PushSubscription).where(col(PushSubscription.id) == outcome.job.subscription_id))
        return
    if outcome.result == "retry":
        wait = max(outcome.retry_after or 0.0, backoff(delivery.attempts))
        if now + timedelta(seconds=wait) <= delivery.give_up_at:
            delivery.next_attempt_at = now + timedelta(seconds=wait)
            return
        delivery.last_error = f"gave up after {delivery.attempts} attempts: {outcome.error}"[:300]
    delivery.status, delivery.finished_at = "failed", now
    if outcome.code in (403, 413):
        log.error("push configuration problem (%s) for delivery %s: %s", outcome.code, delivery.id, outcome.error)


class Worker:
    """Runs delivery rounds until stopped; `drain` empties the queue of what is due now."""

    def __init__(self, database: Database, settings: Settings, identity: Identity | None = None) -> None:
        self.database, self.settings = database, settings
        self.identity = identity or load_identity(settings)
        self.token = secrets.token_hex(8)

    def _sender(self) -> Sender:
        s = self.settings
        return Sender(self.identity, base_url=s.base_url, concurrency=s.push_concurrency, timeout=s.push_timeout)

    async def run(self, stop: asyncio.Event, *, poll: float = 1.0) -> None:
        """Deliver until `stop` is set; idle rounds wait `poll` seconds."""
        async with self._sender() as sender:
            log.info("push worker %s started", self.token)
            while not stop.is_set():
                try:
                    done = await self.round(sender)
                except Exception:  # a database hiccup must not end the worker
                    log.exception("push delivery round failed")
                    done = 0
                if not done:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=poll)

    async def drain(self, *, now: datetime | None = None) -> int:
        """Send everything due at `now` (default: the clock); returns how many attempts were made."""
        total = 0
        async with self._sender() as sender:
            while done := await self.round(sender, now=now):
                total += done
        return total

    async def round(self, sender: Sender, *, now: datetime | None = None) -> int:
        """Dispatch due notices, claim one batch, send it, record it."""
        moment = now or utcnow()
        await asyncio.to_thread(self._dispatch_notices, moment)
        jobs = await asyncio.to_thread(self._claim, moment)
        if not jobs:
            return 0
        outcomes = await sender.send_all(jobs)
        await asyncio.to_thread(self._record, outcomes, now or utcnow())
        return len(jobs)

    def _dispatch_notices(self, now: datetime) -> None:
        with self.database.write() as session:
            notices.dispatch_due(session, now=now)

    def _claim(self, now: datetime) -> list[Job]:
        with self.database.write() as session:
            return claim(session, token=self.token, now=now, lease=self.settings.push_lease_seconds)

    def _record(self, outcomes: Sequence[Outcome], now: datetime) -> None:
        with self.database.write() as session:
            counts = record(session, outcomes, token=self.token, now=now)
        log.info("push round: %s", counts)


class WorkerProcess:
    """The worker beside the web process, as a child `pwa worker`: its own interpreter, so
    encrypting thousands of messages never holds the lock the page handlers need."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._process: subprocess.Popen[bytes] | None = None

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
        }

    def start(self) -> None:
        """Begin delivering."""
        cmd = [sys.executable, "-m", "pwa.cli", "worker"]
        self._process = subprocess.Popen(cmd, env=self._env())

    def stop(self, timeout: float = 15.0) -> None:
        """Ask the worker to finish its round (SIGTERM), then wait; kill it if it hangs."""
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

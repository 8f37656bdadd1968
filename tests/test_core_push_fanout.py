"""The fan-out's shortcuts keep their promises: VAPID tokens reused per push service, results written in batches."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import select

from pwa import notify
from pwa.db import Database
from pwa.models import PushAttempt, PushDelivery, PushSubscription, utcnow
from pwa.push import notices, vapid
from pwa.push.sender import JWT_LIFETIME, JWT_RENEW_BEFORE, Outcome, Tokens
from pwa.push.worker import Worker, claim, due, purge_attempts, record
from pwa.settings import Settings
from tests.asyncutil import in_thread
from tests.factories import delivery_statuses, make_device, subscribe
from tests.fakepush import FakePushService, check_vapid


@pytest.fixture()
def db(isolated_db: Database) -> Database:
    """Its own database: the live server's push worker (browser tests) must not send these."""
    return isolated_db


class Clock:
    """A settable `time.time`."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_one_token_per_push_service_reused_then_renewed_before_it_expires(settings: Settings) -> None:
    identity = vapid.load(settings)
    clock = Clock(1_800_000_000.0)
    tokens = Tokens(identity, clock=clock)
    fcm, mozilla = "https://fcm.googleapis.com", "https://updates.push.services.mozilla.com:443"
    first = tokens.header(fcm)
    assert tokens.header(fcm) == first and tokens.header(mozilla) != first
    clock.now += JWT_LIFETIME - JWT_RENEW_BEFORE - 1  # still more than the margin left: reused
    assert tokens.header(fcm) == first
    clock.now += 2  # inside the margin: signed again, valid for a full lifetime from now
    renewed = tokens.header(fcm)
    assert renewed != first
    assert tokens.header(fcm) == renewed


def test_reused_token_is_one_a_push_service_accepts(settings: Settings) -> None:
    identity = vapid.load(settings)
    tokens = Tokens(identity)
    origin = "http://127.0.0.1:8123"
    claims = check_vapid(tokens.header(origin), origin, identity.public_key)
    assert claims["aud"] == origin and claims["sub"] == identity.subject
    assert check_vapid(tokens.header(origin), origin, identity.public_key) == claims


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """The verbs of the SQL statements sent inside the block (an executemany counts once)."""
    seen: list[str] = []

    def listen(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.append(statement.split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)


def queue_news(db: Database, push: FakePushService, n: int) -> None:
    for i in range(n):
        subscribe(db, make_device(db, f"d{i:03d}", topics=("news",)), push.subscribe().as_json())
    message = notify.Message(topic="news", kind="notice", tag="n", url="/", text=lambda: ("Tin", "Nội dung"))
    with db.write() as session:
        notify.broadcast(session, message)


def test_a_batch_of_results_is_written_in_a_few_statements(db: Database, push: FakePushService) -> None:
    queue_news(db, push, 40)
    now = utcnow()
    with db.write() as session:
        jobs = claim(session, token="me", now=now, lease=60)
    kinds = itertools.cycle(["sent", "gone", "retry", "failed", "sent"])
    outcomes = []
    for job, kind in zip(jobs, kinds, strict=False):
        code = {"sent": 201, "gone": 410, "retry": 429, "failed": 403}[kind]
        outcomes.append(Outcome(job, kind, code, 120.0 if kind == "retry" else None, f"{code} said so"))
    lost = outcomes[-1].job.delivery_id  # another worker took this one over after our lease ran out
    with db.write() as session:
        session.get_one(PushDelivery, lost).claim = "other"
    with statements(db) as sent, db.write() as session:
        counts = record(session, outcomes, token="me", now=now)
    assert counts == {"sent": 16, "gone": 8, "retry": 8, "failed": 8}
    assert "UPDATE" in sent and len([verb for verb in sent if verb in ("SELECT", "UPDATE", "DELETE")]) <= 5
    with db.read() as session:
        rows = {d.id: d for d in session.exec(select(PushDelivery)).all()}
        remaining = {s.id for s in session.exec(select(PushSubscription)).all()}
    for outcome in outcomes[:-1]:
        row = rows[outcome.job.delivery_id]
        assert row.attempts == 1 and row.claim is None
        expected = {"sent": "sent", "gone": "pruned", "retry": "queued", "failed": "failed"}[outcome.result]
        assert row.status == expected
        if outcome.result == "retry":
            assert row.next_attempt_at >= now + timedelta(seconds=120) and row.last_code == 429
        if outcome.result == "gone":
            assert outcome.job.subscription_id not in remaining
    assert rows[lost].status == "queued" and rows[lost].claim == "other" and rows[lost].attempts == 0
    with db.read() as session:  # attempts that did not finish their delivery are logged: retries, and the lost one
        logged = sorted((a.delivery_id, a.result, a.code, a.error) for a in session.exec(select(PushAttempt)))
    unfinished = [o for o in outcomes if o.result == "retry" or o.job.delivery_id == lost]
    assert logged == sorted((o.job.delivery_id, o.result, o.code, o.error) for o in unfinished)


def test_the_attempt_log_keeps_thirty_days(db: Database, push: FakePushService) -> None:
    queue_news(db, push, 1)
    now = utcnow()
    with db.write() as session:
        (job,) = claim(session, token="me", now=now, lease=60)
        for days in (31, 29, 0):
            at = now - timedelta(days=days)
            session.add(PushAttempt(delivery_id=job.delivery_id, at=at, result="retry", code=503))
    with db.write() as session:
        assert purge_attempts(session, now=now) == 1
    with db.read() as session:
        kept = sorted(round((now - a.at).total_seconds() / 86400) for a in session.exec(select(PushAttempt)))
    assert kept == [0, 29]


def test_a_job_whose_lease_is_half_gone_is_left_for_a_later_claim(
    db: Database, settings: Settings, push: FakePushService
) -> None:
    queue_news(db, push, 3)
    worker = Worker(db, settings)
    readings = iter([0.0])  # the claim's reading sets the deadline; every later one is far past it
    worker.clock = lambda: next(readings, 1e9)
    start = utcnow()
    assert in_thread(worker.drain(now=start)) == 0
    assert push.received == [] and delivery_statuses(db) == {"queued": 3}
    later = start + timedelta(seconds=settings.push_lease_seconds + 1)
    assert in_thread(Worker(db, settings).drain(now=later)) == 3
    assert delivery_statuses(db) == {"sent": 3} and len(push.received) == 3


def test_idle_check_sees_due_deliveries_and_notices_only(db: Database, push: FakePushService) -> None:
    now = utcnow()
    with db.read() as session:
        assert not due(session, now)
    queue_news(db, push, 1)
    with db.read() as session:
        assert due(session, now + timedelta(seconds=1))
    with db.write() as session:
        claim(session, token="me", now=now + timedelta(seconds=1), lease=60)
    with db.read() as session:
        assert not due(session, now + timedelta(seconds=2))  # leased to a worker: not due again until it ends
    later = now + timedelta(hours=1)
    draft = notices.check(title="Nghỉ lễ", body="Nghỉ 1/1.", url="", topics=["news"], send_at=later, now=now)
    with db.write() as session:
        notices.create(session, draft, actor="staff:lan")
    with db.read() as session:
        assert not due(session, now + timedelta(seconds=2)) and due(session, later)

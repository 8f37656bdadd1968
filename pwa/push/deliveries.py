"""Claiming and recording deliveries: the worker's SQL.

Claims are leases: a claimed row's `next_attempt_at` moves `lease` seconds ahead,
so a worker killed mid-batch loses nothing (its rows come back when the lease
ends; a message may then arrive twice, and its `Topic` makes the newer replace
the older). On PostgreSQL `FOR UPDATE SKIP LOCKED` lets several workers claim
side by side without sending a message twice; SQLite's `BEGIN IMMEDIATE`
serialises claims.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, delete, exists, insert, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from pwa.models import Notice, PushAttempt, PushDelivery, PushSubscription, UTCDateTime
from pwa.push.sender import Job, Outcome

log = logging.getLogger("pwa.push")
BATCH = 500
BACKOFF_BASE = 30.0
BACKOFF_MAX = 3600.0
ATTEMPT_DAYS = 30  # how long the attempt log keeps a row


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

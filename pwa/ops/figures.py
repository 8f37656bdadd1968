"""What the database says about the whole deployment, whichever process asks: the outbox, the
deliveries, bookings and reminders. Read at scrape time, so several web processes and workers on
several hosts all report the same truth."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from pwa.models import Pickup, PushDelivery, ReminderSent


@dataclass(frozen=True)
class Outbox:
    """The push outbox: messages waiting, how old the oldest is, how late the most overdue due one is."""

    queued: int
    oldest_age: float  # seconds since the oldest waiting message was queued (retries included)
    overdue: float  # seconds the longest-waiting *due* message has waited past its time (0: none is late)


@dataclass(frozen=True)
class Totals:
    """Counts that only grow (rows are never deleted), for Prometheus counters."""

    deliveries: dict[str, int]  # finished deliveries by outcome: sent, failed, pruned
    bookings: int
    pickups: dict[str, int]  # bookings by their current status
    reminders: int  # payment day reminders produced (one per place, kind, day and moment)
    reminder_recipients: int  # devices they reached


def outbox(session: Session, now: datetime) -> Outbox:
    """Two index lookups on (status, next_attempt_at) and a scan of the queued rows only."""
    queued = col(PushDelivery.status) == "queued"
    count, oldest = session.exec(select(func.count(), func.min(PushDelivery.created_at)).where(queued)).one()
    # A claimed message's next_attempt_at is its lease's end, in the future: in flight is not late.
    due = select(func.min(PushDelivery.next_attempt_at)).where(queued, col(PushDelivery.next_attempt_at) <= now)
    earliest = session.exec(due).one()
    return Outbox(
        queued=int(count),
        oldest_age=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        overdue=max(0.0, (now - earliest).total_seconds()) if earliest else 0.0,
    )


def totals(session: Session) -> Totals:
    """Grouped counts over indexed columns; a scrape every 15–60 s costs milliseconds at a year's rows."""
    by_status = select(PushDelivery.status, func.count()).group_by(PushDelivery.status)
    deliveries = {"sent": 0, "failed": 0, "pruned": 0}
    deliveries.update({status: int(n) for status, n in session.exec(by_status) if status != "queued"})
    pickups = {
        str(status): int(n) for status, n in session.exec(select(Pickup.status, func.count()).group_by(Pickup.status))
    }
    reminders, reached = session.exec(select(func.count(), func.coalesce(func.sum(ReminderSent.recipients), 0))).one()
    return Totals(
        deliveries=deliveries,
        bookings=sum(pickups.values()),
        pickups=pickups,
        reminders=int(reminders),
        reminder_recipients=int(reached),
    )

"""Fixed-window counters kept in the database, so every server process shares them."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from pwa.db import dialect_insert
from pwa.errors import RateLimited
from pwa.models import RateCounter


@dataclass(frozen=True)
class Limit:
    """At most `count` hits per `window` seconds."""

    count: int
    window: int


def _window(limit: Limit, now: float) -> int:
    return int(now) - int(now) % limit.window


def hits(session: Session, key: str, limit: Limit, *, now: float | None = None) -> int:
    """How many hits `key` has in the current window."""
    start = _window(limit, time.time() if now is None else now)
    query = select(RateCounter.count).where(RateCounter.key == key, RateCounter.window_start == start)
    return session.exec(query).first() or 0


def retry_after(limit: Limit, now: float | None = None) -> int:
    """Seconds until the current window ends."""
    now = time.time() if now is None else now
    return _window(limit, now) + limit.window - int(now)


def check(session: Session, key: str, limit: Limit, *, now: float | None = None) -> None:
    """Raise RateLimited if `key` has used up its window."""
    if hits(session, key, limit, now=now) >= limit.count:
        raise RateLimited(retry_after(limit, now))


def hit(session: Session, key: str, limit: Limit, *, now: float | None = None) -> int:
    """Count one hit atomically (one upsert statement) and return the new count."""
    now = time.time() if now is None else now
    start = _window(limit, now)
    insert = dialect_insert(session)
    values = insert(RateCounter).values(key=key, window_start=start, count=1, expires_at=start + limit.window)
    stmt = values.on_conflict_do_update(
        index_elements=["key", "window_start"], set_={"count": col(RateCounter.count) + 1}
    ).returning(col(RateCounter.count))
    count = int(session.execute(stmt).scalar_one())
    if count == 1:  # a new row: clear the expired ones, so the table stays as small as the live windows
        purge_expired(session, now=now)
    return count


def take(session: Session, key: str, limit: Limit, *, now: float | None = None) -> int:
    """Count one hit and return the count; RateLimited past the limit (the caller's rollback undoes that hit).

    One statement where `check` then `hit` take two: the same outcome when the
    transaction is rolled back on the error, as a write transaction is.
    """
    count = hit(session, key, limit, now=now)
    if count > limit.count:
        raise RateLimited(retry_after(limit, now))
    return count


def purge_expired(session: Session, *, now: float | None = None) -> int:
    """Delete counters whose window is over; returns how many went."""
    now = time.time() if now is None else now
    result = session.execute(delete(RateCounter).where(col(RateCounter.expires_at) < int(now)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def total(session: Session) -> int:
    """How many counters exist (for tests and housekeeping)."""
    return int(session.exec(select(func.count()).select_from(RateCounter)).one())

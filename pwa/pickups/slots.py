"""Pickup slots: which shifts are open, how much room they have, and taking room without overbooking.

Room is taken with one conditional UPDATE (`booked + n <= capacity`) inside the
booking's write transaction: the database, not the code, decides who gets the
last place, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, Integer, String, Table, bindparam, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from pwa import audit
from pwa.db import dialect_insert
from pwa.errors import Conflict, Invalid
from pwa.i18n import gettext as _
from pwa.models import ClosedDay, PickupSlot, utcnow
from pwa.settings import Settings

SHIFTS = ("morning", "afternoon")
HOURS = {"morning": (8, 11), "afternoon": (13, 17)}

# Statements of the booking path, built once: rebuilding an ORM query per call cost more than running it.
_SLOT: Table = PickupSlot.__table__  # type: ignore[attr-defined]
_CLOSED: Table = ClosedDay.__table__  # type: ignore[attr-defined]
_IS_CLOSED = (
    select(_CLOSED.c.id).where(_CLOSED.c.office == bindparam("office"), _CLOSED.c.day == bindparam("day")).limit(1)
)


def _claim_statement(insert: Any) -> Any:
    """Make the slot holding `n` places, or take `n` more if they fit, unless the day is a holiday.

    Its id, or no row when the shift is full or the day closed. (SQLite needs the
    SELECT's WHERE before ON CONFLICT: it has one.)
    """
    n, office, day = bindparam("n", type_=Integer), bindparam("office", type_=String), bindparam("day", type_=Date)
    holiday = select(_CLOSED.c.id).where(_CLOSED.c.office == office, _CLOSED.c.day == day)
    row = core_select(office, day, bindparam("shift", type_=String), bindparam("capacity", type_=Integer), n)
    stmt = insert(_SLOT).from_select(["office", "day", "shift", "capacity", "booked"], row.where(~holiday.exists()))
    return stmt.on_conflict_do_update(
        index_elements=["office", "day", "shift"],
        set_={"booked": _SLOT.c.booked + n},
        where=_SLOT.c.booked + n <= _SLOT.c.capacity,
    ).returning(_SLOT.c.id)


_CLAIM = {"sqlite": _claim_statement(sqlite_insert), "postgresql": _claim_statement(pg_insert)}


@dataclass(frozen=True)
class Slot:
    """A shift as people see it: when, and how many more pickups fit."""

    day: date
    shift: str
    capacity: int
    remaining: int

    @property
    def value(self) -> str:
        """`2026-11-27/morning`: how a form names this slot."""
        return f"{self.day.isoformat()}/{self.shift}"


class SlotFull(Conflict):
    """The shift has no room left; `slots` are the nearest ones that do."""

    code = "slot_full"

    def __init__(self, free: list[Slot]) -> None:
        self.slots = free
        super().__init__(
            _("Ca này đã hết chỗ. Hãy chọn một ca còn chỗ bên dưới."), fields={"shift": _("Ca này đã hết chỗ.")}
        )


def today(settings: Settings, now: datetime | None = None) -> date:
    """Today at the post office, whatever the server's zone."""
    return (now or utcnow()).astimezone(settings.tz).date()


def cutoff(settings: Settings, day: date, shift: str) -> datetime:
    """The last moment to book, change or cancel a shift (aware)."""
    hours, minutes = settings.pickup_cutoff_morning.split(":")
    on = day - timedelta(days=1)
    if shift == "afternoon":
        hours, minutes = settings.pickup_cutoff_afternoon.split(":")
        on = day
    return datetime.combine(on, time(int(hours), int(minutes)), tzinfo=settings.tz)


def closed_days(session: Session, settings: Settings, start: date, end: date) -> dict[date, str]:
    """Holidays set by staff between two dates (inclusive), with their reasons."""
    query = select(ClosedDay).where(
        ClosedDay.office == settings.office_code, col(ClosedDay.day) >= start, col(ClosedDay.day) <= end
    )
    return {row.day: row.reason for row in session.exec(query)}


def why_closed(session: Session, settings: Settings, day: date, shift: str, now: datetime | None = None) -> str | None:
    """A translated reason this shift cannot be booked, or None if it is open."""
    if reason := _past_or_not_ours(settings, day, shift, now or utcnow()):
        return reason
    if session.connection().execute(_IS_CLOSED, {"office": settings.office_code, "day": day}).first():
        return _("Bưu điện nghỉ ngày này (ngày lễ). Hãy chọn ngày khác.")
    return None


def _past_or_not_ours(settings: Settings, day: date, shift: str, now: datetime) -> str | None:
    """Why the shift is closed, from the clock and the settings alone (holidays are in the database)."""
    if shift not in SHIFTS:
        return _("Chọn ca sáng hoặc ca chiều.")
    if day < today(settings, now) or cutoff(settings, day, shift) <= now:
        return _("Ca này đã qua hạn đặt. Hãy chọn ca khác.")
    if day > today(settings, now) + timedelta(days=settings.pickup_days_ahead):
        return _("Chỉ đặt được trong %(days)d ngày tới.") % {"days": settings.pickup_days_ahead}
    if day.weekday() in settings.pickup_closed_weekdays:
        return _("Bưu điện không lấy hàng vào ngày này trong tuần.")
    return None


def _rows(session: Session, settings: Settings, start: date, end: date) -> dict[tuple[date, str], PickupSlot]:
    query = select(PickupSlot).where(
        PickupSlot.office == settings.office_code, col(PickupSlot.day) >= start, col(PickupSlot.day) <= end
    )
    return {(row.day, row.shift): row for row in session.exec(query)}


def listing(
    session: Session,
    settings: Settings,
    *,
    start: date | None = None,
    days: int | None = None,
    now: datetime | None = None,
) -> list[Slot]:
    """Every open shift from `start` for `days` days, full ones included (remaining 0)."""
    now = now or utcnow()
    first = max(start or today(settings, now), today(settings, now))
    last = today(settings, now) + timedelta(days=settings.pickup_days_ahead)
    if days is not None:
        last = min(last, first + timedelta(days=days - 1))
    rows, holidays = _rows(session, settings, first, last), closed_days(session, settings, first, last)
    found = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        if day in holidays or day.weekday() in settings.pickup_closed_weekdays:
            continue
        for shift in SHIFTS:
            if cutoff(settings, day, shift) <= now:
                continue
            found.append(_slot(settings, rows.get((day, shift)), day, shift))
    return found


def _slot(settings: Settings, row: PickupSlot | None, day: date, shift: str) -> Slot:
    capacity = row.capacity if row else settings.pickup_capacity
    return Slot(day, shift, capacity, max(0, capacity - (row.booked if row else 0)))


def of_day(session: Session, settings: Settings, day: date) -> list[Slot]:
    """Both shifts of exactly this day, past or far ahead, open or not: what staff plan and edit."""
    rows = _rows(session, settings, day, day)
    return [_slot(settings, rows.get((day, shift)), day, shift) for shift in SHIFTS]


def nearest_free(
    session: Session,
    settings: Settings,
    *,
    after: tuple[date, str] | None = None,
    limit: int = 3,
    now: datetime | None = None,
) -> list[Slot]:
    """The first open shifts with room, nearest to `after` (a full shift the caller wanted)."""
    start = after[0] if after else None
    free = [s for s in listing(session, settings, start=start, now=now) if s.remaining > 0]
    if after:
        free = [s for s in free if (s.day, s.shift) != after]
    return free[:limit]


def ensure(session: Session, settings: Settings, day: date, shift: str) -> int:
    """The id of the slot row, created (with the default capacity) if missing, race-free."""
    insert = dialect_insert(session)
    stmt = insert(PickupSlot).values(
        office=settings.office_code, day=day, shift=shift, capacity=settings.pickup_capacity, booked=0
    )
    session.execute(stmt.on_conflict_do_nothing(index_elements=["office", "day", "shift"]))
    query = select(PickupSlot.id).where(
        PickupSlot.office == settings.office_code, PickupSlot.day == day, PickupSlot.shift == shift
    )
    slot_id = session.exec(query).one()
    assert slot_id is not None
    return slot_id


def take(session: Session, slot_id: int, n: int = 1) -> bool:
    """Take `n` places in one statement; False (nothing changed) when they do not fit."""
    stmt = (
        update(PickupSlot)
        .where(col(PickupSlot.id) == slot_id, col(PickupSlot.booked) + n <= col(PickupSlot.capacity))
        .values(booked=col(PickupSlot.booked) + n)
    )
    return bool(session.execute(stmt).rowcount == 1)  # type: ignore[attr-defined]


def claim(
    session: Session, settings: Settings, day: date, shift: str, n: int = 1, now: datetime | None = None
) -> int | None:
    """Take `n` places in an open shift (its row made if missing), in one statement; its id.

    None when the shift is closed or full: `why_closed` says which.
    """
    if _past_or_not_ours(settings, day, shift, now or utcnow()):
        return None
    if n > settings.pickup_capacity:  # a new row would start overfull: check in steps
        if why_closed(session, settings, day, shift, now):
            return None
        slot_id = ensure(session, settings, day, shift)
        return slot_id if take(session, slot_id, n) else None
    conn = session.connection()
    params = {"office": settings.office_code, "day": day, "shift": shift, "capacity": settings.pickup_capacity, "n": n}
    return conn.execute(_CLAIM[conn.dialect.name], params).scalar()


def give_back(session: Session, slot_id: int, n: int = 1) -> None:
    """Free `n` places (a cancellation or a move), never below zero."""
    stmt = (
        update(PickupSlot)
        .where(col(PickupSlot.id) == slot_id, col(PickupSlot.booked) >= n)
        .values(booked=col(PickupSlot.booked) - n)
    )
    session.execute(stmt)


def set_capacity(session: Session, settings: Settings, *, day: date, shift: str, capacity: int, actor: str) -> None:
    """Staff set how many pickups a shift takes (already booked ones stay booked)."""
    if shift not in SHIFTS:
        raise Invalid(fields={"shift": _("Chọn ca sáng hoặc ca chiều.")})
    if not 0 <= capacity <= 1000:
        raise Invalid(fields={"capacity": _("Nhập số lượt từ 0 đến 1000.")})
    slot_id = ensure(session, settings, day, shift)
    session.execute(update(PickupSlot).where(col(PickupSlot.id) == slot_id).values(capacity=capacity))
    audit.record(session, actor=actor, action="pickup.capacity", subject=f"slot:{day}/{shift}", detail=str(capacity))


def set_closed(session: Session, settings: Settings, *, day: date, closed: bool, reason: str, actor: str) -> None:
    """Staff close a day (a holiday) or open it again."""
    row = session.exec(select(ClosedDay).where(ClosedDay.office == settings.office_code, ClosedDay.day == day)).first()
    if closed and row is None:
        session.add(ClosedDay(office=settings.office_code, day=day, reason=reason.strip()[:120]))
    elif not closed and row is not None:
        session.delete(row)
    audit.record(session, actor=actor, action="pickup.closed_day", subject=f"day:{day}", detail=f"{closed} {reason}")

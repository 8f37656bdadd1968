"""Changing a booking once it is made: cancel, reschedule (a move), and each step on its timeline.

Callers pass the booking row locked (`lookup.for_change`, `lookup.get(lock=True)`),
so two changes to one booking queue and the second sees the first's status.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from pwa import audit
from pwa.errors import Conflict, Invalid
from pwa.i18n import gettext as _
from pwa.models import Pickup, PickupEvent, utcnow
from pwa.pickups import slots, transitions
from pwa.pickups.notices import tell
from pwa.pickups.views import ACTIVE
from pwa.settings import Settings


def _check_changeable(settings: Settings, pickup: Pickup, now: datetime | None) -> None:
    if pickup.status not in ACTIVE:
        raise Conflict(_("Đơn này không còn thay đổi được (trạng thái hiện tại không cho phép)."))
    if (now or utcnow()) >= slots.cutoff(settings, pickup.day, pickup.shift):
        raise Conflict(_("Đã quá hạn đổi hoặc hủy đơn này. Hãy gọi bưu điện để được giúp."))


def cancel(
    session: Session,
    settings: Settings,
    pickup: Pickup,
    *,
    actor: str,
    role: str = "customer",
    now: datetime | None = None,
) -> None:
    """Cancel; the place goes back to the slot in the same transaction.

    A customer cancels before the cut-off; the post office (staff) at any time,
    and its customer may then reschedule the same booking.
    """
    transitions.check(pickup.status, "cancelled", role)
    if role == "customer" and pickup.status in ACTIVE:
        _check_changeable(settings, pickup, now)
    if pickup.status != "failed" or pickup.day >= slots.today(settings, now):
        slots.give_back(session, pickup.slot_id)
    pickup.cancelled_by = "customer" if role == "customer" else "post_office"
    audit.record(session, actor=actor, action="pickup.cancelled", subject=f"pickup:{pickup.code}")
    set_status(session, pickup, "cancelled", actor=actor, detail=pickup.cancelled_by)


def may_reschedule(pickup: Pickup, role: str) -> bool:
    """True if `role` may move this booking to a new shift now (the table, and a post-office cancellation)."""
    if pickup.status == "cancelled" and pickup.cancelled_by == "post_office" and role == "customer":
        return True
    return transitions.allowed(pickup.status, "booked", role)


def reschedule(
    session: Session,
    settings: Settings,
    pickup: Pickup,
    *,
    to: tuple[date, str] | None,
    actor: str,
    role: str,
    now: datetime | None = None,
    day: date | None = None,
    shift: str | None = None,
) -> None:
    """Move the same booking (code, tracking numbers, details) to `to`, or to the nearest shift with room
    (on `day`, or in `shift`, when only one of them is asked for).

    The new place is taken and the old one freed in the caller's transaction;
    the conditional UPDATE of `slots.claim` never lets a shift pass its capacity.
    Shifts are locked in one order, day then morning before afternoon (`_Release`):
    two bookings moving in opposite directions at once would otherwise each hold the
    shift the other waits for, and PostgreSQL would abort one of them (a deadlock).
    """
    if not may_reschedule(pickup, role):
        transitions.check(pickup.status, "booked", role)
    if role == "customer" and pickup.status in ACTIVE:
        _check_changeable(settings, pickup, now)
    if to == (pickup.day, pickup.shift) and pickup.status in ACTIVE:
        return  # already there: nothing to do
    # A cancelled booking gave its place back already; a failed one of a past day has none left.
    holds = pickup.status in ACTIVE or (pickup.status == "failed" and pickup.day >= slots.today(settings, now))
    release = _Release(session, pickup if holds else None)
    new_slot, (day, shift) = _claim(session, settings, pickup, to, now, release, day=day, shift=shift)
    release.now()
    pickup.slot_id, pickup.day, pickup.shift, pickup.courier = new_slot, day, shift, ""
    pickup.failure_reason, pickup.failure_note, pickup.called_at, pickup.cancelled_by = "", "", None, ""
    audit.record(session, actor=actor, action="pickup.rescheduled", subject=f"pickup:{pickup.code}",
                 detail=f"{day.isoformat()}/{shift}")  # fmt: skip
    set_status(session, pickup, "booked", actor=actor, detail=f"{day.isoformat()}/{shift}", kind="rescheduled")


class _Release:
    """Gives the booking's old place back once, at its turn in the order shifts are locked in."""

    def __init__(self, session: Session, pickup: Pickup | None) -> None:
        self.session, self.pickup = session, pickup

    def before(self, day: date, shift: str) -> None:
        """Free the old place now if its shift comes first (or is this one)."""
        if self.pickup is not None and _order(self.pickup.day, self.pickup.shift) <= _order(day, shift):
            self.now()

    def now(self) -> None:
        """Free the old place now, unless it was already."""
        if self.pickup is not None:
            slots.give_back(self.session, self.pickup.slot_id)
            self.pickup = None


def _order(day: date, shift: str) -> tuple[date, int]:
    return day, slots.SHIFTS.index(shift) if shift in slots.SHIFTS else len(slots.SHIFTS)


def _claim(
    session: Session,
    settings: Settings,
    pickup: Pickup,
    to: tuple[date, str] | None,
    now: datetime | None,
    release: _Release,
    *,
    day: date | None = None,
    shift: str | None = None,
) -> tuple[int, tuple[date, str]]:
    """Take a place: in `to`, else the nearest shift with room (on `day`, in `shift`, if either is given)."""
    current = (pickup.day, pickup.shift) if pickup.status in ACTIVE else None
    if to is not None:
        if reason := slots.why_closed(session, settings, to[0], to[1], now):
            raise Invalid(fields={"date": reason})
        release.before(*to)
        slot_id = slots.claim(session, settings, to[0], to[1], now=now)
        if slot_id is None:
            raise _full(session, settings, to, current, now)
        return slot_id, to
    listed = slots.listing(session, settings, start=day, days=1 if day else None, now=now)
    free = [s for s in listed if s.remaining > 0 and (s.day, s.shift) != current and shift in (None, s.shift)]
    for candidate in free[:6]:  # in the order shifts are locked in, as `listing` gives them
        release.before(candidate.day, candidate.shift)
        slot_id = slots.claim(session, settings, candidate.day, candidate.shift, now=now)
        if slot_id is not None:  # else taken since it was listed: the next one
            return slot_id, (candidate.day, candidate.shift)
    if day is not None and (reason := slots.why_closed(session, settings, day, shift or "afternoon", now)):
        raise Invalid(fields={"date": reason})
    raise _full(session, settings, None, current, now)


def _full(
    session: Session,
    settings: Settings,
    wanted: tuple[date, str] | None,
    current: tuple[date, str] | None,
    now: datetime | None,
) -> slots.SlotFull:
    """The refusal, offering shifts with room other than the one the booking is in (whose place,
    given back earlier in this transaction, would look free)."""
    free = slots.nearest_free(session, settings, after=wanted, now=now, limit=4)
    return slots.SlotFull([s for s in free if (s.day, s.shift) != current][:3])


def set_status(
    session: Session,
    pickup: Pickup,
    status: str,
    *,
    actor: str,
    detail: str = "",
    kind: str = "",
    at: datetime | None = None,
) -> None:
    """Record a status (or a move) on the timeline and tell every device that follows the booking.

    `at` is when it happened, if earlier than now (a courier's phone that was without signal).
    """
    assert pickup.id is not None
    pickup.status, pickup.updated_at = status, utcnow()
    session.add(pickup)
    event = PickupEvent(pickup_id=pickup.id, status=kind or status, detail=detail[:255], actor=actor[:120])
    if at is not None:
        event.at = at
    session.add(event)
    session.flush()
    tell(session, pickup, kind or status)

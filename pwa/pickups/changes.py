"""Changing a booking once it is made: the customer's cancel and move, and each step on its timeline.

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
from pwa.pickups import slots
from pwa.pickups.notices import tell
from pwa.pickups.views import ACTIVE
from pwa.settings import Settings


def _check_changeable(settings: Settings, pickup: Pickup, now: datetime | None) -> None:
    if pickup.status not in ACTIVE:
        raise Conflict(_("Đơn này không còn thay đổi được (trạng thái hiện tại không cho phép)."))
    if (now or utcnow()) >= slots.cutoff(settings, pickup.day, pickup.shift):
        raise Conflict(_("Đã quá hạn đổi hoặc hủy đơn này. Hãy gọi bưu điện để được giúp."))


def cancel(session: Session, settings: Settings, pickup: Pickup, *, actor: str, now: datetime | None = None) -> None:
    """Cancel before the cut-off; the place goes back to the slot in the same transaction."""
    _check_changeable(settings, pickup, now)
    slots.give_back(session, pickup.slot_id)
    audit.record(session, actor=actor, action="pickup.cancelled", subject=f"pickup:{pickup.code}")
    set_status(session, pickup, "cancelled", actor=actor)


def move(
    session: Session,
    settings: Settings,
    pickup: Pickup,
    *,
    day: date,
    shift: str,
    actor: str,
    now: datetime | None = None,
) -> None:
    """Move a booking to another shift: take the new place, free the old one, in one transaction."""
    _check_changeable(settings, pickup, now)
    if (day, shift) == (pickup.day, pickup.shift):
        return
    reason = slots.why_closed(session, settings, day, shift, now)
    if reason:
        raise Invalid(fields={"date": reason})
    new_slot = slots.ensure(session, settings, day, shift)
    if not slots.take(session, new_slot):
        raise slots.SlotFull(slots.nearest_free(session, settings, after=(day, shift), now=now))
    slots.give_back(session, pickup.slot_id)
    pickup.slot_id, pickup.day, pickup.shift = new_slot, day, shift
    set_status(session, pickup, pickup.status, actor=actor, detail=f"{day.isoformat()}/{shift}", kind="moved")


def set_status(session: Session, pickup: Pickup, status: str, *, actor: str, detail: str = "", kind: str = "") -> None:
    """Record a status (or a move) on the timeline and tell every device that follows the booking."""
    assert pickup.id is not None
    pickup.status, pickup.updated_at = status, utcnow()
    session.add(pickup)
    session.add(PickupEvent(pickup_id=pickup.id, status=kind or status, detail=detail[:255], actor=actor[:120]))
    session.flush()
    tell(session, pickup, kind or status)

"""What a customer does with a booking once it is made: see it, cancel or move it, list and find their bookings.

On the site a device manages the bookings it made or found; through the API
the code and the phone number open a booking.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlmodel import Session

from pwa.db import Database
from pwa.errors import AppError, Invalid, NotFound
from pwa.i18n import gettext as _
from pwa.models import Pickup
from pwa.pickups import actions, changes, lookup, objections, slots, validate, views
from pwa.pickups.views import Booking
from pwa.settings import Settings


@dataclass(frozen=True)
class Detail:
    """A booking's page: the booking, whether this device manages it, and the shifts it may move to."""

    booking: Booking
    manage: bool
    changeable: bool
    shown_name: str
    free: list[slots.Slot]
    errors: dict[str, str] = field(default_factory=dict)
    reschedulable: bool = False  # failed, or cancelled by the post office: one tap books the same again

    @property
    def qr_path(self) -> str:
        """What the booking's QR code opens; for its customer, while it waits, with the handover code
        as a fragment (the courier's scan proves the handover; a fragment never reaches a server)."""
        path = f"/pickups/{self.booking.code}"
        return f"{path}#h={self.booking.handover_code}" if self.manage and self.booking.status in views.ACTIVE else path

    status: int = 200  # the HTTP status of a page shown again after a refused change
    problem: str = ""


def _detail(
    session: Session, settings: Settings, pickup: Pickup, manage: bool, failure: AppError | None = None
) -> Detail:
    made = views.view(session, pickup, settings)
    changeable = made.changeable()
    after_end = made.status not in views.ACTIVE and changes.may_reschedule(pickup, "customer")
    reschedulable = manage and (changeable or after_end)
    free = [s for s in slots.listing(session, settings) if s.remaining > 0] if reschedulable else []
    page = Detail(made, manage, changeable, views.shown_name(made, manage=manage), free, reschedulable=reschedulable)
    if failure is None:
        return page
    # A refusal without a field of its own is shown beside the day.
    return replace(page, errors=failure.fields or {"date": failure.message}, status=failure.status,
                   problem=failure.message)  # fmt: skip


def show(database: Database, settings: Settings, *, code: str, device: str) -> Detail:
    """A booking's confirmation and timeline; safe to reload, share and open later."""
    with database.read() as session:
        pickup = lookup.get(session, code)
        if pickup is None:
            raise NotFound()
        return _detail(session, settings, pickup, lookup.may_manage(session, pickup, device))


def cancel(database: Database, settings: Settings, *, code: str, device: str, actor: str) -> Detail | None:
    """Cancel a booking this device manages; None when done, else its page saying why not."""
    try:
        with database.write() as session:
            changes.cancel(session, settings, lookup.for_change(session, code, device), actor=actor)
    except NotFound:
        raise
    except AppError as exc:
        return _refused(database, settings, code, exc)
    return None


def move(database: Database, settings: Settings, *, code: str, device: str, slot: str, actor: str) -> Detail | None:
    """Move a booking this device manages to `slot` (`2026-11-27/morning`), or to the nearest shift with
    room when `slot` is empty: before its cut-off, after a failure, or after the post office cancelled it;
    None when done, else its page saying why not."""
    try:
        with database.write() as session:
            pickup = lookup.for_change(session, code, device)  # first: a stranger learns nothing from a bad slot
            changes.reschedule(session, settings, pickup, to=slot_of(slot), actor=actor, role="customer")
    except NotFound:
        raise
    except AppError as exc:
        return _refused(database, settings, code, exc)
    return None


def slot_of(text: str) -> tuple[date, str] | None:
    """`2026-11-27/morning` as (day, shift); None for an empty choice; 422 for anything else."""
    if not text:
        return None
    day_text, _sep, shift = text.partition("/")
    errors: dict[str, str] = {}
    day = validate.check_date(day_text, errors)
    if shift not in slots.SHIFTS:
        errors.setdefault("date", _("Chọn ca sáng hoặc ca chiều."))
    if errors:
        raise Invalid(fields=errors)
    return day, shift


def reschedule_by_phone(
    database: Database,
    settings: Settings,
    *,
    code: str,
    phone: str,
    client: str,
    data: dict[str, Any],
    key: str | None,
    actor: str,
) -> Booking:
    """The API's reschedule: the same booking to `date` and `shift`, or the nearest shift with room
    (on that `date`, or in that `shift`, when only one is given); once per Idempotency-Key."""
    day_text, shift = data.get("date"), data.get("shift")
    errors: dict[str, str] = {}
    day = validate.check_date(day_text, errors) if day_text is not None else None
    if shift is not None and shift not in slots.SHIFTS:
        errors["shift"] = _("Chọn ca sáng hoặc ca chiều.")
    if errors:
        raise Invalid(fields=errors)
    to = (day, str(shift)) if day is not None and shift is not None else None
    key = actions.clean_key(key)
    with lookup.matching(database, code=code, phone=phone, client=client) as (session, pickup):
        actions.once(session, key, pickup, "reschedule", data, actor, lambda: changes.reschedule(
            session, settings, pickup, to=to, actor=actor, role="customer",
            day=day if to is None else None, shift=shift if to is None else None))  # fmt: skip
        return views.view(session, pickup, settings)


def _refused(database: Database, settings: Settings, code: str, failure: AppError) -> Detail:
    with database.read() as session:
        pickup = lookup.get(session, code)
        if pickup is None:
            raise NotFound()
        return _detail(session, settings, pickup, True, failure)


def object_on_device(
    database: Database, settings: Settings, *, code: str, device: str, data: dict[str, Any], actor: str
) -> Detail | None:
    """ "That's not what happened" from a device that manages the booking; None when recorded, else its page."""
    try:
        with database.write() as session:
            objections.raise_objection(session, settings, lookup.for_change(session, code, device), data=data,
                                       actor=actor)  # fmt: skip
    except NotFound:
        raise
    except AppError as exc:
        return _refused(database, settings, code, exc)
    return None


def mine(database: Database, settings: Settings, *, device: str) -> list[Booking]:
    """This device's bookings and followed ones, soonest slot first."""
    with database.read() as session:
        return lookup.mine(session, settings, device)


def find(database: Database, *, code: str, phone: str, client: str, device: str) -> str:
    """Find a booking by code and phone and remember it on this device; its code."""
    with lookup.matching(database, code=code, phone=phone, client=client) as (session, pickup):
        lookup.follow(session, pickup, device)
        return pickup.code


def show_by_phone(database: Database, settings: Settings, *, code: str, phone: str, client: str) -> Booking:
    """A booking and its timeline, for its code and phone number."""
    with lookup.matching(database, code=code, phone=phone, client=client) as (session, pickup):
        return views.view(session, pickup, settings)


def cancel_by_phone(
    database: Database, settings: Settings, *, code: str, phone: str, client: str, actor: str
) -> Booking:
    """Cancel a booking opened with its code and phone number; the booking after the change."""
    with lookup.matching(database, code=code, phone=phone, client=client) as (session, pickup):
        changes.cancel(session, settings, pickup, actor=actor)
        return views.view(session, pickup, settings)

"""What pages and the API show of a booking: a picture that needs no session, and the name a viewer may see."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from pwa import admin_units
from pwa.models import Pickup, PickupEvent, PickupObjection, PickupParcel, utcnow
from pwa.names import mask_name
from pwa.pickups import codes, slots
from pwa.settings import Settings

ACTIVE = ("booked", "assigned")  # the statuses in which a booking may still change


@dataclass(frozen=True)
class Event:
    """One step of the timeline."""

    status: str
    at: datetime
    detail: str

    @property
    def slot(self) -> tuple[date, str] | None:
        """The new shift of a move or reschedule (`2026-12-05/morning`), else None."""
        day, _sep, shift = self.detail.partition("/")
        if self.status not in ("moved", "rescheduled") or not shift:
            return None
        try:
            return date.fromisoformat(day), shift
        except ValueError:
            return None


@dataclass(frozen=True)
class Objection:
    """The customer's account of what happened, and the post office's answer once closed."""

    id: int
    about: str
    kind: str
    text: str
    created_at: datetime
    closed_at: datetime | None
    closed_by: str
    outcome: str

    @property
    def open(self) -> bool:
        """True until staff close it with a note."""
        return self.closed_at is None

    def api(self) -> dict[str, Any]:
        """The objection as the API shows it."""
        return {
            "id": self.id,
            "about": self.about,
            "kind": self.kind,
            "text": self.text,
            "created_at": self.created_at.isoformat(),
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "outcome": self.outcome,
        }


@dataclass(frozen=True)
class Booking:
    """Everything a page or an API answer shows about a booking (no session needed)."""

    code: str
    status: str
    name: str
    phone: str
    ward_code: int
    ward_label: str
    street: str
    day: date
    shift: str
    parcels: int
    weight_g: int
    longest_cm: int | None
    service: str
    destination_province: int
    cod_vnd: int
    declared_value_vnd: int
    note: str
    price_vnd: int
    courier: str
    collected_parcels: int | None
    failure_reason: str
    failure_note: str
    called_at: datetime | None
    handover_code: str
    handover_verified: bool | None
    handover_tries: int
    cancelled_by: str
    created_at: datetime
    cutoff: datetime
    tracking_numbers: list[str] = field(default_factory=list)
    timeline: list[Event] = field(default_factory=list)
    objections: list[Objection] = field(default_factory=list)

    @property
    def open_objection(self) -> Objection | None:
        """The objection staff have still to answer, if any."""
        return next((o for o in self.objections if o.open), None)

    @property
    def objectable(self) -> bool:
        """True if the customer may say "that's not what happened" now (a failure, or a collection without the code)."""
        disputed = self.status == "failed" or (self.status == "collected" and self.handover_verified is False)
        if not disputed or self.open_objection is not None:
            return False
        # One objection each time the booking came to this status (failed, rescheduled, failed again: two).
        times = sum(e.status == self.status for e in self.timeline)
        return times > sum(o.about == self.status for o in self.objections)

    @property
    def grouped_code(self) -> str:
        """The code as people read it: `7K3M-9QX2-HV4D`."""
        return codes.grouped(self.code)

    def changeable(self, now: datetime | None = None) -> bool:
        """True while the customer may still move or cancel it."""
        return self.status in ACTIVE and (now or utcnow()) < self.cutoff

    def api(self, *, customer: bool = False) -> dict[str, Any]:
        """The booking as the API shows it; the handover code only to its customer (who gave code and phone)."""
        shown: dict[str, Any] = {"handover_code": self.handover_code} if customer else {}
        shown["handover_verified"] = bool(self.handover_verified) if self.status == "collected" else None
        return {
            "code": self.code,
            "status": self.status,
            "tracking_numbers": self.tracking_numbers,
            "date": self.day.isoformat(),
            "shift": self.shift,
            "price_vnd": self.price_vnd,
            "name": self.name,
            "phone": self.phone,
            "ward_code": self.ward_code,
            "street": self.street,
            "parcels": self.parcels,
            "weight_kg": self.weight_g / 1000,
            "service": self.service,
            "cod_vnd": self.cod_vnd,
            "declared_value_vnd": self.declared_value_vnd,
            "note": self.note,
            "courier": self.courier,
            "collected_parcels": self.collected_parcels,
            "failure_reason": self.failure_reason,
            "failure_note": self.failure_note,
            "called_at": self.called_at.isoformat() if self.called_at else None,
            "changeable_until": self.cutoff.isoformat(),
            "timeline": [{"status": e.status, "at": e.at.isoformat(), "detail": e.detail} for e in self.timeline],
            "objections": [o.api() for o in self.objections],
            **shown,
        }


def shown_name(booking: Booking, *, manage: bool) -> str:
    """The customer's name in full to a device that may manage the booking, else masked.

    The code alone opens a booking's page, and it travels in push messages and
    the QR code: whoever holds only the code sees the family name and initials.
    """
    return booking.name if manage else mask_name(booking.name)


def view(session: Session, pickup: Pickup, settings: Settings) -> Booking:
    """A detached picture of a booking, its parcels and its timeline (oldest step first)."""
    numbers = session.exec(
        select(PickupParcel.tracking_number)
        .where(PickupParcel.pickup_id == pickup.id)
        .order_by(col(PickupParcel.position))
    ).all()
    events = session.exec(
        select(PickupEvent).where(PickupEvent.pickup_id == pickup.id).order_by(col(PickupEvent.at), col(PickupEvent.id))
    ).all()
    objections = session.exec(
        select(PickupObjection).where(PickupObjection.pickup_id == pickup.id).order_by(col(PickupObjection.id))
    ).all()
    timeline = [Event(e.status, e.at, e.detail) for e in events]
    made = picture(pickup, settings, list(numbers), timeline)
    if not objections:
        return made
    said = [Objection(o.id or 0, o.about, o.kind, o.text, o.created_at, o.closed_at, o.closed_by, o.outcome)
            for o in objections]  # fmt: skip
    return replace(made, objections=said)


def picture(pickup: Pickup, settings: Settings, tracking_numbers: list[str], timeline: list[Event]) -> Booking:
    """The picture of a booking from its row and what it holds (as just written: no need to read them back)."""
    commune = admin_units.commune(pickup.ward_code)
    data = pickup.model_dump(exclude=_NOT_SHOWN)
    return Booking(
        **data,
        ward_label=commune.label if commune else str(pickup.ward_code),
        cutoff=slots.cutoff(settings, pickup.day, pickup.shift),
        tracking_numbers=tracking_numbers,
        timeline=timeline,
    )


_NOT_SHOWN = {"id", "device_key", "idempotency_key", "request_hash", "slot_id", "updated_at"}

"""What pages, the API and reminders read about places: plain frozen data built from rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from pwa import admin_units, phones
from pwa.models import Notice, Office, PaymentDay
from pwa.offices import hours, places


@dataclass(frozen=True)
class Payment:
    """A coming payment day at a place."""

    kind: str
    kind_label: str
    day: date
    opens: str
    closes: str

    @property
    def hours(self) -> str:
        """`7:00–11:00`, written like the opening hours."""
        return "–".join(
            text.lstrip("0") if not text.startswith("00") else text[1:] for text in (self.opens, self.closes)
        )

    def as_json(self) -> dict[str, str]:
        """`{"kind", "date", "opens", "closes"}`, as the API names them."""
        return {"kind": self.kind, "date": self.day.isoformat(), "opens": self.opens, "closes": self.closes}


@dataclass(frozen=True)
class Place:
    """A place with today's state in words and its next payment day."""

    code: str
    name: str
    kind: str
    kind_label: str
    ward_code: int
    commune: str
    address: str
    phone: str  # E.164, or empty
    phone_display: str
    lat: float
    lon: float
    services: tuple[str, ...]
    service_labels: tuple[str, ...]
    opening_hours: str
    open_now: bool
    state_text: str
    next_payment: Payment | None
    distance_km: float | None
    demo: bool

    def as_json(self) -> dict[str, object]:
        """The API's object for a place (the names are the contract)."""
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "ward_code": self.ward_code,
            "commune": self.commune,
            "address": self.address,
            "phone": self.phone,
            "lat": self.lat,
            "lon": self.lon,
            "services": list(self.services),
            "opening_hours": self.opening_hours,
            "open_now": self.open_now,
            "next_payment_day": self.next_payment.as_json() if self.next_payment else None,
        }


@dataclass(frozen=True)
class Announcement:
    """A staff notice sent to a commune's followers."""

    id: int
    title: str
    body: str
    at: datetime


@dataclass(frozen=True)
class Detail:
    """One place, its coming payment days and the commune's recent announcements."""

    place: Place
    payments: tuple[Payment, ...]
    announcements: tuple[Announcement, ...]
    following: bool
    as_of: datetime
    week: tuple[hours.Day, ...] = ()

    def as_json(self) -> dict[str, object]:
        """The place's object plus `payment_days` and `announcements`."""
        notes = [{"id": a.id, "title": a.title, "body": a.body, "at": a.at.isoformat()} for a in self.announcements]
        return {**self.place.as_json(), "payment_days": [p.as_json() for p in self.payments], "announcements": notes}


@dataclass(frozen=True)
class Listing:
    """The places found, and what was asked."""

    places: tuple[Place, ...]
    q: str
    ward_code: int | None
    near: tuple[float, float] | None
    as_of: datetime
    version: tuple[object, ...] = ()  # names everything the list shows: the same version, the same page


def payment(row: PaymentDay) -> Payment:
    """A payment day row as plain data."""
    return Payment(row.kind, places.payment_label(row.kind), row.day, row.opens, row.closes)


def still_coming(row: PaymentDay, now: datetime, tz: ZoneInfo) -> bool:
    """Today's payment counts until its closing time; earlier days never."""
    local = now.astimezone(tz)
    if row.day != local.date():
        return row.day > local.date()
    return time.fromisoformat(row.closes) > local.time().replace(tzinfo=None)


def place(
    office: Office, now: datetime, tz: ZoneInfo, *, next_payment: Payment | None, distance: float | None = None
) -> Place:
    """A place row as plain data, with its state at `now` in the reader's language."""
    commune = admin_units.commune(office.ward_code)
    state = hours.at(office.opening_hours, now, tz)
    keys = tuple(k for k in office.services.split(";") if k)
    return Place(
        code=office.code,
        name=office.name,
        kind=office.kind,
        kind_label=places.kind_label(office.kind),
        ward_code=office.ward_code,
        commune=commune.name if commune else "",
        address=office.address,
        phone=office.phone,
        phone_display=phones.display(office.phone) if office.phone else "",
        lat=office.lat,
        lon=office.lon,
        services=keys,
        service_labels=tuple(places.service_label(k) for k in keys),
        opening_hours=office.opening_hours,
        open_now=state.open,
        state_text=hours.describe(state, now, tz),
        next_payment=next_payment,
        distance_km=None if distance is None else round(distance, 1),
        demo=office.demo,
    )


def announcement(notice: Notice) -> Announcement:
    """A notice as plain data."""
    return Announcement(int(notice.id or 0), notice.title, notice.body, notice.dispatched_at or notice.send_at)

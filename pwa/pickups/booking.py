"""Making a booking: checked, given its place, priced and numbered, in one write transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from pwa import devices, i18n, ratelimit, s10
from pwa.db import Database, dialect_insert
from pwa.errors import Invalid
from pwa.i18n import gettext as _
from pwa.models import Counter, Pickup, PickupEvent, PickupParcel
from pwa.pickups import codes, fields, quotes, slots
from pwa.pickups.lookup import may_manage
from pwa.pickups.views import Booking, view
from pwa.settings import Settings

S10_SERVICE = {"economy": "CP", "express": "EB", "urgent": "EB"}  # C… parcels, E… EMS (DOMAIN.md)


def _serials(session: Session, prefix: str, n: int) -> list[int]:
    """`n` serials no other transaction or process can ever get (one UPDATE … RETURNING)."""
    name = f"s10:{prefix}"
    insert = dialect_insert(session)
    session.execute(insert(Counter).values(name=name, value=0).on_conflict_do_nothing(index_elements=["name"]))
    stmt = (
        update(Counter)
        .where(col(Counter.name) == name)
        .values(value=col(Counter.value) + n)
        .returning(col(Counter.value))
    )
    end = int(session.execute(stmt).scalar_one())
    return [(end - n + i) % 100_000_000 for i in range(1, n + 1)]


class KeyReused(Invalid):
    """The idempotency key was already used for a different request.

    `booking_code` is the booking made with it when this device may manage that
    booking (so a page can link to it), else None.
    """

    def __init__(self, code: str | None) -> None:
        self.booking_code = code
        super().__init__(
            _("Mã chống gửi trùng (Idempotency-Key) này đã dùng cho một yêu cầu khác."),
            fields={"idempotency_key": _("Đã dùng cho một yêu cầu khác.")},
        )


def _by_key(session: Session, key: str, digest: str, device_key: str | None) -> Pickup | None:
    existing = session.exec(select(Pickup).where(Pickup.idempotency_key == key)).first()
    if existing is not None and existing.request_hash != digest:
        mine = device_key is not None and may_manage(session, existing, device_key)
        raise KeyReused(existing.code if mine else None)
    return existing


def book(
    session: Session,
    settings: Settings,
    data: dict[str, Any],
    *,
    device_key: str | None,
    idempotency_key: str | None,
    now: datetime | None = None,
) -> tuple[Booking, bool]:
    """Validate and book in the caller's write transaction; (booking, True if it is new)."""
    request, errors = fields.parse(data, settings)
    if errors:
        raise Invalid(fields=errors)
    key = (idempotency_key or "").strip()[:100] or None
    if key and (existing := _by_key(session, key, request.request_hash, device_key)) is not None:
        return view(session, existing, settings), False
    reason = slots.why_closed(session, settings, request.day, request.shift, now)
    if reason:
        raise Invalid(fields={"date": reason})
    slot_id = slots.ensure(session, settings, request.day, request.shift)
    if not slots.take(session, slot_id):
        raise slots.SlotFull(slots.nearest_free(session, settings, after=(request.day, request.shift), now=now))
    _create(session, settings, request, slot_id, device_key, key)
    return view(session, request, settings), True


def _create(
    session: Session, settings: Settings, pickup: Pickup, slot_id: int, device: str | None, key: str | None
) -> None:
    """Store the checked request as a booking: numbered, priced, its parcels tracked, its first step on the timeline."""
    pickup.code, pickup.device_key, pickup.idempotency_key = codes.new_code(), device, key
    pickup.slot_id, pickup.price_vnd = slot_id, quotes.quote_of(settings, pickup).total_vnd
    session.add(pickup)
    session.flush()
    assert pickup.id is not None
    prefix = S10_SERVICE[pickup.service]
    for position, serial in enumerate(_serials(session, prefix, pickup.parcels), start=1):
        session.add(PickupParcel(pickup_id=pickup.id, position=position, tracking_number=s10.make(prefix, serial)))
    session.add(PickupEvent(pickup_id=pickup.id, status="booked", actor="customer"))
    if device:
        devices.ensure(session, device, lang=i18n.get_locale())
    session.flush()


def submit(
    database: Database,
    settings: Settings,
    data: dict[str, Any],
    *,
    device_key: str | None,
    idempotency_key: str | None,
    client: str | None,
) -> tuple[Booking, bool]:
    """Book in a transaction of its own; a retry racing its twin gets the twin's booking.

    `client` is the address a form or API call came from: its attempts are
    counted (committed even when the booking fails) and limited by BOOK_LIMIT.
    None only for callers without one (the demo loader).
    """
    if client is not None:
        with database.write() as session:
            throttle(session, client)
    try:
        with database.write() as session:
            return book(session, settings, data, device_key=device_key, idempotency_key=idempotency_key)
    except IntegrityError:
        if not idempotency_key:
            raise
        with database.write() as session:  # the twin committed first: answer with its booking
            return book(session, settings, data, device_key=device_key, idempotency_key=idempotency_key)


BOOK_LIMIT = ratelimit.Limit(count=60, window=600)  # bookings tried per client address in 10 minutes


def throttle(session: Session, client: str) -> None:
    """Count one booking attempt from this client; 429 once it has tried too many."""
    key = f"pickup_book:{client}"
    ratelimit.check(session, key, BOOK_LIMIT)
    ratelimit.hit(session, key, BOOK_LIMIT)

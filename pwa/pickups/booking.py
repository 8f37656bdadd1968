"""Making a booking: checked, given its place, priced and numbered, in one write transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Table, bindparam, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from pwa import devices, i18n, ratelimit, s10
from pwa.db import Database
from pwa.errors import DatabaseUnavailable, Invalid, RateLimited
from pwa.i18n import gettext as _
from pwa.models import Counter, Pickup, PickupEvent, PickupParcel, utcnow
from pwa.pickups import codes, fields, quotes, slots
from pwa.pickups.lookup import may_manage
from pwa.pickups.views import Booking, Event, picture, view
from pwa.settings import Settings

S10_SERVICE = {"economy": "CP", "express": "EB", "urgent": "EB"}  # C… parcels, E… EMS (DOMAIN.md)

# The writes of a booking, built once as Core statements: building ORM statements and flushing
# objects per booking cost several times more than the database took to run them.
_PICKUP: Table = Pickup.__table__  # type: ignore[attr-defined]
_COUNTER: Table = Counter.__table__  # type: ignore[attr-defined]
_COLUMNS = tuple(c.name for c in _PICKUP.columns if c.name != "id")
_ADD_PICKUP = insert(_PICKUP).returning(_PICKUP.c.id)
_ADD_PARCELS = insert(PickupParcel.__table__)  # type: ignore[attr-defined]
_ADD_EVENT = insert(PickupEvent.__table__)  # type: ignore[attr-defined]


def _advance_statement(insert: Any) -> Any:
    """Advance a counter by `n` (made at `n` if missing) and return its new value: one statement."""
    n = bindparam("n", type_=Integer)
    stmt = insert(_COUNTER).values(name=bindparam("name"), value=n)
    return stmt.on_conflict_do_update(index_elements=["name"], set_={"value": _COUNTER.c.value + n}).returning(
        _COUNTER.c.value
    )


_ADVANCE = {"sqlite": _advance_statement(sqlite_insert), "postgresql": _advance_statement(pg_insert)}


def _serials(conn: Connection, prefix: str, n: int) -> list[int]:
    """`n` serials no other transaction or process can ever get (one upsert … RETURNING)."""
    end = int(conn.execute(_ADVANCE[conn.dialect.name], {"name": f"s10:{prefix}", "n": n}).scalar_one())
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
    look_first: bool = False,
) -> tuple[Booking, bool]:
    """Validate and book in the caller's write transaction; (booking, True if it is new).

    A key used before is caught by its unique index (the insert fails: the caller
    rolls back and calls again with `look_first`), or looked up when the shift is closed or full.
    """
    request, errors = fields.parse(data, settings)
    if errors:
        raise Invalid(fields=errors)
    key = (idempotency_key or "").strip()[:100] or None
    if key and look_first and (existing := _by_key(session, key, request.request_hash, device_key)) is not None:
        return view(session, existing, settings), False
    slot_id = slots.claim(session, settings, request.day, request.shift, now=now)
    if slot_id is None:
        if key and (existing := _by_key(session, key, request.request_hash, device_key)) is not None:
            return view(session, existing, settings), False
        if reason := slots.why_closed(session, settings, request.day, request.shift, now):
            raise Invalid(fields={"date": reason})
        raise slots.SlotFull(slots.nearest_free(session, settings, after=(request.day, request.shift), now=now))
    return _create(session, settings, request, slot_id, device_key, key), True


def _create(
    session: Session, settings: Settings, pickup: Pickup, slot_id: int, device: str | None, key: str | None
) -> Booking:
    """Store the checked request as a booking: numbered, priced, its parcels tracked, its first step on the timeline."""
    conn = session.connection()
    pickup.code, pickup.device_key, pickup.idempotency_key = codes.new_code(), device, key
    pickup.handover_code = codes.new_handover_code()
    pickup.slot_id, pickup.price_vnd = slot_id, quotes.quote_of(settings, pickup).total_vnd
    pickup.id = conn.execute(_ADD_PICKUP, {name: getattr(pickup, name) for name in _COLUMNS}).scalar_one()
    first = Event("booked", utcnow(), "")
    conn.execute(
        _ADD_EVENT,
        {"pickup_id": pickup.id, "at": first.at, "status": first.status, "detail": first.detail, "actor": "customer"},
    )
    prefix = S10_SERVICE[pickup.service]
    numbers = [s10.make(prefix, serial) for serial in _serials(conn, prefix, pickup.parcels)]
    parcels = [{"pickup_id": pickup.id, "position": i, "tracking_number": n} for i, n in enumerate(numbers, start=1)]
    conn.execute(_ADD_PARCELS, parcels)
    if device:
        devices.ensure(session, device, lang=i18n.get_locale())
    return picture(pickup, settings, numbers, [first])


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
    counted (in the booking's transaction, or on their own when the booking
    fails) and limited by BOOK_LIMIT. None only for callers without one (the demo loader).
    """
    try:
        with database.write() as session:
            if client is not None:
                throttle(session, client)
            return book(session, settings, data, device_key=device_key, idempotency_key=idempotency_key)
    except (RateLimited, DatabaseUnavailable):  # already counted; or nothing to count in (out of reach)
        raise
    except Exception as exc:  # rolled back: a failed attempt still counts
        if client is not None:
            with database.write() as session:
                ratelimit.hit(session, _throttle_key(client), BOOK_LIMIT)
        if not (isinstance(exc, IntegrityError) and idempotency_key):
            raise
    with database.write() as session:  # the key is taken (the twin committed first, or another body): look it up
        return book(session, settings, data, device_key=device_key, idempotency_key=idempotency_key, look_first=True)


BOOK_LIMIT = ratelimit.Limit(count=60, window=600)  # bookings tried per client address in 10 minutes


def _throttle_key(client: str) -> str:
    return f"pickup_book:{client}"


def throttle(session: Session, client: str) -> None:
    """Count one booking attempt from this client; 429 (that count rolled back) once it has tried too many."""
    ratelimit.take(session, _throttle_key(client), BOOK_LIMIT)

"""Finding a booking by its code (and phone), and which devices may manage it.

A device manages a booking it made, or one it found with the code and the
phone number (it then follows it, hears about it and lists it as its own).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session, col, or_, select

from pwa import devices, i18n, phones, ratelimit
from pwa.db import Database, dialect_insert
from pwa.errors import NotFound
from pwa.i18n import gettext as _
from pwa.models import Pickup, PickupFollow, utcnow
from pwa.pickups import codes
from pwa.pickups.views import Booking, view
from pwa.settings import Settings

LOOKUP_LIMIT = ratelimit.Limit(count=10, window=900)  # wrong code/phone pairs per client


def get(session: Session, code: str, *, lock: bool = False) -> Pickup | None:
    """The booking with this code (typed in any case, with or without dashes).

    `lock` is for write paths: the row stays locked until the transaction ends,
    so two changes (a double-tapped cancel, staff racing the customer) queue and
    the second sees the first's status. SQLite's BEGIN IMMEDIATE already does
    that; there FOR UPDATE is left out.
    """
    normalised = codes.normalise(code)
    if not codes.is_code(normalised):
        return None
    query = select(Pickup).where(Pickup.code == normalised)
    return session.exec(query.with_for_update() if lock else query).first()


def for_change(session: Session, code: str, device_key: str) -> Pickup:
    """The booking, locked for a change by this device; NotFound unless the device may manage it."""
    pickup = get(session, code, lock=True)
    if pickup is None or not may_manage(session, pickup, device_key):
        raise NotFound()
    return pickup


def not_found() -> NotFound:
    """The one answer for an unknown code and a wrong phone, word for word."""
    return NotFound(_("Không tìm thấy đơn với mã và số điện thoại này. Hãy kiểm tra lại cả hai."))


def find(session: Session, *, code: str, phone: str, client: str) -> Pickup | None:
    """The booking for a code and its phone, or None (counted) for every mismatch; few tries.

    A miss returns rather than raises, so the caller's transaction commits the
    counter (`matching` does that); RateLimited is raised, as it changes nothing.
    """
    key = f"pickup_lookup:{client}"
    ratelimit.check(session, key, LOOKUP_LIMIT)
    pickup = get(session, code, lock=True)
    try:
        matches = pickup is not None and phones.normalise(phone) == pickup.phone
    except phones.PhoneError:
        matches = False
    if pickup is None or not matches:
        ratelimit.hit(session, key, LOOKUP_LIMIT)
        return None
    return pickup


@contextmanager
def matching(database: Database, *, code: str, phone: str, client: str) -> Iterator[tuple[Session, Pickup]]:
    """The booking for a code and its phone, in a write transaction the caller's block runs in.

    A miss commits its counted try first and only then raises `not_found()`.
    """
    with database.write() as session:
        pickup = find(session, code=code, phone=phone, client=client)
        if pickup is not None:
            yield session, pickup
            return
    raise not_found()


def follow(session: Session, pickup: Pickup, device_key: str) -> None:
    """Remember that this device found the booking, so it lists and hears about it."""
    if pickup.device_key == device_key:
        return
    devices.ensure(session, device_key, lang=i18n.get_locale())
    insert = dialect_insert(session)
    stmt = insert(PickupFollow).values(device_key=device_key, pickup_id=pickup.id, created_at=utcnow())
    session.execute(stmt.on_conflict_do_nothing(index_elements=["device_key", "pickup_id"]))


def may_manage(session: Session, pickup: Pickup, device_key: str) -> bool:
    """True if this device booked it or found it with the phone number."""
    if pickup.device_key == device_key:
        return True
    query = select(PickupFollow.id).where(PickupFollow.device_key == device_key, PickupFollow.pickup_id == pickup.id)
    return session.exec(query).first() is not None


def mine(session: Session, settings: Settings, device_key: str) -> list[Booking]:
    """This device's bookings and followed ones, soonest slot first."""
    followed = select(PickupFollow.pickup_id).where(PickupFollow.device_key == device_key)
    query = (
        select(Pickup)
        .where(or_(Pickup.device_key == device_key, col(Pickup.id).in_(followed)))
        .order_by(col(Pickup.day).desc(), col(Pickup.shift), col(Pickup.id).desc())
        .limit(100)
    )
    return [view(session, p, settings) for p in session.exec(query)]

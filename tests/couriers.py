"""Helpers for the courier's tests: a round for today, assigned as staff would."""

from __future__ import annotations

from sqlmodel import col, func, select, update

from pwa.db import Database
from pwa.models import Pickup, PickupEvent
from pwa.pickups import slots, staff
from pwa.settings import Settings


def assign(db: Database, settings: Settings, code: str, courier: str) -> None:
    """Give a booking to a courier, as staff do on the day page."""
    staff.update(db, settings, code=code, data={"action": "assign", "courier": courier}, actor="staff:lan")


def bring_to_today(db: Database, settings: Settings, code: str) -> None:
    """The day of the pickup has come (bookings open from a later day, so tests move it)."""
    with db.write() as session:
        session.exec(update(Pickup).where(col(Pickup.code) == code).values(day=slots.today(settings)))


def handover_code(db: Database, code: str) -> str:
    """The 4 digits the customer gives at the door."""
    with db.read() as session:
        return session.exec(select(Pickup.handover_code).where(Pickup.code == code)).one()


def events(db: Database, code: str, status: str) -> int:
    """How many times this step is on the booking's timeline."""
    with db.read() as session:
        query = (
            select(func.count())
            .select_from(PickupEvent)
            .join(Pickup, col(Pickup.id) == col(PickupEvent.pickup_id))
            .where(col(Pickup.code) == code, col(PickupEvent.status) == status)
        )
        return int(session.exec(query).one())

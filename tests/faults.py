"""What must hold after a race or a crash, read straight from the database."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlmodel import func, select

from pwa.db import Database
from pwa.models import Counter, Pickup, PickupParcel, PickupSlot


def live_by_slot(db: Database) -> dict[tuple[date, str], tuple[int, int, int]]:
    """Every shift: (places taken, live bookings in it, capacity)."""
    with db.read() as session:
        found = {}
        for slot in session.exec(select(PickupSlot)).all():
            live = select(func.count()).where(Pickup.slot_id == slot.id, Pickup.status != "cancelled")
            found[(slot.day, slot.shift)] = (slot.booked, int(session.exec(live).one()), slot.capacity)
        return found


def assert_places_add_up(db: Database) -> None:
    """Every shift's count of taken places is its number of live bookings (no half-written booking,
    no place taken or freed twice), and never more than its capacity."""
    for where, (taken, live, capacity) in live_by_slot(db).items():
        assert taken == live <= capacity, f"{where}: {taken} taken, {live} live bookings, capacity {capacity}"


def assert_serials_add_up(db: Database) -> None:
    """Each tracking-number series has handed out exactly the serials its parcels carry: 1, 2, … its
    counter, none twice, none lost (a serial is taken in the booking's transaction)."""
    with db.read() as session:
        counters = {c.name: c.value for c in session.exec(select(Counter)).all() if c.name.startswith("s10:")}
        numbers = session.exec(select(PickupParcel.tracking_number)).all()
    for name, value in counters.items():
        prefix = name.removeprefix("s10:")
        serials = sorted(int(n[2:10]) for n in numbers if n.startswith(prefix))
        assert serials == list(range(1, value + 1)), f"{name} at {value}, serials {serials[:5]}…"
    assert {n[:2] for n in numbers} <= {name.removeprefix("s10:") for name in counters}


def assert_sqlite_sound(db: Database) -> None:
    """SQLite's own checks of the file: its structure, and no row pointing at a missing one."""
    if not db.is_sqlite:
        return
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalars().all() == ["ok"]
        assert conn.execute(text("PRAGMA foreign_key_check")).all() == []

"""Demo data for trying the app: clearly labelled, safe to load twice, never for production."""

from __future__ import annotations

from collections.abc import Iterator

from pwa import accounts
from pwa.db import Database
from pwa.dossiers import demo as dossiers_demo
from pwa.offices import demo as offices_demo
from pwa.settings import Settings

DEMO_PASSWORD = "demo-password-2026"  # DEMO ONLY: printed by `pwa demo`, never use in production
DEMO_STAFF = (("demo-admin", "admin"), ("demo-staff", "staff"))


def load(database: Database, settings: Settings | None = None) -> Iterator[str]:
    """Create what is missing of the demo data and say what exists."""
    with database.write() as session:
        for username, role in DEMO_STAFF:
            if accounts.find_staff(session, username=username) is None:
                accounts.create_staff(session, username=username, password=DEMO_PASSWORD, role=role)
                yield f"DEMO: created staff account {username} ({role})"
            else:
                yield f"DEMO: staff account {username} already exists"
    with database.write() as session:
        yield from dossiers_demo.load(session, settings or Settings())
    yield from _pickups(database, settings or Settings.from_env())
    yield from offices_demo.load(database, settings or Settings.from_env())
    yield f"DEMO: sign in at /staff/login with password {DEMO_PASSWORD} (demo only)"


DEMO_PICKUPS = (
    ("DEMO Hoàng Thị Mai", "0912 345 678", 2020, "DEMO thôn Nà Pài", "morning", 2, 2.5, "express"),
    ("DEMO Lý Văn Tâm", "0987 654 321", 1840, "DEMO tổ 5", "afternoon", 1, 0.8, "economy"),
    ("DEMO Nông Thị Hoa", "0356 111 222", 2020, "DEMO bản Chang", "afternoon", 3, 12, "urgent"),
)


def _pickups(database: Database, settings: Settings) -> Iterator[str]:
    """A few DEMO bookings on the next open day, once (their names start with DEMO)."""
    from sqlmodel import select

    from pwa.models import Pickup
    from pwa.pickups import booking, slots

    with database.read() as session:
        if session.exec(select(Pickup).where(Pickup.name.startswith("DEMO "))).first() is not None:
            yield "DEMO: pickup bookings already exist"
            return
    with database.read() as session:
        mornings = [s.day for s in slots.listing(session, settings) if s.shift == "morning" and s.remaining >= 3]
    if not mornings:
        yield "DEMO: no open pickup day to book on"
        return
    for name, phone, ward, street, shift, parcels, weight, service in DEMO_PICKUPS:
        data = {"name": name, "phone": phone, "ward_code": ward, "street": street, "date": mornings[0].isoformat(),
                "shift": shift, "parcels": parcels, "weight_kg": weight, "service": service}  # fmt: skip
        try:
            made, _new = booking.submit(
                database, settings, data, device_key=None, idempotency_key=f"demo-{name}", client=None
            )
        except Exception as exc:  # a demo shift past its cut-off: say so, keep going
            yield f"DEMO: could not book {name}: {exc}"
            continue
        yield f"DEMO: pickup {made.grouped_code} for {name} on {made.day} ({shift}); see /staff/pickups?date={made.day}"

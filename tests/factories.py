"""Test data factories and helpers that act as a user would."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from starlette.testclient import TestClient

from pwa import accounts
from pwa.db import Database
from pwa.models import StaffUser
from pwa.settings import Settings

PASSWORD = "correct horse battery"


def make_staff(db: Database, username: str = "lan", role: str = "staff", password: str = PASSWORD) -> StaffUser:
    """Create a staff account and return it."""
    with db.write() as session:
        user = accounts.create_staff(session, username=username, password=password, role=role)
        session.expunge(user)
        return user


def token_in(html: str) -> str:
    """The CSRF token a page carries."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login_staff(client: TestClient, username: str = "lan", password: str = PASSWORD) -> None:
    """Sign in through the login form, as a person would."""
    token = token_in(client.get("/staff/login").text)
    response = client.post(
        "/staff/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


# --- Pickups ---


def open_day(settings: Settings, after_days: int = 2) -> date:
    """A day at least `after_days` ahead on which the office collects (not a closed weekday)."""
    from pwa.pickups import slots

    day = slots.today(settings) + timedelta(days=after_days)
    while day.weekday() in settings.pickup_closed_weekdays:
        day += timedelta(days=1)
    return day


def booking_body(settings: Settings, **changes: Any) -> dict[str, Any]:
    """A valid API booking body for a commune of the office's province, changed as asked."""
    body: dict[str, Any] = {
        "name": "Hoàng Thị Mai",
        "phone": "0912 345 678",
        "ward_code": 2020,  # Xã Chợ Đồn, Thái Nguyên
        "street": "Thôn Nà Pài",
        "date": open_day(settings).isoformat(),
        "shift": "morning",
        "parcels": 2,
        "weight_kg": 2.5,
        "service": "express",
    }
    body.update(changes)
    return body


def set_capacity(db: Database, settings: Settings, day: date, shift: str, capacity: int) -> None:
    """Give a shift a capacity, as staff would."""
    from pwa.pickups import slots

    with db.write() as session:
        slots.set_capacity(session, settings, day=day, shift=shift, capacity=capacity, actor="test")


def make_pickup(db: Database, settings: Settings, device_key: str | None = None, **changes: Any) -> str:
    """Book through the core and return the booking code."""
    from pwa.pickups import booking

    made, _created = booking.submit(
        db, settings, booking_body(settings, **changes), device_key=device_key, idempotency_key=None
    )
    return made.code

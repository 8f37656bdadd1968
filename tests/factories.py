"""Test data factories and helpers that act as a user would."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.testclient import TestClient

from pwa import accounts
from pwa.db import Database
from pwa.dossiers import events as dossier_events
from pwa.dossiers import records as dossier_records
from pwa.models import Dossier, StaffUser
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


# --- Dossiers ---

DOSSIER_CODE = "H19.22-251125-0042"
DOSSIER_PHONE = "0912345678"  # the lookup secret is its last 4 digits: 5678
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local_today() -> date:
    """Today at the post office (the app's own rule)."""
    return datetime.now(UTC).astimezone(VN_TZ).date()


def dossier_payload(**overrides: Any) -> dict[str, Any]:
    """A valid body for POST /api/v1/dossiers, due in 10 days."""
    today = local_today()
    body: dict[str, Any] = {
        "code": DOSSIER_CODE,
        "procedure": "Cấp đổi giấy phép lái xe",
        "agency": "Sở Xây dựng tỉnh Thái Nguyên",
        "applicant_name": "Nguyễn Văn An",
        "phone": DOSSIER_PHONE,
        "received_at": f"{(today - timedelta(days=3)).isoformat()}T09:15:00+07:00",
        "due_date": (today + timedelta(days=10)).isoformat(),
        "channel": 3,
    }
    body.update(overrides)
    return body


def make_dossier(db: Database, **overrides: Any) -> Dossier:
    """Create a dossier as the agency's system would (validated, audited)."""
    with db.write() as session:
        new = dossier_records.validate(dossier_payload(**overrides), VN_TZ)
        dossier = dossier_records.create(session, new, actor="system")
        session.expunge(dossier)
        return dossier


def add_dossier_event(db: Database, code: str = DOSSIER_CODE, **fields: Any) -> bool:
    """Record one event; True if it was new."""
    with db.write() as session:
        dossier = dossier_records.find(session, code=code)
        assert dossier is not None
        new = dossier_events.validate(fields, VN_TZ)
        return dossier_events.record(session, dossier, new, sender="test")


def make_api_key(db: Database, scopes: tuple[str, ...] = ("dossiers",)) -> str:
    """A partner API key with these scopes; returns the secret key."""
    with db.write() as session:
        return accounts.create_api_key(session, name="Một cửa tỉnh", scopes=scopes).key


# --- Push notifications ---


def make_device(db: Database, key: str, *, lang: str = "vi", topics: tuple[str, ...] = ()) -> str:
    """A known device following `topics`; returns its key."""
    from pwa import devices
    from pwa.push import subscriptions

    with db.write() as session:
        devices.ensure(session, key, lang=lang)
        subscriptions.set_topics(session, device_key=key, topics=topics)
    return key


def subscribe(db: Database, device_key: str, subscription: dict[str, Any]) -> None:
    """Store a browser subscription (the JSON of `PushSubscription.toJSON()`) for a device."""
    from pwa.push import subscriptions

    endpoint, p256dh, auth = subscriptions.parse(subscription, production=False)
    with db.write() as session:
        subscriptions.save(session, device_key=device_key, endpoint=endpoint, p256dh=p256dh, auth=auth)


def delivery_statuses(db: Database) -> dict[str, int]:
    """How many outbox rows are in each status."""
    from sqlmodel import func, select

    from pwa.models import PushDelivery

    with db.read() as session:
        rows = session.exec(select(PushDelivery.status, func.count()).group_by(PushDelivery.status)).all()
        return {status: int(n) for status, n in rows}


# --- Pickups ---


def open_day(settings: Settings, after_days: int = 2) -> date:
    """A day at least `after_days` ahead on which the office collects (not a closed weekday)."""
    from pwa.pickups import slots

    day = slots.today(settings) + timedelta(days=after_days)
    while day.weekday() in settings.pickup_closed_weekdays:
        day += timedelta(days=1)
    return day


def later_open_day(settings: Settings, than: date) -> date:
    """The first collecting day after `than` (`open_day` with two counts can land on one day, over a closed weekday)."""
    day = than + timedelta(days=1)
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
        db, settings, booking_body(settings, **changes), device_key=device_key, idempotency_key=None, client=None
    )
    return made.code

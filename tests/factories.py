"""Test data factories and helpers that act as a user would."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from pwa import accounts
from pwa.db import Database
from pwa.models import StaffUser

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

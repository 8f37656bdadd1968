"""Devices: how the app knows "this phone" without an account."""

from __future__ import annotations

import hashlib
import re

from sqlmodel import Session

from pwa.db import dialect_insert
from pwa.i18n import LANGUAGES
from pwa.models import Device, utcnow

COOKIE = "pwa_device"
COOKIE_MAX_AGE = 5 * 365 * 24 * 3600  # long-lived: a phone keeps its bookings and follows
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def valid_token(token: str | None) -> bool:
    """True if a cookie value looks like one we issued (anything else gets a new one)."""
    return bool(token) and bool(_TOKEN_RE.match(token or ""))


def key_of(token: str) -> str:
    """The device's key in the database: a hash, so a leaked table does not leak cookies."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def ensure(session: Session, key: str, *, lang: str) -> None:
    """Record the device (or refresh its language and last visit) in one upsert."""
    lang = lang if lang in LANGUAGES else "vi"
    now = utcnow()
    insert = dialect_insert(session)
    stmt = insert(Device).values(key=key, lang=lang, created_at=now, last_seen_at=now)
    session.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"lang": lang, "last_seen_at": now}))

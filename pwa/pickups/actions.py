"""What every change to a booking after it is made shares: an Idempotency-Key applied once, and the time it says.

A courier's phone keeps what it recorded without signal and sends it when the
signal returns, perhaps three times over: the key of each action is stored with
the change, in its transaction, so the second and third sends find it and
change nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, select

from pwa.errors import Invalid
from pwa.i18n import gettext as _
from pwa.models import Pickup, PickupAction
from pwa.settings import Settings

MAX_KEY = 100
EARLIEST = timedelta(days=7)  # a phone may have kept an action this long without signal
LATEST = timedelta(minutes=10)  # a phone's clock may run this far ahead


def digest(action: str, data: dict[str, Any]) -> str:
    """A fingerprint of what was asked, to tell a replay from another request under the same key."""
    text = json.dumps({"action": action, **data}, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def clean_key(key: str | None) -> str | None:
    """The key as stored, or None without one; 422 for a key too long or with odd characters."""
    key = (key or "").strip()
    if not key:
        return None
    if len(key) > MAX_KEY or not key.isascii() or not key.isprintable():
        raise Invalid(fields={"idempotency_key": _("Mã chống gửi trùng tối đa 100 ký tự ASCII.")})
    return key


def seen(session: Session, key: str | None, pickup: Pickup, action: str, fingerprint: str) -> bool:
    """True if this very action was applied before under `key`; 422 if the key was used for another."""
    if key is None:
        return False
    row = session.exec(select(PickupAction).where(PickupAction.key == key)).first()
    if row is None:
        return False
    if (row.pickup_id, row.action, row.request_hash) != (pickup.id, action, fingerprint):
        raise Invalid(
            _("Mã chống gửi trùng (Idempotency-Key) này đã dùng cho một yêu cầu khác."),
            fields={"idempotency_key": _("Đã dùng cho một yêu cầu khác.")},
        )
    return True


def remember(session: Session, key: str | None, pickup: Pickup, action: str, fingerprint: str, actor: str) -> None:
    """Store the key with the change, in its transaction."""
    if key is None:
        return
    assert pickup.id is not None
    session.add(PickupAction(key=key, pickup_id=pickup.id, action=action, request_hash=fingerprint, actor=actor[:120]))


def once(
    session: Session,
    key: str | None,
    pickup: Pickup,
    action: str,
    data: dict[str, Any],
    actor: str,
    apply: Callable[[], None],
) -> None:
    """Run `apply` unless this very action was applied before under `key`; store the key with the change."""
    fingerprint = digest(action, data)
    if not seen(session, key, pickup, action, fingerprint):
        apply()
        remember(session, key, pickup, action, fingerprint, actor)


def moment(raw: Any, settings: Settings, field: str, now: datetime) -> datetime | None:
    """An ISO date-time, or `HH:MM` in the office's time zone (the latest such time not ahead of now);
    None if blank; 422 if odd or out of range."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise Invalid(fields={field: _("Nhập thời điểm dạng 2026-12-03T09:30+07:00 hoặc 09:30.")})
    text = raw.strip()
    try:
        if re.fullmatch(r"\d{1,2}:\d{2}", text):
            hour, minute = (int(part) for part in text.split(":"))
            local_day = now.astimezone(settings.tz).date()
            at = datetime.combine(local_day, time(hour, minute), tzinfo=settings.tz)
            if at > now + LATEST:  # just after midnight, "23:50" was last night, not tonight
                at = datetime.combine(local_day - timedelta(days=1), time(hour, minute), tzinfo=settings.tz)
        else:
            at = datetime.fromisoformat(text)
            if at.tzinfo is None:
                at = at.replace(tzinfo=settings.tz)
    except ValueError:
        raise Invalid(fields={field: _("Nhập thời điểm dạng 2026-12-03T09:30+07:00 hoặc 09:30.")}) from None
    at = at.astimezone(UTC)
    if not now - EARLIEST <= at <= now + LATEST:
        raise Invalid(fields={field: _("Thời điểm phải trong 7 ngày qua, không ở tương lai.")})
    return at


def offline_note(at: datetime | None, now: datetime, settings: Settings) -> str:
    """For the audit log: when a change recorded without signal happened, if it reached us later."""
    if at is None or now - at < timedelta(minutes=2):
        return ""
    local = at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
    return f"recorded offline at {local}, synced later"

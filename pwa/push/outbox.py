"""The outbox: encrypted-later deliveries written in the same transaction as the change.

Payloads are Declarative Web Push JSON (Safari 18.4+ shows them without running
the worker; the app's worker reads the same JSON). Links are stored relative and
made absolute at send time, when the public address is known.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from pwa import i18n
from pwa.errors import PayloadTooLarge
from pwa.i18n import gettext as _
from pwa.models import InboxMessage, PushDelivery, utcnow
from pwa.push import subscriptions, wake
from pwa.util import chunks

MAX_PAYLOAD_BYTES = 3000  # the protocol allows 3993; some push services refuse more than ~3 kB
ORIGIN_RESERVE = 100  # room for the origin prepended to `navigate` at send time
MAX_RETRY = timedelta(hours=24)
# kind -> (TTL seconds, Urgency). TTL is never 0: a phone offline for a while still gets it.
POLICY: Mapping[str, tuple[int, str]] = {
    "pickup_status": (24 * 3600, "high"),  # the courier is coming today
    "pickup_failed": (24 * 3600, "high"),  # reschedule today, or object while the courier remembers
    "dossier_status": (3 * 24 * 3600, "normal"),
    "notice": (2 * 24 * 3600, "normal"),
}
DEFAULT_POLICY = (24 * 3600, "normal")


def policy(kind: str) -> tuple[int, str]:
    """(TTL, Urgency) for a kind of message."""
    return POLICY.get(kind, DEFAULT_POLICY)


def topic_header(tag: str) -> str:
    """A `Topic` header value (≤ 32 URL-safe base64 chars) naming the subject, so newer replaces older."""
    digest = hashlib.sha256(tag.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:32]


def payload(
    *, title: str, body: str, url: str, tag: str, lang: str, actions: list[dict[str, str]] | None = None
) -> str:
    """The notification as Declarative Web Push JSON, UTF-8 unescaped; refused if too large.

    `actions` are its buttons: `{"action", "title", "navigate"}` each.
    """
    note: dict[str, Any] = {"title": title, "body": body, "navigate": url, "lang": lang, "tag": tag, "dir": "ltr"}
    if actions:
        note["actions"] = actions
    document = {"web_push": 8030, "notification": note}
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    if len(text.encode("utf-8")) > MAX_PAYLOAD_BYTES - ORIGIN_RESERVE:
        raise PayloadTooLarge(_("Thông báo quá dài để gửi qua push (tối đa khoảng 3000 byte). Hãy rút gọn nội dung."))
    return text


def absolute(text: str, base_url: str) -> bytes:
    """The payload to encrypt: `navigate` made absolute against the public address."""
    document: dict[str, Any] = json.loads(text)
    note = document["notification"]
    for target in (note, *note.get("actions", ())):
        if target.get("navigate", "").startswith("/"):
            target["navigate"] = base_url.rstrip("/") + target["navigate"]
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def queue(
    session: Session,
    entries: Sequence[InboxMessage],
    langs: Mapping[str, str],
    *,
    kind: str,
    require_topic: bool,
    notice_id: int | None = None,
    now: datetime | None = None,
) -> int:
    """One delivery per subscription of each entry's device (following the topic if required)."""
    if not entries:
        return 0
    now = now or utcnow()
    ttl, urgency = policy(kind)
    by_device = {e.device_key: e for e in entries}
    topic = entries[0].topic if require_topic else None
    targets = subscriptions.of_devices(session, sorted(by_device), topic=topic)
    texts: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    for sub_id, device_key in targets:
        entry = by_device[device_key]
        if device_key not in texts:
            lang = langs.get(device_key, "vi")
            texts[device_key] = payload(title=entry.title, body=entry.body, url=entry.url, tag=entry.tag, lang=lang,
                                        actions=buttons(kind, entry.url, lang))  # fmt: skip
        rows.append(_row(sub_id, notice_id, kind, entry.tag, urgency, ttl, texts[device_key], now))
    for part in chunks(rows, 1000):
        session.execute(insert(PushDelivery), list(part))
    if rows:
        wake.ring_after_commit(session)
    return len(rows)


def buttons(kind: str, url: str, lang: str) -> list[dict[str, str]] | None:
    """The buttons a kind of message carries: a failed pickup offers to reschedule or to object."""
    if kind != "pickup_failed":
        return None
    with i18n.using(lang):
        return [
            {"action": "reschedule", "title": _("Hẹn lại"), "navigate": f"{url}#failed"},
            {"action": "object", "title": _("Không đúng sự thật"), "navigate": f"{url}#object"},
        ]


def _row(
    sub_id: int, notice_id: int | None, kind: str, tag: str, urgency: str, ttl: int, text: str, now: datetime
) -> dict[str, Any]:
    return {
        "subscription_id": sub_id,
        "notice_id": notice_id,
        "kind": kind,
        "topic": topic_header(tag),
        "urgency": urgency,
        "ttl": ttl,
        "payload": text,
        "status": "queued",
        "attempts": 0,
        "next_attempt_at": now,
        # Retrying past the TTL is pointless: the push service would drop it anyway.
        "give_up_at": now + min(MAX_RETRY, timedelta(seconds=ttl)),
        "last_error": "",
        "created_at": now,
    }

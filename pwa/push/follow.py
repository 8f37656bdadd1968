"""What one device does with notifications: follow topics, subscribe its browser, read its inbox.

Each function is one thing a person does on the Notifications page or through the
push API; it opens its own transaction and returns plain data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from pwa import devices, notify
from pwa import topics as topic_names  # read at call time: one list, as tests may extend it
from pwa.db import Database
from pwa.errors import Invalid, NotFound
from pwa.i18n import gettext as _
from pwa.models import InboxMessage
from pwa.push import subscriptions
from pwa.urls import local_path


@dataclass(frozen=True)
class Entry:
    """One inbox message as the page shows it."""

    id: int
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None
    kind: str = ""  # what happened: a failed pickup's message carries Reschedule and Not-what-happened

    @classmethod
    def of(cls, row: InboxMessage) -> Entry:
        """The plain copy of an inbox row."""
        return cls(int(row.id or 0), row.title, row.body, row.url, row.created_at, row.read_at, row.kind)


@dataclass(frozen=True)
class Overview:
    """The Notifications page of one device: what it follows, its subscriptions, its inbox."""

    topics: tuple[str, ...]  # the fixed topics anyone may follow
    followed: list[str]
    push_count: int
    inbox: list[Entry]
    unread: int

    @property
    def communes_followed(self) -> list[str]:
        """Ward codes (as text) of the communes followed."""
        return [t.removeprefix(topic_names.COMMUNE) for t in self.followed if t.startswith(topic_names.COMMUNE)]


@dataclass(frozen=True)
class Subscribed:
    """A stored browser subscription and what its device follows now."""

    endpoint: str
    topics: list[str]


def overview(db: Database, *, device_key: str) -> Overview:
    """Everything the Notifications page shows for this device."""
    with db.read() as session:
        return Overview(
            topics=topic_names.FIXED,
            followed=subscriptions.topics_of(session, device_key=device_key),
            push_count=subscriptions.count(session, device_key=device_key),
            inbox=[Entry.of(row) for row in notify.inbox(session, device_key)],
            unread=notify.unread(session, device_key),
        )


def choose_topics(db: Database, *, device_key: str, lang: str, checked: Iterable[str], commune: str) -> None:
    """Follow the checked fixed topics and one commune (a ward code, or "" for none)."""
    wanted = [t for t in topic_names.FIXED if t in set(checked)]
    try:
        chosen = subscriptions.valid_topics(wanted + ([f"{topic_names.COMMUNE}{commune}"] if commune else []))
    except Invalid as exc:
        raise Invalid(fields={"commune": _("Chọn một xã/phường trong danh sách.")}) from exc
    with db.write() as session:
        devices.ensure(session, device_key, lang=lang)
        subscriptions.set_topics(session, device_key=device_key, topics=chosen)


def turn_off(db: Database, *, device_key: str) -> None:
    """Stop everything for this device: no topics, no push subscriptions (the inbox stays)."""
    with db.write() as session:
        subscriptions.remove_all(session, device_key=device_key)


def subscribe(db: Database, *, device_key: str, lang: str, data: dict[str, Any], production: bool) -> Subscribed:
    """Store the browser's PushSubscription JSON (`subscription`, optional `topics`, `old_endpoint`)."""
    endpoint, p256dh, auth = subscriptions.parse(data.get("subscription"), production=production)
    wanted = subscriptions.valid_topics(data["topics"]) if data.get("topics") is not None else None
    old = data.get("old_endpoint") if isinstance(data.get("old_endpoint"), str) else None
    with db.write() as session:
        devices.ensure(session, device_key, lang=lang)
        if old and old != endpoint:
            subscriptions.remove(session, device_key=device_key, endpoint=old)
        subscriptions.save(session, device_key=device_key, endpoint=endpoint, p256dh=p256dh, auth=auth)
        if wanted is not None:
            subscriptions.set_topics(session, device_key=device_key, topics=wanted)
        return Subscribed(endpoint, subscriptions.topics_of(session, device_key=device_key))


def unsubscribe(db: Database, *, device_key: str, endpoint: Any) -> None:
    """This device no longer receives pushes at `endpoint` (also fine if it never did)."""
    if not isinstance(endpoint, str) or not endpoint:
        raise Invalid(fields={"endpoint": _("Thiếu địa chỉ nhận thông báo (endpoint).")})
    with db.write() as session:
        subscriptions.remove(session, device_key=device_key, endpoint=endpoint)


def read_all(db: Database, *, device_key: str) -> None:
    """Mark every inbox message of this device read."""
    with db.write() as session:
        notify.mark_read(session, device_key)


def open_message(db: Database, *, device_key: str, message_id: int) -> str:
    """Mark one inbox message read; returns the local page it is about ("/notifications" if none)."""
    with db.write() as session:
        found = _mark(session, device_key, message_id)
    return local_path(found) or "/notifications"


def _mark(session: Session, device_key: str, message_id: int) -> str:
    found = notify.mark_read(session, device_key, message_id=message_id)
    if found is None:
        raise NotFound(_("Không có thông báo này trong hộp thư của máy này."))
    return found.url

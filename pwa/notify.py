"""Telling devices that something happened: one call, in the caller's transaction.

Areas (pickups, dossiers, notices) call `enqueue` in the same transaction as
the change, so a message exists exactly when the change does. Each device gets
an inbox entry written in its own language, and each of its push subscriptions
that follows the message's topic gets an outbox delivery, sent later by the
delivery worker (pwa/push/worker.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from pwa import i18n
from pwa.models import Device, InboxMessage, utcnow
from pwa.push import outbox, subscriptions
from pwa.topics import valid as valid_topic
from pwa.util import chunks

__all__ = ["Message", "broadcast", "deliver", "enqueue", "inbox", "mark_read", "unread", "valid_topic"]


@dataclass(frozen=True)
class Message:
    """What to say. `text` is called in each reader's language and returns (title, body)."""

    topic: str
    kind: str
    tag: str
    url: str
    text: Callable[[], tuple[str, str]]


def enqueue(session: Session, message: Message, device_keys: Iterable[str]) -> list[InboxMessage]:
    """Write the message into each known device's inbox, and queue pushes to those following its topic."""
    return deliver(session, message, device_keys, require_topic=True)


def broadcast(session: Session, message: Message) -> list[InboxMessage]:
    """Tell every device that follows `message.topic` (`news`, `commune:<code>`)."""
    if not valid_topic(message.topic):
        raise ValueError(f"unknown topic {message.topic!r}")
    return deliver(session, message, subscriptions.followers(session, [message.topic]), require_topic=False)


def deliver(
    session: Session,
    message: Message,
    device_keys: Iterable[str],
    *,
    require_topic: bool,
    notice_id: int | None = None,
) -> list[InboxMessage]:
    """Inbox entries for these devices and push deliveries to their subscriptions."""
    if not valid_topic(message.topic):
        raise ValueError(f"unknown topic {message.topic!r}")
    keys = sorted(set(device_keys))
    entries: list[InboxMessage] = []
    langs: dict[str, str] = {}
    now = utcnow()
    for part in chunks(keys):
        for device in session.exec(select(Device).where(col(Device.key).in_(list(part)))).all():
            langs[device.key] = device.lang
            entries.append(_entry(message, device, now))
    session.add_all(entries)
    session.flush()
    outbox.queue(session, entries, langs, kind=message.kind, require_topic=require_topic, notice_id=notice_id)
    return entries


def _entry(message: Message, device: Device, now: datetime) -> InboxMessage:
    with i18n.using(device.lang):
        title, body = message.text()
    return InboxMessage(
        device_key=device.key,
        topic=message.topic,
        kind=message.kind,
        tag=message.tag[:64],
        title=title[:120],
        body=body[:500],
        url=message.url,
        created_at=now,
    )


def inbox(session: Session, device_key: str, *, limit: int = 50) -> list[InboxMessage]:
    """A device's messages, newest first."""
    query = (
        select(InboxMessage)
        .where(InboxMessage.device_key == device_key)
        .order_by(col(InboxMessage.created_at).desc(), col(InboxMessage.id).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())


def unread(session: Session, device_key: str) -> int:
    """How many of a device's messages are unread."""
    query = select(InboxMessage.id).where(InboxMessage.device_key == device_key, col(InboxMessage.read_at).is_(None))
    return len(session.exec(query).all())


def mark_read(session: Session, device_key: str, *, message_id: int | None = None) -> InboxMessage | None:
    """Mark one message (or all, if no id) of this device as read; returns that message."""
    query = select(InboxMessage).where(InboxMessage.device_key == device_key, col(InboxMessage.read_at).is_(None))
    if message_id is not None:
        found = session.exec(
            select(InboxMessage).where(InboxMessage.device_key == device_key, InboxMessage.id == message_id)
        ).first()
        if found is not None and found.read_at is None:
            found.read_at = utcnow()
        return found
    for entry in session.exec(query).all():
        entry.read_at = utcnow()
    return None

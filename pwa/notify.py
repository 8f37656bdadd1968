"""Telling devices that something happened: one call, in the caller's transaction.

Areas (pickups, dossiers, notices) call `enqueue` in the same transaction as
the change, so a message exists exactly when the change does. Each device gets
an inbox entry written in its own language; push delivery builds on these rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from pwa import i18n
from pwa.models import Device, InboxMessage

TOPICS_FIXED = ("pickups", "dossiers", "news")


@dataclass(frozen=True)
class Message:
    """What to say. `text` is called in each reader's language and returns (title, body)."""

    topic: str
    kind: str
    tag: str
    url: str
    text: Callable[[], tuple[str, str]]


def valid_topic(topic: str) -> bool:
    """`pickups`, `dossiers`, `news` or `commune:<ward code>`."""
    if topic in TOPICS_FIXED:
        return True
    prefix, _sep, code = topic.partition(":")
    return prefix == "commune" and code.isdigit()


def enqueue(session: Session, message: Message, device_keys: Iterable[str]) -> list[InboxMessage]:
    """Write the message into each known device's inbox, in that device's language."""
    if not valid_topic(message.topic):
        raise ValueError(f"unknown topic {message.topic!r}")
    keys = sorted(set(device_keys))
    if not keys:
        return []
    devices = session.exec(select(Device).where(col(Device.key).in_(keys))).all()
    entries = []
    for device in devices:
        with i18n.using(device.lang):
            title, body = message.text()
        entry = InboxMessage(
            device_key=device.key,
            topic=message.topic,
            kind=message.kind,
            tag=message.tag[:64],
            title=title[:120],
            body=body[:500],
            url=message.url,
        )
        session.add(entry)
        entries.append(entry)
    session.flush()
    return entries


def inbox(session: Session, device_key: str, *, limit: int = 50) -> list[InboxMessage]:
    """A device's messages, newest first."""
    query = (
        select(InboxMessage)
        .where(InboxMessage.device_key == device_key)
        .order_by(col(InboxMessage.created_at).desc(), col(InboxMessage.id).desc())
        .limit(limit)
    )
    return list(session.exec(query).all())

"""Devices (a browser on a phone, known by a long-lived cookie) and their notification inbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from pwa.models.base import UTCDateTime, utcnow


class Device(SQLModel, table=True):
    """One browser profile. `key` is the SHA-256 of its cookie, never the cookie itself."""

    __tablename__ = "device"

    key: str = Field(primary_key=True, max_length=64)
    lang: str = Field(default="vi", max_length=8)  # the language its notifications are written in
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class InboxMessage(SQLModel, table=True):
    """A notification addressed to one device: shown in its inbox whether or not push arrives."""

    __tablename__ = "inbox_message"
    __table_args__ = (Index("ix_inbox_message_device_created", "device_key", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    device_key: str = Field(sa_column=Column(String(64), ForeignKey("device.key", ondelete="CASCADE"), nullable=False))
    topic: str = Field(max_length=64)  # "pickups", "dossiers", "commune:<ward>", "news"
    kind: str = Field(max_length=32)  # what happened: "pickup_status", "dossier_status", "notice", …
    tag: str = Field(max_length=64)  # same tag = same subject: a newer message replaces an older one
    title: str = Field(max_length=120)
    body: str = Field(max_length=500)
    url: str = Field(max_length=500)  # the page the message is about
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    read_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))

"""Web Push: what each device follows, its browser subscriptions, staff notices and the delivery outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from pwa.models.base import UTCDateTime, utcnow


class DeviceTopic(SQLModel, table=True):
    """A topic a device wants to hear about ("pickups", "dossiers", "news", "commune:<ward>")."""

    __tablename__ = "device_topic"
    __table_args__ = (Index("ix_device_topic_topic", "topic"),)

    device_key: str = Field(
        sa_column=Column(String(64), ForeignKey("device.key", ondelete="CASCADE"), primary_key=True)
    )
    topic: str = Field(sa_column=Column(String(64), primary_key=True))


class PushSubscription(SQLModel, table=True):
    """One browser push subscription; the endpoint is unique, so a re-post updates in place."""

    __tablename__ = "push_subscription"

    id: int | None = Field(default=None, primary_key=True)
    device_key: str = Field(
        sa_column=Column(String(64), ForeignKey("device.key", ondelete="CASCADE"), nullable=False, index=True)
    )
    endpoint: str = Field(sa_column=Column(String(1000), nullable=False, unique=True))
    p256dh: str = Field(max_length=128)  # the browser's P-256 public key, base64url
    auth: str = Field(max_length=64)  # the 16-byte auth secret, base64url
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Notice(SQLModel, table=True):
    """A staff announcement to every device following one of `topics`, now or at `send_at`."""

    __tablename__ = "notice"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=120)
    body: str = Field(max_length=500)
    url: str = Field(max_length=500)
    topics: str = Field(max_length=2000)  # comma-separated; "*" = every device that follows anything
    send_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    dispatched_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    recipients: int = Field(default=0)  # devices reached when dispatched


class PushDelivery(SQLModel, table=True):
    """The outbox: one encrypted send to one subscription, written in the transaction of the change."""

    __tablename__ = "push_delivery"
    __table_args__ = (Index("ix_push_delivery_due", "status", "next_attempt_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("push_subscription.id", ondelete="SET NULL"), index=True),
    )
    notice_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("notice.id", ondelete="SET NULL"), index=True)
    )
    kind: str = Field(max_length=32)
    topic: str = Field(max_length=32)  # the `Topic` header: a newer message with it replaces an older one
    urgency: str = Field(max_length=8)
    ttl: int = Field()
    payload: str = Field(sa_column=Column(Text, nullable=False))  # Declarative Web Push JSON, relative URLs
    status: str = Field(default="queued", max_length=12)  # queued, sent, failed, pruned
    attempts: int = Field(default=0)
    claim: str | None = Field(default=None, max_length=32)  # the worker holding it until next_attempt_at
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    give_up_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_code: int | None = Field(default=None)
    last_error: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), index=True))


class PushAttempt(SQLModel, table=True):
    """A try at sending a delivery that did not finish it (a retry, or a lease lost meanwhile) and
    what the push service said; a finished delivery's last try is on its own row. Kept 30 days."""

    __tablename__ = "push_attempt"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(
        sa_column=Column(Integer, ForeignKey("push_delivery.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    result: str = Field(max_length=8)  # sent, gone (the subscription was pruned), retry, failed
    code: int | None = Field(default=None)  # the HTTP status; None when the request never got an answer
    error: str = Field(default="", max_length=300)

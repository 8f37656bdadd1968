"""Parcel pickups: slots with capacity, bookings, their parcels, timeline and followers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from pwa.models.base import UTCDateTime, utcnow


class PickupSlot(SQLModel, table=True):
    """One shift of one day at one office: `booked` may never pass `capacity`."""

    __tablename__ = "pickup_slot"
    __table_args__ = (UniqueConstraint("office", "day", "shift", name="uq_pickup_slot_office_day_shift"),)

    id: int | None = Field(default=None, primary_key=True)
    office: str = Field(max_length=16)
    day: date = Field()
    shift: str = Field(max_length=16)  # "morning" or "afternoon"
    capacity: int = Field()
    booked: int = Field(default=0)


class ClosedDay(SQLModel, table=True):
    """A day with no pickups at an office (a holiday), set by staff."""

    __tablename__ = "pickup_closed_day"
    __table_args__ = (UniqueConstraint("office", "day", name="uq_pickup_closed_day_office_day"),)

    id: int | None = Field(default=None, primary_key=True)
    office: str = Field(max_length=16)
    day: date = Field()
    reason: str = Field(default="", max_length=120)


class Counter(SQLModel, table=True):
    """A named counter handed out with one UPDATE … RETURNING, so no two processes share a value."""

    __tablename__ = "counter"

    name: str = Field(primary_key=True, max_length=32)
    value: int = Field(default=0)


class Pickup(SQLModel, table=True):
    """A booking: who, where, when, what, the price quoted and where it stands."""

    __tablename__ = "pickup"
    __table_args__ = (Index("ix_pickup_day_shift", "day", "shift"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    device_key: str | None = Field(default=None, max_length=64, index=True)
    idempotency_key: str | None = Field(default=None, max_length=100, unique=True)
    request_hash: str = Field(default="", max_length=64)
    slot_id: int = Field(sa_column=Column(Integer, ForeignKey("pickup_slot.id"), nullable=False))
    day: date = Field()
    shift: str = Field(max_length=16)
    name: str = Field(max_length=100)
    phone: str = Field(max_length=16)  # E.164
    ward_code: int = Field()
    street: str = Field(max_length=200)
    parcels: int = Field()
    weight_g: int = Field()  # of the heaviest parcel
    longest_cm: int | None = Field(default=None)
    service: str = Field(max_length=16)  # economy, express, urgent
    destination_province: int = Field()
    cod_vnd: int = Field(default=0)
    declared_value_vnd: int = Field(default=0)
    note: str = Field(default="", max_length=255)
    price_vnd: int = Field()
    status: str = Field(default="booked", max_length=16, index=True)
    courier: str = Field(default="", max_length=100)  # the courier's username, once assigned
    collected_parcels: int | None = Field(default=None)
    failure_reason: str = Field(default="", max_length=255)  # one of handover.REASONS
    failure_note: str = Field(default="", max_length=255)
    called_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))  # the courier's call, if any
    handover_code: str = Field(default="", max_length=4)  # 4 digits the customer gives at the handover
    handover_verified: bool | None = Field(default=None)  # once collected: with the code, or without
    handover_tries: int = Field(default=0)  # wrong codes so far; the code route locks at handover.MAX_TRIES
    cancelled_by: str = Field(default="", max_length=16)  # "customer" or "post_office", once cancelled
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class PickupParcel(SQLModel, table=True):
    """One parcel of a booking and its S10 tracking number."""

    __tablename__ = "pickup_parcel"

    id: int | None = Field(default=None, primary_key=True)
    pickup_id: int = Field(sa_column=Column(Integer, ForeignKey("pickup.id", ondelete="CASCADE"), nullable=False))
    position: int = Field()
    tracking_number: str = Field(max_length=13, unique=True)


class PickupEvent(SQLModel, table=True):
    """One step of a booking's timeline."""

    __tablename__ = "pickup_event"

    id: int | None = Field(default=None, primary_key=True)
    pickup_id: int = Field(
        sa_column=Column(Integer, ForeignKey("pickup.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    status: str = Field(max_length=16)
    detail: str = Field(default="", max_length=255)
    actor: str = Field(default="", max_length=120)


class PickupFollow(SQLModel, table=True):
    """A device that found a booking by code and phone, and hears about it from then on."""

    __tablename__ = "pickup_follow"
    __table_args__ = (UniqueConstraint("device_key", "pickup_id", name="uq_pickup_follow_device_pickup"),)

    id: int | None = Field(default=None, primary_key=True)
    device_key: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    pickup_id: int = Field(sa_column=Column(Integer, ForeignKey("pickup.id", ondelete="CASCADE"), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class PickupAction(SQLModel, table=True):
    """A change asked for with an Idempotency-Key: sent again (a phone back in signal), it applies once."""

    __tablename__ = "pickup_action"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    pickup_id: int = Field(sa_column=Column(Integer, ForeignKey("pickup.id", ondelete="CASCADE"), nullable=False))
    action: str = Field(max_length=16)
    request_hash: str = Field(max_length=64)
    actor: str = Field(default="", max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class PickupObjection(SQLModel, table=True):
    """The customer's "that's not what happened" about a failure or a collection without the code."""

    __tablename__ = "pickup_objection"

    id: int | None = Field(default=None, primary_key=True)
    pickup_id: int = Field(
        sa_column=Column(Integer, ForeignKey("pickup.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    about: str = Field(max_length=16)  # the status objected to: "failed" or "collected"
    kind: str = Field(max_length=16)  # was_home, no_call, not_handed_over, other
    text: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), index=True))
    closed_by: str = Field(default="", max_length=120)
    outcome: str = Field(default="", max_length=500)

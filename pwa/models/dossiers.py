"""Administrative dossiers, their timeline events, and which devices may see them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from pwa.models.base import UTCDateTime, utcnow


class Dossier(SQLModel, table=True):
    """A dossier handed in at (or returned through) the post office. The phone is E.164, never shown."""

    __tablename__ = "dossier"
    __table_args__ = (Index("ix_dossier_due_date", "due_date"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)  # upper-case, as the agency issued it
    procedure: str = Field(max_length=500)
    agency: str = Field(max_length=255)
    applicant_name: str = Field(max_length=120)
    phone: str = Field(max_length=16)  # E.164; its last 4 digits are the lookup secret
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    due_date: date = Field(sa_column=Column(Date(), nullable=False))  # "ngày hẹn trả", a local date
    channel: int = Field()  # 1 in person, 2 online, 3 by post
    status_code: int | None = Field(default=None)  # latest national status by event time
    # code and procedure, lower-case without diacritics (pwa.admin_units.fold), for staff search
    search_text: str = Field(default="", sa_column=Column(String(600), nullable=False, server_default=""))
    status_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class DossierEvent(SQLModel, table=True):
    """One step: a national status code or a postal leg. `event_id` is the sender's id (idempotency)."""

    __tablename__ = "dossier_event"
    __table_args__ = (
        UniqueConstraint("dossier_id", "event_id", name="uq_dossier_event_sender_id"),
        Index("ix_dossier_event_dossier_at", "dossier_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(sa_column=Column(Integer(), ForeignKey("dossier.id", ondelete="CASCADE"), nullable=False))
    event_id: str = Field(max_length=64)
    sender: str = Field(max_length=120)  # "key:pk_ab12", "staff:lan", "system"
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    status_code: int | None = Field(default=None)
    postal_event: str | None = Field(default=None, max_length=32)
    note: str = Field(default="", max_length=500)
    tracking_number: str | None = Field(default=None, max_length=13)
    fee_vnd: int | None = Field(default=None, sa_column=Column(BigInteger()))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class DossierAccess(SQLModel, table=True):
    """A device that looked a dossier up with the right secret; `following` adds it to "My dossiers"."""

    __tablename__ = "dossier_access"
    __table_args__ = (UniqueConstraint("device_key", "dossier_id", name="uq_dossier_access_device_dossier"),)

    id: int | None = Field(default=None, primary_key=True)
    device_key: str = Field(sa_column=Column(String(64), ForeignKey("device.key", ondelete="CASCADE"), nullable=False))
    dossier_id: int = Field(
        sa_column=Column(Integer(), ForeignKey("dossier.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    following: bool = Field(default=False)
    granted_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))

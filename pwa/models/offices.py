"""Places people go (post offices, commune post offices, service centres), their payment days,
and the reminders already sent for those days."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Column, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from pwa.models.base import UTCDateTime, utcnow


class Office(SQLModel, table=True):
    """A place: its commune (ward code of the 2025 scheme), hours in OSM `opening_hours` syntax."""

    __tablename__ = "office"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(20), nullable=False, unique=True))  # upper-case
    name: str = Field(max_length=200)
    kind: str = Field(max_length=24)  # post_office, commune_post_office, service_centre
    ward_code: int = Field(sa_column=Column(Integer(), nullable=False, index=True))  # 2025 scheme
    address: str = Field(max_length=300)
    phone: str = Field(default="", max_length=16)  # E.164, or empty
    lat: float = Field(sa_column=Column(Float(), nullable=False))
    lon: float = Field(sa_column=Column(Float(), nullable=False))
    opening_hours: str = Field(max_length=500)
    services: str = Field(default="", max_length=500)  # keys separated by ";"
    # name, commune and address, lower-case without diacritics (pwa.admin_units.fold), for search
    search_text: str = Field(default="", sa_column=Column(String(1000), nullable=False, server_default=""))
    demo: bool = Field(default=False, sa_column=Column(Boolean(), nullable=False, server_default=false()))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class PaymentDay(SQLModel, table=True):
    """A day a place pays pensions (`pension`), social allowances (`social`) or merit allowances (`merit`)."""

    __tablename__ = "payment_day"
    __table_args__ = (
        UniqueConstraint("office_id", "kind", "day", name="uq_payment_day_office_kind_day"),
        Index("ix_payment_day_day", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(sa_column=Column(Integer(), ForeignKey("office.id", ondelete="CASCADE"), nullable=False))
    kind: str = Field(max_length=12)
    day: date = Field(sa_column=Column(Date(), nullable=False))  # a local date
    opens: str = Field(max_length=5)  # "07:00", local time
    closes: str = Field(max_length=5)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class ReminderSent(SQLModel, table=True):
    """A reminder produced for one place, kind, day and moment (`eve`, `day`): the unique key makes it once."""

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("office_id", "kind", "day", "moment", name="uq_reminder_sent_key"),)

    id: int | None = Field(default=None, primary_key=True)
    office_id: int = Field(sa_column=Column(Integer(), ForeignKey("office.id", ondelete="CASCADE"), nullable=False))
    kind: str = Field(max_length=12)
    day: date = Field(sa_column=Column(Date(), nullable=False))
    moment: str = Field(max_length=8)
    recipients: int = Field(default=0)
    sent_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))

"""Staff accounts, API keys, the audit log and rate-limit counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from pwa.models.base import UTCDateTime, utcnow

ROLES = ("admin", "staff", "courier")  # what `StaffUser.role` may hold; a courier signs in to their round only
SCOPES = ("pickups", "dossiers", "notices")  # what `ApiKey.scopes` may list


class StaffUser(SQLModel, table=True):
    """A post office employee who can sign in to the staff pages."""

    __tablename__ = "staff_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16)  # "admin" or "staff"
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    last_login_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class ApiKey(SQLModel, table=True):
    """A key for a partner system; only the SHA-256 of the key is kept."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16, index=True)
    key_hash: str = Field(max_length=64, unique=True)
    scopes: str = Field(max_length=255)  # comma-separated
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))

    @property
    def scope_set(self) -> frozenset[str]:
        """The scopes as a set."""
        return frozenset(s for s in self.scopes.split(",") if s)


class AuditEntry(SQLModel, table=True):
    """Who did what, when: every staff or partner change is recorded."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True))
    actor: str = Field(max_length=120)  # "staff:alice", "key:agency", "system"
    action: str = Field(max_length=64, index=True)
    subject: str = Field(default="", max_length=120, index=True)
    detail: str = Field(default="", max_length=2000)


class RateCounter(SQLModel, table=True):
    """Hits per key and fixed time window, shared by every server process."""

    __tablename__ = "rate_counter"
    __table_args__ = (UniqueConstraint("key", "window_start", name="uq_rate_counter_key_window"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200)
    window_start: int = Field()  # unix seconds at the start of the window
    count: int = Field(default=0)
    expires_at: int = Field(index=True)  # unix seconds; rows past it may be deleted

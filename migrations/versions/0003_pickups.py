"""Parcel pickups: slots, closed days, counters, bookings, parcels, timeline, follows.

Revision ID: 0003_pickups
Revises: 0002_devices
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pwa.models.base import UTCDateTime

revision = "0003_pickups"
down_revision = "0002_devices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pickup_slot",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("office", sa.String(16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shift", sa.String(16), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.UniqueConstraint("office", "day", "shift", name="uq_pickup_slot_office_day_shift"),
    )
    op.create_table(
        "pickup_closed_day",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("office", sa.String(16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(120), nullable=False),
        sa.UniqueConstraint("office", "day", name="uq_pickup_closed_day_office_day"),
    )
    op.create_table(
        "counter",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
    )
    _create_pickup()
    op.create_table(
        "pickup_parcel",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pickup_id", sa.Integer(), sa.ForeignKey("pickup.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("tracking_number", sa.String(13), nullable=False, unique=True),
    )
    op.create_table(
        "pickup_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pickup_id", sa.Integer(), sa.ForeignKey("pickup.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(255), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
    )
    op.create_index("ix_pickup_event_pickup_id", "pickup_event", ["pickup_id"])
    op.create_table(
        "pickup_follow",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("device_key", sa.String(64), nullable=False),
        sa.Column("pickup_id", sa.Integer(), sa.ForeignKey("pickup.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("device_key", "pickup_id", name="uq_pickup_follow_device_pickup"),
    )
    op.create_index("ix_pickup_follow_device_key", "pickup_follow", ["device_key"])


def _create_pickup() -> None:
    op.create_table(
        "pickup",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column("device_key", sa.String(64), nullable=True),
        sa.Column("idempotency_key", sa.String(100), nullable=True, unique=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("slot_id", sa.Integer(), sa.ForeignKey("pickup_slot.id"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shift", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column("ward_code", sa.Integer(), nullable=False),
        sa.Column("street", sa.String(200), nullable=False),
        sa.Column("parcels", sa.Integer(), nullable=False),
        sa.Column("weight_g", sa.Integer(), nullable=False),
        sa.Column("longest_cm", sa.Integer(), nullable=True),
        sa.Column("service", sa.String(16), nullable=False),
        sa.Column("destination_province", sa.Integer(), nullable=False),
        sa.Column("cod_vnd", sa.Integer(), nullable=False),
        sa.Column("declared_value_vnd", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(255), nullable=False),
        sa.Column("price_vnd", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("courier", sa.String(100), nullable=False),
        sa.Column("collected_parcels", sa.Integer(), nullable=True),
        sa.Column("failure_reason", sa.String(255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_pickup_device_key", "pickup", ["device_key"])
    op.create_index("ix_pickup_status", "pickup", ["status"])
    op.create_index("ix_pickup_day_shift", "pickup", ["day", "shift"])


def downgrade() -> None:
    for table in ("pickup_follow", "pickup_event", "pickup_parcel", "pickup", "counter", "pickup_closed_day"):
        op.drop_table(table)
    op.drop_table("pickup_slot")

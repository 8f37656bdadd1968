"""Devices and their notification inbox.

Revision ID: 0002_devices
Revises: 0001_foundation
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pwa.models.base import UTCDateTime

revision = "0002_devices"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "inbox_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("device_key", sa.String(64), sa.ForeignKey("device.key", ondelete="CASCADE"), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("tag", sa.String(64), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("body", sa.String(500), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_inbox_message_device_created", "inbox_message", ["device_key", "created_at"])


def downgrade() -> None:
    op.drop_table("inbox_message")
    op.drop_table("device")

"""Administrative dossiers, their events, and device access/follows.

Revision ID: 0004_dossiers
Revises: 0002_devices
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pwa.models.base import UTCDateTime

revision = "0004_dossiers"
down_revision = "0002_devices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dossier",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("procedure", sa.String(500), nullable=False),
        sa.Column("agency", sa.String(255), nullable=False),
        sa.Column("applicant_name", sa.String(120), nullable=False),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("channel", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("status_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_dossier_code", "dossier", ["code"], unique=True)
    op.create_index("ix_dossier_due_date", "dossier", ["due_date"])
    op.create_table(
        "dossier_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossier.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("sender", sa.String(120), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("postal_event", sa.String(32), nullable=True),
        sa.Column("note", sa.String(500), nullable=False),
        sa.Column("tracking_number", sa.String(13), nullable=True),
        sa.Column("fee_vnd", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("dossier_id", "event_id", name="uq_dossier_event_sender_id"),
    )
    op.create_index("ix_dossier_event_dossier_at", "dossier_event", ["dossier_id", "at"])
    op.create_table(
        "dossier_access",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("device_key", sa.String(64), sa.ForeignKey("device.key", ondelete="CASCADE"), nullable=False),
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossier.id", ondelete="CASCADE"), nullable=False),
        sa.Column("following", sa.Boolean(), nullable=False),
        sa.Column("granted_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("device_key", "dossier_id", name="uq_dossier_access_device_dossier"),
    )
    op.create_index("ix_dossier_access_dossier_id", "dossier_access", ["dossier_id"])


def downgrade() -> None:
    op.drop_table("dossier_access")
    op.drop_table("dossier_event")
    op.drop_table("dossier")

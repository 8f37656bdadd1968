"""Places people go, their pension and allowance payment days, and the reminders sent for them.

`reminder_sent` has one row per place, kind, day and moment (eve, day): its unique key is what
makes each reminder go out once, whatever the number of workers or restarts.

Revision ID: 0009_offices
Revises: 0008_push_attempts
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pwa.models.base import UTCDateTime

revision = "0009_offices"
down_revision = "0008_push_attempts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(20), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("ward_code", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(300), nullable=False),
        sa.Column("phone", sa.String(16), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("opening_hours", sa.String(500), nullable=False),
        sa.Column("services", sa.String(500), nullable=False),
        sa.Column("search_text", sa.String(1000), nullable=False, server_default=""),
        sa.Column("demo", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_office_ward_code", "office", ["ward_code"])
    office_fk = sa.ForeignKey("office.id", ondelete="CASCADE")
    op.create_table(
        "payment_day",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("office_id", sa.Integer(), office_fk, nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("opens", sa.String(5), nullable=False),
        sa.Column("closes", sa.String(5), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("office_id", "kind", "day", name="uq_payment_day_office_kind_day"),
    )
    op.create_index("ix_payment_day_day", "payment_day", ["day"])
    op.create_table(
        "reminder_sent",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("office.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("moment", sa.String(8), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("office_id", "kind", "day", "moment", name="uq_reminder_sent_key"),
    )


def downgrade() -> None:
    op.drop_table("reminder_sent")
    op.drop_table("payment_day")
    op.drop_table("office")

"""Web Push: device topics, subscriptions, staff notices and the delivery outbox.

Revision ID: 0005_push
Revises: 0002_devices
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pwa.models.base import UTCDateTime

revision = "0005_push"
down_revision = "0002_devices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    device_fk = sa.ForeignKey("device.key", ondelete="CASCADE")
    op.create_table(
        "device_topic",
        sa.Column("device_key", sa.String(64), device_fk, primary_key=True),
        sa.Column("topic", sa.String(64), primary_key=True),
    )
    op.create_index("ix_device_topic_topic", "device_topic", ["topic"])
    op.create_table(
        "push_subscription",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("device_key", sa.String(64), sa.ForeignKey("device.key", ondelete="CASCADE"), nullable=False),
        sa.Column("endpoint", sa.String(1000), nullable=False, unique=True),
        sa.Column("p256dh", sa.String(128), nullable=False),
        sa.Column("auth", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_push_subscription_device_key", "push_subscription", ["device_key"])
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("body", sa.String(500), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("topics", sa.String(2000), nullable=False),
        sa.Column("send_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("dispatched_at", UTCDateTime(), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
    )
    op.create_index("ix_notice_send_at", "notice", ["send_at"])
    _create_delivery()


def _create_delivery() -> None:
    op.create_table(
        "push_delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "subscription_id", sa.Integer(), sa.ForeignKey("push_subscription.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("notice_id", sa.Integer(), sa.ForeignKey("notice.id", ondelete="SET NULL"), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("topic", sa.String(32), nullable=False),
        sa.Column("urgency", sa.String(8), nullable=False),
        sa.Column("ttl", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim", sa.String(32), nullable=True),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("give_up_at", UTCDateTime(), nullable=False),
        sa.Column("last_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_push_delivery_due", "push_delivery", ["status", "next_attempt_at"])
    op.create_index("ix_push_delivery_subscription_id", "push_delivery", ["subscription_id"])
    op.create_index("ix_push_delivery_notice_id", "push_delivery", ["notice_id"])
    op.create_index("ix_push_delivery_finished_at", "push_delivery", ["finished_at"])


def downgrade() -> None:
    op.drop_table("push_delivery")
    op.drop_table("notice")
    op.drop_table("push_subscription")
    op.drop_table("device_topic")

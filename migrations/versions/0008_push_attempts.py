"""The attempt log: every try that did not finish its delivery, and what the push service said.

A delivery row keeps only its latest answer: a 429 followed by a 201 left no
trace of the 429. A finished delivery's last try stays on its row; the others
(retries, and tries whose lease was lost) go here. Kept 30 days (the worker
removes older ones).

Revision ID: 0008_push_attempts
Revises: 0007_push_due_index
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pwa.models.base import UTCDateTime

revision = "0008_push_attempts"
down_revision = "0007_push_due_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "push_attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("delivery_id", sa.Integer(), sa.ForeignKey("push_delivery.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("result", sa.String(8), nullable=False),
        sa.Column("code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(300), nullable=False),
    )
    op.create_index("ix_push_attempt_delivery_id", "push_attempt", ["delivery_id"])
    op.create_index("ix_push_attempt_at", "push_attempt", ["at"])


def downgrade() -> None:
    op.drop_table("push_attempt")

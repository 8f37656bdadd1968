"""The delivery queue's index ends with the id, the claim's tie-break.

Claims take the oldest due deliveries `ORDER BY next_attempt_at, id`. A fan-out
enqueues thousands of rows with one `next_attempt_at`, and with the old
(status, next_attempt_at) index PostgreSQL read and sorted every one of them for
each batch of 500 it claimed. With the id in the index the rows come out in
order and the scan stops at the batch's end. (SQLite already had the order: its
rowid ends every index.)

Revision ID: 0007_push_due_index
Revises: 0005_push
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0007_push_due_index"
down_revision = "0005_push"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_push_delivery_due", table_name="push_delivery")
    op.create_index("ix_push_delivery_due", "push_delivery", ["status", "next_attempt_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_push_delivery_due", table_name="push_delivery")
    op.create_index("ix_push_delivery_due", "push_delivery", ["status", "next_attempt_at"])

"""Handover codes, honest failures, reschedules and objections (pickups people can trust).

Every booking gets a 4-digit handover code; bookings made before get one here.
A failure's reason becomes one word of a fixed list (older free-text reasons
become `other`, their text kept as the note). `pickup_action` holds the
Idempotency-Key of each change, so a change sent again applies once.

Revision ID: 0010_handover
Revises: 0009_offices
Create Date: 2026-12-03
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

from pwa.models.base import UTCDateTime

revision = "0010_handover"
down_revision = ("0009_offices", "0003_pickups")  # also merges the pickups branch, whose table it changes
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pickup") as batch:
        batch.add_column(sa.Column("failure_note", sa.String(255), nullable=False, server_default=""))
        batch.add_column(sa.Column("called_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("handover_code", sa.String(4), nullable=False, server_default=""))
        batch.add_column(sa.Column("handover_verified", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("handover_tries", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("cancelled_by", sa.String(16), nullable=False, server_default=""))
    bind = op.get_bind()
    pickup = sa.table(
        "pickup",
        sa.column("id", sa.Integer()),
        sa.column("handover_code", sa.String()),
        sa.column("failure_reason", sa.String()),
        sa.column("failure_note", sa.String()),
        sa.column("status", sa.String()),
        sa.column("cancelled_by", sa.String()),
    )
    ids = [row[0] for row in bind.execute(sa.select(pickup.c.id))]
    for start in range(0, len(ids), 500):
        rows = [{"i": i, "c": f"{secrets.randbelow(10_000):04d}"} for i in ids[start : start + 500]]
        bind.execute(
            pickup.update().where(pickup.c.id == sa.bindparam("i")).values(handover_code=sa.bindparam("c")), rows
        )
    bind.execute(
        pickup.update()
        .where(pickup.c.failure_reason != "")
        .values(failure_note=pickup.c.failure_reason, failure_reason="other")
    )
    bind.execute(pickup.update().where(pickup.c.status == "cancelled").values(cancelled_by="customer"))
    op.create_table(
        "pickup_action",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(100), nullable=False, unique=True),
        sa.Column("pickup_id", sa.Integer(), sa.ForeignKey("pickup.id", ondelete="CASCADE"), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "pickup_objection",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("pickup_id", sa.Integer(), sa.ForeignKey("pickup.id", ondelete="CASCADE"), nullable=False),
        sa.Column("about", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("closed_by", sa.String(120), nullable=False),
        sa.Column("outcome", sa.String(500), nullable=False),
    )
    op.create_index("ix_pickup_objection_pickup_id", "pickup_objection", ["pickup_id"])
    op.create_index("ix_pickup_objection_closed_at", "pickup_objection", ["closed_at"])


def downgrade() -> None:
    op.drop_table("pickup_objection")
    op.drop_table("pickup_action")
    with op.batch_alter_table("pickup") as batch:
        for name in (
            "cancelled_by",
            "handover_tries",
            "handover_verified",
            "handover_code",
            "called_at",
            "failure_note",
        ):
            batch.drop_column(name)

"""Dossier search: a lower-cased, diacritic-free copy of code and procedure.

SQLite's lower() and LIKE fold ASCII only, so "đăng" did not find "Đăng ký…" there
while PostgreSQL's ILIKE did. The folded column gives both engines one behaviour.

Revision ID: 0006_dossier_search
Revises: 0004_dossiers
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from pwa.admin_units import fold

revision = "0006_dossier_search"
down_revision = "0004_dossiers"
branch_labels = None
depends_on = None

dossier = sa.table(
    "dossier",
    sa.column("id", sa.Integer()),
    sa.column("code", sa.String()),
    sa.column("procedure", sa.String()),
    sa.column("search_text", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("dossier") as batch:
        batch.add_column(sa.Column("search_text", sa.String(600), nullable=False, server_default=""))
    conn = op.get_bind()
    rows = conn.execute(sa.select(dossier.c.id, dossier.c.code, dossier.c.procedure)).all()
    for row_id, code, procedure in rows:
        # the rule of pwa.dossiers.records.search_text (not imported: migrations must not follow app code)
        folded = fold(f"{code} {procedure}")[:600]
        conn.execute(sa.update(dossier).where(dossier.c.id == row_id).values(search_text=folded))


def downgrade() -> None:
    with op.batch_alter_table("dossier") as batch:
        batch.drop_column("search_text")

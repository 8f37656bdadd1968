"""Alembic environment: runs on the engine the app gives it, or on DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

import pwa.models  # noqa: F401  (registers every table on the metadata)
from pwa.db import make_engine
from pwa.models import metadata

config = context.config


def run() -> None:
    """Run migrations inside one transaction on a live connection."""
    engine = config.attributes.get("engine")
    if not isinstance(engine, Engine):
        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        context.configure(
            connection=conn,
            target_metadata=metadata,
            render_as_batch=conn.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            if conn.dialect.name == "postgresql":
                # The app's engine gives up on a lock after PWA_DB_WAIT_SECONDS; a migration waits its turn.
                conn.exec_driver_sql("SET LOCAL lock_timeout = 0")
            context.run_migrations()
        conn.commit()


run()

"""Demo data for trying the app: clearly labelled, safe to load twice, never for production."""

from __future__ import annotations

from collections.abc import Iterator

from pwa import accounts
from pwa.db import Database
from pwa.dossiers import demo as dossiers_demo
from pwa.settings import Settings

DEMO_PASSWORD = "demo-password-2026"  # DEMO ONLY: printed by `pwa demo`, never use in production
DEMO_STAFF = (("demo-admin", "admin"), ("demo-staff", "staff"))


def load(database: Database, settings: Settings | None = None) -> Iterator[str]:
    """Create what is missing of the demo data and say what exists."""
    with database.write() as session:
        for username, role in DEMO_STAFF:
            if accounts.find_staff(session, username=username) is None:
                accounts.create_staff(session, username=username, password=DEMO_PASSWORD, role=role)
                yield f"DEMO: created staff account {username} ({role})"
            else:
                yield f"DEMO: staff account {username} already exists"
    with database.write() as session:
        yield from dossiers_demo.load(session, settings or Settings())
    yield f"DEMO: sign in at /staff/login with password {DEMO_PASSWORD} (demo only)"

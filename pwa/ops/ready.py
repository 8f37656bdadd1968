"""GET /readyz: the database answers, its schema is the code's, and the outbox is moving.

The code's migration heads are read from migrations/versions with `ast`, not Alembic: web
processes never load Alembic (about 11 MB each; see pwa/db.py).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache

from sqlalchemy import text

from pwa.db import MIGRATIONS_DIR, Database
from pwa.models import utcnow
from pwa.ops import figures
from pwa.settings import Settings


@dataclass(frozen=True)
class Readiness:
    """Ready, or the reasons why not (plain sentences for an operator)."""

    reasons: tuple[str, ...]

    @property
    def ready(self) -> bool:
        """True when nothing is wrong."""
        return not self.reasons


def check(database: Database, settings: Settings) -> Readiness:
    """Ask the database: reachable, migrated to the code's heads, no due push waiting past the limit."""
    try:
        with database.read() as session:
            applied = {str(v) for v in session.execute(text("SELECT version_num FROM alembic_version")).scalars()}
            box = figures.outbox(session, utcnow())
    except Exception as exc:  # the class names the failure without echoing hosts or credentials
        return Readiness((f"database unreachable or not set up ({type(exc).__name__})",))
    reasons = []
    if applied != code_heads():
        reasons.append(f"migrations not current: database at {_names(applied)}, code at {_names(code_heads())}")
    if box.overdue > settings.ready_outbox_seconds:
        reasons.append(
            f"outbox stuck: a due push message has waited {box.overdue:.0f} s (limit {settings.ready_outbox_seconds} s;"
            " are the delivery workers running?)"
        )
    return Readiness(tuple(reasons))


def _names(revisions: set[str]) -> str:
    return ", ".join(sorted(revisions)) or "none"


@cache
def code_heads() -> set[str]:
    """Revisions no other revision names as its parent."""
    revisions: dict[str, set[str]] = {}
    for path in sorted(MIGRATIONS_DIR.glob("versions/*.py")):
        found = _assignments(ast.parse(path.read_text(encoding="utf-8")))
        revision, down = found.get("revision"), found.get("down_revision")
        if isinstance(revision, str):
            revisions[revision] = (
                {down} if isinstance(down, str) else set(down) if isinstance(down, tuple | list) else set()
            )
    parents = set().union(*revisions.values()) if revisions else set()
    return set(revisions) - parents


def _assignments(tree: ast.Module) -> dict[str, object]:
    """Module-level `name = <literal>` and `name: type = <literal>`."""
    found: dict[str, object] = {}
    for node in tree.body:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and value is not None:
            try:
                found[target.id] = ast.literal_eval(value)
            except ValueError:
                continue
    return found

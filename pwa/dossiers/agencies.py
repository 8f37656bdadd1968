"""What a partner agency's system does through the API: register dossiers and add steps to their timelines.

Each function is one use case: it validates, opens its own transaction and
returns the citizen's view of the dossier, or raises an `AppError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pwa.db import Database
from pwa.dossiers import events, records, timeline
from pwa.settings import Settings


@dataclass(frozen=True)
class Added:
    """An event taken in: whether it was new (not a repeat), and the timeline after it."""

    created: bool
    view: timeline.View


def register(db: Database, settings: Settings, *, data: Mapping[str, Any], actor: str) -> timeline.View:
    """Validate and store a new dossier; its citizen's view. Invalid or Conflict otherwise."""
    new = records.validate(data, settings.tz)
    with db.write() as session:
        dossier = records.create(session, new, actor=actor)
        return timeline.view(session, dossier, today=timeline.today(settings.tz))


def add_event(db: Database, settings: Settings, *, code: str, data: Mapping[str, Any], actor: str) -> Added:
    """Add a step to a dossier's timeline, once per event id; NotFound, Invalid or Conflict otherwise."""
    new = events.validate(data, settings.tz)
    with db.write() as session:
        dossier = records.get(session, code=code)
        created = events.record(session, dossier, new, sender=actor)
        return Added(created, timeline.view(session, dossier, today=timeline.today(settings.tz)))

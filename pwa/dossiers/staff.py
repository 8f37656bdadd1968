"""What post office staff do with dossiers: search them, open one, record a postal leg, import a CSV file.

Each function is one use case: it opens its own transaction and returns plain
data or raises an `AppError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pwa.db import Database
from pwa.dossiers import events, importer, records, timeline
from pwa.errors import Invalid
from pwa.i18n import gettext as _
from pwa.security import new_token
from pwa.settings import Settings


@dataclass(frozen=True)
class Detail:
    """One dossier as staff work on it: its timeline, and the postal-leg form as typed with what to fix."""

    view: timeline.View
    form: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Recorded:
    """A postal leg sent from the form: the dossier's code, and the form again if it must be fixed."""

    code: str
    again: Detail | None = None


def search(db: Database, settings: Settings, *, query: str) -> list[timeline.Summary]:
    """Dossiers by urgency (open and past due first), matching code or procedure if a query is given."""
    today = timeline.today(settings.tz)
    with db.read() as session:
        return [timeline.summary(d, False, today) for d in records.staff_list(session, query=query, today=today)]


def show(db: Database, settings: Settings, *, code: str) -> Detail:
    """One dossier's timeline with a fresh postal-leg form (its hidden event id makes a double tap harmless)."""
    return _detail(db, settings, code, {"event_id": "staff-" + new_token()[:24]}, {})


def record_postal_leg(db: Database, settings: Settings, *, code: str, form: Mapping[str, str], actor: str) -> Recorded:
    """Record what the post office just did; a repeated tap (same event id) is stored once."""
    try:
        new = events.validate_postal_form(form, settings.tz)
    except Invalid as exc:
        return Recorded(code=code, again=_detail(db, settings, code, dict(form), exc.fields))
    with db.write() as session:
        dossier = records.get(session, code=code)
        # The form's time is "now" at each tap unless staff typed one: a repeat differs only by it.
        events.record(session, dossier, new, sender=actor, ignore_time=not form.get("at"))
        return Recorded(code=dossier.code)


def import_csv(db: Database, settings: Settings, *, data: bytes | None, actor: str, keep_good: bool) -> importer.Report:
    """Validate every row, then import all (or, if asked, only the good rows) in one transaction."""
    if data is None:
        raise Invalid(fields={"file": _("Chọn tệp CSV cần nhập.")})
    text = importer.decode(data)
    with db.write() as session:
        return importer.run(session, text, settings.tz, actor=actor, keep_good=keep_good)


def _detail(db: Database, settings: Settings, code: str, form: dict[str, str], errors: dict[str, str]) -> Detail:
    with db.read() as session:
        dossier = records.get(session, code=code)
        return Detail(timeline.view(session, dossier, today=timeline.today(settings.tz)), form, errors)

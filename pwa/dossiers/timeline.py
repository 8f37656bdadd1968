"""One timeline: the agency's steps and the postal legs in time order, and the due-date state.

Due state, from the promised return date ("ngày hẹn trả") in the post office's zone:
- `done`: processing has ended (latest status 3, 7, 8, 9 or 10);
- `overdue`: not done and the promised date is before today;
- `due_soon`: not done and the promised date is today or within the next DUE_SOON_DAYS days;
- `on_time`: not done and the promised date is further away.

Current step: the latest status event (the agency's step, the same event as the
dossier's `status_code`), and, as a second line, the latest postal leg if it
came after that status; "after" is timeline order (event time, then arrival).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from pwa.dossiers.statuses import DONE_CODES, Step, channel_label, step_for
from pwa.i18n import gettext as _
from pwa.models import Dossier, DossierEvent, utcnow
from pwa.names import mask_name

DUE_SOON_DAYS = 2
DUE_STATES = ("on_time", "due_soon", "overdue", "done")


def today(tz: ZoneInfo, now: datetime | None = None) -> date:
    """Today's date at the post office, whatever the server's zone."""
    return (now or utcnow()).astimezone(tz).date()


def due_state(status_code: int | None, due: date, today: date) -> str:
    """`on_time`, `due_soon`, `overdue` or `done` (see the module's docstring)."""
    if status_code in DONE_CODES:
        return "done"
    if due < today:
        return "overdue"
    if (due - today).days <= DUE_SOON_DAYS:
        return "due_soon"
    return "on_time"


def due_label(state: str, due: date, today: date) -> str:
    """The due state in plain words."""
    days = (due - today).days
    if state == "done":
        return _("Đã xử lý xong")
    if state == "overdue":
        return _("Quá hẹn %(n)d ngày") % {"n": -days}
    if days == 0:
        return _("Hẹn trả hôm nay")
    if state == "due_soon":
        return _("Sắp đến hạn: còn %(n)d ngày") % {"n": days}
    return _("Đúng hẹn: còn %(n)d ngày") % {"n": days}


def events_of(session: Session, dossier_id: int) -> list[DossierEvent]:
    """A dossier's events, oldest first: by event time, then by arrival."""
    query = (
        select(DossierEvent)
        .where(DossierEvent.dossier_id == dossier_id)
        .order_by(col(DossierEvent.at), col(DossierEvent.id))
    )
    return list(session.exec(query).all())


@dataclass(frozen=True)
class Entry:
    """One step of the timeline as a citizen reads it."""

    at: datetime
    kind: str  # "status" or "postal"
    status_code: int | None
    postal_event: str | None
    step: Step | None
    note: str
    tracking_number: str | None
    fee_vnd: int | None

    def as_json(self) -> dict[str, Any]:
        """The entry for the API."""
        return {
            "at": self.at.isoformat(),
            "kind": self.kind,
            "status_code": self.status_code,
            "postal_event": self.postal_event,
            "label": self.step.label() if self.step else "",
            "meaning": self.step.meaning() if self.step else "",
            "next_step": self.step.next_step() if self.step else "",
            "note": self.note,
            "tracking_number": self.tracking_number,
            "fee_vnd": self.fee_vnd,
        }


@dataclass(frozen=True)
class View:
    """Everything a citizen may see of a dossier: no phone, the name masked."""

    code: str
    procedure: str
    agency: str
    applicant: str
    channel: str
    received_at: datetime
    due_date: date
    due_state: str
    due_label: str
    status_code: int | None
    current: Entry | None  # the latest status event: what the citizen reads first
    postal: Entry | None  # the latest postal leg, only if it came after `current`
    timeline: list[Entry]

    def as_json(self) -> dict[str, Any]:
        """The view for the API."""
        step = self.current.step if self.current else None
        return {
            "code": self.code,
            "procedure": self.procedure,
            "agency": self.agency,
            "applicant_name": self.applicant,
            "received_at": self.received_at.isoformat(),
            "due_date": self.due_date.isoformat(),
            "due_state": self.due_state,
            "status_code": self.status_code,
            "status_label": step.label() if step else "",
            "next_step": step.next_step() if step else "",
            "postal": self.postal.as_json() if self.postal else None,
            "timeline": [entry.as_json() for entry in self.timeline],
        }


def entry_of(event: DossierEvent) -> Entry:
    """A stored event as a timeline entry."""
    return Entry(
        at=event.at,
        kind="status" if event.status_code is not None else "postal",
        status_code=event.status_code,
        postal_event=event.postal_event,
        step=step_for(event.status_code, event.postal_event),
        note=event.note,
        tracking_number=event.tracking_number,
        fee_vnd=event.fee_vnd,
    )


def current_steps(entries: list[Entry]) -> tuple[Entry | None, Entry | None]:
    """(latest status, latest postal leg if it came after that status) of a timeline, oldest first."""
    postal = None
    for entry in reversed(entries):
        if entry.kind == "status":
            return entry, postal
        postal = postal or entry
    return None, postal


def view(session: Session, dossier: Dossier, *, today: date) -> View:
    """The dossier with its timeline and due state, safe to show its owner."""
    assert dossier.id is not None
    entries = [entry_of(e) for e in events_of(session, dossier.id)]
    state = due_state(dossier.status_code, dossier.due_date, today)
    current, postal = current_steps(entries)
    return View(
        code=dossier.code,
        procedure=dossier.procedure,
        agency=dossier.agency,
        applicant=mask_name(dossier.applicant_name),
        channel=channel_label(dossier.channel),
        received_at=dossier.received_at,
        due_date=dossier.due_date,
        due_state=state,
        due_label=due_label(state, dossier.due_date, today),
        status_code=dossier.status_code,
        current=current,
        postal=postal,
        timeline=entries,
    )


@dataclass(frozen=True)
class Summary:
    """A line of a dossier list ("My dossiers", staff search): no personal data."""

    code: str
    procedure: str
    due_date: date
    due_state: str
    due_label: str
    status_label: str
    following: bool


def summary(dossier: Dossier, following: bool, today: date) -> Summary:
    """A dossier summed up for a list."""
    state = due_state(dossier.status_code, dossier.due_date, today)
    step = step_for(dossier.status_code, None)
    return Summary(
        code=dossier.code,
        procedure=dossier.procedure,
        due_date=dossier.due_date,
        due_state=state,
        due_label=due_label(state, dossier.due_date, today),
        status_label=step.label() if step else _("Chưa có trạng thái"),
        following=following,
    )

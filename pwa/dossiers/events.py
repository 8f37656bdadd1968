"""Recording timeline events: idempotent by the sender's event id, order by event time.

Events may arrive twice or out of order. The pair (dossier, sender's event id) is
unique in the database, so a repeat is recognised and stored once; the dossier's
current status is the latest status event by event time, whatever the arrival order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from pwa import audit, notify
from pwa.db import dialect_insert
from pwa.dossiers import fields
from pwa.dossiers.statuses import POSTAL_EVENTS, step_for
from pwa.errors import Conflict, Invalid
from pwa.i18n import gettext as _
from pwa.models import Dossier, DossierAccess, DossierEvent, utcnow

FUTURE_SLACK = timedelta(hours=24)  # clocks of partner systems drift; a day ahead is a mistake


@dataclass(frozen=True)
class NewEvent:
    """An event that passed validation."""

    event_id: str
    at: datetime
    status_code: int | None
    postal_event: str | None
    note: str
    tracking_number: str | None
    fee_vnd: int | None


def _optional(data: Mapping[str, Any], name: str, parse: Any, errors: dict[str, str]) -> Any:
    value = data.get(name)
    if value is None or value == "":
        return None
    try:
        return parse(value)
    except fields.FieldError as exc:
        errors[name] = str(exc)
        return None


def validate(data: Mapping[str, Any], tz: ZoneInfo, *, now: datetime | None = None) -> NewEvent:
    """Check an event; exactly one of `status_code` and `postal_event`."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for name, parse in (("id", fields.event_id), ("at", lambda v: fields.moment(v, tz))):
        try:
            clean[name] = parse(data.get(name))
        except fields.FieldError as exc:
            errors[name] = str(exc)
    if "at" in clean and clean["at"] > (now or utcnow()) + FUTURE_SLACK:
        errors["at"] = _("Thời điểm này ở tương lai. Kiểm tra lại đồng hồ và múi giờ.")
    code = _optional(data, "status_code", fields.status_code, errors)
    postal = _optional(data, "postal_event", fields.postal_event, errors)
    if "status_code" not in errors and "postal_event" not in errors and (code is None) == (postal is None):
        errors["status_code"] = _("Gửi đúng một trong hai: status_code (1–10) hoặc postal_event.")
    tracking = _optional(data, "tracking_number", fields.tracking_number, errors)
    fee = _optional(data, "fee_vnd", fields.fee, errors)
    note = _optional(data, "note", lambda v: fields.text(v, max_len=500, required=False), errors)
    if errors:
        raise Invalid(fields=errors)
    return NewEvent(clean["id"], clean["at"], code, postal, note or "", tracking, fee)


def _same(event: DossierEvent, new: NewEvent, *, ignore_time: bool) -> bool:
    stored = (event.status_code, event.postal_event, event.note, event.tracking_number, event.fee_vnd)
    sent = (new.status_code, new.postal_event, new.note, new.tracking_number, new.fee_vnd)
    return stored == sent and (ignore_time or event.at == new.at)


def record(session: Session, dossier: Dossier, new: NewEvent, *, sender: str, ignore_time: bool = False) -> bool:
    """Store the event once; True if it is new, False for a repeat of the same event.

    The insert skips on the unique (dossier, event id) pair, so two processes
    receiving the same event at once store it once. A different event under a
    used id is refused (Conflict): the sender has a bug and must hear about it.
    `ignore_time` is for the staff form, whose time is "now" at each tap.
    """
    assert dossier.id is not None
    _lock(session, dossier)
    insert = dialect_insert(session)
    values = {**_columns(new), "dossier_id": dossier.id, "sender": sender[:120], "created_at": utcnow()}
    stmt = (
        insert(DossierEvent)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dossier_id", "event_id"])
        .returning(col(DossierEvent.id))
    )
    if session.execute(stmt).scalar_one_or_none() is None:  # the pair exists: a repeat, or a clash
        existing = session.exec(
            select(DossierEvent).where(DossierEvent.dossier_id == dossier.id, DossierEvent.event_id == new.event_id)
        ).one()
        if not _same(existing, new, ignore_time=ignore_time):
            raise Conflict(
                _("Mã sự kiện %(id)s đã dùng cho một sự kiện khác.") % {"id": new.event_id},
                fields={"id": _("Mã sự kiện này đã dùng cho một sự kiện khác.")},
            )
        return False
    _refresh_status(session, dossier)
    audit.record(session, actor=sender, action="dossier.event", subject=f"dossier:{dossier.code}", detail=_brief(new))
    _notify_followers(session, dossier, new)
    return True


def _lock(session: Session, dossier: Dossier) -> None:
    """Hold the dossier's row until commit, so events for one dossier are recorded one at a time.

    Without it, two events arriving together on PostgreSQL each recompute the status
    from a snapshot without the other's event, and the older status can win. The
    dossier is re-read under the lock. SQLite ignores FOR UPDATE: its write
    transactions (BEGIN IMMEDIATE) are serial already.
    """
    query = select(Dossier).where(Dossier.id == dossier.id).with_for_update()
    session.exec(query.execution_options(populate_existing=True)).one()


def _columns(new: NewEvent) -> dict[str, Any]:
    return {
        "event_id": new.event_id,
        "at": new.at,
        "status_code": new.status_code,
        "postal_event": new.postal_event,
        "note": new.note,
        "tracking_number": new.tracking_number,
        "fee_vnd": new.fee_vnd,
    }


def _brief(new: NewEvent) -> str:
    what = f"status {new.status_code}" if new.status_code is not None else f"postal {new.postal_event}"
    return f"{new.event_id}: {what} at {new.at.isoformat()}" + (
        f" {new.tracking_number}" if new.tracking_number else ""
    )


def _refresh_status(session: Session, dossier: Dossier) -> None:
    """The current status is the latest status event by event time (ties: the later arrival)."""
    latest = session.exec(
        select(DossierEvent)
        .where(DossierEvent.dossier_id == dossier.id, col(DossierEvent.status_code).is_not(None))
        .order_by(col(DossierEvent.at).desc(), col(DossierEvent.id).desc())
        .limit(1)
    ).first()
    dossier.status_code = latest.status_code if latest else None
    dossier.status_at = latest.at if latest else None
    dossier.updated_at = utcnow()
    session.add(dossier)
    session.flush()


def _notify_followers(session: Session, dossier: Dossier, new: NewEvent) -> None:
    followers = session.exec(
        select(DossierAccess.device_key).where(DossierAccess.dossier_id == dossier.id, col(DossierAccess.following))
    ).all()
    step = step_for(new.status_code, new.postal_event)
    if step is None or not followers:
        return

    def text() -> tuple[str, str]:
        title = _("Hồ sơ %(code)s: %(status)s") % {"code": dossier.code, "status": step.label()}
        return title, step.next_step()

    message = notify.Message(
        topic="dossiers",
        kind="dossier_status",
        tag=f"dossier:{dossier.code}",
        url=f"/dossiers/{dossier.code}",
        text=text,
    )
    notify.enqueue(session, message, followers)


def validate_postal_form(form: Mapping[str, str], tz: ZoneInfo, *, now: datetime | None = None) -> NewEvent:
    """A postal leg recorded at the counter; the hidden `event_id` makes a double tap harmless."""
    errors: dict[str, str] = {}
    if form.get("postal_event", "") not in POSTAL_EVENTS:
        errors["postal_event"] = _("Chọn việc vừa làm với hồ sơ.")
    if form.get("postal_event") == "sent_to_agency" and not form.get("tracking_number", "").strip():
        errors["tracking_number"] = _("Nhập số hiệu bưu gửi khi chuyển hồ sơ đi, ví dụ EB123456785VN.")
    data = {name: form.get(name) for name in ("postal_event", "tracking_number", "note")}
    data.update(id=form.get("event_id", ""), at=form.get("at") or (now or utcnow()).isoformat())
    try:
        new = validate(data, tz, now=now)
    except Invalid as exc:
        errors = {**exc.fields, **errors}
        errors.pop("status_code", None)
        raise Invalid(fields=errors) from exc
    if errors:
        raise Invalid(fields=errors)
    return new

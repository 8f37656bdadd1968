"""At the door: the courier records a collection (with the customer's handover code, or flagged without it)
or a failure with a reason from a fixed list, which the customer hears about at once.

The handover code is 4 digits: guessable in 10,000 tries, so five wrong codes
lock the code route for that booking. After that a courier cannot record the
collection at all; counter staff still can, and it is shown as made without
the code, which the customer may object to.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlmodel import Session

from pwa import audit
from pwa.db import Database
from pwa.errors import Invalid, Locked, NotFound
from pwa.i18n import gettext as _
from pwa.i18n import ngettext
from pwa.models import Pickup, utcnow
from pwa.pickups import actions, changes, lookup, transitions, validate, views
from pwa.settings import Settings

MAX_TRIES = 5
REASONS = ("not_home", "no_answer", "not_ready", "wrong_address", "postponed", "other")


class WrongCode(Invalid):
    """A handover code that does not match; says how many tries are left."""

    def __init__(self, left: int) -> None:
        message = ngettext(
            "Mã bàn giao không đúng. Còn %(num)d lần thử.", "Mã bàn giao không đúng. Còn %(num)d lần thử.", left
        ) % {"num": left}
        super().__init__(message, fields={"handover_code": message})


def locked() -> Locked:
    """The one answer once the code route is locked for a booking."""
    return Locked(
        _(
            "Đã nhập sai mã bàn giao %(n)d lần: đơn này bị khóa nhận bằng mã. "
            "Hãy báo bưu cục; nhân viên sẽ ghi nhận việc lấy hàng."
        )
        % {"n": MAX_TRIES}
    )


def is_locked(pickup: Pickup) -> bool:
    """True once the code route is locked for this booking."""
    return pickup.handover_tries >= MAX_TRIES


def collect(
    session: Session,
    settings: Settings,
    pickup: Pickup,
    *,
    parcels: Any,
    handover_code: Any,
    at: datetime | None,
    actor: str,
    role: str,
    now: datetime,
) -> None:
    """Record the parcels as collected, verified by the handover code or flagged without it.

    A wrong code raises WrongCode (Locked at the last try) after counting the try on
    the row: the caller commits that count (see `record`), so failing does not undo it.
    """
    transitions.check(pickup.status, "collected", role)
    if role == "courier" and is_locked(pickup):
        raise locked()
    # A JSON number, or digits typed in a form.
    count = parcels if type(parcels) is int else validate.whole_number(parcels, digits=3)
    if count is None or not 1 <= count <= pickup.parcels:
        raise Invalid(fields={"parcels": _("Số kiện đã lấy từ 1 đến %(n)d.") % {"n": pickup.parcels}})
    typed = handover_code.strip() if isinstance(handover_code, str) else handover_code
    if typed not in (None, ""):
        if is_locked(pickup):
            raise locked()
        if not isinstance(typed, str) or not secrets.compare_digest(typed.encode(), pickup.handover_code.encode()):
            pickup.handover_tries += 1
            session.add(pickup)
            if is_locked(pickup):
                raise locked()
            raise WrongCode(MAX_TRIES - pickup.handover_tries)
    verified = typed not in (None, "")
    pickup.collected_parcels, pickup.handover_verified = count, verified
    detail = f"{count} {'verified' if verified else 'unverified'}"
    note = actions.offline_note(at, now, settings)
    audit.record(session, actor=actor, action="pickup.collected", subject=f"pickup:{pickup.code}",
                 detail=" · ".join(filter(None, [detail, note])))  # fmt: skip
    changes.set_status(session, pickup, "collected", actor=actor, detail=detail, at=at)


def fail(
    session: Session,
    settings: Settings,
    pickup: Pickup,
    *,
    data: dict[str, Any],
    at: datetime | None,
    actor: str,
    role: str,
    now: datetime,
) -> None:
    """Record a failed collection with its reason; the customer is told at once, with reschedule and objection."""
    transitions.check(pickup.status, "failed", role)
    errors: dict[str, str] = {}
    reason = data.get("reason")
    if reason not in REASONS:
        errors["reason"] = _("Chọn một lý do trong danh sách.")
    note = validate.check_text(data.get("note"), "note", required=False, errors=errors)
    called_at = None
    try:
        called_at = actions.moment(data.get("called_at"), settings, "called_at", now)
    except Invalid as exc:
        errors.update(exc.fields)
    # The courier's own report says it all; counter staff write down what a courier told them on the phone.
    if role == "courier" and reason == "no_answer" and called_at is None and "called_at" not in errors:
        errors["called_at"] = _("Ghi giờ đã gọi cho khách.")
    if role == "courier" and reason == "other" and not note and "note" not in errors:
        errors["note"] = _("Ghi rõ lý do.")
    if errors:
        raise Invalid(fields=errors)
    pickup.failure_reason, pickup.failure_note, pickup.called_at = str(reason), note, called_at
    offline = actions.offline_note(at, now, settings)
    audit.record(session, actor=actor, action="pickup.failed", subject=f"pickup:{pickup.code}",
                 detail=" · ".join(filter(None, [str(reason), note, offline])))  # fmt: skip
    changes.set_status(session, pickup, "failed", actor=actor, detail=str(reason), at=at)


def record(
    database: Database,
    settings: Settings,
    *,
    code: str,
    action: str,
    data: dict[str, Any],
    key: str | None,
    actor: str,
    role: str,
) -> views.Booking:
    """A courier's `collect` or `fail`, applied once per Idempotency-Key; the booking after it.

    Sent again with the same key and body (a phone back in signal), the booking
    is returned as it stands and nothing changes.
    """
    if action not in ("collect", "fail"):
        raise NotFound()
    key = actions.clean_key(key)
    wrong: Invalid | Locked | None = None
    with database.write() as session:
        pickup = lookup.get(session, code, lock=True)
        if pickup is None:
            raise NotFound()
        now = utcnow()
        fingerprint = actions.digest(action, data)
        if not actions.seen(session, key, pickup, action, fingerprint):
            at = actions.moment(data.get("at"), settings, "at", now)
            try:
                if action == "collect":
                    code_typed, parcels = data.get("handover_code"), data.get("parcels")
                    collect(session, settings, pickup, parcels=parcels, handover_code=code_typed, at=at,
                            actor=actor, role=role, now=now)  # fmt: skip
                else:
                    fail(session, settings, pickup, data=data, at=at, actor=actor, role=role, now=now)
            except (WrongCode, Locked) as exc:
                wrong = exc
            else:
                actions.remember(session, key, pickup, action, fingerprint, actor)
        made = views.view(session, pickup, settings)
    if wrong is not None:  # the try is counted (committed above), the collection is not recorded
        raise wrong
    return made

""" "That's not what happened": the customer's account of a failure or of a collection made without the code,
flagged to staff at once, and closed by staff with a note the customer sees on the timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select

from pwa import audit
from pwa.db import Database
from pwa.errors import Conflict, Invalid, NotFound
from pwa.i18n import gettext as _
from pwa.models import Pickup, PickupEvent, PickupObjection, utcnow
from pwa.pickups import actions, lookup, validate, views
from pwa.pickups.notices import tell
from pwa.settings import Settings

KINDS = ("was_home", "no_call", "not_handed_over", "other")
FOR_STATUS = {"failed": ("was_home", "no_call", "other"), "collected": ("not_handed_over", "other")}
MAX_TEXT = 500


def kind_text(kind: str) -> str:
    """What the customer says happened, in plain words."""
    words = {
        "was_home": _("Tôi có ở nhà"),
        "no_call": _("Bưu tá không gọi cho tôi"),
        "not_handed_over": _("Tôi chưa giao hàng cho bưu tá"),
        "other": _("Chuyện khác"),
    }
    return words.get(kind, kind)


def _text(raw: Any, errors: dict[str, str]) -> str:
    if raw is not None and not isinstance(raw, str):
        errors["text"] = _("Trường này phải là chữ.")
        return ""
    text = (raw or "").strip()
    if len(text) > MAX_TEXT:
        errors["text"] = _("Tối đa %(n)d ký tự (bạn đã nhập %(m)d).") % {"n": MAX_TEXT, "m": len(text)}
    elif validate.has_control(text, newlines=True):
        errors["text"] = _("Có ký tự điều khiển không hợp lệ; hãy gõ lại bằng bàn phím.")
    return text


def raise_objection(session: Session, settings: Settings, pickup: Pickup, *, data: dict[str, Any], actor: str) -> None:
    """Record the customer's objection to where the booking stands; 409 when there is nothing to object to."""
    made = views.view(session, pickup, settings)
    if not made.objectable:
        if made.open_objection is not None:
            raise Conflict(_("Bưu điện đang xem phản ánh trước của bạn về đơn này."))
        raise Conflict(_("Chỉ phản ánh được khi đơn lấy không thành công hoặc được ghi đã lấy mà không có mã."))
    errors: dict[str, str] = {}
    kind = data.get("kind")
    if kind not in FOR_STATUS[pickup.status]:
        errors["kind"] = _("Chọn điều đã xảy ra trong danh sách.")
    text = _text(data.get("text"), errors)
    if errors:
        raise Invalid(fields=errors)
    assert pickup.id is not None
    session.add(PickupObjection(pickup_id=pickup.id, about=pickup.status, kind=str(kind), text=text))
    session.add(PickupEvent(pickup_id=pickup.id, status="objection", detail=str(kind), actor=actor[:120]))
    audit.record(session, actor=actor, action="pickup.objection", subject=f"pickup:{pickup.code}",
                 detail=f"{kind}: {text}")  # fmt: skip


def object_by_phone(
    database: Database,
    settings: Settings,
    *,
    code: str,
    phone: str,
    client: str,
    data: dict[str, Any],
    key: str | None,
    actor: str,
) -> views.Booking:
    """The API's objection (code and phone open the booking), once per Idempotency-Key; the booking after it."""
    key = actions.clean_key(key)
    with lookup.matching(database, code=code, phone=phone, client=client) as (session, pickup):
        actions.once(session, key, pickup, "objection", data, actor,
                     lambda: raise_objection(session, settings, pickup, data=data, actor=actor))  # fmt: skip
        session.flush()
        return views.view(session, pickup, settings)


def count_open(session: Session) -> int:
    """How many objections wait for staff."""
    query = select(func.count()).select_from(PickupObjection).where(col(PickupObjection.closed_at).is_(None))
    return int(session.exec(query).one())


@dataclass(frozen=True)
class Open:
    """An objection waiting for staff, with its booking."""

    objection: views.Objection
    booking: views.Booking


def waiting(database: Database, settings: Settings) -> list[Open]:
    """Every open objection, oldest first: staff must answer each."""
    with database.read() as session:
        rows = session.exec(
            select(PickupObjection, Pickup)
            .join(Pickup, col(Pickup.id) == PickupObjection.pickup_id)
            .where(col(PickupObjection.closed_at).is_(None))
            .order_by(col(PickupObjection.created_at), col(PickupObjection.id))
            .limit(200)
        ).all()
        found = []
        for objection, pickup in rows:
            made = views.view(session, pickup, settings)
            found.append(Open(next(o for o in made.objections if o.id == objection.id), made))
        return found


def close(database: Database, settings: Settings, *, code: str, objection_id: int, note: Any, actor: str) -> None:
    """Close an objection with a note the customer reads on the timeline (and is told about)."""
    errors: dict[str, str] = {}
    text = _text(note, errors).strip()
    if not text and not errors:
        errors["text"] = _("Ghi kết quả xác minh cho khách.")
    if errors:
        raise Invalid(fields={f"outcome-{objection_id}": errors["text"]})
    with database.write() as session:
        pickup = lookup.get(session, code, lock=True)
        objection = session.get(PickupObjection, objection_id) if pickup is not None else None
        if pickup is None or objection is None or objection.pickup_id != pickup.id:
            raise NotFound()
        if objection.closed_at is not None:
            raise Conflict(_("Phản ánh này đã được trả lời."))
        objection.closed_at, objection.closed_by, objection.outcome = utcnow(), actor[:120], text
        session.add(objection)
        assert pickup.id is not None
        session.add(PickupEvent(pickup_id=pickup.id, status="objection_done", detail=text[:255], actor=actor[:120]))
        audit.record(session, actor=actor, action="pickup.objection_closed", subject=f"pickup:{pickup.code}",
                     detail=text)  # fmt: skip
        session.flush()
        tell(session, pickup, "objection_done")

"""What post office staff do with pickups: the day's list, couriers, collected or failed."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from pwa import audit
from pwa.errors import Conflict, Invalid, NotFound
from pwa.i18n import gettext as _
from pwa.models import Pickup
from pwa.pickups import changes, lookup, slots, validate, views
from pwa.settings import Settings

ACTIONS = ("assign", "collected", "failed", "cancel")


def day_list(
    session: Session, settings: Settings, *, day: date, shift: str | None = None, status: str | None = None
) -> list[views.Booking]:
    """One day's bookings, morning first, oldest booking first within a shift."""
    query = select(Pickup).where(Pickup.day == day)
    if shift:
        query = query.where(Pickup.shift == shift)
    if status:
        query = query.where(Pickup.status == status)
    query = query.order_by(col(Pickup.shift).desc(), col(Pickup.id))  # "morning" sorts after "afternoon"
    return [views.view(session, p, settings) for p in session.exec(query)]


def _check(action: str, data: dict[str, str], pickup: Pickup) -> dict[str, str]:
    errors: dict[str, str] = {}
    if action not in ACTIONS:
        errors["action"] = _("Thao tác không hợp lệ.")
    if pickup.status not in views.ACTIVE:
        raise Conflict(_("Đơn này đã kết thúc (%(status)s).") % {"status": pickup.status})
    if action == "assign":
        courier = validate.check_text(data.get("courier"), "name", required=True, errors=errors)
        if "name" in errors:
            errors["courier"] = _("Nhập tên bưu tá (tối đa 100 ký tự).")
            errors.pop("name")
        data["courier"] = courier
    if action == "collected":
        count = validate.whole_number(data.get("collected_parcels"), digits=3)
        if count is None or not 1 <= count <= pickup.parcels:
            errors["collected_parcels"] = _("Số kiện đã lấy từ 1 đến %(n)d.") % {"n": pickup.parcels}
    if action == "failed":
        reason = validate.check_text(data.get("reason"), "note", required=False, errors=errors)
        if not reason or "note" in errors:
            errors.pop("note", None)
            errors["reason"] = _("Ghi lý do không lấy được hàng (tối đa 255 ký tự).")
        data["reason"] = reason
    return errors


def change(session: Session, settings: Settings, *, code: str, action: str, data: dict[str, str], actor: str) -> None:
    """Apply a staff action to a booking; audited and told to its devices in the same transaction."""
    pickup = lookup.get(session, code, lock=True)
    if pickup is None:
        raise NotFound()
    errors = _check(action, data, pickup)
    if errors:
        raise Invalid(fields=errors)
    detail = ""
    if action == "assign":
        pickup.courier = detail = data["courier"]
        status = "assigned"
    elif action == "collected":
        pickup.collected_parcels = validate.whole_number(data["collected_parcels"], digits=3)
        detail, status = str(pickup.collected_parcels), "collected"
    elif action == "failed":
        pickup.failure_reason = detail = data["reason"]
        status = "failed"
    else:
        slots.give_back(session, pickup.slot_id)
        status = "cancelled"
    audit.record(session, actor=actor, action=f"pickup.{status}", subject=f"pickup:{pickup.code}", detail=detail)
    changes.set_status(session, pickup, status, actor=actor, detail=detail)

"""What post office staff do with pickups: the day's list, couriers, collected or failed, capacity and closed days."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, col, select

from pwa import audit
from pwa.db import Database
from pwa.errors import AppError, Conflict, Invalid, NotFound
from pwa.i18n import gettext as _
from pwa.models import Pickup
from pwa.pickups import changes, lookup, slots, validate, views
from pwa.settings import Settings

ACTIONS = ("assign", "collected", "failed", "cancel")
STATUSES = ("booked", "assigned", "collected", "failed", "cancelled")


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


def day_list_of(database: Database, settings: Settings, *, day: str | None, shift: str | None) -> list[views.Booking]:
    """One day's bookings for a day typed `YYYY-MM-DD` and, if given, one shift."""
    errors: dict[str, str] = {}
    on = validate.check_date(day, errors)
    if shift and shift not in slots.SHIFTS:
        errors["shift"] = _("Chọn ca sáng hoặc ca chiều.")
    if errors:
        raise Invalid(fields=errors)
    with database.read() as session:
        return day_list(session, settings, day=on, shift=shift or None)


def update(database: Database, settings: Settings, *, code: str, data: dict[str, str], actor: str) -> views.Booking:
    """Apply the staff action `data["action"]` to a booking; the booking after the change."""
    with database.write() as session:
        change(session, settings, code=code, action=data.get("action", ""), data=data, actor=actor)
        pickup = lookup.get(session, code)
        if pickup is None:
            raise NotFound()
        return views.view(session, pickup, settings)


@dataclass(frozen=True)
class DayPage:
    """The staff page of one day: its bookings (filtered), both shifts' capacity, and a holiday if it is one."""

    day: date
    shift: str
    status: str
    pickups: list[views.Booking]
    capacity: list[slots.Slot]
    closed: str | None
    errors: dict[str, str] = field(default_factory=dict)
    code: int = 200  # the HTTP status

    @property
    def previous(self) -> date:
        """The day before."""
        return self.day - timedelta(days=1)

    @property
    def next(self) -> date:
        """The day after."""
        return self.day + timedelta(days=1)


def day_page(
    database: Database,
    settings: Settings,
    *,
    query: dict[str, str],
    errors: dict[str, str] | None = None,
    code: int = 200,
) -> DayPage:
    """The day, shift and status chosen in `query`; a bad date shows today and says so (400)."""
    errors, problems = dict(errors or {}), dict[str, str]()
    day = validate.check_date(query.get("date") or slots.today(settings).isoformat(), problems)
    if problems:
        errors["f-date"], day = problems["date"], slots.today(settings)
        code = 400 if code == 200 else code
    shift = query.get("shift", "") if query.get("shift") in slots.SHIFTS else ""
    status = query.get("status", "") if query.get("status") in STATUSES else ""
    with database.read() as session:
        listed = day_list(session, settings, day=day, shift=shift or None, status=status or None)
        capacity = slots.of_day(session, settings, day)
        closed = slots.closed_days(session, settings, day, day).get(day)
    return DayPage(day, shift, status, listed, capacity, closed, errors, code)


def act(
    database: Database, settings: Settings, *, code: str, form: dict[str, str], query: dict[str, str], actor: str
) -> DayPage | None:
    """A staff action from the day page; None when done, else the page with the problem beside the booking."""
    try:
        with database.write() as session:
            change(session, settings, code=code, action=form.get("action", ""), data=form, actor=actor)
    except AppError as exc:
        errors = {f"{code}-{k}": v for k, v in exc.fields.items()} or {f"{code}-action": exc.message}
        return day_page(database, settings, query=query, errors=errors, code=exc.status)
    return None


def plan(
    database: Database, settings: Settings, *, form: dict[str, str], query: dict[str, str], actor: str
) -> date | DayPage:
    """Set a shift's capacity (`what=capacity`) or close or open a day (`what=closed`); the day, else the page."""
    errors: dict[str, str] = {}
    on = validate.check_date(form.get("day", ""), errors)
    try:
        if errors:
            raise Invalid(fields=errors)
        with database.write() as session:
            _plan(session, settings, on, form, actor)
    except Invalid as exc:
        return day_page(database, settings, query=query, errors=exc.fields, code=422)
    return on


def _plan(session: Session, settings: Settings, on: date, form: dict[str, str], actor: str) -> None:
    if form.get("what") == "closed":
        closed, reason = form.get("closed") == "1", form.get("reason", "")
        slots.set_closed(session, settings, day=on, closed=closed, reason=reason, actor=actor)
        return
    capacity = validate.whole_number(form.get("capacity"), digits=4)
    if capacity is None:
        raise Invalid(fields={"capacity": _("Nhập số lượt từ 0 đến 1000.")})
    slots.set_capacity(session, settings, day=on, shift=form.get("shift", ""), capacity=capacity, actor=actor)

"""What post office staff do with pickups: the day's list, couriers, collected or failed, capacity and closed days."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, col, select

from pwa import accounts, audit
from pwa.db import Database
from pwa.errors import AppError, Invalid, NotFound
from pwa.i18n import gettext as _
from pwa.models import Pickup, utcnow
from pwa.pickups import changes, customer, handover, lookup, objections, slots, transitions, validate, views
from pwa.settings import Settings

ACTIONS = ("assign", "collected", "failed", "cancel", "reschedule")
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


def _assign(session: Session, pickup: Pickup, data: dict[str, str], role: str, actor: str) -> None:
    courier = (data.get("courier") or "").strip().lower()
    if courier not in accounts.couriers(session):
        raise Invalid(fields={"courier": _("Chọn bưu tá trong danh sách tài khoản.")})
    transitions.check(pickup.status, "assigned", role)
    pickup.courier = courier
    audit.record(session, actor=actor, action="pickup.assigned", subject=f"pickup:{pickup.code}", detail=courier)
    changes.set_status(session, pickup, "assigned", actor=actor, detail=courier)


def change(
    session: Session,
    settings: Settings,
    *,
    code: str,
    action: str,
    data: dict[str, str],
    actor: str,
    role: str = "staff",
) -> None:
    """Apply a staff action to a booking; audited and told to its devices in the same transaction.

    `assign` a courier, record it `collected` (with the customer's handover code if
    they give it, else flagged) or `failed` (a reason from the list), `cancel` it
    (the customer may then reschedule), or `reschedule` it (to `slot`, or the nearest free shift).
    """
    if action not in ACTIONS:
        raise Invalid(fields={"action": _("Thao tác không hợp lệ.")})
    pickup = lookup.get(session, code, lock=True)
    if pickup is None:
        raise NotFound()
    now = utcnow()
    if action == "assign":
        _assign(session, pickup, data, role, actor)
    elif action == "collected":
        parcels = data.get("collected_parcels", data.get("parcels"))
        handover.collect(session, settings, pickup, parcels=parcels, handover_code=data.get("handover_code"),
                         at=None, actor=actor, role=role, now=now)  # fmt: skip
    elif action == "failed":
        handover.fail(session, settings, pickup, data=dict(data), at=None, actor=actor, role=role, now=now)
    elif action == "reschedule":
        to = customer.slot_of(data.get("slot", ""))
        changes.reschedule(session, settings, pickup, to=to, actor=actor, role=role, now=now)
    else:
        changes.cancel(session, settings, pickup, actor=actor, role=role, now=now)


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


def update(
    database: Database, settings: Settings, *, code: str, data: dict[str, str], actor: str, role: str = "staff"
) -> views.Booking:
    """Apply the staff action `data["action"]` to a booking; the booking after the change."""
    with database.write() as session:
        change(session, settings, code=code, action=data.get("action", ""), data=data, actor=actor, role=role)
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
    couriers: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)  # what was typed into a refused action, by "<code>-<field>"
    objections: int = 0  # open objections on any day
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
    values: dict[str, str] | None = None,
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
        couriers, waiting = accounts.couriers(session), objections.count_open(session)
    return DayPage(day, shift, status, listed, capacity, closed, couriers, dict(values or {}), waiting, errors, code)


def act(
    database: Database,
    settings: Settings,
    *,
    code: str,
    form: dict[str, str],
    query: dict[str, str],
    actor: str,
    role: str = "staff",
) -> DayPage | None:
    """A staff action from the day page; None when done, else the page with the problem beside the booking."""
    try:
        with database.write() as session:
            change(session, settings, code=code, action=form.get("action", ""), data=form, actor=actor, role=role)
    except AppError as exc:
        errors = {f"{code}-{k}": v for k, v in exc.fields.items()} or {f"{code}-action": exc.message}
        typed = {f"{code}-{k}": v for k, v in form.items()}  # shown again beside the booking
        return day_page(database, settings, query=query, errors=errors, code=exc.status, values=typed)
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

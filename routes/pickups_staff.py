"""The staff page of pickups: the day's list per shift, couriers, collected or failed, capacity, closed days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pwa import phones
from pwa.errors import AppError, Invalid
from pwa.pickups import slots, staff, validate
from pwa.pickups.notices import service_text, shift_text, status_text
from routes._web import db, redirect, render, settings_of, staff_required

STATUSES = ("booked", "assigned", "collected", "failed", "cancelled")


def _filters(request: Request, errors: dict[str, str]) -> dict[str, Any]:
    """The chosen day, shift and status; a bad date shows today and says so in `errors`."""
    settings, problems = settings_of(request), dict[str, str]()
    raw = request.query_params.get("date") or slots.today(settings).isoformat()
    day = validate.check_date(raw, problems)
    if problems:
        errors["f-date"] = problems["date"]
    shift = request.query_params.get("shift") if request.query_params.get("shift") in slots.SHIFTS else ""
    status = request.query_params.get("status") if request.query_params.get("status") in STATUSES else ""
    return {"day": slots.today(settings) if problems else day, "shift": shift, "status": status}


async def day(request: Request, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    """The day's pickups, morning then afternoon, with the shifts' capacity."""
    errors = dict(errors or {})
    database, settings, chosen = db(request), settings_of(request), _filters(request, errors)
    if "f-date" in errors and status == 200:
        status = 400

    def load(session: Session) -> dict[str, Any]:
        listed = staff.day_list(session, settings, day=chosen["day"], shift=chosen["shift"] or None,
                                status=chosen["status"] or None)  # fmt: skip
        capacity = slots.of_day(session, settings, chosen["day"])
        closed = slots.closed_days(session, settings, chosen["day"], chosen["day"])
        return {"pickups": listed, "capacity": capacity, "closed": closed.get(chosen["day"])}

    context = {
        **(await database.reading(load)),
        **chosen,
        "statuses": STATUSES,
        "previous": chosen["day"] - timedelta(days=1),
        "next": chosen["day"] + timedelta(days=1),
        "errors": errors,
        "phone_display": phones.display,
        "status_text": status_text,
        "shift_text": shift_text,
        "service_text": service_text,
    }
    return render(request, "pickups/staff.html", context, status=status, block="content")


@staff_required()
async def show_day(request: Request) -> Response:
    """GET /staff/pickups."""
    return await day(request)


def _back(request: Request) -> str:
    return f"/staff/pickups?{request.url.query}" if request.url.query else "/staff/pickups"


@staff_required()
async def act(request: Request) -> Response:
    """Assign a courier, mark collected or failed, or cancel: audited, told to the customer."""
    form = await request.form()
    data = {k: str(v)[:300] for k, v in form.items() if k != "csrf_token"}
    database, settings = db(request), settings_of(request)
    code, actor = request.path_params["code"], f"staff:{request.state.staff.username}"
    action = data.get("action", "")
    try:
        await database.writing(staff.change, settings, code=code, action=action, data=data, actor=actor)
    except AppError as exc:
        errors = {f"{code}-{k}": v for k, v in exc.fields.items()} or {f"{code}-action": exc.message}
        return await day(request, errors, exc.status)
    return redirect(_back(request), request=request)


@staff_required()
async def plan(request: Request) -> Response:
    """Set a shift's capacity, or close or open a day."""
    form = await request.form()
    database, settings = db(request), settings_of(request)
    actor = f"staff:{request.state.staff.username}"
    errors: dict[str, str] = {}
    on = validate.check_date(str(form.get("day", "")), errors)
    if errors:
        return await day(request, errors, 422)

    def apply(session: Session) -> None:
        if form.get("what") == "closed":
            slots.set_closed(session, settings, day=on, closed=form.get("closed") == "1",
                             reason=str(form.get("reason", "")), actor=actor)  # fmt: skip
            return
        capacity = validate.whole_number(form.get("capacity"), digits=4)
        if capacity is None:
            raise Invalid(fields={"capacity": validate_capacity_message()})
        slots.set_capacity(session, settings, day=on, shift=str(form.get("shift", "")), capacity=capacity, actor=actor)

    try:
        await database.writing(apply)
    except Invalid as exc:
        return await day(request, exc.fields, 422)
    return redirect(f"/staff/pickups?date={on.isoformat()}", request=request)


def validate_capacity_message() -> str:
    """The message for a capacity that is not a whole number."""
    from pwa.i18n import gettext as _

    return _("Nhập số lượt từ 0 đến 1000.")


routes = [
    Route("/staff/pickups", show_day, methods=["GET"]),
    Route("/staff/pickups/plan", plan, methods=["POST"]),
    Route("/staff/pickups/{code}", act, methods=["POST"]),
]

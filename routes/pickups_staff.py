"""The staff page of pickups: the day's list per shift, couriers, collected or failed, capacity, closed days."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pwa import phones
from pwa.errors import Invalid
from pwa.pickups import handover, objections, staff
from pwa.pickups.notices import failure_text, reason_text, service_text, shift_text, status_text
from routes._web import actor, call, db, form_of, redirect, render, settings_of, staff_required


def _render(request: Request, page: staff.DayPage) -> Response:
    context = {
        "pickups": page.pickups,
        "capacity": page.capacity,
        "closed": page.closed,
        "day": page.day,
        "shift": page.shift,
        "status": page.status,
        "statuses": staff.STATUSES,
        "previous": page.previous,
        "next": page.next,
        "errors": page.errors,
        "couriers": page.couriers,
        "values": page.values,
        "objections": page.objections,
        "reasons": handover.REASONS,
        "reason_text": reason_text,
        "objection_text": objections.kind_text,
        "failure_text": lambda b: failure_text(b, settings_of(request).tz),
        "phone_display": phones.display,
        "status_text": status_text,
        "shift_text": shift_text,
        "service_text": service_text,
    }
    return render(request, "pickups/staff.html", context, status=page.code, block="content")


def _values(form: FormData) -> dict[str, str]:
    return {k: str(v)[:300] for k, v in form.items() if k != "csrf_token"}


@staff_required()
async def show_day(request: Request) -> Response:
    """The day's pickups, morning then afternoon, with the shifts' capacity."""
    query = dict(request.query_params)
    return _render(request, await call(staff.day_page, db(request), settings_of(request), query=query))


def _back(request: Request) -> str:
    return f"/staff/pickups?{request.url.query}" if request.url.query else "/staff/pickups"


@staff_required()
async def act(request: Request) -> Response:
    """Assign a courier, mark collected or failed, or cancel: audited, told to the customer."""
    form, query = _values(await form_of(request)), dict(request.query_params)
    refused = await call(staff.act, db(request), settings_of(request), code=request.path_params["code"], form=form,
                         query=query, actor=actor(request), role=request.state.staff.role)  # fmt: skip
    return _render(request, refused) if refused else redirect(_back(request), request=request)


@staff_required()
async def plan(request: Request) -> Response:
    """Set a shift's capacity, or close or open a day."""
    form, query = _values(await form_of(request)), dict(request.query_params)
    done = await call(staff.plan, db(request), settings_of(request), form=form, query=query, actor=actor(request))
    if isinstance(done, staff.DayPage):
        return _render(request, done)
    return redirect(f"/staff/pickups?date={done.isoformat()}", request=request)


@staff_required()
async def waiting(request: Request) -> Response:
    """Open objections, oldest first: each must be closed with a note the customer reads."""
    return _objections(request, await call(objections.waiting, db(request), settings_of(request)))


def _objections(request: Request, listed: list[objections.Open], errors: dict[str, str] | None = None,
                values: dict[str, str] | None = None, status: int = 200) -> Response:  # fmt: skip
    context = {
        "listed": listed,
        "errors": errors or {},
        "values": values or {},
        "objection_text": objections.kind_text,
        "status_text": status_text,
        "shift_text": shift_text,
        "failure_text": lambda b: failure_text(b, settings_of(request).tz),
        "phone_display": phones.display,
    }
    return render(request, "pickups/staff_objections.html", context, status=status, block="content")


@staff_required()
async def close(request: Request) -> Response:
    """Close an objection with the outcome of the check; the customer is told."""
    form, objection_id = await form_of(request), request.path_params["objection_id"]
    note = str(form.get("outcome", ""))[:2000]
    try:
        await call(objections.close, db(request), settings_of(request), code=request.path_params["code"],
                   objection_id=objection_id, note=note, actor=actor(request))  # fmt: skip
    except Invalid as exc:
        listed = await call(objections.waiting, db(request), settings_of(request))
        return _objections(request, listed, exc.fields, {f"outcome-{objection_id}": note}, status=exc.status)
    return redirect("/staff/pickups/objections", request=request)


routes = [
    Route("/staff/pickups/objections", waiting, methods=["GET"]),
    Route("/staff/pickups/{code}/objections/{objection_id:int}", close, methods=["POST"]),
    Route("/staff/pickups", show_day, methods=["GET"]),
    Route("/staff/pickups/plan", plan, methods=["POST"]),
    Route("/staff/pickups/{code}", act, methods=["POST"]),
]

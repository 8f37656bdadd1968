"""Staff pages for places: list, add and edit a place, plan or cancel its payment days (phone-sized)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pwa.errors import AppError
from pwa.offices import directory, places, staff
from routes._web import actor, call, db, form_of, redirect, render, settings_of, staff_required

DAY_FIELDS = ("kind", "date", "opens", "closes")


def _choices() -> dict[str, Any]:
    return {
        "kinds": [(k, places.kind_label(k)) for k in places.KINDS],
        "payment_kinds": [(k, places.payment_label(k)) for k in places.PAYMENT_KINDS],
        "services": [(k, places.service_label(k)) for k in places.SERVICES],
    }


def _form_values(form: Any) -> dict[str, str]:
    values = {name: str(form.get(name, ""))[:500] for name in places.OFFICE_FIELDS}
    values["services"] = ";".join(str(v) for v in form.getlist("services"))[:500]
    return values


def _page(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    context = {"errors": {}, "day_errors": {}, "day": {}, "saved": request.query_params.get("saved", ""), **context}
    return render(request, "offices/staff_edit.html", {**_choices(), **context}, status=status)


@staff_required()
async def index(request: Request) -> Response:
    """Every place, searchable, with a link to edit each."""
    q = request.query_params.get("q", "")[:100]
    listing = await call(directory.find, db(request), settings_of(request), q=q)
    return render(request, "offices/staff_list.html", {"listing": listing})


@staff_required()
async def new(request: Request) -> Response:
    """An empty place form."""
    return _page(request, {"code": None, "values": {"kind": "commune_post_office"}, "payments": None})


@staff_required()
async def create(request: Request) -> Response:
    """Add a place."""
    values = _form_values(await form_of(request))
    try:
        code = await call(staff.save_office, db(request), settings_of(request), values, actor=actor(request))
    except AppError as exc:
        if not exc.fields:  # nothing to show beside a field (the database out of reach, a place gone): its own page
            raise
        return _page(request, {"code": None, "values": values, "payments": None, "errors": exc.fields}, exc.status)
    return redirect(f"/staff/offices/{code}?saved=office", request=request)


@staff_required()
async def edit(request: Request) -> Response:
    """A place's form and its coming payment days."""
    found = await call(staff.editing, db(request), settings_of(request), code=request.path_params["code"])
    return _page(request, {"code": found.code, "values": found.values, "payments": found.payments})


@staff_required()
async def update(request: Request) -> Response:
    """Save a place's changes (its code stays)."""
    code, values = request.path_params["code"].upper(), _form_values(await form_of(request))
    try:
        await call(staff.save_office, db(request), settings_of(request), values, actor=actor(request), code=code)
    except AppError as exc:
        if not exc.fields:  # nothing to show beside a field (the database out of reach, a place gone): its own page
            raise
        return _page(request, {"code": code, "values": values, "payments": None, "errors": exc.fields}, exc.status)
    return redirect(f"/staff/offices/{code}?saved=office", request=request)


@staff_required()
async def plan_day(request: Request) -> Response:
    """Add or change a payment day of the place."""
    code, form = request.path_params["code"].upper(), await form_of(request)
    day = {name: str(form.get(name, ""))[:20] for name in DAY_FIELDS}
    try:
        await call(
            staff.save_payment_day,
            db(request),
            settings_of(request),
            {**day, "office_code": code},
            actor=actor(request),
        )
    except AppError as exc:
        if not exc.fields:
            raise
        context = {"code": code, "values": None, "payments": None, "day": day, "day_errors": exc.fields}
        return _page(request, context, exc.status)
    return redirect(f"/staff/offices/{code}?saved=day#days", request=request)


@staff_required()
async def cancel_day(request: Request) -> Response:
    """Cancel a payment day of the place."""
    code, form = request.path_params["code"].upper(), await form_of(request)
    day, kind = str(form.get("date", ""))[:20], str(form.get("kind", ""))[:12]
    await call(
        staff.remove_payment_day, db(request), settings_of(request), code=code, kind=kind, day=day, actor=actor(request)
    )
    return redirect(f"/staff/offices/{code}?saved=removed#days", request=request)


routes = [
    Route("/staff/offices", index, methods=["GET"], name="staff_offices"),
    Route("/staff/offices/new", new, methods=["GET"]),
    Route("/staff/offices/new", create, methods=["POST"]),
    Route("/staff/offices/{code}", edit, methods=["GET"]),
    Route("/staff/offices/{code}", update, methods=["POST"]),
    Route("/staff/offices/{code}/payment-days", plan_day, methods=["POST"]),
    Route("/staff/offices/{code}/payment-days/remove", cancel_day, methods=["POST"]),
]

"""Pickup pages for customers: book, live quote, confirmation and timeline, my pickups, change and cancel."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pwa import phones
from pwa.errors import AppError
from pwa.pickups import booking_form, customer, fields, objections, quotes
from pwa.pickups.notices import failure_text, reason_text, service_text, shift_text, status_text
from routes._pages import hole
from routes._web import (
    actor,
    call,
    client_address,
    db,
    device_key,
    form_of,
    is_htmx,
    qr_svg,
    redirect,
    render,
    settings_of,
)

WORDS = {
    "status_text": status_text,
    "shift_text": shift_text,
    "service_text": service_text,
    "reason_text": reason_text,
    "objection_text": objections.kind_text,
}


def _form(request: Request, form: booking_form.Form) -> Response:
    context = {
        "section": "pickups",
        "values": form.values,
        "errors": form.errors,
        "days": form.days,
        "communes": form.communes,
        "provinces": form.provinces,
        "quote": form.quote,
        "idempotency_key": form.values["idempotency_key"],
        "queue_types": fields.queue_types(),
        **WORDS,
        **form.notices,
    }
    if form.blank:  # the same page for every visitor until the shifts change: made once, its key filled in
        holes = {"idempotency_key": form.values["idempotency_key"]}
        context["idempotency_key"] = hole("idempotency_key")
        return render(request, "pickups/new.html", context, block="content", cache_key=("blank",),
                      version=form.version, holes=holes)  # fmt: skip
    return render(request, "pickups/new.html", context, status=form.status, block="content", headers=form.headers)


async def new(request: Request) -> Response:
    """The booking form (prefilled from a failed booking when `again` names one this device owns)."""
    again = request.query_params.get("again") or None
    settings, device = settings_of(request), device_key(request)
    return _form(request, await call(booking_form.show, db(request), settings, again=again, device=device))


async def create(request: Request) -> Response:
    """Book from the form; on a problem show the form again with everything typed kept."""
    form = await form_of(request)
    keys = (*fields.KEYS, "old_address", "idempotency_key")
    values: dict[str, Any] = {name: str(form.get(name, ""))[:2000] for name in keys}
    if form.get("action") == "convert":  # the old-address button, not the booking one
        return _form(request, await call(booking_form.convert, db(request), settings_of(request), values))
    made = await call(booking_form.book, db(request), settings_of(request), values,
                      device=device_key(request), client=client_address(request))  # fmt: skip
    if isinstance(made, booking_form.Form):
        return _form(request, made)
    return redirect(f"/pickups/{made}", request=request)


async def quote(request: Request) -> Response:
    """The live price quote (an htmx fragment of the form page)."""
    if not is_htmx(request):
        return redirect("/pickups/new")
    values = dict(request.query_params)
    return render(
        request,
        "pickups/new.html",
        {"quote": quotes.live_quote(settings_of(request), values), "values": values},
        block="quote",
    )


async def show(request: Request) -> Response:
    """Confirmation and status timeline: safe to reload, share and open later."""
    code, device = request.path_params["code"], device_key(request)
    return _detail(request, await call(customer.show, db(request), settings_of(request), code=code, device=device))


def _detail(request: Request, page: customer.Detail, values: dict[str, str] | None = None) -> Response:
    made, settings = page.booking, settings_of(request)
    context = {
        "section": "pickups",
        "b": made,
        "manage": page.manage,
        "changeable": page.changeable,
        "qr": qr_svg(settings.base_url + page.qr_path),
        "failure_text": lambda b: failure_text(b, settings.tz),
        "objection_kinds": objections.FOR_STATUS.get(made.status, ()),
        "values": values or {},
        "phone_masked": phones.masked(made.phone),
        "shown_name": page.shown_name,
        "free": page.free,
        "errors": page.errors,
        **WORDS,
    }
    if page.problem:
        context["problem"] = page.problem
    return render(request, "pickups/show.html", context, status=page.status, block="content")


async def cancel(request: Request) -> Response:
    """Cancel from the booking's page (this device's bookings only)."""
    code = request.path_params["code"]
    refused = await call(customer.cancel, db(request), settings_of(request), code=code,
                         device=device_key(request), actor=actor(request))  # fmt: skip
    return _detail(request, refused) if refused else redirect(f"/pickups/{code}", request=request)


async def move(request: Request) -> Response:
    """Move to another shift with room."""
    code, form = request.path_params["code"], await form_of(request)
    refused = await call(customer.move, db(request), settings_of(request), code=code, device=device_key(request),
                         slot=str(form.get("slot", "")), actor=actor(request))  # fmt: skip
    return _detail(request, refused) if refused else redirect(f"/pickups/{code}", request=request)


async def objection(request: Request) -> Response:
    """ "That's not what happened", from the booking's page (this device's bookings only)."""
    code, form = request.path_params["code"], await form_of(request)
    values = {name: str(form.get(name, ""))[:2000] for name in ("kind", "text")}
    refused = await call(customer.object_on_device, db(request), settings_of(request), code=code,
                         device=device_key(request), data=values, actor=actor(request))  # fmt: skip
    return _detail(request, refused, values) if refused else redirect(f"/pickups/{code}", request=request)


async def mine(request: Request) -> Response:
    """My pickups: booked on this phone, or found with code and phone number."""
    bookings = await call(customer.mine, db(request), settings_of(request), device=device_key(request))
    context = {"section": "pickups", "bookings": bookings, "values": {}, "errors": {}, **WORDS}
    return render(request, "pickups/mine.html", context)


async def find(request: Request) -> Response:
    """Find a booking by code and phone, and remember it on this device."""
    form = await form_of(request)
    code, phone = str(form.get("code", ""))[:40], str(form.get("phone", ""))[:40]
    try:
        found = await call(customer.find, db(request), code=code, phone=phone, client=client_address(request),
                           device=device_key(request))  # fmt: skip
    except AppError as exc:
        if exc.status not in (404, 429):
            raise
        context = {"section": "pickups", "bookings": [], "values": {"code": code, "phone": phone},
                   "errors": {"code": exc.message}, **WORDS}  # fmt: skip
        return render(request, "pickups/mine.html", context, status=exc.status, block="content", headers=exc.headers)
    return redirect(f"/pickups/{found}", request=request)


routes = [
    Route("/pickups", mine, methods=["GET"]),
    Route("/pickups/new", new, methods=["GET"]),
    Route("/pickups/new", create, methods=["POST"]),
    Route("/pickups/quote", quote, methods=["GET"]),
    Route("/pickups/find", find, methods=["POST"]),
    Route("/pickups/{code}", show, methods=["GET"]),
    Route("/pickups/{code}/cancel", cancel, methods=["POST"]),
    Route("/pickups/{code}/move", move, methods=["POST"]),
    Route("/pickups/{code}/objection", objection, methods=["POST"]),
]

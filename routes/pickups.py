"""Pickup pages for customers: book, live quote, confirmation and timeline, my pickups, change and cancel."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

import segno
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from vietnam_provinces import Province

from pwa import admin_units, phones
from pwa.errors import AppError, Invalid, NotFound, RateLimited
from pwa.i18n import gettext as _
from pwa.models import Pickup
from pwa.pickups import address, booking, changes, lookup, quotes, slots, validate, views
from pwa.pickups.notices import service_text, shift_text, status_text
from pwa.pickups.views import Booking
from routes._web import client_address, db, device_key, is_htmx, redirect, render, settings_of

FIELDS = ("name", "phone", "ward_code", "street", "date", "shift", "parcels", "weight_kg", "longest_cm", "service",
          "destination_province", "cod_vnd", "declared_value_vnd", "note")  # fmt: skip
WORDS = {"status_text": status_text, "shift_text": shift_text, "service_text": service_text}


def _days(found: list[slots.Slot]) -> list[tuple[date, dict[str, slots.Slot]]]:
    days: dict[date, dict[str, slots.Slot]] = {}
    for slot in found:
        days.setdefault(slot.day, {})[slot.shift] = slot
    return list(days.items())


async def _page(
    request: Request,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    settings = settings_of(request)
    open_slots = await db(request).reading(slots.listing, settings)
    free = [s for s in open_slots if s.remaining > 0]
    if free and not values.get("date"):
        values = {**values, "date": free[0].day.isoformat(), "shift": free[0].shift}
    context = {
        "section": "pickups",
        "values": values,
        "errors": errors or {},
        "days": _days(open_slots),
        "communes": admin_units.communes(settings.province_code),
        "provinces": [(int(p.code), p.name) for p in Province.iter_all()],
        "quote": quotes.live_quote(settings_of(request), values),
        "idempotency_key": values.get("idempotency_key") or secrets.token_urlsafe(18),
        **WORDS,
        **extra,
    }
    return render(request, "pickups/new.html", context, status=status, block="content", headers=headers)


async def new(request: Request) -> Response:
    """The booking form (prefilled from a failed booking when `again` names one this device owns)."""
    values: dict[str, Any] = {
        "parcels": "1",
        "service": "economy",
        "destination_province": settings_of(request).province_code,
    }
    again = request.query_params.get("again")
    if again:
        values.update(await _prefill(request, again))
    return await _page(request, values)


async def _prefill(request: Request, code: str) -> dict[str, Any]:
    database, settings, device = db(request), settings_of(request), device_key(request)

    def load(session: Session) -> Booking | None:
        pickup = lookup.get(session, code)
        if pickup is None or not lookup.may_manage(session, pickup, device):
            return None
        return views.view(session, pickup, settings)

    old = await database.reading(load)
    if old is None:
        return {}
    keep = ("name", "street", "ward_code", "parcels", "longest_cm", "service", "destination_province", "note")
    values = {k: getattr(old, k) for k in keep}
    return {**values, "phone": phones.display(old.phone), "weight_kg": f"{old.weight_g / 1000:g}".replace(".", ","),
            "cod_vnd": old.cod_vnd or "", "declared_value_vnd": old.declared_value_vnd or ""}  # fmt: skip


async def create(request: Request) -> Response:
    """Book from the form; on a problem show the form again with everything typed kept."""
    form = await request.form()
    values: dict[str, Any] = {
        name: str(form.get(name, ""))[:2000] for name in (*FIELDS, "old_address", "idempotency_key")
    }
    if form.get("action") == "convert":
        return await _convert(request, values)
    database, settings, device = db(request), settings_of(request), device_key(request)
    try:
        made, _created = await database.run(
            booking.submit,
            database,
            settings,
            values,
            device_key=device,
            idempotency_key=values["idempotency_key"],
            client=client_address(request),
        )
    except RateLimited as exc:
        return await _page(request, values, status=429, headers=exc.headers, problem=exc.message)
    except slots.SlotFull as exc:
        return await _page(request, values, exc.fields, 409, full=exc.message, alternatives=exc.slots)
    except booking.KeyReused as exc:  # Back after booking, then edited: offer this form as a new booking
        fresh = {**values, "idempotency_key": ""}
        return await _page(request, fresh, status=409, already_booked=True, earlier=exc.booking_code)
    except Invalid as exc:
        return await _page(request, values, exc.fields, 422)
    return redirect(f"/pickups/{made.code}", request=request)


async def _convert(request: Request, values: dict[str, Any]) -> Response:
    found = address.suggest(values.get("old_address", ""), settings_of(request).province_code)
    if found is None:
        return await _page(request, values, {"old_address": _no_match()}, 422)
    values.update(ward_code=str(found.ward_code), street=values.get("street") or found.street)
    return await _page(request, values, suggestion=found)


def _no_match() -> str:
    return _("Không nhận ra địa chỉ này. Hãy chọn xã/phường trong danh sách.")


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


def qr_svg(code: str, settings_base: str) -> str:
    """The booking's QR code (its page's address) as an inline SVG; the page gives the code as text too."""
    qr = segno.make(f"{settings_base}/pickups/{code}", error="m")
    return str(qr.svg_inline(scale=5, dark="#000", light="#fff", omitsize=False))


async def show(request: Request) -> Response:
    """Confirmation and status timeline: safe to reload, share and open later."""
    database, settings, device = db(request), settings_of(request), device_key(request)
    code = request.path_params["code"]

    def load(session: Session) -> tuple[Booking, bool]:
        pickup = lookup.get(session, code)
        if pickup is None:
            raise NotFound()
        return views.view(session, pickup, settings), lookup.may_manage(session, pickup, device)

    made, manage = await database.reading(load)
    return await _detail(request, made, manage)


async def _detail(
    request: Request, made: Booking, manage: bool, errors: dict[str, str] | None = None, status: int = 200, **extra: Any
) -> Response:
    settings = settings_of(request)
    free: list[slots.Slot] = []
    if manage and made.changeable():
        free = [s for s in await db(request).reading(slots.listing, settings) if s.remaining > 0]
    context = {
        "section": "pickups",
        "b": made,
        "manage": manage,
        "changeable": made.changeable(),
        "qr": qr_svg(made.code, settings.base_url),
        "phone_masked": phones.masked(made.phone),
        "shown_name": views.shown_name(made, manage=manage),
        "free": free,
        "errors": errors or {},
        **WORDS,
        **extra,
    }
    return render(request, "pickups/show.html", context, status=status, block="content")


async def _act(request: Request, action: str) -> Response:
    database, settings, device = db(request), settings_of(request), device_key(request)
    code, form = request.path_params["code"], await request.form()

    def apply(session: Session) -> None:
        pickup = lookup.for_change(session, code, device)
        if action == "cancel":
            changes.cancel(session, settings, pickup, actor="customer")
        else:
            errors: dict[str, str] = {}
            day_text, _sep, shift = str(form.get("slot", "")).partition("/")
            day = validate.check_date(day_text, errors)
            if errors:
                raise Invalid(fields=errors)
            changes.move(session, settings, pickup, day=day, shift=shift, actor="customer")

    try:
        await database.writing(apply)
    except AppError as exc:
        if isinstance(exc, NotFound):
            raise
        return await _reshow(request, code, exc)
    return redirect(f"/pickups/{code}", request=request)


async def _reshow(request: Request, code: str, exc: AppError) -> Response:
    settings = settings_of(request)

    def load(session: Session) -> Booking:
        pickup = lookup.get(session, code)
        assert pickup is not None
        return views.view(session, pickup, settings)

    errors = exc.fields or {"date": exc.message}
    return await _detail(request, await db(request).reading(load), True, errors, exc.status, problem=exc.message)


async def cancel(request: Request) -> Response:
    """Cancel from the booking's page (this device's bookings only)."""
    return await _act(request, "cancel")


async def move(request: Request) -> Response:
    """Move to another shift with room."""
    return await _act(request, "move")


async def mine(request: Request) -> Response:
    """My pickups: booked on this phone, or found with code and phone number."""
    bookings = await db(request).reading(lookup.mine, settings_of(request), device_key(request))
    context = {"section": "pickups", "bookings": bookings, "values": {}, "errors": {}, **WORDS}
    return render(request, "pickups/mine.html", context)


async def find(request: Request) -> Response:
    """Find a booking by code and phone, and remember it on this device."""
    form = await request.form()
    code, phone = str(form.get("code", ""))[:40], str(form.get("phone", ""))[:40]
    database, device = db(request), device_key(request)

    def remember(session: Session, pickup: Pickup) -> str:
        lookup.follow(session, pickup, device)
        return pickup.code

    try:
        found = await database.run(
            lookup.lookup, database, code=code, phone=phone, client=client_address(request), then=remember
        )
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
]

"""The pickups API: slots, booking, lookup and cancellation; staff calls with the `pickups` scope."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pwa.errors import Invalid, NotFound
from pwa.i18n import gettext as _
from pwa.models import Pickup
from pwa.pickups import booking, changes, lookup, slots, staff, validate, views
from pwa.pickups.views import Booking
from routes._web import client_address, db, known_device_key, settings_of
from routes.api import json_body, requires_key


def slot_json(slot: slots.Slot) -> dict[str, Any]:
    """A slot as the API shows it."""
    return {"date": slot.day.isoformat(), "shift": slot.shift, "capacity": slot.capacity, "remaining": slot.remaining}


def full_response(exc: slots.SlotFull) -> Response:
    """409 with the nearest shifts that still have room."""
    body = {"error": {"code": exc.code, "message": exc.message, "fields": exc.fields}}
    return JSONResponse({**body, "slots": [slot_json(s) for s in exc.slots]}, status_code=409)


async def list_slots(request: Request) -> Response:
    """
    summary: Open pickup shifts of a day, with the room left in each.
    parameters:
      - {name: date, in: query, required: true, schema: {type: string, format: date}}
      - {name: ward_code, in: query, required: false, schema: {type: integer}}
    responses:
      200:
        description: '{"slots": [{"date", "shift" (morning|afternoon), "capacity", "remaining"}]}'
      422:
        description: A missing or malformed date, or a commune outside the province.
    """
    errors: dict[str, str] = {}
    day = validate.check_date(request.query_params.get("date"), errors)
    if "ward_code" in request.query_params:
        validate.check_ward(request.query_params["ward_code"], settings_of(request), errors)
    if errors:
        raise Invalid(fields=errors)
    database, settings = db(request), settings_of(request)

    def load(session: Session) -> list[slots.Slot]:
        return slots.listing(session, settings, start=day, days=1) if day >= slots.today(settings) else []

    return JSONResponse({"slots": [slot_json(s) for s in await database.reading(load)]})


async def create(request: Request) -> Response:
    """
    summary: Book a pickup (no key needed; rate limited per client).
    parameters:
      - {name: Idempotency-Key, in: header, required: false, schema: {type: string, maxLength: 100}}
    requestBody:
      content:
        application/json:
          schema:
            type: object
            required: [name, phone, ward_code, street, date, shift, parcels, weight_kg, service]
            properties:
              name: {type: string, maxLength: 100}
              phone: {type: string, example: "0912 345 678"}
              ward_code: {type: integer, description: "commune/ward code (vietnam-provinces)"}
              street: {type: string, maxLength: 200}
              date: {type: string, format: date}
              shift: {type: string, enum: [morning, afternoon]}
              parcels: {type: integer, minimum: 1, maximum: 50}
              weight_kg: {type: number, exclusiveMinimum: 0, maximum: 30, description: "of the heaviest parcel"}
              longest_cm: {type: integer, minimum: 1, maximum: 150}
              service: {type: string, enum: [economy, express, urgent]}
              destination_province: {type: integer, description: "province code; the office's by default"}
              cod_vnd: {type: integer, minimum: 0}
              declared_value_vnd: {type: integer, minimum: 0}
              note: {type: string, maxLength: 255}
    responses:
      201:
        description: '{"code", "tracking_numbers", "date", "shift", "price_vnd", "status", …}'
      200:
        description: The same Idempotency-Key and body again; the booking made the first time.
      409:
        description: The shift is full; `slots` lists the nearest ones with room.
      422:
        description: Per-field messages in `error.fields` (also a reused Idempotency-Key with another body).
      429:
        description: Too many bookings from this client; see Retry-After.
    """
    data = await json_body(request)
    database, settings = db(request), settings_of(request)
    key = request.headers.get("idempotency-key")

    try:
        made, created = await database.run(
            booking.submit,
            database,
            settings,
            data,
            device_key=known_device_key(request),
            idempotency_key=key,
            client=client_address(request),
        )
    except slots.SlotFull as exc:
        return full_response(exc)
    return JSONResponse(made.api(), status_code=201 if created else 200)


async def _found(request: Request, phone: str, fn: Any = None) -> Booking:
    database, settings = db(request), settings_of(request)
    code = request.path_params["code"]

    def then(session: Session, pickup: Pickup) -> Booking:
        if fn is not None:
            fn(session, settings, pickup)
        return views.view(session, pickup, settings)

    return await database.run(
        lookup.lookup, database, code=code, phone=phone, client=client_address(request), then=then
    )


async def show(request: Request) -> Response:
    """
    summary: A booking and its timeline, for its code and phone number.
    parameters:
      - {name: code, in: path, required: true, schema: {type: string}}
      - {name: phone, in: query, required: true, schema: {type: string}}
    responses:
      200:
        description: The booking with `timeline` (oldest step first).
      404:
        description: Wrong code or wrong phone (the same answer for both).
      429:
        description: Too many wrong tries from this client.
    """
    return JSONResponse((await _found(request, request.query_params.get("phone", ""))).api())


async def cancel(request: Request) -> Response:
    """
    summary: Cancel a booking before its shift's cut-off; the place goes back to the shift.
    parameters:
      - {name: code, in: path, required: true, schema: {type: string}}
    requestBody:
      content:
        application/json:
          schema: {type: object, required: [phone], properties: {phone: {type: string}}}
    responses:
      200:
        description: The booking, with status `cancelled`.
      404:
        description: Wrong code or wrong phone.
      409:
        description: After the cut-off, or already collected, failed or cancelled.
    """
    data = await json_body(request)
    phone = data.get("phone") if isinstance(data.get("phone"), str) else ""

    def apply(session: Any, settings: Any, pickup: Any) -> None:
        changes.cancel(session, settings, pickup, actor="customer:api")

    return JSONResponse((await _found(request, str(phone), apply)).api())


@requires_key("pickups")
async def staff_list(request: Request) -> Response:
    """
    summary: One day's bookings (staff scope `pickups`).
    parameters:
      - {name: date, in: query, required: true, schema: {type: string, format: date}}
      - {name: shift, in: query, required: false, schema: {type: string, enum: [morning, afternoon]}}
    responses:
      200:
        description: '{"pickups": [booking, …]}'
    security:
      - bearer: []
    """
    errors: dict[str, str] = {}
    day = validate.check_date(request.query_params.get("date"), errors)
    shift = request.query_params.get("shift") or None
    if shift and shift not in slots.SHIFTS:
        errors["shift"] = _("Chọn ca sáng hoặc ca chiều.")
    if errors:
        raise Invalid(fields=errors)
    listed = await db(request).reading(staff.day_list, settings_of(request), day=day, shift=shift)
    return JSONResponse({"pickups": [b.api() for b in listed]})


@requires_key("pickups")
async def staff_status(request: Request) -> Response:
    """
    summary: Post a status change (staff scope `pickups`); audited.
    requestBody:
      content:
        application/json:
          schema:
            type: object
            required: [action]
            properties:
              action: {type: string, enum: [assign, collected, failed, cancel]}
              courier: {type: string}
              collected_parcels: {type: integer}
              reason: {type: string}
    responses:
      200:
        description: The booking after the change.
      404:
        description: No such booking.
      409:
        description: The booking has already ended.
      422:
        description: Per-field messages.
    security:
      - bearer: []
    """
    data = {k: str(v) for k, v in (await json_body(request)).items() if v is not None}
    database, settings = db(request), settings_of(request)
    code, actor = request.path_params["code"], f"key:{request.state.api_key.prefix}"

    def apply(session: Session) -> Booking:
        staff.change(session, settings, code=code, action=data.get("action", ""), data=data, actor=actor)
        pickup = lookup.get(session, code)
        if pickup is None:
            raise NotFound()
        return views.view(session, pickup, settings)

    return JSONResponse((await database.writing(apply)).api())


routes = [
    Route("/api/v1/slots", list_slots, methods=["GET"]),
    Route("/api/v1/pickups", create, methods=["POST"]),
    Route("/api/v1/staff/pickups", staff_list, methods=["GET"]),
    Route("/api/v1/pickups/{code}", show, methods=["GET"]),
    Route("/api/v1/pickups/{code}/cancel", cancel, methods=["POST"]),
    Route("/api/v1/pickups/{code}/status", staff_status, methods=["POST"]),
]

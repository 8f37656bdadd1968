"""The pickups API: slots, booking, lookup and cancellation; staff calls with the `pickups` scope."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pwa.pickups import availability, booking, customer, fields, objections, slots, staff
from routes._web import actor, call, client_address, db, known_device_key, settings_of
from routes.api import json_body, requires_key, schemas

# The booking request's schema comes from its one declaration; the endpoints below refer to it.
schemas.base_schema["components"]["schemas"]["PickupRequest"] = fields.request_schema()


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
    query = request.query_params
    found = await call(availability.open_on, db(request), settings_of(request), day=query.get("date"),
                       ward_code=query.get("ward_code"))  # fmt: skip
    return JSONResponse({"slots": [slot_json(s) for s in found]})


async def create(request: Request) -> Response:
    """
    summary: Book a pickup (no key needed; rate limited per client).
    parameters:
      - {name: Idempotency-Key, in: header, required: false, schema: {type: string, maxLength: 100}}
    requestBody:
      content:
        application/json:
          schema: {$ref: '#/components/schemas/PickupRequest'}
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
    try:
        made, created = await call(
            booking.submit,
            db(request),
            settings_of(request),
            data,
            device_key=known_device_key(request),
            idempotency_key=request.headers.get("idempotency-key"),
            client=client_address(request),
        )
    except slots.SlotFull as exc:
        return full_response(exc)
    return JSONResponse(made.api(customer=True), status_code=201 if created else 200)


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
    code, phone = request.path_params["code"], request.query_params.get("phone", "")
    made = await call(customer.show_by_phone, db(request), settings_of(request), code=code, phone=phone,
                      client=client_address(request))  # fmt: skip
    return JSONResponse(made.api(customer=True))


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
    made = await call(customer.cancel_by_phone, db(request), settings_of(request), code=request.path_params["code"],
                      phone=str(phone), client=client_address(request), actor=actor(request))  # fmt: skip
    return JSONResponse(made.api(customer=True))


def _phone(data: dict[str, Any]) -> str:
    phone = data.get("phone")
    return phone if isinstance(phone, str) else ""


async def reschedule(request: Request) -> Response:
    """
    summary: Move the same booking (code, tracking numbers, details) to another shift, or the nearest with room.
    description: >-
      For a booking still to be collected (before its cut-off), one that failed, or one the post office
      cancelled. Without `date` and `shift` the nearest shift with room is taken. The new place is taken
      and the old one freed in one transaction; a full shift is 409 with the nearest ones that have room.
    parameters:
      - {name: code, in: path, required: true, schema: {type: string}}
      - {name: Idempotency-Key, in: header, required: false, schema: {type: string, maxLength: 100}}
    requestBody:
      content:
        application/json:
          schema:
            type: object
            required: [phone]
            properties:
              phone: {type: string}
              date: {type: string, format: date}
              shift: {type: string, enum: [morning, afternoon]}
    responses:
      200:
        description: The booking, same code, in its new shift (`status` `booked`).
      404:
        description: Wrong code or wrong phone.
      409:
        description: The shift is full (`slots` lists others), or the booking cannot be rescheduled.
      422:
        description: A closed or past shift, or only one of `date` and `shift`.
    """
    data = await json_body(request)
    try:
        made = await call(customer.reschedule_by_phone, db(request), settings_of(request),
                          code=request.path_params["code"], phone=_phone(data), client=client_address(request),
                          data={k: v for k, v in data.items() if k != "phone"},
                          key=request.headers.get("idempotency-key"), actor=actor(request))  # fmt: skip
    except slots.SlotFull as exc:
        return full_response(exc)
    return JSONResponse(made.api(customer=True))


async def objection(request: Request) -> Response:
    """
    summary: The customer says that is not what happened, about a failure or a collection without the code.
    parameters:
      - {name: code, in: path, required: true, schema: {type: string}}
      - {name: Idempotency-Key, in: header, required: false, schema: {type: string, maxLength: 100}}
    requestBody:
      content:
        application/json:
          schema:
            type: object
            required: [phone, kind]
            properties:
              phone: {type: string}
              kind: {type: string, enum: [was_home, no_call, not_handed_over, other]}
              text: {type: string, maxLength: 500}
    responses:
      201:
        description: The booking, with the objection in `objections` (staff close it with a note).
      404:
        description: Wrong code or wrong phone.
      409:
        description: Nothing to object to (not failed, nor collected without the code), or one is still open.
      422:
        description: A kind outside the list (`was_home`/`no_call` for a failure, `not_handed_over` for a collection).
    """
    data = await json_body(request)
    made = await call(objections.object_by_phone, db(request), settings_of(request),
                      code=request.path_params["code"], phone=_phone(data), client=client_address(request),
                      data={k: v for k, v in data.items() if k != "phone"},
                      key=request.headers.get("idempotency-key"), actor=actor(request))  # fmt: skip
    return JSONResponse(made.api(customer=True), status_code=201)


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
    query = request.query_params
    listed = await call(staff.day_list_of, db(request), settings_of(request), day=query.get("date"),
                        shift=query.get("shift"))  # fmt: skip
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
              action: {type: string, enum: [assign, collected, failed, cancel, reschedule]}
              courier: {type: string, description: A courier's username (assign).}
              collected_parcels: {type: integer}
              handover_code: {type: string, pattern: '^[0-9]{4}$'}
              reason: {type: string, enum: [not_home, no_answer, not_ready, wrong_address, postponed, other]}
              note: {type: string, maxLength: 255}
              called_at: {type: string, format: date-time}
              slot: {type: string, description: '`YYYY-MM-DD/morning|afternoon` (reschedule); empty for the nearest.'}
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
    made = await call(staff.update, db(request), settings_of(request), code=request.path_params["code"], data=data,
                      actor=actor(request), role="staff")  # fmt: skip
    return JSONResponse(made.api())


routes = [
    Route("/api/v1/slots", list_slots, methods=["GET"]),
    Route("/api/v1/pickups", create, methods=["POST"]),
    Route("/api/v1/staff/pickups", staff_list, methods=["GET"]),
    Route("/api/v1/pickups/{code}", show, methods=["GET"]),
    Route("/api/v1/pickups/{code}/cancel", cancel, methods=["POST"]),
    Route("/api/v1/pickups/{code}/reschedule", reschedule, methods=["POST"]),
    Route("/api/v1/pickups/{code}/objection", objection, methods=["POST"]),
    Route("/api/v1/pickups/{code}/status", staff_status, methods=["POST"]),
]

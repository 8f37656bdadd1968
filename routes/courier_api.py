"""At the door, through the API: a courier records a collection or a failure.

Partner systems call with a key of scope `pickups`; the courier's own phone
calls with the signed-in courier's session (the `/courier` page, and the
actions it kept while there was no signal). Each call takes an
`Idempotency-Key`, so an action sent three times applies once.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pwa.errors import Forbidden
from pwa.pickups import handover
from routes._web import actor, call, current_staff, db, settings_of
from routes.api import authenticate_key, json_body

DOOR_ROLES = ("courier", "staff", "admin")


async def _role(request: Request) -> str:
    """The caller's role at the door: a key with scope `pickups` acts as a courier; else the signed-in staff member."""
    if request.headers.get("authorization"):
        request.state.api_key = await authenticate_key(request, "pickups")
        return "courier"
    member = await current_staff(request)
    if member is None or member.role not in DOOR_ROLES:
        await authenticate_key(request, "pickups")  # 401 with the key's hint
        raise Forbidden()
    return member.role


async def _record(request: Request, action: str) -> Response:
    role = await _role(request)
    data = await json_body(request)
    made = await call(handover.record, db(request), settings_of(request), code=request.path_params["code"],
                      action=action, data=data, key=request.headers.get("idempotency-key"), actor=actor(request),
                      role=role)  # fmt: skip
    return JSONResponse(made.api())


async def collect(request: Request) -> Response:
    """
    summary: Record the parcels as collected, with the customer's handover code if given (else flagged).
    description: >-
      Accepted from `booked` or `assigned`. A wrong handover code is 422 (`fields.handover_code` says how
      many tries are left); after 5 wrong codes for one booking even the right one is refused with 423
      until counter staff record the collection. Without a code the collection is recorded with
      `handover_verified` false, and the customer may object. Scope `pickups`, or a signed-in courier.
    parameters:
      - {name: code, in: path, required: true, schema: {type: string}}
      - {name: Idempotency-Key, in: header, required: false, schema: {type: string, maxLength: 100}}
    requestBody:
      content:
        application/json:
          schema:
            type: object
            required: [parcels]
            properties:
              handover_code: {type: string, pattern: '^[0-9]{4}$'}
              parcels: {type: integer, minimum: 1}
              at: {type: string, format: date-time, description: When it happened, if recorded without signal.}
    responses:
      200:
        description: The booking with `status` `collected` and `handover_verified`.
      404:
        description: No such booking.
      409:
        description: The booking is not `booked` or `assigned`.
      422:
        description: A wrong handover code, or a parcel count outside 1…the booking's parcels.
      423:
        description: Five wrong handover codes were entered for this booking.
    security:
      - bearer: []
    """
    return await _record(request, "collect")


async def fail(request: Request) -> Response:
    """
    summary: Record a failed collection with a reason from the list; the customer is told at once.
    parameters:
      - {name: code, in: path, required: true, schema: {type: string}}
      - {name: Idempotency-Key, in: header, required: false, schema: {type: string, maxLength: 100}}
    requestBody:
      content:
        application/json:
          schema:
            type: object
            required: [reason]
            properties:
              reason: {type: string, enum: [not_home, no_answer, not_ready, wrong_address, postponed, other]}
              called_at: {type: string, format: date-time, description: Required with `no_answer`.}
              note: {type: string, maxLength: 255, description: Required with `other`.}
              at: {type: string, format: date-time}
    responses:
      200:
        description: The booking with `status` `failed`.
      404:
        description: No such booking.
      409:
        description: The booking is not `booked` or `assigned`.
      422:
        description: A reason outside the list, or a missing call time or note.
    security:
      - bearer: []
    """
    return await _record(request, "fail")


routes = [
    Route("/api/v1/pickups/{code}/collect", collect, methods=["POST"]),
    Route("/api/v1/pickups/{code}/fail", fail, methods=["POST"]),
]

"""The dossier API: agencies create dossiers and push events; citizens look up and follow."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pwa import i18n
from pwa.dossiers import agencies, citizens
from routes._web import actor, call, client_address, db, device_key, settings_of
from routes.api import json_body, requires_key


@requires_key("dossiers")
async def create(request: Request) -> Response:
    """
    summary: Register a dossier (provincial one-stop system)
    requestBody:
      content:
        application/json:
          schema:
            type: object
            required: [code, procedure, agency, applicant_name, phone, received_at, due_date, channel]
            properties:
              code: {type: string, example: "H19.22-251120-0001"}
              procedure: {type: string}
              agency: {type: string}
              applicant_name: {type: string}
              phone: {type: string, example: "0912345678"}
              received_at: {type: string, format: date-time}
              due_date: {type: string, format: date, description: "promised return date (ngày hẹn trả)"}
              channel: {type: integer, enum: [1, 2, 3], description: "1 in person, 2 online, 3 by post"}
    responses:
      201:
        description: Created; the citizen's view of the dossier (name masked, no phone).
      409:
        description: A dossier with this code exists.
      422:
        description: A message per bad field in `error.fields`.
    security:
      - bearer: []
    """
    data = await json_body(request)
    view = await call(agencies.register, db(request), settings_of(request), data=data, actor=actor(request))
    return JSONResponse(view.as_json(), status_code=201)


@requires_key("dossiers")
async def add_event(request: Request) -> Response:
    """
    summary: Add a step to a dossier's timeline (idempotent by `id`)
    description: >
      Events may arrive out of order or more than once. The same `id` for the same
      dossier is stored once: a repeat answers 200 with the same timeline. The
      current status is the latest status event by `at`, not by arrival.
    requestBody:
      content:
        application/json:
          schema:
            type: object
            required: [id, at]
            properties:
              id: {type: string, description: "the sender's event id"}
              at: {type: string, format: date-time}
              status_code: {type: integer, minimum: 1, maximum: 10}
              postal_event:
                type: string
                enum: [collected, sent_to_agency, result_picked_up, out_for_delivery, delivered, held_for_collection]
              note: {type: string, maxLength: 500}
              tracking_number: {type: string, description: "UPU S10, e.g. EB123456785VN"}
              fee_vnd: {type: integer, minimum: 0}
    responses:
      201:
        description: Stored; the new timeline.
      200:
        description: This event was already stored; the timeline, unchanged.
      404:
        description: No dossier with this code.
      409:
        description: This event id was already used for a different event.
      422:
        description: A message per bad field.
    security:
      - bearer: []
    """
    data, code = await json_body(request), request.path_params["code"]
    added = await call(
        agencies.add_event, db(request), settings_of(request), code=code, data=data, actor=actor(request)
    )
    return JSONResponse(added.view.as_json(), status_code=201 if added.created else 200)


async def show(request: Request) -> Response:
    """
    summary: Look a dossier up (citizens)
    parameters:
      - {name: secret, in: query, required: true, schema: {type: string}, description: "last 4 digits of the phone"}
    responses:
      200:
        description: The dossier, its due state (on_time, due_soon, overdue, done) and timeline.
      404:
        description: Unknown code or wrong secret (the same answer for both).
      422:
        description: The code or secret is not shaped right.
      429:
        description: Too many failed lookups; see `Retry-After`.
    """
    code, secret = request.path_params["code"], request.query_params.get("secret", "")
    client = client_address(request)
    view = await call(
        citizens.view_with_secret, db(request), settings_of(request), code=code, secret=secret, client=client
    )
    return JSONResponse(view.as_json(), headers={"Cache-Control": "no-store"})


async def follow(request: Request) -> Response:
    """
    summary: Follow a dossier on this device (device cookie)
    requestBody:
      content:
        application/json:
          schema: {type: object, required: [secret], properties: {secret: {type: string}}}
    responses:
      200:
        description: This device follows the dossier.
      404:
        description: Unknown code or wrong secret (the same answer for both).
      429:
        description: Too many failed lookups; see `Retry-After`.
    """
    data, code = await json_body(request), request.path_params["code"]
    secret = data.get("secret")
    followed = await call(
        citizens.follow_with_secret,
        db(request),
        settings_of(request),
        code=code,
        secret=secret if isinstance(secret, str) else "",
        client=client_address(request),
        device_key=device_key(request),
        lang=i18n.get_locale(),
    )
    return JSONResponse({"code": followed, "following": True})


async def unfollow(request: Request) -> Response:
    """
    summary: Stop following a dossier on this device (device cookie)
    responses:
      200:
        description: This device no longer follows the dossier.
      404:
        description: This device never looked the dossier up.
    description: "Like every cookie-authenticated call, send `Content-Type: application/json` (an empty `{}` body)."
    """
    code = await call(citizens.unfollow, db(request), code=request.path_params["code"], device_key=device_key(request))
    return JSONResponse({"code": code, "following": False})


routes = [
    Route("/api/v1/dossiers", create, methods=["POST"]),
    Route("/api/v1/dossiers/{code}", show, methods=["GET"]),
    Route("/api/v1/dossiers/{code}/events", add_event, methods=["POST"]),
    Route("/api/v1/dossiers/{code}/follow", follow, methods=["POST"]),
    Route("/api/v1/dossiers/{code}/follow", unfollow, methods=["DELETE"]),
]

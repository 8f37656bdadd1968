"""The dossier API: agencies create dossiers and push events; citizens look up and follow."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pwa import i18n
from pwa.dossiers import events, lookup, records, timeline
from pwa.errors import NotFound
from pwa.i18n import gettext as _
from routes._web import client_address, db, device_key, settings_of
from routes.api import json_body, requires_key


def _actor(request: Request) -> str:
    return f"key:{request.state.api_key.prefix}"


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
    data, database, tz = await json_body(request), db(request), settings_of(request).tz
    new = records.validate(data, tz)

    def work(session: Session) -> dict[str, object]:
        dossier = records.create(session, new, actor=_actor(request))
        return timeline.view(session, dossier, today=timeline.today(tz)).as_json()

    return JSONResponse(await database.writing(work), status_code=201)


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
    data, database, tz = await json_body(request), db(request), settings_of(request).tz
    new = events.validate(data, tz)
    code = request.path_params["code"]

    def work(session: Session) -> tuple[bool, dict[str, object]]:
        dossier = records.find(session, code=code)
        if dossier is None:
            raise NotFound(_("Không có hồ sơ mã %(code)s.") % {"code": code[:40]})
        created = events.record(session, dossier, new, sender=_actor(request))
        return created, timeline.view(session, dossier, today=timeline.today(tz)).as_json()

    created, body = await database.writing(work)
    return JSONResponse(body, status_code=201 if created else 200)


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
    database, settings = db(request), settings_of(request)
    limits, client = lookup.limits_for(settings), client_address(request)

    def work(session: Session) -> dict[str, object] | None:
        dossier = lookup.find(session, code=code, secret=secret, client=client, limits=limits)
        return timeline.view(session, dossier, today=timeline.today(settings.tz)).as_json() if dossier else None

    body = await database.writing(work)
    if body is None:
        raise lookup.not_found()
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


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
    database, settings, key = db(request), settings_of(request), device_key(request)
    limits, client, lang = lookup.limits_for(settings), client_address(request), i18n.get_locale()

    def work(session: Session) -> str | None:
        found = lookup.find(
            session, code=code, secret=secret if isinstance(secret, str) else "", client=client, limits=limits
        )
        if found is not None:
            lookup.grant(session, found, key, lang=lang, follow=True)
        return found.code if found else None

    followed = await database.writing(work)
    if followed is None:
        raise lookup.not_found()
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
    code, database, key = request.path_params["code"], db(request), device_key(request)

    def work(session: Session) -> str:
        return lookup.set_following(session, code=code, device_key=key, following=False).code

    return JSONResponse({"code": await database.writing(work), "following": False})


routes = [
    Route("/api/v1/dossiers", create, methods=["POST"]),
    Route("/api/v1/dossiers/{code}", show, methods=["GET"]),
    Route("/api/v1/dossiers/{code}/events", add_event, methods=["POST"]),
    Route("/api/v1/dossiers/{code}/follow", follow, methods=["POST"]),
    Route("/api/v1/dossiers/{code}/follow", unfollow, methods=["DELETE"]),
]

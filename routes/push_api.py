"""The push API: browser subscriptions (device cookie) and staff notices (API key, scope `notices`)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pwa import i18n
from pwa.push import announce, follow
from pwa.push.vapid import load as load_identity
from routes._web import actor, call, db, device_key, settings_of
from routes.api import json_body, path_id, requires_key


def vapid_public_key(request: Request) -> str:
    """The application server key (base64url) browsers subscribe with; loaded once per app."""
    identity = getattr(request.app.state, "vapid", None)
    if identity is None:
        identity = request.app.state.vapid = load_identity(settings_of(request))
    return str(identity.public_key)


async def vapid_key(request: Request) -> Response:
    """
    responses:
      200:
        description: '`{"public_key"}`: the application server key (base64url) to subscribe with.'
    """
    return JSONResponse({"public_key": vapid_public_key(request)}, headers={"Cache-Control": "no-cache"})


async def subscribe(request: Request) -> Response:
    """
    requestBody:
      content:
        application/json:
          schema:
            type: object
            required: [subscription]
            properties:
              subscription:
                type: object
                description: The browser's PushSubscription JSON (endpoint, keys.p256dh, keys.auth).
              topics:
                type: array
                items: {type: string}
                description: pickups, dossiers, news, commune:<ward_code>. Omitted keeps the device's topics.
              old_endpoint:
                type: string
                description: A subscription this one replaces (pushsubscriptionchange).
    responses:
      201:
        description: Stored (or updated in place); sets the device cookie if missing. Returns the topics.
      422:
        description: A field is wrong; `fields` says which.
    """
    data = await json_body(request)
    production = settings_of(request).https
    key, lang = device_key(request), i18n.get_locale()
    saved = await call(follow.subscribe, db(request), device_key=key, lang=lang, data=data, production=production)
    return JSONResponse({"endpoint": saved.endpoint, "topics": saved.topics}, status_code=201)


async def unsubscribe(request: Request) -> Response:
    """
    requestBody:
      content:
        application/json:
          schema:
            type: object
            required: [endpoint]
            properties:
              endpoint: {type: string}
    responses:
      204:
        description: This device no longer receives pushes at that endpoint (also if it never did).
    """
    data = await json_body(request)
    await call(follow.unsubscribe, db(request), device_key=device_key(request), endpoint=data.get("endpoint"))
    return Response(status_code=204)


def _notice_json(report: announce.Report) -> dict[str, Any]:
    notice = report.notice
    return {
        "id": notice.id,
        "title": notice.title,
        "send_at": notice.send_at.isoformat(),
        "dispatched": notice.dispatched_at is not None,
        "recipients": notice.recipients,
        **report.counts,
        "attempts": [{"result": result, "code": code, "count": n} for result, code, n in report.attempts],
    }


@requires_key("notices")
async def create_notice(request: Request) -> Response:
    """
    requestBody:
      content:
        application/json:
          schema:
            type: object
            required: [title, body]
            properties:
              title: {type: string, maxLength: 120}
              body: {type: string, maxLength: 500}
              url: {type: string, description: 'A page of the app, starting with /'}
              ward_codes:
                type: array
                items: {type: integer}
                description: Given, devices following those communes; omitted, devices following news.
              send_at: {type: string, format: date-time}
    responses:
      201:
        description: '`{"id"}` of the notice; sent now, or at `send_at`.'
      422:
        description: A field is wrong; `fields` says which.
    security:
      - bearer: []
    """
    notice_id = await call(announce.post, db(request), data=await json_body(request), actor=actor(request))
    return JSONResponse({"id": notice_id}, status_code=201)


@requires_key("notices")
async def show_notice(request: Request) -> Response:
    """
    responses:
      200:
        description: >-
          The notice and its delivery counts (queued, sent, failed, pruned), and every
          attempt made so far grouped by result and HTTP status
          (`attempts`: [{result, code, count}], result one of sent, retry, gone, failed).
      404:
        description: No such notice.
    security:
      - bearer: []
    """
    report = await call(announce.report, db(request), notice_id=path_id(request, "notice_id"))
    return JSONResponse(_notice_json(report))


routes = [
    Route("/api/v1/push/key", vapid_key, methods=["GET"]),
    Route("/api/v1/push/subscriptions", subscribe, methods=["POST"]),
    Route("/api/v1/push/subscriptions", unsubscribe, methods=["DELETE"]),
    Route("/api/v1/notices", create_notice, methods=["POST"]),
    Route("/api/v1/notices/{notice_id:int}", show_notice, methods=["GET"]),
]

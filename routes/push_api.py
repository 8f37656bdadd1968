"""The push API: browser subscriptions (device cookie) and staff notices (API key, scope `notices`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pwa import devices, i18n
from pwa.errors import Invalid
from pwa.i18n import gettext as _
from pwa.models import Notice, utcnow
from pwa.push import notices, subscriptions
from pwa.push.vapid import load as load_identity
from routes._web import db, device_key, settings_of
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
    endpoint, p256dh, auth = subscriptions.parse(data.get("subscription"), production=production)
    topics = subscriptions.valid_topics(data["topics"]) if data.get("topics") is not None else None
    old = data.get("old_endpoint") if isinstance(data.get("old_endpoint"), str) else None
    key, lang = device_key(request), i18n.get_locale()

    def save(session: Session) -> list[str]:
        devices.ensure(session, key, lang=lang)
        if old and old != endpoint:
            subscriptions.remove(session, device_key=key, endpoint=old)
        subscriptions.save(session, device_key=key, endpoint=endpoint, p256dh=p256dh, auth=auth)
        if topics is not None:
            subscriptions.set_topics(session, device_key=key, topics=topics)
        return subscriptions.topics_of(session, device_key=key)

    return JSONResponse({"endpoint": endpoint, "topics": await db(request).writing(save)}, status_code=201)


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
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        raise Invalid(fields={"endpoint": _("Thiếu địa chỉ nhận thông báo (endpoint).")})
    await db(request).writing(subscriptions.remove, device_key=device_key(request), endpoint=endpoint)
    return Response(status_code=204)


def _send_at(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise Invalid(fields={"send_at": _("Thời điểm gửi theo ISO 8601 có múi giờ, ví dụ 2026-12-02T07:00:00+07:00.")})
    return parsed


def _notice_json(
    notice: Notice, counts: dict[str, int], attempts: list[tuple[str, int | None, int]] | None = None
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": notice.id,
        "title": notice.title,
        "send_at": notice.send_at.isoformat(),
        "dispatched": notice.dispatched_at is not None,
        "recipients": notice.recipients,
        **counts,
    }
    if attempts is not None:
        found["attempts"] = [{"result": result, "code": code, "count": n} for result, code, n in attempts]
    return found


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
    data = await json_body(request)
    codes = data.get("ward_codes")
    if codes is not None and (not isinstance(codes, list) or not codes):
        raise Invalid(fields={"ward_codes": _("ward_codes phải là danh sách mã xã/phường.")})
    topics = notices.commune_topics(codes) if codes else ["news"]
    fields = {name: data.get(name) for name in ("title", "body", "url")}
    if not all(isinstance(v, str) or v is None for v in fields.values()):
        raise Invalid(fields={k: _("Phải là chuỗi ký tự.") for k, v in fields.items() if not isinstance(v, str)})
    send_at = _send_at(data.get("send_at"))
    draft = notices.check(
        title=fields["title"] or "",
        body=fields["body"] or "",
        url=fields["url"] or "",
        topics=topics,
        send_at=send_at,
        now=utcnow(),
    )
    actor = f"key:{request.state.api_key.name}"

    def create(session: Session) -> int:
        return int(notices.create(session, draft, actor=actor).id or 0)

    return JSONResponse({"id": await db(request).writing(create)}, status_code=201)


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
    notice_id = path_id(request, "notice_id")

    def load(session: Session) -> dict[str, Any]:
        notice = notices.get(session, notice_id)
        return _notice_json(notice, notices.counts(session, notice_id), notices.attempts(session, notice_id))

    return JSONResponse(await db(request).reading(load))


routes = [
    Route("/api/v1/push/key", vapid_key, methods=["GET"]),
    Route("/api/v1/push/subscriptions", subscribe, methods=["POST"]),
    Route("/api/v1/push/subscriptions", unsubscribe, methods=["DELETE"]),
    Route("/api/v1/notices", create_notice, methods=["POST"]),
    Route("/api/v1/notices/{notice_id:int}", show_notice, methods=["GET"]),
]

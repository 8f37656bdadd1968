"""The push API: browser subscriptions (device cookie) and staff notices (API key, scope `notices`)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pwa import i18n
from pwa.api_models import push as m
from pwa.push import announce, follow
from pwa.push.vapid import load as load_identity
from routes._web import actor, call, db, device_key, settings_of
from routes.api import Reply, answer, operation, path_id


def vapid_public_key(request: Request) -> str:
    """The application server key (base64url) browsers subscribe with; loaded once per app."""
    identity = getattr(request.app.state, "vapid", None)
    if identity is None:
        identity = request.app.state.vapid = load_identity(settings_of(request))
    return str(identity.public_key)


@operation(
    "GET",
    "/api/v1/push/key",
    summary="The application server key (base64url) to subscribe with.",
    replies={200: Reply("The key.", m.PublicKey)},
)
async def vapid_key(request: Request) -> Response:
    return answer(m.PublicKey, {"public_key": vapid_public_key(request)}, headers={"Cache-Control": "no-cache"})


@operation(
    "POST",
    "/api/v1/push/subscriptions",
    summary="Store this browser's push subscription (device cookie) and, if given, the topics it follows.",
    body=m.Subscribe,
    replies={201: Reply("Stored (or updated in place); sets the device cookie if missing.", m.Subscribed)},
)
async def subscribe(request: Request, body: m.Subscribe) -> Response:
    production = settings_of(request).https
    key, lang = device_key(request), i18n.get_locale()
    saved = await call(follow.subscribe, db(request), device_key=key, lang=lang,
                       data=body.model_dump(exclude_none=True), production=production)  # fmt: skip
    return answer(m.Subscribed, {"endpoint": saved.endpoint, "topics": saved.topics}, 201)


@operation(
    "DELETE",
    "/api/v1/push/subscriptions",
    summary="Stop pushes to one endpoint of this device (also fine if it never had it).",
    body=m.Unsubscribe,
    replies={204: "This device no longer receives pushes at that endpoint."},
)
async def unsubscribe(request: Request, body: m.Unsubscribe) -> Response:
    await call(follow.unsubscribe, db(request), device_key=device_key(request), endpoint=body.endpoint)
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


@operation(
    "POST",
    "/api/v1/notices",
    summary="Announce something to the devices that follow news, or some communes (scope `notices`).",
    body=m.NewNotice,
    scope="notices",
    replies={
        201: Reply("The notice's id; sent now, or at `send_at`.", m.Created),
        413: "The title, body and link together are too long to travel by push.",
        422: "A value is wrong (`error.fields`), e.g. `send_at` in the past or more than 60 days ahead.",
    },
)
async def create_notice(request: Request, body: m.NewNotice) -> Response:
    notice_id = await call(announce.post, db(request), data=body.model_dump(exclude_none=True), actor=actor(request))
    return answer(m.Created, {"id": notice_id}, 201)


@operation(
    "GET",
    "/api/v1/notices/{notice_id:int}",
    summary="A notice and its deliveries so far (scope `notices`).",
    scope="notices",
    replies={
        200: Reply("The notice, its deliveries by status and every attempt by result and HTTP status.", m.NoticeReport),
        404: "No such notice.",
    },
)
async def show_notice(request: Request) -> Response:
    report = await call(announce.report, db(request), notice_id=path_id(request, "notice_id"))
    return answer(m.NoticeReport, _notice_json(report))


routes = [op.route for op in (vapid_key, subscribe, unsubscribe, create_notice, show_notice)]

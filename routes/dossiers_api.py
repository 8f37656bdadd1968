"""The dossier API: agencies create dossiers and push events; citizens look up and follow."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pwa import i18n
from pwa.api_models import dossiers as m
from pwa.dossiers import agencies, citizens
from routes._web import actor, call, client_address, db, device_key, settings_of
from routes.api import Reply, answer, operation

LIMITED = Reply("Too many failed lookups from this client or for this code; see Retry-After.", None, ("Retry-After",))
UNKNOWN = "Unknown code or wrong secret (the same answer for both)."


@operation(
    "POST",
    "/api/v1/dossiers",
    summary="Register a dossier (provincial one-stop system).",
    body=m.NewDossier,
    scope="dossiers",
    replies={
        201: Reply("Created; the citizen's view of the dossier (name masked, no phone).", m.Dossier),
        409: "A dossier with this code exists.",
        422: "A value is wrong (`error.fields`), e.g. a due date before the day it was received.",
    },
)
async def create(request: Request, body: m.NewDossier) -> Response:
    view = await call(agencies.register, db(request), settings_of(request), data=body.model_dump(),
                      actor=actor(request))  # fmt: skip
    return answer(m.Dossier, view.as_json(), 201)


@operation(
    "POST",
    "/api/v1/dossiers/{code}/events",
    summary="Add a step to a dossier's timeline (idempotent by `id`).",
    description=(
        "Events may arrive out of order or more than once. The same `id` for the same dossier is stored "
        "once: a repeat answers 200 with the same timeline. The current status is the latest status event "
        "by `at`, not by arrival. Send exactly one of `status_code` and `postal_event`."
    ),
    params=m.CodePath,
    body=m.Event,
    scope="dossiers",
    replies={
        201: Reply("Stored; the new timeline.", m.Dossier),
        200: Reply("This event was already stored; the timeline, unchanged.", m.Dossier),
        404: "No dossier with this code.",
        409: "This event id was already used for a different event.",
        422: "A value is wrong (`error.fields`), e.g. a time more than a day ahead or a bad S10 check digit.",
    },
)
async def add_event(request: Request, path: m.CodePath, body: m.Event) -> Response:
    added = await call(agencies.add_event, db(request), settings_of(request), code=path.code,
                       data=body.root.model_dump(exclude_none=True), actor=actor(request))  # fmt: skip
    return answer(m.Dossier, added.view.as_json(), 201 if added.created else 200)


@operation(
    "GET",
    "/api/v1/dossiers/{code}",
    summary="Look a dossier up (citizens).",
    params=m.CodePath,
    query=m.SecretQuery,
    replies={
        200: Reply("The dossier, its due state and its timeline.", m.Dossier),
        404: UNKNOWN,
        429: LIMITED,
    },
)
async def show(request: Request, path: m.CodePath, query: m.SecretQuery) -> Response:
    view = await call(citizens.view_with_secret, db(request), settings_of(request), code=path.code,
                      secret=query.secret, client=client_address(request))  # fmt: skip
    return answer(m.Dossier, view.as_json(), headers={"Cache-Control": "no-store"})


@operation(
    "POST",
    "/api/v1/dossiers/{code}/follow",
    summary="Follow a dossier on this device (device cookie).",
    params=m.CodePath,
    body=m.Follow,
    replies={200: Reply("This device follows the dossier.", m.Following), 404: UNKNOWN, 429: LIMITED},
)
async def follow(request: Request, path: m.CodePath, body: m.Follow) -> Response:
    followed = await call(
        citizens.follow_with_secret,
        db(request),
        settings_of(request),
        code=path.code,
        secret=body.secret,
        client=client_address(request),
        device_key=device_key(request),
        lang=i18n.get_locale(),
    )
    return answer(m.Following, {"code": followed, "following": True})


@operation(
    "DELETE",
    "/api/v1/dossiers/{code}/follow",
    summary="Stop following a dossier on this device (device cookie); no body.",
    params=m.CodePath,
    replies={
        200: Reply("This device no longer follows the dossier.", m.Following),
        404: "This device never looked the dossier up.",
    },
)
async def unfollow(request: Request, path: m.CodePath) -> Response:
    code = await call(citizens.unfollow, db(request), code=path.code, device_key=device_key(request))
    return answer(m.Following, {"code": code, "following": False})


routes = [op.route for op in (create, show, add_event, follow, unfollow)]

"""Citizens' dossier pages: look up with code and secret, the timeline, follow, "My dossiers"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pwa import i18n
from pwa.dossiers import lookup, timeline
from pwa.dossiers.fields import normalise_code
from pwa.errors import Invalid, NotFound, RateLimited
from pwa.models import utcnow
from routes._web import client_address, db, device_key, redirect, render, settings_of


async def _form_context(request: Request, code: str = "", secret: str = "") -> dict[str, Any]:
    database, key, tz = db(request), device_key(request), settings_of(request).tz

    def load(session: Session) -> list[timeline.Summary]:
        today = timeline.today(tz)
        return [timeline.summary(d, following, today) for d, following in lookup.mine(session, device_key=key)]

    return {"section": "dossiers", "code": code, "secret": secret, "errors": {}, "mine": await database.reading(load)}


async def index(request: Request) -> Response:
    """The lookup form, and the dossiers this phone has opened before."""
    context = await _form_context(request, code=request.query_params.get("code", "")[:40])
    return render(request, "dossiers/lookup.html", context)


async def look_up(request: Request) -> Response:
    """Check code and secret; on success this device may open the dossier from now on."""
    form = await request.form()
    code, secret = str(form.get("code", ""))[:60], str(form.get("secret", ""))[:20]
    database, key, settings = db(request), device_key(request), settings_of(request)
    limits, client = lookup.limits_for(settings), client_address(request)

    def check(session: Session) -> str | None:
        dossier = lookup.find(session, code=code, secret=secret, client=client, limits=limits)
        if dossier is not None:
            lookup.grant(session, dossier, key, lang=i18n.get_locale())
        return dossier.code if dossier else None

    try:
        found = await database.writing(check)
        if found is None:
            raise lookup.not_found()
    except (Invalid, NotFound, RateLimited) as exc:
        return await _form_again(request, code, secret, exc)
    return redirect(f"/dossiers/{found}", request=request)


async def _form_again(request: Request, code: str, secret: str, exc: Invalid | NotFound | RateLimited) -> Response:
    context = await _form_context(request, code=code, secret=secret)
    if isinstance(exc, RateLimited):
        retry_at = utcnow() + timedelta(seconds=exc.retry_after)
        context.update(limited=exc.message, retry_at=retry_at)
    else:
        context["errors"] = exc.fields
    return render(request, "dossiers/lookup.html", context, status=exc.status, block="content", headers=exc.headers)


async def show(request: Request) -> Response:
    """The timeline, for a device that looked the dossier up; the lookup form for anyone else."""
    code = request.path_params["code"]
    database, key, tz = db(request), device_key(request), settings_of(request).tz

    def load(session: Session) -> tuple[timeline.View, bool] | None:
        found = lookup.access(session, code=code, device_key=key)
        if found is None:
            return None
        dossier, grant = found
        return timeline.view(session, dossier, today=timeline.today(tz)), grant.following

    loaded = await database.reading(load)
    if loaded is None:
        context = await _form_context(request, code=normalise_code(code))
        return render(request, "dossiers/lookup.html", context)
    view, following = loaded
    context = {"section": "dossiers", "view": view, "following": following}
    return render(request, "dossiers/show.html", context, headers={"Cache-Control": "private, no-cache"})


def _set_following(following: bool) -> Any:
    async def handler(request: Request) -> Response:
        code, database, key = request.path_params["code"], db(request), device_key(request)

        def change(session: Session) -> str:
            return lookup.set_following(session, code=code, device_key=key, following=following).code

        found = await database.writing(change)
        return redirect(f"/dossiers/{found}", request=request)

    handler.__doc__ = "Follow this dossier on this device." if following else "Stop following this dossier."
    return handler


routes = [
    Route("/dossiers", index, methods=["GET"], name="dossiers"),
    Route("/dossiers", look_up, methods=["POST"], name="dossiers_lookup"),
    Route("/dossiers/{code}", show, methods=["GET"], name="dossier"),
    Route("/dossiers/{code}/follow", _set_following(True), methods=["POST"], name="dossier_follow"),
    Route("/dossiers/{code}/unfollow", _set_following(False), methods=["POST"], name="dossier_unfollow"),
]

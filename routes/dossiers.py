"""Citizens' dossier pages: look up with code and secret, the timeline, follow, "My dossiers"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pwa import i18n
from pwa.dossiers import citizens, timeline
from pwa.errors import AppError, RateLimited
from pwa.models import utcnow
from routes._web import call, client_address, db, device_key, form_of, known_device_key, redirect, render, settings_of


def _form(
    request: Request, mine: list[timeline.Summary], code: str = "", secret: str = "", failure: AppError | None = None
) -> Response:
    context: dict[str, Any] = {"section": "dossiers", "code": code, "secret": secret, "errors": {}, "mine": mine}
    if failure is None:
        blank = not mine and not code and not secret  # the same page for every new visitor: made once
        return render(request, "dossiers/lookup.html", context, cache_key=("blank",) if blank else None)
    if isinstance(failure, RateLimited):
        context.update(limited=failure.message, retry_at=utcnow() + timedelta(seconds=failure.retry_after))
    else:
        context["errors"] = failure.fields
    return render(
        request, "dossiers/lookup.html", context, status=failure.status, block="content", headers=failure.headers
    )


async def index(request: Request) -> Response:
    """The lookup form, and the dossiers this phone has opened before."""
    device_key(request)  # a first visit gets its device cookie here, as on every citizen page
    known = known_device_key(request)  # a phone seen for the first time has opened nothing: no need to ask
    mine = await call(citizens.list_mine, db(request), settings_of(request), device_key=known) if known else []
    return _form(request, mine, code=request.query_params.get("code", "")[:40])


async def look_up(request: Request) -> Response:
    """Check code and secret; on success this device may open the dossier from now on."""
    form = await form_of(request)
    code, secret = str(form.get("code", ""))[:60], str(form.get("secret", ""))[:20]
    result = await call(
        citizens.look_up,
        db(request),
        settings_of(request),
        code=code,
        secret=secret,
        client=client_address(request),
        device_key=device_key(request),
        lang=i18n.get_locale(),
    )
    if result.found is None:
        return _form(request, result.mine, code, secret, result.failure)
    return redirect(f"/dossiers/{result.found}", request=request)


async def show(request: Request) -> Response:
    """The timeline, for a device that looked the dossier up; the lookup form for anyone else."""
    code, key = request.path_params["code"], device_key(request)
    opened = await call(citizens.open_timeline, db(request), settings_of(request), code=code, device_key=key)
    if opened.view is None:
        return _form(request, opened.mine, code=opened.code)
    context = {"section": "dossiers", "view": opened.view, "following": opened.following}
    headers = {"Cache-Control": "private, no-cache"}
    return render(request, "dossiers/show.html", context, headers=headers, cache_key=("timeline", opened.following),
                  version=opened.version)  # fmt: skip


async def follow(request: Request) -> Response:
    """Follow this dossier on this device."""
    code = await call(citizens.follow, db(request), code=request.path_params["code"], device_key=device_key(request))
    return redirect(f"/dossiers/{code}", request=request)


async def unfollow(request: Request) -> Response:
    """Stop following this dossier."""
    code = await call(citizens.unfollow, db(request), code=request.path_params["code"], device_key=device_key(request))
    return redirect(f"/dossiers/{code}", request=request)


routes = [
    Route("/dossiers", index, methods=["GET"], name="dossiers"),
    Route("/dossiers", look_up, methods=["POST"], name="dossiers_lookup"),
    Route("/dossiers/{code}", show, methods=["GET"], name="dossier"),
    Route("/dossiers/{code}/follow", follow, methods=["POST"], name="dossier_follow"),
    Route("/dossiers/{code}/unfollow", unfollow, methods=["POST"], name="dossier_unfollow"),
]

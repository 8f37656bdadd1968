"""The home page, the offline page and the language switch."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pwa import i18n
from pwa.offices import directory, search
from routes._web import call, db, known_device_key, redirect, remember, render, safe_next, settings_of
from routes.offices import COMMUNE_COOKIE


async def show(request: Request) -> Response:
    """The home page: the three jobs, one tap each, and the chosen commune's next payment day."""
    chosen = search.parse_ward(request.cookies.get(COMMUNE_COOKIE))
    if chosen is None:
        return render(request, "home/index.html", cache_key=("home",))  # the same for everyone: made once
    payday = await call(
        directory.next_payment_day,
        db(request),
        settings_of(request),
        ward_code=chosen,
        device_key=known_device_key(request),
    )
    return render(request, "home/index.html", {"payday": payday})  # this phone's commune: never shared


async def offline(request: Request) -> Response:
    """What the worker shows for a page it never cached."""
    return render(request, "offline.html", cache_key=("offline",))


async def switch_language(request: Request) -> Response:
    """Remember the chosen language for a year and go back where the user was."""
    lang = request.query_params.get("to", "")
    target = safe_next(request.query_params.get("next"))
    response = redirect(target, status=303)
    return remember(response, request, "lang", lang) if lang in i18n.LANGUAGES else response


routes = [
    Route("/", show, name="home"),
    Route("/offline", offline, name="offline"),
    Route("/lang", switch_language, name="switch_language"),
]

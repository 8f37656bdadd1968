"""The home page, the offline page and the language switch."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pwa import i18n
from routes._web import redirect, render, safe_next, settings_of


async def show(request: Request) -> Response:
    """The home page: the three jobs, one tap each."""
    return render(request, "home/index.html", cache_key=("home",))  # the same for everyone: made once


async def offline(request: Request) -> Response:
    """What the worker shows for a page it never cached."""
    return render(request, "offline.html", cache_key=("offline",))


async def switch_language(request: Request) -> Response:
    """Remember the chosen language for a year and go back where the user was."""
    lang = request.query_params.get("to", "")
    target = safe_next(request.query_params.get("next"))
    response = redirect(target, status=303)
    if lang in i18n.LANGUAGES:
        response.set_cookie(
            "lang",
            lang,
            max_age=365 * 24 * 3600,
            samesite="lax",
            httponly=True,
            secure=settings_of(request).https,
        )
    return response


routes = [
    Route("/", show, name="home"),
    Route("/offline", offline, name="offline"),
    Route("/lang", switch_language, name="switch_language"),
]

"""What makes the site an app: manifest, service worker, health check."""

from __future__ import annotations

import asyncio
import logging
import time

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pwa.db import Database
from pwa.errors import DatabaseUnavailable
from pwa.i18n import gettext as _
from routes._web import call, db

log = logging.getLogger("pwa")

THEME = "#0b4ea2"


async def manifest(request: Request) -> Response:
    """The web app manifest, in the reader's language."""
    assets = request.app.state.assets
    icon = assets.url
    body = {
        "id": "/",
        "name": _("Bưu điện Bắc Kạn – Thái Nguyên"),
        "short_name": _("Bưu điện BK"),
        "description": _("Đặt lấy hàng tận nhà, tra cứu hồ sơ hành chính, nhận thông báo từ bưu điện."),
        "lang": request.state.locale,
        "start_url": "/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": THEME,
        "categories": ["utilities", "government", "shopping"],
        "icons": [
            {"src": icon("icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": icon("icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": icon("icons/maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
        "screenshots": [
            {
                "src": icon("img/screenshot-narrow.png"),
                "sizes": "393x851",
                "type": "image/png",
                "form_factor": "narrow",
                "label": _("Trang chủ trên điện thoại"),
            },
            {
                "src": icon("img/screenshot-wide.png"),
                "sizes": "1280x800",
                "type": "image/png",
                "form_factor": "wide",
                "label": _("Trang chủ trên máy tính"),
            },
        ],
        "shortcuts": [
            {
                "name": _("Đặt lấy hàng"),
                "url": "/pickups/new",
                "icons": [{"src": icon("icons/icon-192.png"), "sizes": "192x192"}],
            },
            {
                "name": _("Tra cứu hồ sơ"),
                "url": "/dossiers",
                "icons": [{"src": icon("icons/icon-192.png"), "sizes": "192x192"}],
            },
        ],
    }
    return JSONResponse(body, media_type="application/manifest+json", headers={"Vary": "Accept-Language, Cookie"})


async def service_worker(request: Request) -> Response:
    """The worker, from the root so it controls every page; never cached by HTTP."""
    source = request.app.state.assets.service_worker()
    headers = {"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"}
    return Response(source, media_type="text/javascript", headers=headers)


HEALTH_RECHECK_SECONDS = 1.0  # a monitor polling hard costs one query a second, not one per poll
HEALTH_ANSWER_WITHIN = 0.5  # a probe waits this long at most for that query, never the database's full wait


async def health(request: Request) -> Response:
    """200 `ok` while the database answers; 503 `unavailable` while it is locked by another process or
    out of reach (pages and the API then answer 503 too); 200 `degraded` when only writes wait on a lock.

    It says what this process last saw of the database: any request's query counts, and when none has
    run for a second the probe asks the database itself, once, in the background (pwa/outage.py)."""
    database = db(request)
    await _look(request, database)
    gate = database.gate
    stuck = _asking_for(request) > database.wait + 1  # a query that hangs past every bounded wait
    if gate.failing or stuck:
        body, status = {"status": "unavailable", "database": "unavailable"}, 503
    elif gate.writes_blocked:
        body, status = {"status": "degraded", "database": "read_only"}, 200
    else:
        body, status = {"status": "ok", "database": "ok"}, 200
    headers = {
        "Cache-Control": "no-store",
        **({"Retry-After": str(DatabaseUnavailable.RETRY_AFTER)} if status == 503 else {}),
    }
    return JSONResponse({**body, "version": request.app.state.assets.version}, status_code=status, headers=headers)


async def _look(request: Request, database: Database) -> None:
    """Ask the database if nothing has in the last second (one query at a time, off the event loop)."""
    state = request.app.state
    asking: asyncio.Task[None] | None = getattr(state, "health_asking", None)
    if asking is not None and not asking.done():
        return
    if time.monotonic() - database.gate.checked < HEALTH_RECHECK_SECONDS:
        return
    asking = asyncio.ensure_future(_ping(database))
    state.health_asking, state.health_asked_at = asking, time.monotonic()
    await asyncio.wait({asking}, timeout=HEALTH_ANSWER_WITHIN)


async def _ping(database: Database) -> None:
    try:
        await call(database.ping)  # notes the outcome on the database's gate
    except Exception:  # not an outage (those are noted, not raised): a bug, for the log
        log.exception("health check query failed")


def _asking_for(request: Request) -> float:
    """How long the health check's query has been running (0 when none is)."""
    asking: asyncio.Task[None] | None = getattr(request.app.state, "health_asking", None)
    if asking is None or asking.done():
        return 0.0
    return time.monotonic() - float(request.app.state.health_asked_at)


routes = [
    Route("/manifest.webmanifest", manifest, name="manifest"),
    Route("/service_worker.js", service_worker, name="service_worker"),
    Route("/healthz", health, name="health"),
]

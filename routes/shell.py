"""What makes the site an app: manifest, service worker, health check."""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pwa.i18n import gettext as _
from routes._web import call, db

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


async def health(request: Request) -> Response:
    """`ok` when the database answers; 503 otherwise (for the proxy and monitoring)."""
    ok = await _database_answers(request)
    body = {
        "status": "ok" if ok else "unavailable",
        "database": "ok" if ok else "unreachable",
        "version": request.app.state.assets.version,
    }
    return JSONResponse(body, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"})


async def _database_answers(request: Request) -> bool:
    """The database's last answer if under a second old (no thread-pool hop), else a fresh ping."""
    state, now = request.app.state, time.monotonic()
    checked: tuple[float, bool] | None = getattr(state, "database_checked", None)
    if checked and now - checked[0] < HEALTH_RECHECK_SECONDS:
        return checked[1]
    database = db(request)
    try:
        ok = await call(database.ping)
    except Exception:
        ok = False
    state.database_checked = (now, ok)
    return ok


routes = [
    Route("/manifest.webmanifest", manifest, name="manifest"),
    Route("/service_worker.js", service_worker, name="service_worker"),
    Route("/healthz", health, name="health"),
]

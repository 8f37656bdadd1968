"""The application factory: the one place where the core and the HTTP layer meet."""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
from starlette._utils import get_route_path
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Receive, Scope, Send

from pwa import devices, i18n
from pwa.assets import Assets
from pwa.db import Database, NotMigrated, check_migrated
from pwa.edge import Edge
from pwa.errors import AppError
from pwa.middleware import RequestGuard, apply_security_headers
from pwa.ops.shared import unshared_settings
from pwa.outage import is_outage
from pwa.settings import Settings
from routes import (
    api,
    courier,
    courier_api,
    dossiers,
    dossiers_api,
    dossiers_staff,
    home,
    notices_staff,
    notifications,
    offices,
    offices_api,
    offices_staff,
    ops,
    pickups,
    pickups_api,
    pickups_staff,
    push_api,
    shell,
    staff,
)
from routes._static import CONDITIONAL, kept_answers
from routes._templates import make_templates
from routes._web import error_response

# This module is the composition root: the only core module that knows routes/.
log = logging.getLogger("pwa")


def _messages() -> dict[str, str]:
    _ = i18n.gettext
    return {
        "csrf_failed": _("Biểu mẫu đã hết hạn hoặc không hợp lệ. Hãy tải lại trang rồi gửi lại."),
        "cross_site": _("Yêu cầu từ trang web khác bị từ chối."),
        "unsupported_media_type": _("Hãy gửi dữ liệu dạng JSON (Content-Type: application/json)."),
        "payload_too_large": _("Dữ liệu gửi lên quá lớn."),
        "not_found": _("Không tìm thấy trang bạn cần. Có thể đường dẫn đã cũ hoặc gõ nhầm."),
        "method_not_allowed": _("Trang này không nhận kiểu yêu cầu đó."),
        "server_error": _("Hệ thống đang gặp sự cố. Dữ liệu của bạn không bị mất; hãy thử lại sau ít phút."),
    }


_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}


def _render_error(
    request: Request, status: int, code: str, message: str = "", headers: dict[str, str] | None = None
) -> Response:
    text = _messages().get(code) or message or _messages()["not_found"]
    return error_response(request, status, code=code, message=text, headers=headers)


def _allowed_methods(request: Request) -> str:
    """Every method some route takes at this path (one path may have a route per method), for 405's `Allow`."""
    methods: set[str] = set()
    for route in request.app.routes:
        match, _child = route.matches({**request.scope, "method": "GET"})
        if match is not Match.NONE and isinstance(route, Route):
            methods |= route.methods or set()
    return ", ".join(sorted(methods))


async def _on_app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return error_response(
        request, exc.status, code=exc.code, message=exc.message, fields=exc.fields, headers=exc.headers
    )


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _CODES.get(exc.status_code, "error")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:  # RFC 9110: a 405 says which methods the resource does take
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return _render_error(request, exc.status_code, code, str(exc.detail), headers)


async def _on_crash(request: Request, exc: Exception) -> Response:
    rid = getattr(request.state, "request_id", "-")
    log.exception("unhandled error on %s %s (request %s)", request.method, request.url.path, rid, exc_info=exc)
    response = _render_error(request, 500, "server_error")
    apply_security_headers(response.headers, https=request.url.scheme == "https")
    return response


class Static(StaticFiles):
    """Static files; fingerprinted URLs (`?v=`) are cached for a year.

    Outside debug mode each file is read once and then answered from memory (the same
    headers as StaticFiles, 304s included): otherwise every request took several hops
    into the thread pool to stat, open and read. Anything else (Range requests, missing
    files, paths outside the folder) goes to StaticFiles as before.
    """

    def __init__(self, *, directory: str, in_memory: bool) -> None:
        super().__init__(directory=directory)
        self.in_memory = in_memory
        self._files: dict[str, tuple[bytes, list[tuple[bytes, bytes]]]] = {}
        self._answers: dict[tuple[str, bool, bool], tuple[bytes, list[tuple[bytes, bytes]]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A plain GET or HEAD of a kept file is answered here, its headers made once; the rest as below."""
        answer = self._kept_answer(scope) if self.in_memory and scope["method"] in ("GET", "HEAD") else None
        if answer is None:
            await super().__call__(scope, receive, send)
            return
        body, headers = answer
        await send({"type": "http.response.start", "status": 200, "headers": list(headers)})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})

    def _kept_answer(self, scope: Scope) -> tuple[bytes, list[tuple[bytes, bytes]]] | None:
        gzip = False
        for name, value in scope["headers"]:
            if name in CONDITIONAL:  # Range, If-None-Match, If-Modified-Since: StaticFiles' way, below
                return None
            gzip = gzip or (name == b"accept-encoding" and b"gzip" in value)
        if not self._answers:
            self._answers = kept_answers(self._kept_files())
        versioned = b"v=" in scope.get("query_string", b"")
        return self._answers.get((get_route_path(scope), versioned, gzip and scope["method"] == "GET"))

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = self._from_memory(path, scope) or await super().get_response(path, scope)
        versioned = b"v=" in scope.get("query_string", b"")
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if versioned else "no-cache"
        return response

    def _from_memory(self, path: str, scope: Scope) -> Response | None:
        if not self.in_memory or scope["method"] not in ("GET", "HEAD"):
            return None
        request_headers = Headers(scope=scope)
        if "range" in request_headers:
            return None
        found = self._kept_files().get(path)
        if found is None:
            return None
        body, raw_headers = found
        response = Response(b"" if scope["method"] == "HEAD" else body)
        response.raw_headers = list(raw_headers)
        if self.is_not_modified(response.headers, request_headers):
            return NotModifiedResponse(response.headers)
        return response

    def _kept_files(self) -> dict[str, tuple[bytes, list[tuple[bytes, bytes]]]]:
        if not self._files:
            self._files = self._load()
        return self._files

    def _load(self) -> dict[str, tuple[bytes, list[tuple[bytes, bytes]]]]:
        root = Path(str(self.directory)).resolve()
        files = {}
        # Like StaticFiles, never serve what a link points to outside the folder.
        for file in (p for p in root.rglob("*") if p.is_file() and p.resolve().is_relative_to(root)):
            # The key is what StaticFiles.get_path() makes of the URL: a normalised relative path.
            key = os.path.normpath(str(file.relative_to(root)))
            headers = FileResponse(file, stat_result=file.stat()).raw_headers
            files[key] = (file.read_bytes(), headers)
        return files


def all_routes(settings: Settings) -> list[BaseRoute]:
    """Every route of every area."""
    static = Static(directory=str(settings.root_dir / "static"), in_memory=not settings.debug)
    # Starlette tries routes in order: static files, most of the requests a page load makes, come
    # first instead of after every page's pattern (about 70 regex matches a request).
    return [
        Mount("/static", static, name="static"),
        *home.routes,
        *shell.routes,
        *ops.routes,
        *staff.routes,
        *api.routes,
        *dossiers.routes + dossiers_api.routes + dossiers_staff.routes,
        *notifications.routes + push_api.routes + notices_staff.routes,
        *pickups_api.routes + courier_api.routes,
        *pickups.routes,
        *pickups_staff.routes + courier.routes,
        *offices_api.routes + offices.routes + offices_staff.routes,
    ]


def proxy_middleware(settings: Settings) -> list[Middleware]:
    """Behind a trusted proxy, the client's address and scheme come from X-Forwarded-For/-Proto (uvicorn's
    middleware: the rightmost address no trusted proxy added); from anyone else the headers are ignored."""
    if not settings.trusted_proxies:
        return []
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    return [Middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))]


def _check_migrated(database: Database) -> None:
    """Refuse to start behind the schema; but a database locked or out of reach at start is an
    outage like any other: serve 503s until it is back rather than fail (and be restarted in a loop)."""
    try:
        check_migrated(database)
    except NotMigrated:
        raise
    except Exception as exc:
        if not is_outage(exc):
            raise
        log.warning("database unavailable at start; schema not checked: pages answer 503 until it is back")


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the app; tests pass their own settings."""
    settings = settings or Settings.from_env()
    assets = Assets(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        # Blocking work (one hop per request) needs no more threads than connections and cores;
        # anyio's 40 mostly fought over the GIL and the pool.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.web_threads
        database = Database(settings.database_url, wait=settings.db_wait_seconds)
        if settings.run_migrations_check:
            _check_migrated(database)
        try:
            yield {"db": database}
        finally:
            database.dispose()

    middleware = [
        *proxy_middleware(settings),
        Middleware(
            Edge,  # request id, log line, metrics, security headers, gzip, session, language, device cookie
            https=settings.https,
            secret_key=settings.secret_key,
            session_cookie=f"{settings.cookie_prefix}pwa_session",
            device_cookie=settings.cookie_prefix + devices.COOKIE,
            max_age=30 * 24 * 3600,
        ),
        Middleware(RequestGuard, max_body=settings.max_body_bytes, on_error=_render_error),
    ]
    app = Starlette(
        debug=False,
        routes=all_routes(settings),
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={AppError: _on_app_error, HTTPException: _on_http_error, Exception: _on_crash},
    )
    app.state.settings = settings
    app.state.assets = assets
    app.state.templates = make_templates(settings, assets)
    return app


def factory() -> Starlette:
    """Entry point for `uvicorn --factory pwa.app:factory` (settings from the environment)."""
    logging.basicConfig(level=logging.INFO)
    # No format of ours shows a record's thread or process, and looking them up was half the cost of
    # making the access log's record on every request.
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    for warning in unshared_settings(os.environ):
        log.warning(warning)
    app = create_app()
    # Everything made so far (modules, the route table, SQLAlchemy's metadata) lives as long as the
    # process: moved out of the collector's view, full collections no longer walk it on every pass,
    # which took the slowest answers of the booking form from ~250 ms to ~110 ms under load.
    gc.freeze()
    return app

"""The security headers, and the body limit and CSRF check (RequestGuard); the rest of what every
request passes through is pwa/edge.py."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pwa.security import same_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
ErrorRenderer = Callable[[Request, int, str, str], Response]


def security_headers(*, https: bool) -> list[tuple[str, str]]:
    """Headers every response carries, error pages included (those it already has are kept)."""
    headers = [
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if https:
        headers.append(("Strict-Transport-Security", "max-age=63072000; includeSubDomains"))
    return headers


def apply_security_headers(headers: MutableHeaders, *, https: bool) -> None:
    """Add the security headers a response lacks (pwa/edge.py adds them to every answer it sends)."""
    for name, value in security_headers(https=https):
        headers.setdefault(name, value)


class RequestGuard:
    """Refuses oversized bodies (413) and state changes without a CSRF token (403).

    Forms and htmx requests must carry the session's token (field `csrf_token`
    or header `X-CSRF-Token`). `/api/` calls either present an API key or act
    for the device cookie, in which case they must be JSON and same-site.
    """

    def __init__(self, app: ASGIApp, *, max_body: int, on_error: ErrorRenderer) -> None:
        self.app, self.max_body, self.on_error = app, max_body, on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        declared = request.headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > self.max_body:
            await self._refuse(scope, receive, send, 413, "payload_too_large")
            return
        body = await self._read_body(receive)
        if body is None:
            await self._refuse(scope, receive, send, 413, "payload_too_large")
            return
        replay = _replayer(body, receive)
        problem = await self._csrf_problem(Request(scope, replay), scope, bodyless=not body)
        if problem:
            await self._refuse(scope, receive, send, *problem)
            return
        await self.app(scope, _replayer(body, receive), send)

    async def _read_body(self, receive: Receive) -> bytes | None:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _csrf_problem(self, request: Request, scope: Scope, *, bodyless: bool) -> tuple[int, str] | None:
        if scope["path"].startswith("/api/"):
            return _api_problem(request, bodyless=bodyless)
        if _from_another_site(request):  # a token alone would do; this refuses even a leaked one
            return (403, "cross_site")
        session = scope.get("session", {})
        if hasattr(session, "unpack"):  # pwa/edge.py's LazySession: read without counting as an access
            session = session.unpack()
        expected = session.get("csrf_token")
        sent = request.headers.get("x-csrf-token")
        if not sent and _is_form(request):
            form = await request.form()
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
            await form.close()
        return None if same_token(expected, sent) else (403, "csrf_failed")

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int, code: str) -> None:
        response = self.on_error(Request(scope, receive), status, code, scope["path"])
        await response(scope, receive, send)


def _api_problem(request: Request, *, bodyless: bool) -> tuple[int, str] | None:
    if request.headers.get("authorization"):
        return None  # API-key calls are not sent by browsers on their own
    if request.headers.get("sec-fetch-site") == "cross-site":
        return (403, "cross_site")
    origin = request.headers.get("origin")
    if origin and origin != f"{request.url.scheme}://{request.url.netloc}":
        return (403, "cross_site")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if bodyless and not content_type:
        # Nothing to read, so nothing to type (a body-less DELETE, or a method the path does not take,
        # which then gets its 405). A form always sends a content type, and a cross-site fetch gets no
        # SameSite cookie: the device acts only for its own site.
        return None
    if content_type != "application/json":
        return (415, "unsupported_media_type")
    return None


def _from_another_site(request: Request) -> bool:
    """The browser says another site sent this: `Sec-Fetch-Site: cross-site`, or an `Origin` of another host.

    Hosts, not schemes, are compared: behind a TLS proxy the app may see http while the page was https.
    """
    if request.headers.get("sec-fetch-site") == "cross-site":
        return True
    origin = request.headers.get("origin")
    if not origin or origin == "null":  # "null": privacy-sensitive contexts; the token still decides
        return False
    try:
        host = urlsplit(origin).netloc
    except ValueError:  # `http://[`: not an origin any browser sends
        return True
    return host.lower() != request.headers.get("host", "").lower()


def _is_form(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def _replayer(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay

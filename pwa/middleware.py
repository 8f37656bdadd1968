"""ASGI middleware: security headers, language, body limit and CSRF."""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pwa import devices, i18n
from pwa.security import new_token, same_token

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


def apply_security_headers(headers: MutableHeaders, *, https: bool) -> None:
    """Headers every response carries, error pages included."""
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if https:
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")


class SecurityHeaders:
    """Adds the security headers to every response."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app, self.https = app, https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = self.https or scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                apply_security_headers(MutableHeaders(scope=message), https=https)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class LocaleMiddleware:
    """Chooses the language: the switch's cookie, then `Accept-Language`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            cookies = SimpleCookie()
            try:
                cookies.load(headers.get("cookie", ""))
            except Exception:  # a garbled cookie header must not break the page
                cookies = SimpleCookie()
            morsel = cookies.get("lang")
            lang = i18n.choose(morsel.value if morsel else None, headers.get("accept-language"))
            i18n.set_locale(lang)
            scope.setdefault("state", {})["locale"] = lang
        await self.app(scope, receive, send)


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
        expected = scope.get("session", {}).get("csrf_token")
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


class DeviceCookie:
    """Gives each browser a long-lived random id (HttpOnly cookie), set only once a handler uses it."""

    def __init__(self, app: ASGIApp, *, https: bool, cookie: str = devices.COOKIE) -> None:
        self.app, self.https, self.cookie = app, https, cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = Request(scope).cookies.get(self.cookie)
        state = scope.setdefault("state", {})
        is_new = not devices.valid_token(token)
        state["device_token"] = new_token() if is_new else token
        state["device_used"] = False
        secure = "; Secure" if self.https or scope.get("scheme") == "https" else ""

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and is_new and state.get("device_used"):
                cookie = (
                    f"{self.cookie}={state['device_token']}; Path=/; Max-Age={devices.COOKIE_MAX_AGE}; "
                    f"HttpOnly; SameSite=Lax{secure}"
                )
                MutableHeaders(scope=message).append("Set-Cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)

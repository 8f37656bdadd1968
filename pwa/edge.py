"""The one middleware every request passes through on its way in and out.

It does in one layer what were six (Observe, SecurityHeaders, GZipMiddleware, SessionMiddleware,
LocaleMiddleware, DeviceCookie), with the same effect on every answer: each layer cost a
coroutine, a `send` wrapper and its own reading of the headers, and most of a small page's
processor time went there (`bench/NOTES.md`). Request side: one pass over the headers, the
cookies parsed once, the request id, the language, the device token and the session. Answer
side, in the order the layers added them: the device cookie, the session's cookie and
`Vary: Cookie`, gzip (Starlette's own responder when the client takes gzip; otherwise only the
`Vary: Accept-Encoding` its identity path adds), the security headers the answer lacks, then
`X-Request-ID`; the log line and the metrics once the answer is out (pwa/ops/observe.py).

The session is Starlette's (same signed cookie, same attributes) but read from its cookie only
when a handler first asks for it (`request.session`): static files, the API and /healthz no longer
check a signature on every request. A new device's token is drawn only when a handler uses it.
"""

from __future__ import annotations

import json
import time
from base64 import b64decode, b64encode
from collections.abc import Callable
from typing import Any

import itsdangerous
from itsdangerous.exc import BadSignature
from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipResponder
from starlette.middleware.sessions import Session
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pwa import devices, i18n
from pwa.middleware import security_headers
from pwa.ops.observe import HEADER, Observe, request_id

GZIP_MINIMUM = 500  # bytes: smaller answers are sent as they are (as GZipMiddleware(minimum_size=500))
_EXCLUDED = frozenset(DEFAULT_EXCLUDED_CONTENT_TYPES)  # never compressed, so no Vary either


class LazySession(Session):
    """Starlette's session, unpacked from its signed cookie the first time it is asked for.

    `request.session` marks it accessed, which unpacks it; code that reads it straight from the
    scope without counting as an access (the CSRF check) calls `unpack()`.
    """

    def __init__(self, load: Callable[[], dict[str, Any] | None] | None = None) -> None:
        super().__init__()
        self._load, self.was_empty = load, True

    def mark_accessed(self) -> None:
        self.unpack()
        super().mark_accessed()

    def mark_modified(self) -> None:
        self.unpack()
        super().mark_modified()

    def unpack(self) -> LazySession:
        """Fill in what the cookie holds (once); a bad or expired signature leaves it empty."""
        if self._load is not None:
            load, self._load = self._load, None
            data = load()
            if data is not None:
                dict.update(self, data)  # not self.update: reading is no change
                self.was_empty = False
        return self


class Edge:
    """Request id, log line and metrics, security headers, gzip, session, language and device cookie."""

    def __init__(
        self, app: ASGIApp, *, https: bool, secret_key: str, session_cookie: str, device_cookie: str, max_age: int
    ) -> None:
        self.app, self.https = app, https
        self.observe = Observe()
        self.signer = itsdangerous.TimestampSigner(secret_key)
        self.session_cookie, self.device_cookie, self.max_age = session_cookie, device_cookie, max_age
        # As SessionMiddleware(same_site="lax", https_only=https) writes them:
        flags = "httponly; samesite=lax" + ("; secure" if https else "")
        self.session_set = f"{session_cookie}=%s; path=/; Max-Age={max_age}; {flags}"
        self.session_clear = f"{session_cookie}=null; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; {flags}"
        self.secure = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in security_headers(https=True)]
        self.plain = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in security_headers(https=False)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        cookie = encoding = language = given_id = None
        for name, value in scope["headers"]:  # the first of each, as Starlette's Headers.get
            if name == b"cookie":
                cookie = value if cookie is None else cookie
            elif name == b"accept-encoding":
                encoding = value if encoding is None else encoding
            elif name == b"accept-language":
                language = value if language is None else language
            elif name == HEADER:
                given_id = value if given_id is None else given_id
        rid = request_id([(HEADER, given_id)] if given_id is not None else [])
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        cookies = cookie_parser(cookie.decode("latin-1")) if cookie else {}
        signed = cookies.get(self.session_cookie)
        session = scope["session"] = LazySession(None if signed is None else lambda: self._unsign(signed))
        lang = i18n.choose(cookies.get("lang"), None if language is None else language.decode("latin-1"))
        i18n.set_locale(lang)
        state["locale"] = lang
        token = cookies.get(self.device_cookie)
        is_new = not devices.valid_token(token)
        state["device_token"] = None if is_new else token  # drawn by the first handler that uses it
        state["device_used"] = False
        https = self.https or scope.get("scheme") == "https"
        status, size = 500, 0  # an exception with nothing sent yet becomes the server's 500

        async def out(message: Message) -> None:
            """The outermost step: security headers and the request id on the start; bytes counted."""
            nonlocal status, size
            if message["type"] == "http.response.start":
                headers = message["headers"]
                present = {name for name, _ in headers}
                headers += [h for h in (self.secure if https else self.plain) if h[0] not in present]
                headers.append((HEADER, rid.encode()))
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        def cookies_out(message: Message) -> None:
            """The innermost step, on the start: the device cookie, then the session's."""
            headers = message["headers"] = list(message.get("headers", ()))
            if is_new and state.get("device_used") and state.get("device_token"):
                secure = "; Secure" if https else ""
                value = (
                    f"{self.device_cookie}={state['device_token']}; Path=/; Max-Age={devices.COOKIE_MAX_AGE}; "
                    f"HttpOnly; SameSite=Lax{secure}"
                )
                headers.append((b"set-cookie", value.encode("latin-1")))
            if session.accessed:
                self._session_out(session, headers)

        try:
            if encoding is not None and b"gzip" in encoding:

                async def inner(scope: Scope, receive: Receive, compress: Send) -> None:
                    async def send_inner(message: Message) -> None:
                        if message["type"] == "http.response.start":
                            cookies_out(message)
                        await compress(message)

                    await self.app(scope, receive, send_inner)

                await GZipResponder(inner, GZIP_MINIMUM, exclude_content_types=DEFAULT_EXCLUDED_CONTENT_TYPES)(
                    scope, receive, out
                )
            else:
                await self.app(scope, receive, _identity(cookies_out, out))
        finally:
            self.observe.record(scope, rid, status, size, time.perf_counter() - start)

    def _unsign(self, signed: str) -> dict[str, Any] | None:
        try:
            data = self.signer.unsign(signed.encode("utf-8"), max_age=self.max_age)
        except BadSignature:
            return None
        value: dict[str, Any] = json.loads(b64decode(data))
        return value

    def _session_out(self, session: LazySession, headers: list[tuple[bytes, bytes]]) -> None:
        """What SessionMiddleware adds once a handler has looked at the session."""
        MutableHeaders(raw=headers).add_vary_header("Cookie")
        if session.modified and session:
            data = self.signer.sign(b64encode(json.dumps(session).encode("utf-8"))).decode("utf-8")
            headers.append((b"set-cookie", (self.session_set % data).encode("latin-1")))
        elif session.modified and not session.was_empty:
            headers.append((b"set-cookie", self.session_clear.encode("latin-1")))


def _identity(on_start: Callable[[Message], None], out: Send) -> Send:
    """For a client that does not take gzip: what GZipMiddleware's identity path does, which is to
    add `Vary: Accept-Encoding` to an answer it would have compressed for another client."""
    held: Message | None = None  # the start, until the first body says whether it gets Vary
    passing = False  # the answer goes out as it is: excluded type, already encoded, or a 206

    async def send(message: Message) -> None:
        nonlocal held, passing
        kind = message["type"]
        if kind == "http.response.start":
            on_start(message)
            held, passing = message, not_compressible(message)
            if passing:
                await out(message)
            return
        if kind in ("http.response.body", "http.response.pathsend") and held is not None and not passing:
            start, held = held, None
            more = message.get("more_body", False)
            if kind == "http.response.body" and (more or len(message.get("body", b"")) >= GZIP_MINIMUM):
                MutableHeaders(raw=start["headers"]).add_vary_header("Accept-Encoding")
            await out(start)
        await out(message)

    return send


def not_compressible(start: Message) -> bool:
    """True for an answer GZipMiddleware passes as it is: already encoded, partial, or of an excluded type."""
    encoded = typed = ""
    for name, value in start["headers"]:
        if name == b"content-encoding":
            encoded = "yes"
        elif name == b"content-type" and not typed:
            typed = value.decode("latin-1")
    media = typed.partition(";")[0].strip().lower()
    excluded = media in _EXCLUDED or media.partition("/")[0] + "/*" in _EXCLUDED
    excluded = excluded or (media.startswith("application/grpc+") and "application/grpc" in _EXCLUDED)
    return bool(encoded) or start["status"] == 206 or excluded

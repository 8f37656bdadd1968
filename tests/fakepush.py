"""A local push service that checks what a real one checks, and decrypts what it receives.

It verifies the VAPID JWT (ES256 with the key in `k=`, `aud` = the endpoint's
origin with its port, `exp` within 24 h, `sub` mailto:/https:), the `TTL`
header, `Content-Encoding: aes128gcm` and the 4096-byte body limit, then
decrypts with `http_ece` and the subscription's private key. Tests script its
answers per subscription (201, 404, 410, 413, 429 + Retry-After) or slow it down.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import http_ece
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.live import free_port


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    """One accepted push, decrypted."""

    sub_id: str
    headers: dict[str, str]
    payload: dict[str, Any]
    claims: dict[str, Any]


@dataclass
class FakeSubscription:
    """A browser's side of a subscription: the keys only the browser has."""

    sub_id: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    answers: deque[tuple[int, dict[str, str]]] = field(default_factory=deque)

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    def as_json(self) -> dict[str, Any]:
        """What `PushSubscription.toJSON()` gives the page."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
        }


def check_vapid(authorization: str, origin: str, expected_key: str | None = None) -> dict[str, Any]:
    """The JWT's claims, once its signature, `aud`, `exp` and `sub` pass; ValueError otherwise."""
    scheme, _sep, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise ValueError("Authorization is not vapid")
    parts = dict(p.strip().split("=", 1) for p in params.split(","))
    token, key = parts["t"], parts["k"]
    if expected_key and key != expected_key:
        raise ValueError("VAPID key differs from the subscription's applicationServerKey")
    head, body, sig = token.split(".")
    if json.loads(unb64url(head)).get("alg") != "ES256":
        raise ValueError("alg is not ES256")
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    raw = unb64url(sig)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        public.verify(der, f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise ValueError("bad JWT signature") from exc
    claims: dict[str, Any] = json.loads(unb64url(body))
    if claims.get("aud") != origin:
        raise ValueError(f"aud {claims.get('aud')!r} is not {origin!r}")
    if not time.time() < int(claims.get("exp", 0)) <= time.time() + 24 * 3600:
        raise ValueError("exp missing, past or more than 24 h ahead")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https://")):
        raise ValueError("sub is not mailto: or https:")
    return claims


class FakePushService:
    """Runs on a free port in a thread; `with FakePushService() as push:`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.subs: dict[str, FakeSubscription] = {}
        self.received: list[Received] = []
        self.rejected: list[str] = []
        self.attempts: dict[str, list[float]] = {}
        self.delay = 0.0
        self.expected_vapid_key: str | None = None
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    # --- scripting ---
    def subscribe(self) -> FakeSubscription:
        """A new subscription with fresh browser keys."""
        sub_id = b64url(os.urandom(9))
        sub = FakeSubscription(
            sub_id, f"{self.origin}/push/{sub_id}", ec.generate_private_key(ec.SECP256R1()), os.urandom(16)
        )
        self.subs[sub_id] = sub
        return sub

    def answer(self, sub: FakeSubscription, status: int, **headers: str) -> None:
        """Answer the next push to `sub` with `status` (then 201 again)."""
        sub.answers.append((status, headers))

    def received_by(self, sub: FakeSubscription) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.sub_id == sub.sub_id]

    # --- checks a real push service makes ---
    def _check_vapid(self, request: web.Request) -> dict[str, Any]:
        return check_vapid(request.headers.get("Authorization", ""), self.origin, self.expected_vapid_key)

    async def _push(self, request: web.Request) -> web.Response:
        sub = self.subs.get(request.match_info["sub_id"])
        if sub is None:
            return web.Response(status=404)
        with self._lock:
            self.attempts.setdefault(sub.sub_id, []).append(time.time())
        if self.delay:
            await asyncio.sleep(self.delay)
        body = await request.read()
        try:
            claims = self._check_vapid(request)
            if not request.headers.get("TTL", "").isdigit():
                raise ValueError("TTL header missing")
            if request.headers.get("Content-Encoding") != "aes128gcm":
                raise ValueError("Content-Encoding is not aes128gcm")
            if len(body) > 4096:
                return web.Response(status=413)
            plain = http_ece.decrypt(body, private_key=sub.private_key, auth_secret=sub.auth, version="aes128gcm")
        except Exception as exc:  # anything wrong is what a real service would refuse
            with self._lock:
                self.rejected.append(f"{type(exc).__name__}: {exc}")
            return web.Response(status=400, text=str(exc))
        if sub.answers:
            status, headers = sub.answers.popleft()
            return web.Response(status=status, headers=headers)
        with self._lock:
            self.received.append(
                Received(sub.sub_id, {k.lower(): v for k, v in request.headers.items()}, json.loads(plain), claims)
            )
        return web.Response(status=201)

    # --- lifecycle ---
    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application(client_max_size=64 * 1024)
        app.router.add_post("/push/{sub_id}", self._push)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, backlog=1024)
        self._loop.run_until_complete(site.start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    def __enter__(self) -> FakePushService:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def serve_fast(port: int, latency: float) -> None:
    """The benchmark's push service: answers 201 after `latency` seconds (a real one is a network
    round trip away), checking the headers and the VAPID JWT but not decrypting (the tests do that).
    Each distinct JWT is verified once, as real push services cache them; `exp` is checked every time.

    A bare ASGI app under uvicorn (httptools, uvloop): a real push service runs on other machines,
    so the less CPU this stand-in takes from the two cores it shares with the app, the better.
    """
    import uvicorn

    origin = f"http://127.0.0.1:{port}"
    verified: dict[str, float] = {}

    def check(headers: dict[bytes, bytes]) -> str:
        authorization = headers.get(b"authorization", b"").decode("latin-1")
        try:
            if authorization not in verified:
                verified[authorization] = float(check_vapid(authorization, origin)["exp"])
            if verified[authorization] <= time.time():
                return "JWT expired"
        except (ValueError, KeyError) as exc:
            return str(exc) or type(exc).__name__
        if not headers.get(b"ttl", b"").isdigit() or headers.get(b"content-encoding") != b"aes128gcm":
            return "TTL or Content-Encoding missing"
        return ""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        more = True
        while more:  # read the whole body, as a real service would
            message = await receive()
            more = message.get("more_body", False)
        await asyncio.sleep(latency)
        ok = scope["method"] == "POST" and scope["path"].startswith("/push/")
        problem = check(dict(scope["headers"])) if ok else "not a push endpoint"
        status, body = (201, b"") if not problem else (400, problem.encode())
        headers = [(b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, backlog=2048)


if __name__ == "__main__":
    import sys

    serve_fast(int(sys.argv[1]), float(sys.argv[2]) / 1000)

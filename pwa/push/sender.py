"""Sending encrypted pushes over one shared HTTP session.

Each message is encrypted for its subscription with http_ece (aes128gcm, RFC 8291:
a fresh ephemeral key per message), as pywebpush does, without importing pywebpush,
which brings `requests` into every worker (about 5 MB) for a sending path we do not use.
The VAPID JWT only names the push service (`aud`), so one signed token per push
service is reused until close to its expiry, as production senders do: signing per
message would double the work.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from types import TracebackType

import aiohttp
import http_ece
from cryptography.hazmat.primitives.asymmetric import ec
from yarl import URL

from pwa.models import utcnow
from pwa.push.outbox import absolute
from pwa.push.vapid import Identity, b64url_decode

JWT_LIFETIME = 12 * 3600  # push services refuse tokens valid for more than 24 h
JWT_RENEW_BEFORE = 3600  # sign a new token once the cached one has less than this left


@dataclass(frozen=True)
class Job:
    """A claimed delivery with what is needed to send it."""

    delivery_id: int
    subscription_id: int
    endpoint: str
    p256dh: str
    auth: str
    payload: str
    ttl: int
    urgency: str
    topic: str


@dataclass(frozen=True)
class Outcome:
    """What the push service said: `sent`, `gone`, `retry` or `failed`."""

    job: Job
    result: str
    code: int | None = None
    retry_after: float | None = None
    error: str = ""


def audience(endpoint: str) -> str:
    """The JWT `aud`: the endpoint's origin, port included (`https://host:port`)."""
    end = endpoint.find("/", endpoint.find("://") + 3)
    return endpoint if end < 0 else endpoint[:end]


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or utcnow())).total_seconds())


def classify(job: Job, code: int, retry_after: str | None, error: str = "") -> Outcome:
    """Map a push service's status to what the worker does next."""
    if code in (200, 201, 202):
        return Outcome(job, "sent", code)
    if code in (404, 410):
        return Outcome(job, "gone", code, error=error)
    if code == 429 or code >= 500:
        return Outcome(job, "retry", code, parse_retry_after(retry_after), error)
    return Outcome(job, "failed", code, error=error)  # 400, 403 (VAPID), 413 (our bug): retrying will not help


class Tokens:
    """VAPID `Authorization` values, one per push service, signed again shortly before they expire."""

    def __init__(self, identity: Identity, *, clock: Callable[[], float] = time.time) -> None:
        self.identity, self.clock = identity, clock
        self._cache: dict[str, tuple[str, int]] = {}

    def header(self, aud: str) -> str:
        """`vapid t=<jwt>,k=<public key>` for the push service at origin `aud`."""
        now = self.clock()
        cached = self._cache.get(aud)
        if cached is not None and cached[1] - now > JWT_RENEW_BEFORE:
            return cached[0]
        exp = int(now) + JWT_LIFETIME
        # py-vapid writes into the claims dict it is given: a fresh one per signature.
        value = str(self.identity.vapid.sign({"sub": self.identity.subject, "aud": aud, "exp": exp})["Authorization"])
        self._cache[aud] = (value, exp)
        return value


@lru_cache(maxsize=256)
def plaintext(payload: str, base_url: str) -> bytes:
    """The bytes to encrypt; one notice's thousands of deliveries share a few payloads."""
    return absolute(payload, base_url)


def encrypt(job: Job, data: bytes) -> bytes:
    """The aes128gcm body for this subscription's keys (raises ValueError on keys that cannot work)."""
    receiver = b64url_decode(job.p256dh)
    if len(receiver) != 65 or receiver[0] != 4:
        raise ValueError("p256dh is not an uncompressed P-256 point")
    auth = b64url_decode(job.auth)
    if not auth:
        raise ValueError("no auth secret")
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    try:
        body = http_ece.encrypt(data, private_key=ephemeral, dh=receiver, auth_secret=auth, version="aes128gcm")
    except http_ece.ECEException as exc:
        raise ValueError(exc.message) from exc
    return bytes(body)


class Sender:
    """Sends jobs with an explicit timeout; `async with` owns the HTTP session (at most `concurrency` connections)."""

    def __init__(self, identity: Identity, *, base_url: str, concurrency: int = 64, timeout: float = 10.0) -> None:
        self.identity, self.base_url, self.tokens = identity, base_url, Tokens(identity)
        self.concurrency, self.timeout = concurrency, aiohttp.ClientTimeout(total=timeout)
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Sender:
        connector = aiohttp.TCPConnector(limit=self.concurrency, limit_per_host=self.concurrency, ttl_dns_cache=300)
        self._http = aiohttp.ClientSession(connector=connector, timeout=self.timeout)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._http is not None:
            await self._http.close()

    def request(self, job: Job) -> tuple[bytes, dict[str, str]]:
        """The encrypted body and headers of one push (raises ValueError on unusable keys)."""
        body = encrypt(job, plaintext(job.payload, self.base_url))
        headers = {
            "Authorization": self.tokens.header(audience(job.endpoint)),
            "TTL": str(job.ttl),
            "Urgency": job.urgency,
            "Topic": job.topic,
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
        }
        return body, headers

    async def send(self, job: Job) -> Outcome:
        """Encrypt and post one message."""
        assert self._http is not None, "use `async with Sender(...)`"
        try:
            body, headers = self.request(job)
        except ValueError as exc:  # keys the crypto library refuses: this subscription can never work
            return Outcome(job, "gone", None, error=f"bad keys: {exc}"[:300])
        try:
            # The endpoint came from a browser already encoded: yarl need not check it again.
            async with self._http.post(URL(job.endpoint, encoded=True), data=body, headers=headers) as response:
                if response.status < 300:
                    return classify(job, response.status, None)
                text = await response.text(errors="replace")
                error = f"{response.status} {response.reason}: {text}"[:300]
                return classify(job, response.status, response.headers.get("Retry-After"), error)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return Outcome(job, "retry", None, error=f"network: {type(exc).__name__} {exc}"[:300])

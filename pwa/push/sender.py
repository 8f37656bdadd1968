"""Sending one encrypted push with pywebpush's async API over one shared HTTP session."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from urllib.parse import urlsplit

import aiohttp
from pywebpush import WebPushException, webpush_async

from pwa.models import utcnow
from pwa.push.outbox import absolute
from pwa.push.vapid import Identity

JWT_LIFETIME = 12 * 3600  # push services refuse tokens valid for more than 24 h


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
    """The JWT `aud`: the endpoint's origin, port included."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
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


class Sender:
    """Sends jobs with bounded concurrency and an explicit timeout; `async with` owns the HTTP session."""

    def __init__(self, identity: Identity, *, base_url: str, concurrency: int = 64, timeout: float = 10.0) -> None:
        self.identity, self.base_url = identity, base_url
        self.concurrency, self.timeout = concurrency, aiohttp.ClientTimeout(total=timeout)
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Sender:
        connector = aiohttp.TCPConnector(limit=self.concurrency, limit_per_host=self.concurrency, ttl_dns_cache=300)
        self._http = aiohttp.ClientSession(connector=connector)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._http is not None:
            await self._http.close()

    async def send_all(self, jobs: Sequence[Job]) -> list[Outcome]:
        """Send every job, at most `concurrency` at a time."""
        gate = asyncio.Semaphore(self.concurrency)

        async def one(job: Job) -> Outcome:
            async with gate:
                return await self.send(job)

        return list(await asyncio.gather(*(one(job) for job in jobs)))

    async def send(self, job: Job) -> Outcome:
        """Encrypt, sign and post one message."""
        assert self._http is not None, "use `async with Sender(...)`"
        # pywebpush writes into the claims dict it is given: a fresh one per send.
        claims: dict[str, str | int] = {
            "sub": self.identity.subject,
            "aud": audience(job.endpoint),
            "exp": int(time.time()) + JWT_LIFETIME,
        }
        info = {"endpoint": job.endpoint, "keys": {"p256dh": job.p256dh, "auth": job.auth}}
        try:
            response = await webpush_async(
                subscription_info=info,
                data=absolute(job.payload, self.base_url),
                vapid_private_key=self.identity.vapid,
                vapid_claims=claims,
                headers={"Urgency": job.urgency, "Topic": job.topic},
                ttl=job.ttl,
                timeout=self.timeout,  # passed through to aiohttp
                aiohttp_session=self._http,
            )
        except WebPushException as exc:
            return self._refused(job, exc)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return Outcome(job, "retry", None, error=f"network: {type(exc).__name__} {exc}"[:300])
        except ValueError as exc:  # keys the crypto library refuses: this subscription can never work
            return Outcome(job, "gone", None, error=f"bad keys: {exc}"[:300])
        return classify(job, int(getattr(response, "status", 201)), None)

    def _refused(self, job: Job, exc: WebPushException) -> Outcome:
        response = exc.response
        if response is None:
            return Outcome(job, "failed", None, error=str(exc)[:300])
        code = int(getattr(response, "status", getattr(response, "status_code", 0)))
        return classify(job, code, response.headers.get("Retry-After"), str(exc).splitlines()[0][:300])

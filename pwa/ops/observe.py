"""One JSON log line and a few metric updates per request (pwa/edge.py calls `Observe.record`).

The line names the route's template (`/dossiers/{code}`), never the path itself (codes) nor the
query string (phones, secrets), and no address, name or body. It is built with `%` from values
that need no JSON escaping (the template comes from the code, the method is an HTTP token, the
request id is checked), so no encoder runs per request.

The counters and the histogram are prometheus-client's; with PROMETHEUS_MULTIPROC_DIR set
(`pwa serve` does) each web process writes its own file and GET /metrics adds them up.
"""

from __future__ import annotations

import logging
import re
import time
from secrets import token_hex
from typing import Any

from prometheus_client import Counter, Histogram, disable_created_metrics
from starlette.routing import Match, Mount
from starlette.types import Scope

access_log = logging.getLogger("pwa.access")
# `_created` series (when a process started counting) would double the output for nothing.
disable_created_metrics()  # type: ignore[no-untyped-call]

REQUESTS = Counter(
    "pwa_http_requests", "HTTP requests answered, by route template, method and status", ["route", "method", "status"]
)
LATENCY = Histogram(
    "pwa_http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer, by route template",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
RATE_LIMITED = Counter("pwa_rate_limited", "Requests refused by a rate limit (429), by route template", ["route"])

HEADER = b"x-request-id"
_VALID_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")  # what a proxy or a load balancer sends; nothing to escape
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # no route took the request (a 404, or refused before routing)
_LINE = '{"ts":"%s.%03dZ","request_id":"%s","method":"%s","route":"%s","status":%d,"ms":%.1f,"bytes":%d}'


def request_id(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's X-Request-ID if it is short and plain, else a new random one."""
    for name, value in headers:
        if name == HEADER:
            if _VALID_ID.fullmatch(value):
                return value.decode("ascii")
            break
    return token_hex(8)


class Observe:
    """Logs each answered request in one line and counts it (the request id is echoed as X-Request-ID)."""

    def __init__(self) -> None:
        self._templates: dict[int, str] = {}  # id(route) -> its template
        self._series: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}  # label lookups, done once
        self._second, self._stamp = -1, ""

    def record(self, scope: Scope, rid: str, status: int, size: int, elapsed: float) -> None:
        """One answered request: `status` and `size` as sent, `elapsed` seconds from its arrival."""
        route = self._template(scope, status)
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        series = self._series.get((route, method, status))
        if series is None:
            limited = RATE_LIMITED.labels(route) if status == 429 else None
            series = self._series[(route, method, status)] = (
                REQUESTS.labels(route, method, str(status)),
                LATENCY.labels(route),
                limited,
            )
        series[0].inc()
        series[1].observe(elapsed)
        if series[2] is not None:
            series[2].inc()
        if access_log.isEnabledFor(logging.INFO):
            now = time.time()
            fields = (self._timestamp(now), int(now * 1000) % 1000, rid, method, route, status, elapsed * 1000, size)
            # Logger.info() would first walk the stack for the caller's file and line (half its cost): not needed.
            access_log.handle(access_log.makeRecord(access_log.name, logging.INFO, "", 0, _LINE, fields, None))

    def _template(self, scope: Scope, status: int) -> str:
        route = scope.get("route")
        if route is None and status != 404:
            route = _route_of(scope)  # refused before routing (413, 403): find whose request it was
        if route is None:
            return UNMATCHED
        found = self._templates.get(id(route))
        if found is None:
            path = getattr(route, "path", "") or UNMATCHED
            found = self._templates[id(route)] = path + "/{path}" if isinstance(route, Mount) else path
        return found

    def _timestamp(self, now: float) -> str:
        second = int(now)
        if second != self._second:
            self._second, self._stamp = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return self._stamp


def _route_of(scope: Scope) -> Any:
    app = scope.get("app")
    for route in getattr(getattr(app, "router", None), "routes", ()):
        match, _child = route.matches(scope)
        if match is not Match.NONE:
            return route
    return None

"""For the operator: readiness and Prometheus metrics (docs/operations.md)."""

from __future__ import annotations

import hmac
import time

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from pwa.ops import metrics as scrape
from pwa.ops import ready as readiness
from routes._web import call, db, settings_of

READY_RECHECK_SECONDS = 1.0  # probes polling hard cost a few queries a second, not a few per probe
EXPOSITION = "text/plain; version=0.0.4; charset=utf-8"


async def ready(request: Request) -> Response:
    """200 when this process can serve: database up, schema current, outbox moving; 503 with the reasons."""
    state, now = request.app.state, time.monotonic()
    kept: tuple[float, readiness.Readiness] | None = getattr(state, "readiness", None)
    if kept and now - kept[0] < READY_RECHECK_SECONDS:
        result = kept[1]
    else:
        result = await call(readiness.check, db(request), settings_of(request))
        state.readiness = (now, result)
    body = {"status": "ready" if result.ready else "not ready", "reasons": list(result.reasons)}
    return JSONResponse(body, status_code=200 if result.ready else 503, headers={"Cache-Control": "no-store"})


async def metrics(request: Request) -> Response:
    """The Prometheus exposition, for `Authorization: Bearer <PWA_METRICS_TOKEN>`.

    Without a token configured the page does not exist (404); a missing or wrong token gets 401.
    """
    token = settings_of(request).metrics_token
    if not token:
        raise HTTPException(404)
    scheme, _space, sent = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(sent.strip().encode(), token.encode()):
        headers = {"WWW-Authenticate": 'Bearer realm="metrics"', "Cache-Control": "no-store"}
        return PlainTextResponse("a valid bearer token is needed\n", status_code=401, headers=headers)
    body = await call(scrape.scrape, db(request))
    return Response(body, media_type=EXPOSITION, headers={"Cache-Control": "no-store"})


routes = [
    Route("/readyz", ready, name="ready"),
    Route("/metrics", metrics, name="metrics"),
]

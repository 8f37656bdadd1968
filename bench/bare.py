"""The bare twin: a plain Starlette app answering each benchmarked path with the app's own body.

`BENCH_BARE_SPEC` names a JSON file `{path: {"status", "content_type", "body" (latin-1)}}` that
bench/pages.py writes from the app's real answers, so each twin response has the same size and
content type. `python -m bench.bare --port N [--workers N]` serves it with the uvicorn settings
of `pwa serve` (pwa/cli.py): same loop and HTTP defaults, log level and log config, no access log (the
app writes its own line per request), and proxy headers from loopback as the benchmark's app trusts them.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def _endpoint(answer: dict[str, Any]) -> Any:
    body = answer["body"].encode("latin-1")
    status, content_type = int(answer["status"]), answer["content_type"]

    async def endpoint(request: Request) -> Response:
        if request.method == "POST":
            await request.body()
        return Response(body, status_code=status, headers={"content-type": content_type})

    return endpoint


def _routes() -> list[Route]:
    spec_file = os.environ.get("BENCH_BARE_SPEC")
    if not spec_file:
        return []
    with open(spec_file, encoding="utf-8") as fh:
        spec = json.load(fh)
    routes = [Route(path, _endpoint(answer), methods=["GET", "POST"]) for path, answer in spec.items()]
    return [*routes, Route("/healthz", _endpoint({"status": 200, "content_type": "text/plain", "body": "ok"}))]


app = Starlette(routes=_routes())


def main() -> None:
    """Serve the twin as `pwa serve` serves the app."""
    import uvicorn

    from pwa.logs import uvicorn_log_config

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    uvicorn.run(
        "bench.bare:app",
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        access_log=False,
        log_level="info",
        log_config=uvicorn_log_config(),
    )


if __name__ == "__main__":
    main()

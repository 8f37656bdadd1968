"""Processor time per request, in-process: for before/after comparisons on a busy machine.

Not part of `make bench` (issue 11 asks for wrk figures). wrk's req/s on a shared 2-core machine
swings by 2× from one minute to the next; the processor time the app spends per answer moves far
less. The app is driven as uvicorn drives it (one ASGI call per request, the lifespan run, thread
hops included) by 16 concurrent tasks; user + system time of the whole process, divided by the
requests, median (and shortest) of BENCH_CPU_ROUNDS (3) rounds of BENCH_CPU_REQUESTS (3,000). The
pages and the timeline cookie come from bench/pages.py, on a fresh demo instance. As under `pwa
serve`, the access log is configured (its JSON lines written to /dev/null, as the benchmarks' servers
do) and the metrics are kept in multiprocess mode. Uvicorn's own HTTP parsing is not counted.

    .venv/bin/python bench/cpu.py                     # every GET page
    .venv/bin/python bench/cpu.py timeline /offices   # some
"""

from __future__ import annotations

import asyncio
import logging.config
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import lib, pages  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_CPU_REQUESTS", "3000"))
ROUNDS = int(os.environ.get("BENCH_CPU_ROUNDS", "3"))
TASKS = 16


def scope_for(target: pages.Target) -> dict[str, Any]:
    path, _, query = target.path.partition("?")
    headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"bench"), (b"accept", b"*/*")]
    headers += [(h.split(": ", 1)[0].lower().encode(), h.split(": ", 1)[1].encode()) for h in target.headers]
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
            "headers": headers, "client": ("127.0.0.1", 5555), "server": ("127.0.0.1", 8000)}  # fmt: skip


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(app: Any, found: list[pages.Target]) -> None:
    state: dict[str, Any] = {}
    lifespan = app.router.lifespan_context(app)
    state.update(await lifespan.__aenter__() or {})

    async def one(scope: dict[str, Any]) -> None:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await app({**scope, "state": dict(state)}, receive, send)
        assert sent[0]["status"] == 200, sent[0]

    async def client(scope: dict[str, Any], n: int) -> None:
        for _ in range(n):
            await one(scope)

    for target in found:
        scope = scope_for(target)
        await asyncio.gather(*(client(scope, 50) for _ in range(TASKS)))  # warm: caches filled
        cpu, wall = [], []
        for _ in range(ROUNDS):
            c0, w0 = cpu_seconds(), time.perf_counter()
            await asyncio.gather(*(client(scope, REQUESTS // TASKS) for _ in range(TASKS)))
            cpu.append((cpu_seconds() - c0) / REQUESTS * 1e6)
            wall.append((time.perf_counter() - w0) / REQUESTS * 1e6)
        runs = " / ".join(f"{c:.0f}" for c in cpu)
        print(f"{target.name:13s} {statistics.median(cpu):6.0f} µs of CPU a request (shortest {min(cpu):.0f}; "
              f"runs {runs}), {statistics.median(wall):6.0f} µs wall", flush=True)  # fmt: skip
    await lifespan.__aexit__(None, None, None)


def main() -> None:
    only = sys.argv[1:]
    folder = Path(tempfile.mkdtemp(prefix="bench-cpu-"))
    env, demo_output, api_key = pages.prepare(folder)
    with lib.serve(env, folder / "app.log") as server:  # to find the pages and make the timeline's cookie
        shifts = pages.open_shifts(server.url)
        found = [t for t in pages.targets(server.url, demo_output, shifts, []) if t.post is None]
    found = [t for t in found if not only or t.name in only]
    for name in [k for k in os.environ if k.startswith("PWA_") or k == "DATABASE_URL"]:
        del os.environ[name]
    os.environ.update({k: v for k, v in env.items() if k.startswith("PWA_") or k == "DATABASE_URL"})
    os.environ["PWA_MIGRATED_BY_SERVE"] = "1"
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder / "metrics")  # as `pwa serve` sets it
    (folder / "metrics").mkdir()
    from pwa.app import factory
    from pwa.logs import uvicorn_log_config

    stdout, sys.stdout = sys.stdout, open(os.devnull, "w")  # noqa: SIM115 (the access log's stream for good)
    try:
        logging.config.dictConfig(uvicorn_log_config())
    finally:
        sys.stdout = stdout
    asyncio.run(measure(factory(), found))  # the app as `pwa serve` makes it


if __name__ == "__main__":
    main()

"""Resident memory of `pwa serve`'s process group after 20,000 mixed requests, and its growth
over the next 20,000.

The app runs as for bench/pages.py (one web process, default delivery workers). wrk sends the
pages of that benchmark in turn, one booking POST in every eight requests, and stops itself
once its Lua counter has seen BENCH_MEMORY_REQUESTS answers (default 20,000) per phase, or
after BENCH_MEMORY_CAP seconds (default 90, to keep `make bench` within 15 minutes), whichever
comes first: the table says how many requests each phase really made. VmRSS is read from
/proc/<pid>/status for every process in the server's group.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import lib, pages  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_MEMORY_REQUESTS", "20000"))
CAP = int(os.environ.get("BENCH_MEMORY_CAP", "90"))
WEB_MB, WORKER_MB, GROUP_MB, GROWTH = 120, 60, 250, 0.05


def script(found: list[pages.Target], api_key: str, shifts: list[tuple[str, str]]) -> str:
    """wrk script: the GET pages in turn, every eighth request a booking; stop at REQUESTS answers."""
    gets = [t for t in found if t.post is None]

    def lua(target: pages.Target) -> str:
        headers = ", ".join('["{}"] = "{}"'.format(*h.split(": ", 1)) for h in target.headers)
        return f'wrk.format("GET", "{target.path}", {{{headers}}})'

    lua_gets = ",\n    ".join(lua(t) for t in gets)
    return (
        pages.booking_lua(pages.BOOKING, api_key, shifts)
        + f"""
local gets = {{}}
init = function(args)
  gets = {{
    {lua_gets}
  }}
end
local n, answered = 0, 0
request = function()
  n = n + 1
  if n % 8 == 0 then return booking(n) end
  return gets[(n % #gets) + 1]
end
statuses = {{}}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  answered = answered + 1
  if answered == {REQUESTS} then
    io.write("DONE\\n")
    io.stdout:flush()
    wrk.thread:stop()
  end
end
local threads = {{}}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for status, k in pairs(thread:get("statuses")) do io.write(string.format("STATUS %d %d\\n", status, k)) end
  end
end
"""
    )


def snapshot(server: lib.Server) -> dict[str, float]:
    """RSS in MB: the web process, each delivery worker, the whole group."""
    assert server.process is not None
    figures: dict[str, float] = {}
    for pid in server.group():
        try:
            mb, line = lib.rss_mb(pid), lib.cmdline(pid)
        except OSError:
            continue
        if pid == server.process.pid:
            figures["web process"] = mb
        else:
            name = "delivery worker" if " worker " in f"{line} " else "other child"
            figures[f"{name} {sum(k.startswith(name) for k in figures) + 1}"] = mb
    figures["group"] = sum(figures.values())
    return figures


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    env, demo_output, api_key = pages.prepare(folder)
    with lib.serve(env, folder / "app.log") as server:
        shifts = pages.open_shifts(server.url)
        found = pages.targets(server.url, demo_output, shifts, [])
        path = folder / "mixed.lua"
        path.write_text(script(found, api_key, shifts), encoding="utf-8")
        start = snapshot(server)
        first = lib.wrk_until(server.url + "/", cap=CAP, script=path)
        after_first = snapshot(server)
        path.write_text(script(found, api_key, shifts), encoding="utf-8")  # new idempotency keys
        second = lib.wrk_until(server.url + "/", cap=CAP, script=path)
        after_second = snapshot(server)
    lib.write_section("memory", report(start, after_first, after_second, first, second))


def limit(name: str) -> float | None:
    if name == "web process":
        return WEB_MB
    if name.startswith("delivery worker"):
        return WORKER_MB
    return GROUP_MB if name == "group" else None


def report(start: dict[str, float], first: dict[str, float], second: dict[str, float], w1: lib.Wrk, w2: lib.Wrk) -> str:
    """The markdown section."""
    rows = []
    for name in first:
        before, after = first[name], second.get(name, float("nan"))
        growth = after / before - 1
        cap = limit(name)
        within = "" if cap is None else (f"≤ {cap} MB " + ("met" if after <= cap else "**missed**"))
        rows.append(
            [name, f"{start.get(name, float('nan')):.0f}", f"{before:.0f}", f"{after:.0f}",
             f"{growth:+.1%} " + ("met" if growth <= GROWTH else "**missed**"), within]
        )  # fmt: skip

    def phase(w: lib.Wrk) -> str:
        bad = {s: n for s, n in w.statuses.items() if not 200 <= s < 400}
        return f"{sum(w.statuses.values()):,} answers at {w.rps:,.0f} req/s, non-2xx/3xx {bad or 0}, errors {w.errors}"

    return "\n".join(
        [
            "## Memory: `pwa serve` process group (VmRSS)",
            "",
            f"Mixed load with wrk (-c{lib.CONNECTIONS}): the pages of the table above in turn, every eighth "
            f"request a booking POST; each phase stops at {REQUESTS:,} answers or after {CAP} s.",
            f"First phase: {phase(w1)}. Second phase: {phase(w2)}.",
            "One run (memory is a level, not a rate).",
            "",
            lib.table(
                ["process", "MB at start", "MB after phase 1", "MB after phase 2", "growth (≤ 5%)", "target"], rows
            ),
        ]
    )


if __name__ == "__main__":
    main()

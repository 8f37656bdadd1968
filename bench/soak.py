"""Soak: `pwa serve` under steady mixed traffic for 10 minutes: no 5xx, memory flat, the WAL bounded.

The app runs as for bench/memory.py (demo data on SQLite, one web process, default delivery
workers). bench/traffic.py sends SOAK_RATE actions a second (default 30, far below what one
process serves: see the pages table) for SOAK_SECONDS (default 600) over SOAK_CONNECTIONS
keep-alive connections (8), on a fixed schedule: pages, static files, slots, dossier lookups (API
and form) and timelines, bookings through the JSON API with lookups, cancellations and
reschedules, push subscriptions made and dropped. Every SOAK_NOTICE_SECONDS (20) a staff notice
goes to the devices that follow news, so the delivery workers send real pushes, to a local push
service 40 ms away (tests/fakepush.py). Every SOAK_SAMPLE_SECONDS (15) the VmRSS of each process
of the server's group and the size of the database's `-wal` file are read.

Targets: no 5xx and no socket error or timeout; after two minutes of warm-up (caches and pools
filled, every template compiled, push on for about half the devices, a fan-out or more sent by
each worker: a worker's heap keeps the high-water mark of its largest fan-out), each process's
mean RSS in the last minute within 5% of the minute after the warm-up (its slope from then on is
reported too); the WAL's largest size in
the second half of the run no more than in the first half (a WAL whose checkpoints never finish
grows with every write).
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import lib, memory, pages, traffic  # noqa: E402
from bench.push_fanout import browser_keys  # noqa: E402

SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
RATE = float(os.environ.get("SOAK_RATE", "30"))
CONNECTIONS = int(os.environ.get("SOAK_CONNECTIONS", "8"))
EVERY = float(os.environ.get("SOAK_SAMPLE_SECONDS", "15"))
NOTICE_EVERY = float(os.environ.get("SOAK_NOTICE_SECONDS", "20"))
DEVICES = int(os.environ.get("SOAK_DEVICES", "200"))
GROWTH = 0.05
WINDOW = min(60.0, SECONDS / 5)  # "a minute" (shorter in a short run)
WARM_UP = 2 * WINDOW  # until the subscriptions are about half the devices and each worker has sent a fan-out


@dataclass(frozen=True)
class Sample:
    """One look at the server: seconds since the load began, RSS per process (MB), file sizes (bytes)."""

    at: float
    rss: dict[str, float]
    wal: int
    database: int


def size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def push_service() -> tuple[subprocess.Popen[bytes], str]:
    """tests/fakepush.py on a free port, 40 ms away; once it listens."""
    port = lib.free_port()
    process = subprocess.Popen([lib.PYTHON, "-m", "tests.fakepush", str(port), "40"], cwd=lib.ROOT)
    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process, f"http://127.0.0.1:{port}"
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("the local push service did not start")


def deliveries(path: Path) -> dict[str, int]:
    """Push deliveries by status, read from the database file."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return dict(conn.execute("SELECT status, count(*) FROM push_delivery GROUP BY status").fetchall())


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-soak-"))
    env, demo_output, _api_key = pages.prepare(folder)
    notice_key = lib.pwa(["create-api-key", "--name", "soak", "--scopes", "notices"], env).strip().splitlines()[-1]
    database = folder / "bench.sqlite3"
    wal = database.with_name(database.name + "-wal")
    pusher, push_origin = push_service()
    samples: list[Sample] = []
    try:
        with lib.serve(env, folder / "app.log") as server:
            shifts = pages.open_shifts(server.url)
            home = pages.get(server.url + "/")[2].decode()
            static = sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', home)))
            static += ["/manifest.webmanifest", "/service_worker.js"]
            load = traffic.Traffic(server.url, rate=RATE, seconds=SECONDS, connections=CONNECTIONS, devices=DEVICES,
                                   demo=demo_output, push_origin=push_origin, keys=browser_keys(), shifts=shifts,
                                   static=static, notice_key=notice_key, notice_every=NOTICE_EVERY)  # fmt: skip

            def sample(at: float) -> None:
                samples.append(Sample(at, memory.snapshot(server), size(wal), size(database)))
                last = samples[-1]
                each = ", ".join(f"{k} {v:.1f}" for k, v in last.rss.items())
                print(f"{at:5.0f} s: {load.tally.total:,} requests; MB: {each}; WAL {last.wal / 1024:,.0f} KiB",
                      flush=True)  # fmt: skip

            asyncio.run(load.run(EVERY, sample))
            time.sleep(3)  # the last notice's pushes
            sent = deliveries(database)
        log = (folder / "app.log").read_text(errors="replace")
    finally:
        pusher.terminate()
        pusher.wait()
    problems = [line for line in log.splitlines() if "Traceback" in line or " ERROR" in line or "ERROR:" in line]
    lib.write_section("soak", report(load.tally, samples, sent, problems))


# --- the report ----------------------------------------------------------------------------


def mean_between(samples: list[Sample], name: str, start: float, end: float) -> float:
    values = [s.rss[name] for s in samples if start <= s.at <= end and name in s.rss]
    return statistics.fmean(values) if values else float("nan")


def slope(samples: list[Sample], name: str) -> float:
    """MB per minute after the warm-up (least squares)."""
    points = [(s.at / 60, s.rss[name]) for s in samples if s.at >= WARM_UP and name in s.rss]
    if len(points) < 3:
        return float("nan")
    return statistics.linear_regression([p[0] for p in points], [p[1] for p in points]).slope


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def memory_rows(samples: list[Sample]) -> tuple[list[list[str]], bool]:
    end = samples[-1].at
    rows, flat = [], True
    for name in samples[-1].rss:
        first = mean_between(samples, name, WARM_UP, WARM_UP + WINDOW)
        last = mean_between(samples, name, end - WINDOW, end)
        growth = last / first - 1
        ok = growth <= GROWTH
        flat = flat and ok
        peak = max(s.rss.get(name, 0.0) for s in samples)
        rows.append([name, f"{samples[0].rss.get(name, float('nan')):.0f}", f"{first:.1f}", f"{last:.1f}",
                     f"{peak:.1f}", f"{growth:+.1%} {verdict(ok)}", f"{slope(samples, name):+.2f}"])  # fmt: skip
    return rows, flat


def wal_figures(samples: list[Sample]) -> tuple[list[str], bool]:
    half = samples[-1].at / 2
    first = max(s.wal for s in samples if s.at <= half)
    second = max(s.wal for s in samples if s.at > half)
    bounded = second <= first * 1.1 + 65536

    def kib(n: int) -> str:
        return f"{n / 1024:,.0f} KiB"

    every_minute = [s for s in samples if s.at == 0 or int(s.at // 60) != int((s.at - EVERY) // 60)]
    line = ", ".join(f"{s.at / 60:.0f} min {kib(s.wal)}" for s in every_minute)
    return [
        f"- WAL (`-wal` file): largest {kib(max(s.wal for s in samples))}, at the end {kib(samples[-1].wal)}; "
        f"largest in the first half {kib(first)}, in the second half {kib(second)}: bounded {verdict(bounded)}.",
        f"- WAL size over time: {line}.",
        f"- Database file: {kib(samples[0].database)} at the start, {kib(samples[-1].database)} at the end "
        "(the bookings, events and notices written).",
    ], bounded


def report(tally: traffic.Tally, samples: list[Sample], sent: dict[str, int], problems: list[str]) -> str:
    """The markdown section."""
    seconds = samples[-1].at
    classes = tally.classes()
    fives, errors = classes.get("5xx", 0), classes.get("errors", 0)
    rows = []
    for kind in sorted(set(tally.statuses) | set(tally.errors)):
        counter, times = tally.statuses[kind], sorted(tally.times[kind])
        codes = ", ".join(f"{n:,}×{s}" for s, n in sorted(counter.items()))
        failed = ", ".join(f"{n}×{e}" for e, n in tally.errors[kind].items()) or "0"
        p50 = times[len(times) // 2] * 1000 if times else float("nan")
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))] * 1000 if times else float("nan")
        rows.append([kind, f"{sum(counter.values()):,}", codes, failed, f"{p50:.1f}", f"{p99:.1f}"])
    per_second = [tally.by_second[s] for s in range(int(seconds))]
    memory_table, flat = memory_rows(samples)
    wal_lines, bounded = wal_figures(samples)
    ok = fives == 0 and errors == 0
    lines = [
        "## Soak: steady mixed traffic (bench/soak.py)",
        "",
        f"`pwa serve` (one web process, default delivery workers, demo data on SQLite) for {seconds / 60:.1f} minutes "
        f"at a fixed {RATE:g} actions a second (open loop, {CONNECTIONS} keep-alive connections, {DEVICES} devices "
        f"with their own cookies and client addresses), a staff notice every {NOTICE_EVERY:g} s fanned out by the "
        f"delivery workers; RSS and the `-wal` file read every {EVERY:g} s. "
        "`SOAK_SECONDS=600 .venv/bin/python bench/soak.py` (or `BENCH_ONLY=soak make bench`).",
        "",
        f"- Requests: {tally.total:,} ({tally.total / seconds:.1f}/s; per second min {min(per_second, default=0)}, "
        f"max {max(per_second, default=0)}); "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(classes.items()))
        + f". No 5xx and no socket error: {verdict(ok)}.",
        f"- Push deliveries: {', '.join(f'{n:,} {s}' for s, n in sorted(sent.items())) or 'none'}.",
        f"- Error lines in the server's log: {len(problems)}. Faults of the load script itself: "
        + (", ".join(f"{n}× {f}" for f, n in tally.faults.items()) or "none")
        + ".",
        *wal_lines,
        "",
        lib.table(["request", "count", "statuses", "socket errors", "p50 ms", "p99 ms"], rows),
        "",
        f"Memory (VmRSS, MB): mean of the {WINDOW:g} s after a warm-up of {WARM_UP:g} s against the last "
        f"{WINDOW:g} s of the load, target growth ≤ {GROWTH:.0%}; slope after the warm-up by least squares.",
        "",
        lib.table(
            ["process", "before the load", "after the warm-up", "last minute", "peak", "growth", "MB/min"], memory_table
        ),  # fmt: skip
        "",
        f"Memory flat: {verdict(flat)}. WAL bounded: {verdict(bounded)}. Zero 5xx: {verdict(fives == 0)}.",
    ]
    if tally.server_errors:
        lines += ["", "5xx answers:", "", *[f"- {e}" for e in tally.server_errors[:20]]]
    if tally.surprises:
        lines += ["", "First 4xx of each kind (expected ones included):", "", *[f"- {s}" for s in tally.surprises]]
    if problems:
        lines += ["", "Server log errors (first 10):", "", *[f"- `{p[:200]}`" for p in problems[:10]]]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

"""`make bench`: run every benchmark, then write bench/RESULTS.md from their sections.

Each benchmark writes bench/results/<name>.md; this script adds the machine, the commands to
reproduce and the hand-written notes of bench/NOTES.md (changes made and their measured
effect), if any. BENCH_ONLY=pages,writes runs some benchmarks only (the others keep their last
section); BENCH_NOTE adds a line under the title (e.g. "baseline, machine busy").
"""

from __future__ import annotations

import os
import platform
import re
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import lib  # noqa: E402

ORDER = ("pages", "memory", "writes", "push_fanout", "lighthouse", "soak")
PUSH_SUBSCRIPTIONS = os.environ.get("BENCH_SUBSCRIPTIONS", "3000")


def machine() -> list[str]:
    """What the figures were measured on."""
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
    try:  # the soak alone needs no wrk
        wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.splitlines()[0].split(" [")[0]
    except FileNotFoundError:
        wrk = "no wrk"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=lib.ROOT)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"- CPU: {cpu.group(1) if cpu else platform.processor()}, {os.cpu_count()} cores",
        f"- memory: {mem_kb / 1024 / 1024:.1f} GiB; kernel {platform.release()}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {wrk}",
        f"- code: commit {commit.stdout.strip() or '?'}; run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"load average at start {load}",
    ]


def push_fanout() -> None:
    """bench/push_fanout.py BENCH_RUNS times (BENCH_SUBSCRIPTIONS, default here 3,000): medians."""
    figures: dict[str, list[float]] = {}
    patterns = {
        "fan-out messages/s": r"fan-out: ([\d,]+) messages/s",
        "encrypt-and-sign loop /s": r"encrypt-and-sign loop: ([\d,]+) /s",
        "ratio to encrypt-and-sign (≥ 0.5)": r"encrypt-and-sign loop: .*ratio ([\d.]+)",
        "ratio to sequential webpush() (≥ 10)": r"sequential webpush\(\): .*ratio ([\d.]+)",
        "GET / during fan-out vs idle, first page (≤ 2)": r"first page: .*-> ([\d.]+)x",
        "GET / during fan-out vs idle, next page (≤ 2)": r"next page: .*-> ([\d.]+)x",
    }
    env = {**os.environ, "BENCH_SUBSCRIPTIONS": PUSH_SUBSCRIPTIONS}
    for _ in range(lib.runs()):
        out = subprocess.run(
            [lib.PYTHON, "bench/push_fanout.py"], cwd=lib.ROOT, env=env, capture_output=True, text=True, check=True
        ).stdout
        print(out, flush=True)
        for name, pattern in patterns.items():
            figures.setdefault(name, []).append(float(re.search(pattern, out).group(1).replace(",", "")))  # type: ignore[union-attr]
    rows = [[name, f"{lib.median(v):,.2f}", " / ".join(f"{x:,.2f}" for x in v)] for name, v in figures.items()]
    lib.write_section(
        "push_fanout",
        "\n".join(
            [
                "## Push fan-out (bench/push_fanout.py)",
                "",
                f"{int(PUSH_SUBSCRIPTIONS):,} subscriptions per run (BENCH_SUBSCRIPTIONS), push service 40 ms away; "
                f"medians of {lib.runs()} runs.",
                "",
                lib.table(["figure", "median", "each run"], rows),
            ]
        ),
    )


def run(name: str) -> bool:
    """One benchmark; False if it failed (its section then says so)."""
    started = time.monotonic()
    try:
        if name == "push_fanout":
            push_fanout()
        else:
            subprocess.run([lib.PYTHON, f"bench/{name}.py"], cwd=lib.ROOT, check=True)
        ok = True
    except (subprocess.CalledProcessError, AttributeError) as exc:
        lib.write_section(name, f"## {name}\n\nFAILED: {exc}")
        ok = False
    print(f"--- {name}: {time.monotonic() - started:.0f} s", flush=True)
    return ok


def main() -> None:
    only = [n for n in os.environ.get("BENCH_ONLY", "").split(",") if n] or list(ORDER)
    header = machine()
    started = time.monotonic()
    results = {name: run(name) for name in ORDER if name in only}
    total = time.monotonic() - started
    note = os.environ.get("BENCH_NOTE", "")
    lines = ["# Benchmark results", ""]
    if note:
        lines += [f"**{note}.**", ""]
    lines += [
        "Written by `make bench` (bench/run.py); every benchmark's own docstring says what it does.",
        "",
        "## Machine",
        "",
        *header,
        f"- `make bench` took {total / 60:.1f} minutes"
        + ("" if set(only) == set(ORDER) else f" (only {', '.join(only)}; other sections from earlier runs)"),
        "",
        "## Reproduce",
        "",
        "```sh",
        "make bench                                  # everything, about 25 minutes on 2 cores",
        "BENCH_SECONDS=1 BENCH_RUNS=1 make bench     # a quick look",
        "BENCH_ONLY=pages,writes make bench          # some benchmarks only",
        "SOAK_SECONDS=120 BENCH_ONLY=soak make bench # a short soak",
        ".venv/bin/python bench/pages.py             # one benchmark, its section printed",
        "```",
        "",
        "Knobs: BENCH_SECONDS (wrk run length, 5), BENCH_RUNS (runs per figure, 3), BENCH_MEMORY_REQUESTS "
        "(20000), BENCH_MEMORY_CAP (seconds per memory phase, 90), BENCH_BOOKINGS (300), BENCH_DATABASE_URL "
        "(PostgreSQL for the writes), BENCH_SUBSCRIPTIONS (push fan-out, 3000); the soak: SOAK_SECONDS (600), "
        "SOAK_RATE (actions a second, 30), SOAK_CONNECTIONS (8), SOAK_SAMPLE_SECONDS (15), SOAK_NOTICE_SECONDS (20), "
        "SOAK_DEVICES (200).",
    ]
    for name in ORDER:
        section = lib.RESULTS / f"{name}.md"
        if section.exists():
            lines += ["", section.read_text(encoding="utf-8").rstrip()]
    notes = lib.ROOT / "bench" / "NOTES.md"
    if notes.exists():
        lines += ["", notes.read_text(encoding="utf-8").rstrip()]
    (lib.ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"bench/RESULTS.md written ({total / 60:.1f} minutes)")
    if not all(results.values()):
        sys.exit("some benchmarks failed: see bench/RESULTS.md")


if __name__ == "__main__":
    main()

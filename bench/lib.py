"""Shared parts of the benchmarks: wrk runs, servers in their own process group, result sections.

Each benchmark writes one markdown section to bench/results/<name>.md; bench/run.py puts
them together into bench/RESULTS.md. Durations come from the environment so a quick run
is possible: BENCH_SECONDS (per wrk run, default 5) and BENCH_RUNS (default 3, medians).
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
PWA = str(Path(PYTHON).parent / "pwa")
CONNECTIONS = 16


def seconds() -> int:
    """Length of one wrk run (BENCH_SECONDS, default 5)."""
    return int(os.environ.get("BENCH_SECONDS", "5"))


def runs() -> int:
    """Runs per figure (BENCH_RUNS, default 3); figures are their medians."""
    return max(1, int(os.environ.get("BENCH_RUNS", "3")))


def median(values: Sequence[float]) -> float:
    """The median, or NaN for no values."""
    return statistics.median(values) if values else float("nan")


def write_section(name: str, markdown: str) -> None:
    """Store this benchmark's section for bench/RESULTS.md, and show it."""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.md").write_text(markdown.rstrip() + "\n", encoding="utf-8")
    print(markdown)


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# --- wrk ---------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


@dataclass
class Wrk:
    """One wrk run's figures."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int  # wrk counts responses outside 2xx and 3xx
    errors: int  # socket errors: connect, read, write, timeout
    statuses: dict[int, int] = field(default_factory=dict)  # from the Lua counter, when the script has one


def parse_wrk(output: str) -> Wrk:
    """Figures from wrk --latency output (and the STATUS lines of bench's Lua scripts)."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    non = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = sum(int(n) for n in sock.groups()) if sock else 0
    statuses = {int(s): int(n) for s, n in re.findall(r"^STATUS (\d+) (\d+)$", output, re.M)}
    return Wrk(rps, p50, p99, requests, int(non.group(1)) if non else 0, errors, statuses)


def wrk(url: str, *, duration: int | None = None, script: Path | None = None, headers: Sequence[str] = ()) -> Wrk:
    """`wrk -t1 -c16 -d<BENCH_SECONDS>s --latency` against one URL."""
    cmd = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{duration or seconds()}s", "--latency", "--timeout", "10s"]
    for header in headers:
        cmd += ["-H", header]
    if script is not None:
        cmd += ["-s", str(script)]
    done = subprocess.run([*cmd, url], capture_output=True, text=True, check=True)
    return parse_wrk(done.stdout)


def wrk_until(url: str, *, cap: int, script: Path) -> Wrk:
    """wrk with a script that prints DONE once it has what it wants: stopped then (SIGINT, after
    which wrk still prints its figures), or after `cap` seconds."""
    cmd = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{cap}s", "--latency", "--timeout", "10s", "-s", str(script), url]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.strip() == "DONE":
            process.send_signal(signal.SIGINT)
    if process.wait() != 0:
        raise RuntimeError("wrk failed:\n" + "".join(lines))
    return parse_wrk("".join(lines))


STATUS_COUNTER = """
statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do io.write(string.format("STATUS %d %d\\n", status, n)) end
  end
end
"""


# --- servers -----------------------------------------------------------------------------


class Server:
    """A command serving HTTP, started in a session (process group) of its own."""

    def __init__(self, cmd: Sequence[str], env: dict[str, str], url: str, log: Path) -> None:
        self.cmd, self.env, self.url, self.log = list(cmd), env, url, log
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        # stdout (uvicorn's access log) is thrown away, as LiveServer does; stderr goes to `log`.
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.cmd, env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.cmd} exited early; see {self.log}:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status < 500:
                        return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.cmd} did not answer within 120 s; see {self.log}:\n{self.log.read_text()[-3000:]}")

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass

    def group(self) -> list[int]:
        """Every process of the server's group (web process, uvicorn's workers, delivery workers)."""
        assert self.process is not None
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[2]) == self.process.pid:
                    pids.append(int(entry.name))
        return sorted(pids)


def rss_mb(pid: int) -> float:
    """Resident memory of one process (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cmdline(pid: int) -> str:
    """A process's command line, spaces between the arguments."""
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def app_env(folder: Path, **extra: str) -> dict[str, str]:
    """Environment for `pwa` commands on a SQLite file and instance folder inside `folder`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PWA_", "DATABASE_URL"))}
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'bench.sqlite3'}",
        PWA_INSTANCE_DIR=str(folder / "instance"),
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def pwa(args: Sequence[str], env: dict[str, str]) -> str:
    """Run a `pwa` command; its standard output."""
    return subprocess.run([PWA, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout


def serve(env: dict[str, str], log: Path, *, workers: int = 1) -> Server:
    """`pwa serve` on a free loopback port."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [PWA, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    return Server(cmd, {**env, "PWA_BASE_URL": url}, url, log)


def twin(spec: Path, env: dict[str, str], log: Path, *, workers: int = 1) -> Server:
    """bench/bare.py serving `spec` on a free loopback port."""
    port = free_port()
    cmd = [PYTHON, "-m", "bench.bare", "--port", str(port), "--workers", str(workers)]
    return Server(cmd, {**env, "BENCH_BARE_SPEC": str(spec)}, f"http://127.0.0.1:{port}", log)


# A valid booking in a commune of the office's province (the bench's API POST and core writes send it).
BOOKING = {
    "name": "Hoàng Thị Mai",
    "phone": "0912 345 678",
    "ward_code": 2020,
    "street": "Thôn Nà Pài",
    "parcels": 1,
    "weight_kg": 2.5,
    "service": "express",
}

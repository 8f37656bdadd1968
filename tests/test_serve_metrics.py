"""`pwa serve --workers 2`: /metrics adds up both web processes, whichever one answers the scrape."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.live import free_port

TOKEN = "serve-test-" + "t" * 30


def _healthz_count(url: str) -> float:
    request = urllib.request.Request(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "pwa_http_requests_total" and s.labels.get("route") == "/healthz"
    )


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "pwa serve exited"
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise AssertionError("pwa serve did not start")


def test_two_web_processes_report_one_total_and_clean_up(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PWA_INSTANCE_DIR": str(tmp_path / "instance"),
        "PWA_METRICS_TOKEN": TOKEN,
        "PWA_PUSH_WORKER": "0",
        "PWA_BASE_URL": url,
        "TMPDIR": str(tmp_path),  # where pwa serve makes its metrics folder
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    cmd = [sys.executable, "-m", "pwa.cli", "serve", "--port", str(port), "--workers", "2"]
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_up(url, process)
        time.sleep(1)  # the second process may start a moment after the first
        folders = list(tmp_path.glob("pwa-metrics-*"))
        assert len(folders) == 1
        sent = 0
        # New connections until both processes have counted some (they share the listening socket).
        while sent < 40 or len(list(folders[0].glob("counter_*.db"))) < 2:
            with urllib.request.urlopen(f"{url}/healthz", timeout=10) as response:
                assert response.status == 200
            sent += 1
            assert sent < 1000, "one process took every connection"
        # A process counts a request once its answer is sent: the last one may land a moment after the client has it.
        settled = time.monotonic() + 10
        while _healthz_count(url) != sent and time.monotonic() < settled:
            time.sleep(0.1)
        counts = {_healthz_count(url) for _ in range(10)}
        assert counts == {float(sent)}, counts
    finally:
        process.terminate()
        process.wait(30)
    assert list(tmp_path.glob("pwa-metrics-*")) == [], "the metrics folder is removed at exit"

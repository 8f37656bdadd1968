"""A real uvicorn server on a free port, for browser tests and screenshots."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import deque
from pathlib import Path
from types import TracebackType
from typing import IO

CHROMIUM = "/usr/bin/chromium"


def chromium_args() -> list[str]:
    """Flags that let Debian's Chromium run headless here (no sandbox, no phoning home)."""
    return [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
    ]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """`pwa serve` in a subprocess; stops when the `with` block ends."""

    def __init__(
        self, env: dict[str, str], *, port: int | None = None, root: Path | None = None, own_group: bool = False
    ) -> None:
        """`root`: serve a copy of the project (its code, templates and static files) instead.
        `own_group`: in a process group of its own, with the workers it starts, for `kill`."""
        self.own_group = own_group
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **env, "PWA_BASE_URL": self.url}
        self.root = root
        if root is not None:
            self.env["PYTHONPATH"] = str(root)
        self.process: subprocess.Popen[bytes] | None = None
        self.log: deque[str] = deque(maxlen=200)  # the last lines the server and its workers wrote

    def __enter__(self) -> LiveServer:
        cmd = [sys.executable, "-m", "pwa.cli", "serve", "--port", str(self.port)]
        self.process = subprocess.Popen(
            cmd,
            env=self.env,
            cwd=self.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=self.own_group,
        )
        # Read as it comes: a pipe nobody reads fills up and blocks the server mid-run.
        threading.Thread(target=self._collect, args=(self.process.stderr,), daemon=True).start()
        self._wait_ready()
        return self

    def _collect(self, stream: IO[bytes]) -> None:
        with stream:
            for line in stream:
                self.log.append(line.decode(errors="replace").rstrip())

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 90  # a hang guard: a loaded machine starts it slowly
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                time.sleep(0.2)  # let the reader take the last lines
                raise RuntimeError("server exited early:\n" + "\n".join(self.log))
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("server did not start within 90 s")

    def kill(self) -> None:
        """SIGKILL the server and every process it started at once, as a crash would: nothing
        gets to finish what it was doing or clean up after itself."""
        assert self.process is not None and self.own_group, "kill needs LiveServer(..., own_group=True)"
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

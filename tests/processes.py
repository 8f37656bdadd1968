"""Talking to the app run as real processes: JSON calls over HTTP, and waiting for what they do."""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any


def call_json(
    url: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None, *, timeout: float = 60
) -> tuple[int, Any]:
    """GET (or POST `body`) as JSON: the status and the decoded answer (None if it is not JSON).

    A connection refused or cut, even with the answer half-read (a server killed mid-request),
    raises OSError."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, raw = int(response.status), response.read()
        except urllib.error.HTTPError as error:
            status, raw = int(error.code), error.read()
    except http.client.HTTPException as exc:  # e.g. the body cut short: no whole answer either
        raise ConnectionError(f"{type(exc).__name__}: {exc}") from exc
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, None


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll `condition` every 0.1 s; AssertionError naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def sent_in(log: str) -> int:
    """Messages a delivery worker's log says it sent."""
    return sum(int(n) for n in re.findall(r"round: \{'sent': (\d+)", log))

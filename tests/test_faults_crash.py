"""Crashes: `pwa serve` killed outright (SIGKILL, with the workers it started) in the middle of a
burst of bookings, then started again on the same database.

Runs on SQLite (a file of its own) or, with PWA_TEST_DATABASE_URL, PostgreSQL (a schema of its own).
Nothing acknowledged may be missing, nothing may be half-written, and the server must come back by
itself: no lock, socket or file left behind by the dead processes may stop it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from pwa.db import Database
from pwa.models import Pickup
from pwa.settings import Settings
from tests.conftest import migrated_database
from tests.factories import booking_body, later_open_day, open_day, set_capacity
from tests.faults import assert_places_add_up, assert_serials_add_up, assert_sqlite_sound, live_by_slot
from tests.live import LiveServer
from tests.processes import call_json, wait_until

CLIENTS = 8  # threads posting bookings, each as soon as its last one is answered
BEFORE_KILL = 60  # bookings acknowledged before the server is killed


@dataclass
class Burst:
    """What the clients saw: bookings acknowledged (code -> what was sent and the answer) and
    requests cut off by the crash (no answer: booked or not, the client cannot know) or asked
    to try again (503), which they do after the restart."""

    acknowledged: dict[str, tuple[dict[str, Any], dict[str, str], Any]] = field(default_factory=dict)
    unanswered: list[tuple[dict[str, Any], dict[str, str]]] = field(default_factory=list)
    full: int = 0
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture()
def own_url(tmp_path: Path) -> Iterator[str]:
    with migrated_database(tmp_path) as url:
        yield url


def _env(url: str, folder: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "PWA_INSTANCE_DIR": str(folder / "instance"),
        "PWA_SECRET_KEY": "crash-test-" + "c" * 40,
        "PWA_TRUSTED_PROXIES": "127.0.0.1",  # each client its own forwarded address: no booking limit reached
        "PWA_PUSH_WORKERS": "1",
        "PWA_DB_WAIT_SECONDS": "30",  # eight writers on a busy machine: answers, not "try again" (503)
        "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics"),  # a crash leaves it behind: not in /tmp
    }


def _shifts(settings: Settings) -> list[tuple[date, str]]:
    first = open_day(settings)
    return [(first, "morning"), (first, "afternoon"), (later_open_day(settings, first), "morning")]


def _client(url: str, settings: Settings, shifts: list[tuple[date, str]], n: int, burst: Burst) -> None:
    """Book one after another until the server stops answering."""
    i = 0
    while True:
        i += 1
        day, shift = shifts[(n + i) % len(shifts)]
        body = booking_body(settings, name=f"Khách {n}-{i}", date=day.isoformat(), shift=shift, parcels=1 + i % 3)
        headers = {"Idempotency-Key": f"crash-{n}-{i}", "X-Forwarded-For": f"10.9.{n}.{i % 250}"}
        try:
            status, answer = call_json(f"{url}/api/v1/pickups", body, headers, timeout=30)
        except OSError:  # the server died with this request in its hands
            with burst.lock:
                burst.unanswered.append((body, headers))
            return
        with burst.lock:
            if status == 201:
                burst.acknowledged[answer["code"]] = (body, headers, answer)
            elif status == 409:
                burst.full += 1
            elif status == 503:  # the database was busy past PWA_DB_WAIT_SECONDS: "try again", nothing booked
                burst.unanswered.append((body, headers))
            else:
                burst.unexpected.append(f"{status} {answer}")


def _codes_by_key(db: Database, keys: list[str]) -> dict[str, str]:
    with db.read() as session:
        found = session.exec(select(Pickup.idempotency_key, Pickup.code).where(col(Pickup.idempotency_key).in_(keys)))
        return {str(key): code for key, code in found.all()}


def test_a_server_killed_mid_burst_loses_no_acknowledged_booking(own_url: str, tmp_path: Path) -> None:
    settings = Settings(instance_dir=tmp_path / "tests", database_url=own_url, secret_key="t" * 40).prepared()
    db = Database(own_url)
    shifts = _shifts(settings)
    for (day, shift), capacity in zip(shifts, (12, 500, 500), strict=True):  # the first fills up mid-burst
        set_capacity(db, settings, day, shift, capacity)
    env, burst = _env(own_url, tmp_path), Burst()
    with LiveServer(env, own_group=True) as server:
        clients = [
            threading.Thread(target=_client, args=(server.url, settings, shifts, n, burst)) for n in range(CLIENTS)
        ]
        for client in clients:
            client.start()
        wait_until(lambda: len(burst.acknowledged) >= BEFORE_KILL or bool(burst.unexpected), 120, "the first bookings")
        server.kill()
        for client in clients:
            client.join(60)
    assert burst.unexpected == []
    assert burst.unanswered, "the kill landed between requests: nothing was in flight"
    assert burst.full > 0, "the small shift never filled up"

    with LiveServer(env, own_group=True) as again:  # the same database, and the same instance folder
        for code, (body, headers, answer) in burst.acknowledged.items():
            phone = body["phone"].replace(" ", "")
            status, now = call_json(f"{again.url}/api/v1/pickups/{code}?phone={phone}", headers=headers)
            assert (status, now) == (200, answer), f"{code} after the crash"
        # The clients cut off try again, as a phone does with its Idempotency-Key: one booking each, at most.
        retried = {}
        for body, headers in burst.unanswered:
            status, answer = call_json(f"{again.url}/api/v1/pickups", body, headers)
            assert status in (200, 201, 409), (status, answer)
            if status != 409:
                retried[headers["Idempotency-Key"]] = answer["code"]
        day, shift = shifts[1]
        status, answer = call_json(
            f"{again.url}/api/v1/pickups", booking_body(settings, date=day.isoformat(), shift=shift)
        )
        assert status == 201 and answer["status"] == "booked"

    assert _codes_by_key(db, [h["Idempotency-Key"] for _b, h in burst.unanswered]) == retried
    assert_places_add_up(db)
    assert_serials_add_up(db)
    assert_sqlite_sound(db)
    assert live_by_slot(db)[shifts[0]][0] == 12  # the small shift: full, and not a place more
    db.dispose()

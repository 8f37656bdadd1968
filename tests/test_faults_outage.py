"""Database outages (issue 14, Faults): with the SQLite file locked by another process, or PostgreSQL
stopped or out of reach, pages, htmx fragments and the API answer a translated 503 with Retry-After
within a few seconds (never a hang, a 500 or a stack trace), /healthz says so, and everything recovers
by itself when the database is back. The delivery worker waits and loses nothing.

PostgreSQL is taken away through a proxy of the test's own (tests/outages.py), never by stopping the
shared server."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy.engine import make_url
from starlette.testclient import TestClient

from pwa.app import create_app
from pwa.db import Database
from pwa.errors import DatabaseUnavailable
from pwa.outage import Gate, is_outage, trips_gate
from pwa.settings import Settings
from tests.conftest import PG_ENV, migrated_database
from tests.factories import booking_body, open_day
from tests.fakepush import FakePushService
from tests.outages import CuttableProxy, queue_one, sqlite_blocks, sqlite_locked, start_worker, stop, until

WAIT = 2.0  # PWA_DB_WAIT_SECONDS here: short, so the tests are quick
HANG_GUARD = 15.0  # not a benchmark: only "it did not hang"
MESSAGE = {
    "vi": "Hệ thống đang tạm thời không kết nối được với dữ liệu",
    "en": "The service cannot reach its data for a moment",
}
Request = Callable[[TestClient], httpx.Response]
REQUESTS: dict[str, Request] = {
    "page": lambda c: c.get("/pickups"),
    "htmx fragment": lambda c: c.get("/pickups", headers={"HX-Request": "true"}),
    "API read": lambda c: c.get(f"/api/v1/slots?ward_code=2020&date={open_day(_of(c)).isoformat()}"),
    "API booking": lambda c: c.post("/api/v1/pickups", json=booking_body(_of(c))),
}


def _of(client: TestClient) -> Settings:
    settings: Settings = client.app.state.settings  # type: ignore[attr-defined]
    return settings


def _settings(tmp_path: Path, url: str) -> Settings:
    return Settings(
        instance_dir=tmp_path / "instance", database_url=url, secret_key="test-" + "k" * 40, db_wait_seconds=WAIT
    ).prepared()


@pytest.fixture()
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    if os.environ.get(PG_ENV):
        pytest.skip("a SQLite file locked by another process: this run is on PostgreSQL")
    with migrated_database(tmp_path) as url:
        yield url


def assert_unavailable(response: httpx.Response, lang: str = "vi") -> None:
    """What a person or a program sees during an outage: 503, when to try again, kind words, no internals."""
    assert response.status_code == 503, (response.status_code, response.text[:500])
    assert 1 <= int(response.headers["retry-after"]) <= 30
    assert MESSAGE[lang] in response.text
    for leak in ("Traceback", "sqlite", "psycopg", "OperationalError", "SELECT", "5432"):
        assert leak not in response.text


def timed(request: Request, client: TestClient) -> httpx.Response:
    started = time.monotonic()
    response = request(client)
    assert time.monotonic() - started < HANG_GUARD, "hung instead of answering 503"
    return response


def wait_for_health(client: TestClient, status: int) -> dict[str, str]:
    """Poll /healthz until it answers `status` (it looks at the database at most once a second)."""
    deadline = time.monotonic() + HANG_GUARD
    while (response := client.get("/healthz")).status_code != status:
        assert time.monotonic() < deadline, f"/healthz stayed {response.status_code}: {response.text}"
        time.sleep(0.2)
    body: dict[str, str] = response.json()
    return body


def test_sqlite_locked_by_another_process_answers_503_then_recovers(sqlite_url: str, tmp_path: Path) -> None:
    path = Path(make_url(sqlite_url).database or "")
    with TestClient(create_app(_settings(tmp_path, sqlite_url)), raise_server_exceptions=False) as client:
        assert client.get("/pickups").status_code == 200
        client.app_state["db"].dispose()  # the lock is granted only while nobody has the file open (as after a restart)
        with sqlite_locked(path):
            assert sqlite_blocks(path, "PRAGMA schema_version")  # readers too, not only writers
            for name, request in REQUESTS.items():
                response = timed(request, client)
                assert_unavailable(response)
                if name == "htmx fragment":  # a notice on top of the page; the page (a form, what was typed) stays
                    assert "<html" not in response.text and "Thử lại" not in response.text
                    assert (response.headers["hx-retarget"], response.headers["hx-reswap"]) == ("#main", "afterbegin")
            english = timed(lambda c: c.get("/api/v1/offices/DEMO-X", headers={"Accept-Language": "en"}), client)
            assert_unavailable(english, "en")
            health = wait_for_health(client, 503)
            assert health["status"] == "unavailable" and health["database"] == "unavailable"
        for name, request in REQUESTS.items():
            assert timed(request, client).status_code in (200, 201), name
        assert wait_for_health(client, 200)["database"] == "ok"


def test_sqlite_write_lock_refuses_writes_only(sqlite_url: str, tmp_path: Path) -> None:
    path = Path(make_url(sqlite_url).database or "")
    with TestClient(create_app(_settings(tmp_path, sqlite_url)), raise_server_exceptions=False) as client:
        with sqlite_locked(path, exclusive=False):  # a long import or a forgotten shell transaction
            assert sqlite_blocks(path, "BEGIN IMMEDIATE") and not sqlite_blocks(path, "PRAGMA schema_version")
            assert_unavailable(timed(REQUESTS["API booking"], client))
            assert timed(REQUESTS["page"], client).status_code == 200  # reads go on (WAL)
            assert client.get("/healthz").json()["database"] == "read_only"
        assert timed(REQUESTS["API booking"], client).status_code == 201
        assert client.get("/healthz").json()["status"] == "ok"


def test_while_one_call_tries_the_database_the_others_are_answered_at_once() -> None:
    gate = Gate("test")
    assert gate.admit() is False  # nothing failed: everyone goes through
    gate.failed(OSError("connection refused"))  # not a driver error, so it counts as the whole database
    trial = gate.admit()
    assert trial is True and gate.admit() is False  # the trial's own nested session is part of it
    other: list[BaseException] = []

    def elsewhere() -> None:
        try:
            gate.admit()
        except DatabaseUnavailable as exc:
            other.append(exc)

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert len(other) == 1  # turned away without waiting
    gate.answered()
    gate.done(trial)
    assert not gate.failing and gate.admit() is False


def test_only_locked_or_unreachable_counts_as_an_outage() -> None:
    import sqlite3

    import psycopg
    from psycopg import errors as pg
    from sqlalchemy.exc import IntegrityError, OperationalError

    def wrapped(orig: BaseException) -> OperationalError:
        return OperationalError("SELECT 1", {}, orig)

    conn = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.OperationalError) as syntax:
        conn.execute("SELEC 1")
    conn.close()
    assert not is_outage(wrapped(syntax.value))  # a bug in the query is a 500, never a 503
    assert is_outage(wrapped(sqlite3.OperationalError("database is locked")))
    assert is_outage(wrapped(psycopg.OperationalError("connection refused")))  # no SQLSTATE: the client's
    assert is_outage(wrapped(pg.AdminShutdown())) and is_outage(wrapped(pg.LockNotAvailable()))
    assert not is_outage(wrapped(pg.SerializationFailure())) and not is_outage(wrapped(pg.UndefinedColumn()))
    assert not is_outage(IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")))
    assert not trips_gate(wrapped(pg.LockNotAvailable()))  # some rows busy, not the database


def test_a_programming_error_stays_a_500_not_a_503(isolated_db: Database) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError, ProgrammingError

    with pytest.raises((OperationalError, ProgrammingError)), isolated_db.read() as session:
        session.execute(text("SELECT no_such_column FROM no_such_table"))
    assert not isolated_db.gate.failing


# --- PostgreSQL, through a proxy the test cuts ---


@pytest.fixture()
def pg_behind_proxy(tmp_path: Path) -> Iterator[tuple[str, CuttableProxy]]:
    """A migrated schema of its own, reached through a proxy: (URL through the proxy, proxy)."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL outages need {PG_ENV} (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    with migrated_database(tmp_path) as url:
        parsed = make_url(url)
        proxy = CuttableProxy((parsed.host or "127.0.0.1", parsed.port or 5432))
        try:
            yield parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), proxy
        finally:
            proxy.close()


@pytest.mark.parametrize("how", ["reset", "blackhole"])
def test_postgresql_cut_answers_503_then_recovers(
    pg_behind_proxy: tuple[str, CuttableProxy], tmp_path: Path, how: str
) -> None:
    url, proxy = pg_behind_proxy
    with TestClient(create_app(_settings(tmp_path, url)), raise_server_exceptions=False) as client:
        for request in REQUESTS.values():
            assert timed(request, client).status_code in (200, 201)
        proxy.cut(how)  # "reset": the server stopped; "blackhole": out of reach, nothing answers
        for request in REQUESTS.values():
            assert_unavailable(timed(request, client))
        assert wait_for_health(client, 503)["database"] == "unavailable"
        proxy.restore()
        assert wait_for_health(client, 200)["database"] == "ok"
        for name, request in REQUESTS.items():
            assert timed(request, client).status_code in (200, 201), name


# --- The delivery worker ---


def test_worker_waits_out_a_locked_sqlite_file_and_then_delivers(
    sqlite_url: str, tmp_path: Path, push: FakePushService
) -> None:
    settings, log = _settings(tmp_path, sqlite_url), tmp_path / "worker.log"
    sub = queue_one(sqlite_url, push, 1)
    with sqlite_locked(Path(make_url(sqlite_url).database or "")):
        worker = start_worker(settings, log, WAIT)
        try:
            until(lambda: "database unavailable" in log.read_text(), "the worker to meet the locked database")
            assert worker.poll() is None and not push.received_by(sub)
        except BaseException:
            stop(worker)
            raise
    until(lambda: len(push.received_by(sub)) == 1, "the delivery after the lock")
    assert worker.poll() is None, "the worker ended"
    assert stop(worker) == 0
    assert "Traceback" not in log.read_text()


def test_worker_survives_postgresql_cut_mid_run_and_loses_nothing(
    pg_behind_proxy: tuple[str, CuttableProxy], tmp_path: Path, push: FakePushService
) -> None:
    url, proxy = pg_behind_proxy
    direct = make_url(url).set(host=proxy.target[0], port=proxy.target[1]).render_as_string(hide_password=False)
    log = tmp_path / "worker.log"
    worker = start_worker(_settings(tmp_path, url), log, WAIT)
    try:
        first = queue_one(direct, push, 1)
        until(lambda: len(push.received_by(first)) == 1, "the first delivery")
        proxy.cut("reset")
        second = queue_one(direct, push, 2)  # queued on the server while the worker cannot reach it
        until(lambda: "database unavailable" in log.read_text(), "the worker to meet the cut")
        assert worker.poll() is None and not push.received_by(second)
        proxy.restore()
        until(lambda: len(push.received_by(second)) == 1, "the delivery after the cut")
        assert worker.poll() is None, "the worker ended"
    finally:
        assert stop(worker) == 0
    assert len(push.received_by(first)) == 2 and len(push.received_by(second)) == 1  # both follow: each message once
    assert "Traceback" not in log.read_text()

"""Fixtures: settings on a temporary database, the app, a client, staff helpers, a browser.

The suite runs on SQLite by default and on PostgreSQL when PWA_TEST_DATABASE_URL
is set; then each run works in a schema of its own, so runs never collide.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.testclient import TestClient

from pwa.app import create_app
from pwa.db import Database, migrate, normalise_url
from pwa.models import metadata
from pwa.settings import Settings
from tests.fakepush import FakePushService
from tests.live import CHROMIUM, LiveServer, chromium_args

PG_ENV = "PWA_TEST_DATABASE_URL"

# Property tests: no per-example deadline (two cores shared by several runs make timings noise), and
# the same examples on every run unless HYPOTHESIS_PROFILE=explore asks for fresh ones.
hypothesis_settings.register_profile(
    "default", deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.register_profile("explore", deadline=None, max_examples=2000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def _pg_url(base: str, schema: str) -> str:
    joiner = "&" if "?" in base else "?"
    return f"{normalise_url(base)}{joiner}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def migrated_database(folder: Path) -> Iterator[str]:
    """A migrated database of its own: a SQLite file in `folder`, or a fresh PostgreSQL schema."""
    base = os.environ.get(PG_ENV)
    if not base:
        url = f"sqlite:///{folder / 'test.sqlite3'}"
        migrator = Database(url)
        migrate(migrator)
        migrator.dispose()
        yield url
        return
    schema = f"pwa_test_{secrets.token_hex(4)}"
    admin = Database(base)
    try:
        with admin.engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # CI asked for PostgreSQL: not reaching it is a failure
        pytest.exit(f"PostgreSQL was asked for ({PG_ENV}) and is not reachable: {exc}", returncode=3)
    url = _pg_url(base, schema)
    database = Database(url)
    migrate(database)
    database.dispose()
    try:
        yield url
    finally:
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The run's shared database (the live server uses it too)."""
    with migrated_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture()
def isolated_db(tmp_path: Path) -> Iterator[Database]:
    """A database no other process of the run touches (e.g. the live server's push worker)."""
    with migrated_database(tmp_path) as url:
        database = Database(url)
        yield database
        database.dispose()


@pytest.fixture(scope="session")
def shared_db(database_url: str) -> Iterator[Database]:
    """One engine for the whole run."""
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture()
def db(shared_db: Database) -> Iterator[Database]:
    """The test database, emptied after each test."""
    yield shared_db
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with shared_db.engine.begin() as conn:
        if shared_db.is_sqlite:
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))
        else:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{n}"' for n in tables) + " RESTART IDENTITY CASCADE"))


@pytest.fixture()
def settings(db: Database, tmp_path: Path) -> Settings:
    """Settings pointing at the test database and a private instance folder."""
    return Settings(instance_dir=tmp_path / "instance", database_url=db.url, secret_key="test-" + "k" * 40).prepared()


@pytest.fixture()
def app(settings: Settings) -> Starlette:
    """The app as production builds it, on the test settings."""
    return create_app(settings)


@pytest.fixture()
def client(app: Starlette) -> Iterator[TestClient]:
    """An HTTP client that runs the app's lifespan (raises nothing: errors become pages)."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def csrf_of(client: TestClient, path: str = "/") -> str:
    """Fetch a page and return the session's CSRF token from its meta tag."""
    import re

    html = client.get(path).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(r'X-CSRF-Token": "([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture()
def csrf(client: TestClient) -> str:
    """A valid CSRF token for `client`'s session."""
    return csrf_of(client, "/staff/login")


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say which database this run uses."""
    return [f"database: {'PostgreSQL (' + PG_ENV + ')' if os.environ.get(PG_ENV) else 'SQLite'}"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use the shared live server run last, in their order: from its start its delivery workers
    drain the shared database's outbox, and a test that queues a message there and reads it back must not
    race them (two such tests failed that way, once each)."""
    uses_live = [item for item in items if "live_server" in getattr(item, "fixturenames", ())]
    if uses_live:
        chosen = set(map(id, uses_live))
        items[:] = [item for item in items if id(item) not in chosen] + uses_live


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A run that passed no test at all is a failure, not a success."""
    reporter: Any = session.config.pluginmanager.get_plugin("terminalreporter")
    if exitstatus == 0 and reporter is not None and not reporter.stats.get("passed"):
        session.exitstatus = 1


# --- Real browser: headless Debian Chromium through Playwright, at a phone's size ---


@pytest.fixture(scope="session")
def live_server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`pwa serve` on a free port, on the test database."""
    env = {"DATABASE_URL": database_url, "PWA_INSTANCE_DIR": str(tmp_path_factory.mktemp("live"))}
    with LiveServer(env) as server:
        yield server


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright's driver, once for the run."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: `make test` installs Debian's chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One Chromium for the run."""
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=chromium_args())
    yield chromium
    chromium.close()


@pytest.fixture()
def phone(playwright: Playwright, browser: Browser, live_server: LiveServer, db: Database) -> Iterator[BrowserContext]:
    """A fresh phone-sized browser profile (Pixel 5, 393×851) speaking Vietnamese."""
    device = dict(playwright.devices["Pixel 5"])
    context = browser.new_context(**device, locale="vi-VN", base_url=live_server.url)
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture()
def page(phone: BrowserContext) -> Iterator[Page]:
    """A page in the phone profile; fails the test if the page breaks its CSP or throws."""
    page = phone.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    yield page
    blocked = [p for p in problems if "Content Security Policy" in p or "Uncaught" in p]
    assert not blocked, f"browser errors: {blocked}"


@pytest.fixture()
def push() -> Iterator[FakePushService]:
    """A local push service that checks and decrypts what it receives (tests/fakepush.py)."""
    with FakePushService() as service:
        yield service

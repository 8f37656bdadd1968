"""What the operator sees: request ids, the JSON request log, /metrics and /readyz."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from pwa.app import create_app
from pwa.db import Database
from pwa.models import PushDelivery, utcnow
from pwa.ops import ready
from pwa.settings import Settings
from tests.factories import make_pickup

TOKEN = "metrics-" + "t" * 32


@pytest.fixture()
def ops(settings: Settings) -> Iterator[TestClient]:
    """The app with metrics turned on."""
    app = create_app(settings.with_overrides(metrics_token=TOKEN, dossier_lookups_per_client=1))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def scrape(client: TestClient) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return response.text


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one series in an exposition (0 if absent)."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return 0.0


def test_a_request_id_is_made_or_passed_through_and_echoed(client: TestClient) -> None:
    made = client.get("/healthz").headers["x-request-id"]
    assert len(made) == 16 and made != client.get("/healthz").headers["x-request-id"]
    assert client.get("/healthz", headers={"X-Request-ID": "lb-42.a_b:c"}).headers["x-request-id"] == "lb-42.a_b:c"
    for unsafe in ('"}, {"x', "a" * 65, "a b", ""):
        echoed = client.get("/healthz", headers={"X-Request-ID": unsafe}).headers["x-request-id"]
        assert echoed != unsafe and len(echoed) == 16


def test_one_json_line_per_request_names_the_route_not_the_path(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pwa.access")
    response = client.get(
        "/api/v1/dossiers/H19.SECRET-CODE-7?secret=4321&phone=0912345678", headers={"X-Request-ID": "req-1"}
    )
    lines = [r.getMessage() for r in caplog.records if r.name == "pwa.access"]
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["request_id"] == "req-1" and entry["method"] == "GET"
    assert entry["route"] == "/api/v1/dossiers/{code}" and entry["status"] == response.status_code
    assert entry["bytes"] == len(response.content) and entry["ms"] >= 0 and entry["ts"].endswith("Z")
    for private in ("SECRET-CODE", "4321", "0912345678", "secret="):
        assert private not in lines[0]


def test_unrouted_requests_never_log_their_path(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="pwa.access")
    client.get("/no/such/0912345678")
    entry = json.loads(next(r.getMessage() for r in caplog.records if r.name == "pwa.access"))
    assert entry["route"] == "unmatched" and entry["status"] == 404


def test_metrics_need_the_token(client: TestClient, ops: TestClient) -> None:
    assert client.get("/metrics").status_code == 404  # no token configured: no metrics
    assert ops.get("/metrics").status_code == 401
    refused = ops.get("/metrics", headers={"Authorization": "Bearer wrong"})
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
    assert ops.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"}).status_code == 401


def test_metrics_count_requests_by_route_and_status(ops: TestClient) -> None:
    before = scrape(ops)
    route = {"route": "/api/v1/dossiers/{code}", "method": "GET", "status": "404"}
    ops.get("/api/v1/dossiers/H19.NOPE-1?secret=1234")
    ops.get("/api/v1/dossiers/H19.NOPE-2?secret=1234")  # one failed lookup allowed: this one is refused
    after = scrape(ops)
    assert sample(after, "pwa_http_requests_total", **route) == sample(before, "pwa_http_requests_total", **route) + 1
    limited = {"route": "/api/v1/dossiers/{code}"}
    assert sample(after, "pwa_rate_limited_total", **limited) == sample(before, "pwa_rate_limited_total", **limited) + 1
    count = "pwa_http_request_duration_seconds_count"
    assert sample(after, count, route="/api/v1/dossiers/{code}") >= 2
    assert "H19.NOPE" not in after


def test_metrics_read_the_outbox_and_bookings_from_the_database(settings: Settings, isolated_db: Database) -> None:
    # A database of its own: the live server's delivery worker (browser tests) drains the shared one.
    own = settings.with_overrides(
        metrics_token=TOKEN, database_url=isolated_db.engine.url.render_as_string(hide_password=False)
    )
    make_pickup(isolated_db, own)
    queue_overdue(isolated_db, seconds=90)
    with TestClient(create_app(own)) as client:
        text = scrape(client)
    assert sample(text, "pwa_database_up") == 1
    assert sample(text, "pwa_bookings_total") == 1 and sample(text, "pwa_pickups", status="booked") == 1
    assert sample(text, "pwa_outbox_queued") == 1
    assert 90 <= sample(text, "pwa_outbox_overdue_seconds") < 200
    assert sample(text, "pwa_outbox_oldest_age_seconds") >= 90
    assert sample(text, "pwa_push_deliveries_total", outcome="sent") == 0
    assert sample(text, "pwa_reminders_sent_total") == 0 and "pwa_reminders_sent_total" in text


def test_readyz_is_ready_on_a_migrated_database(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json() == {"status": "ready", "reasons": []}
    assert response.headers["cache-control"] == "no-store"


def test_readyz_says_when_the_outbox_is_stuck(settings: Settings, isolated_db: Database) -> None:
    # A database of its own: the live server's delivery worker (browser tests) drains the shared one.
    queue_overdue(isolated_db, seconds=120)
    app = create_app(
        settings.with_overrides(
            ready_outbox_seconds=60, database_url=isolated_db.engine.url.render_as_string(hide_password=False)
        )
    )
    with TestClient(app) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reasons"][0].startswith("outbox stuck: a due push message has waited")


def test_readyz_says_when_migrations_are_not_current(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ready, "code_heads", lambda: {"9999_from_the_future"})
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "migrations not current" in response.json()["reasons"][0]
    assert "9999_from_the_future" in response.json()["reasons"][0]


def test_the_code_heads_are_alembics(db: Database) -> None:
    from alembic.script import ScriptDirectory

    from pwa.db import alembic_config

    ready.code_heads.cache_clear()
    assert ready.code_heads() == set(ScriptDirectory.from_config(alembic_config(db)).get_heads())


def queue_overdue(db: Database, *, seconds: int) -> None:
    """A push message due `seconds` ago that no worker has taken."""
    now = utcnow()
    with db.write() as session:
        session.add(
            PushDelivery(
                kind="notice",
                topic="t",
                urgency="normal",
                ttl=60,
                payload="{}",
                next_attempt_at=now - timedelta(seconds=seconds),
                created_at=now - timedelta(seconds=seconds),
                give_up_at=now + timedelta(days=1),
            )
        )


def test_a_postgresql_deployment_is_warned_about_secrets_kept_per_host() -> None:
    from pwa.ops.shared import unshared_settings

    assert unshared_settings({"DATABASE_URL": "sqlite:///x.sqlite3"}) == []
    warnings = unshared_settings({"DATABASE_URL": "postgresql://pwa@db/pwa", "PWA_SECRET_KEY": "s" * 40})
    assert len(warnings) == 1 and warnings[0].startswith("PWA_VAPID_PRIVATE_KEY is not set")
    everything = {"DATABASE_URL": "postgresql://db/pwa", "PWA_SECRET_KEY": "s", "PWA_VAPID_PRIVATE_KEY": "k"}
    assert unshared_settings(everything) == []

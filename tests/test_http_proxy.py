"""Client addresses and https behind a proxy: forwarded headers count only from a trusted proxy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient

from pwa.app import create_app
from pwa.db import Database
from pwa.models import RateCounter
from pwa.settings import Settings, trusted_networks

LOOKUP = "/api/v1/dossiers/H19.NOPE-0001?secret=1234"  # an unknown code: a failed lookup, counted per client


def counted_clients(db: Database) -> set[str]:
    """The client addresses the dossier lookup limit has counted."""
    with db.read() as session:
        keys = session.exec(select(RateCounter.key).where(col(RateCounter.key).startswith("dossier:client:"))).all()
    return {key.removeprefix("dossier:client:") for key in keys}


@pytest.fixture()
def behind_proxy(settings: Settings) -> Iterator[TestClient]:
    """The app trusting 10.0.0.0/8, called by a proxy at 10.0.0.5."""
    app = create_app(settings.with_overrides(trusted_proxies=("10.0.0.0/8",)))
    with TestClient(app, client=("10.0.0.5", 40000), raise_server_exceptions=False) as client:
        yield client


def test_a_forged_forwarded_for_sent_straight_to_the_app_changes_nothing(settings: Settings, db: Database) -> None:
    with TestClient(create_app(settings), client=("198.51.100.9", 5000)) as client:
        response = client.get(LOOKUP, headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert response.status_code == 404
    assert counted_clients(db) == {"198.51.100.9"}
    assert "strict-transport-security" not in response.headers


def test_loopback_is_not_trusted_by_default(settings: Settings, db: Database) -> None:
    with TestClient(create_app(settings), client=("127.0.0.1", 5000)) as client:
        client.get(LOOKUP, headers={"X-Forwarded-For": "203.0.113.7"})
    assert counted_clients(db) == {"127.0.0.1"}


def test_a_trusted_proxy_gives_the_client_address(behind_proxy: TestClient, db: Database) -> None:
    behind_proxy.get(LOOKUP, headers={"X-Forwarded-For": "203.0.113.7"})
    assert counted_clients(db) == {"203.0.113.7"}


def test_an_address_the_client_put_before_the_proxys_is_ignored(behind_proxy: TestClient, db: Database) -> None:
    # The client sent "X-Forwarded-For: 192.0.2.1"; the proxy appended the address it saw.
    behind_proxy.get(LOOKUP, headers={"X-Forwarded-For": "192.0.2.1, 203.0.113.7"})
    assert counted_clients(db) == {"203.0.113.7"}


def test_a_peer_outside_the_trusted_list_is_not_believed(settings: Settings, db: Database) -> None:
    app = create_app(settings.with_overrides(trusted_proxies=("10.0.0.0/8",)))
    with TestClient(app, client=("198.51.100.9", 5000)) as client:
        client.get(LOOKUP, headers={"X-Forwarded-For": "203.0.113.7"})
    assert counted_clients(db) == {"198.51.100.9"}


def test_https_from_a_trusted_proxy_gives_hsts_and_secure_cookies(behind_proxy: TestClient) -> None:
    response = behind_proxy.get(
        "/pickups/new", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    )
    assert "max-age" in response.headers["strict-transport-security"]
    device = [c for c in response.headers.get_list("set-cookie") if c.startswith("pwa_device=")]
    assert device and "Secure" in device[0]


def test_https_base_url_names_cookies_with_the_host_prefix(settings: Settings) -> None:
    app = create_app(settings.with_overrides(base_url="https://buudien.example"))
    with TestClient(app, base_url="https://testserver") as client:
        response = client.get("/pickups/new")
        cookies = response.headers.get_list("set-cookie")
        assert any(c.startswith("__Host-pwa_session=") for c in cookies)
        device = next(c for c in cookies if c.startswith("__Host-pwa_device="))
        assert "Secure" in device and "Path=/" in device and "Domain" not in device
        # The device is recognised by its prefixed cookie on the next request: no new one is set.
        again = client.get("/pickups/new").headers.get_list("set-cookie")
        assert not any(c.startswith("__Host-pwa_device=") for c in again)


def test_trusted_proxies_are_checked_when_read(tmp_path: Path) -> None:
    assert trusted_networks(" 10.0.0.5, 192.168.1.0/24 ,::1") == ("10.0.0.5", "192.168.1.0/24", "::1")
    assert trusted_networks("") == ()
    with pytest.raises(ValueError, match="nginx.local"):
        trusted_networks("10.0.0.5,nginx.local")
    env = {"PWA_TRUSTED_PROXIES": "127.0.0.1", "PWA_INSTANCE_DIR": str(tmp_path)}
    assert Settings.from_env(env).trusted_proxies == ("127.0.0.1",)

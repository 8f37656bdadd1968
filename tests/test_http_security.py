"""The security baseline, through Starlette's TestClient."""

from __future__ import annotations

from starlette.testclient import TestClient

from pwa import accounts
from pwa.db import Database
from pwa.settings import Settings
from tests.factories import make_staff


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/", "/nope", "/api/v1/openapi.json", "/static/css/app.css"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"]
        assert "strict-transport-security" not in headers  # plain http here


def test_hsts_and_secure_cookies_when_served_over_https(settings: Settings) -> None:
    from pwa.app import create_app

    app = create_app(settings.with_overrides(base_url="https://buudien.example"))
    with TestClient(app, base_url="https://testserver") as client:
        response = client.get("/")
    assert "max-age" in response.headers["strict-transport-security"]
    assert "secure" in response.headers["set-cookie"].lower()


def test_session_cookie_is_httponly_and_lax(client: TestClient) -> None:
    cookie = client.get("/").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_form_post_without_csrf_token_is_refused(client: TestClient, db: Database) -> None:
    make_staff(db)
    client.get("/staff/login")
    response = client.post("/staff/login", data={"username": "lan", "password": "x"})
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hạn" in response.text


def test_csrf_token_in_the_htmx_header_is_accepted(client: TestClient, csrf: str) -> None:
    response = client.post(
        "/staff/login",
        data={"username": "lan", "password": "wrong"},
        headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
    )
    assert response.status_code == 401  # past the CSRF guard, refused by the login itself


def test_oversized_body_gets_413(client: TestClient, csrf: str) -> None:
    response = client.post("/staff/login", content=b"x" * 2_000_000, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 413


def test_api_without_key_is_401_and_wrong_scope_is_403(client: TestClient, db: Database) -> None:
    assert client.get("/api/v1/whoami").status_code == 401
    bad = client.get("/api/v1/whoami", headers={"Authorization": "Bearer pk_nope"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "unauthorized"
    with db.write() as session:
        key = accounts.create_api_key(session, name="agency", scopes=["dossiers"]).key
    ok = client.get("/api/v1/whoami", headers={"Authorization": f"Bearer {key}"})
    assert ok.json() == {"name": "agency", "scopes": ["dossiers"]}


def test_cookie_api_calls_must_be_same_site_json(client: TestClient) -> None:
    cross = client.post("/api/v1/anything", json={}, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403 and cross.json()["error"]["code"] == "cross_site"
    foreign = client.post("/api/v1/anything", json={}, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    form = client.post("/api/v1/anything", data={"a": "b"})
    assert form.status_code == 415
    same = client.post("/api/v1/anything", json={}, headers={"Origin": "http://testserver"})
    assert same.status_code in (404, 405)  # past the guard: no such endpoint

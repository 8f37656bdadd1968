"""Pages and app-shell endpoints, through Starlette's TestClient."""

from __future__ import annotations

import json

from starlette.testclient import TestClient


def test_home_page_is_vietnamese_by_default(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="vi">' in response.text
    assert "Đặt lấy hàng tận nhà" in response.text
    assert "HX-Request" in response.headers["vary"]


def test_accept_language_english_gives_english(client: TestClient) -> None:
    response = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en">' in response.text
    assert "Book a pickup at your door" in response.text


def test_language_switch_is_remembered(client: TestClient) -> None:
    response = client.get("/lang?to=en&next=/offline", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/offline"
    assert "lang=en" in response.headers["set-cookie"]
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "vi"}).text


def test_language_switch_never_redirects_off_site(client: TestClient) -> None:
    response = client.get("/lang?to=en&next=//evil.example/", follow_redirects=False)
    assert response.headers["location"] == "/"


def test_offline_page_says_what_still_works(client: TestClient) -> None:
    response = client.get("/offline")
    assert response.status_code == 200
    assert "không có kết nối" in response.text


def test_unknown_page_gives_a_styled_404(client: TestClient) -> None:
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.text
    assert 'class="tabbar"' in response.text


def test_htmx_error_is_a_fragment_retargeted_to_main(client: TestClient) -> None:
    response = client.get("/nope", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert "<html" not in response.text and "Không tìm thấy trang" in response.text
    assert response.headers["hx-retarget"] == "#main"


def test_api_errors_are_json(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_manifest_describes_an_installable_app(client: TestClient) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["display"] == "standalone" and manifest["start_url"].startswith("/")
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    assert {s["form_factor"] for s in manifest["screenshots"]} == {"narrow", "wide"}
    for icon in manifest["icons"] + manifest["screenshots"]:
        assert client.get(icon["src"]).status_code == 200, icon["src"]


def test_service_worker_is_served_from_the_root_uncached_with_a_content_version(client: TestClient) -> None:
    response = client.get("/service_worker.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"
    assert "javascript" in response.headers["content-type"]
    assert "__PWA_VERSION__" not in response.text
    version = client.get("/healthz").json()["version"]
    assert f'const VERSION = "{version}"' in response.text
    precache = json.loads(response.text.split("const PRECACHE = ", 1)[1].split(";\n", 1)[0])
    assert "/offline" in precache["shell"]
    for url in precache["shell"] + precache["pages"]:
        assert client.get(url).status_code == 200, url


def test_versioned_static_files_are_cached_for_a_year(client: TestClient) -> None:
    html = client.get("/").text
    css = html.split('href="/static/css/app.css?v=', 1)[1].split('"', 1)[0]
    response = client.get(f"/static/css/app.css?v={css}")
    assert "immutable" in response.headers["cache-control"]


def test_health_check_reports_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_openapi_document_lists_the_api(client: TestClient) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/whoami" in doc["paths"]


def test_pages_are_compressed(client: TestClient) -> None:
    response = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("content-encoding") == "gzip"


def test_a_refused_method_is_told_every_method_the_path_takes(client: TestClient, csrf: str) -> None:
    answer = client.request("PUT", "/pickups/new", headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, HEAD, POST"
    api = client.request("PATCH", "/api/v1/slots", json={})
    assert api.status_code == 405 and api.headers["allow"] == "GET, HEAD"

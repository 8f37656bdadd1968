"""The CSRF matrix: every state-changing route of the app's route table, and how another site is kept out.

The rule (pwa/middleware.py, RequestGuard):
- forms and htmx (every non-`/api/` route): the session's token, in the `csrf_token` field or the
  `X-CSRF-Token` header, and not sent by another site (`Sec-Fetch-Site`, `Origin`);
- `/api/` acting for the device cookie: JSON only and same-site; a cross-site page can send neither
  JSON nor a foreign `Origin`-less request without a CORS preflight, which this app never grants;
- `/api/` for partners: an `Authorization` key, which browsers never attach on their own; such
  routes are exempt from the cookie rules by design and refuse a request without a valid key.

A route that appears in the app without being classified here fails the matrix: decide its rule first.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from tests.conftest import csrf_of
from tests.routetable import fill, state_changing

FORM, COOKIE_API, KEY_API = "form", "cookie api", "key api"
MATRIX = {
    ("POST", "/dossiers"): FORM,
    ("POST", "/dossiers/{code}/follow"): FORM,
    ("POST", "/dossiers/{code}/unfollow"): FORM,
    ("POST", "/notifications/off"): FORM,
    ("POST", "/notifications/read"): FORM,
    ("POST", "/notifications/topics"): FORM,
    ("POST", "/offices/{code}/home"): FORM,
    ("POST", "/offices/{code}/remind"): FORM,
    ("POST", "/pickups/find"): FORM,
    ("POST", "/pickups/new"): FORM,
    ("POST", "/pickups/{code}/cancel"): FORM,
    ("POST", "/pickups/{code}/move"): FORM,
    ("POST", "/pickups/{code}/objection"): FORM,
    ("POST", "/staff/dossiers/import"): FORM,
    ("POST", "/staff/dossiers/{code}/events"): FORM,
    ("POST", "/staff/login"): FORM,  # login CSRF: an attacker must not sign a victim into their account
    ("POST", "/staff/logout"): FORM,
    ("POST", "/staff/notices"): FORM,
    ("POST", "/staff/offices/new"): FORM,
    ("POST", "/staff/offices/{code}"): FORM,
    ("POST", "/staff/offices/{code}/payment-days"): FORM,
    ("POST", "/staff/offices/{code}/payment-days/remove"): FORM,
    ("POST", "/staff/pickups/plan"): FORM,
    ("POST", "/staff/pickups/{code}"): FORM,
    ("POST", "/staff/pickups/{code}/objections/{objection_id:int}"): FORM,
    ("POST", "/api/v1/pickups"): COOKIE_API,
    ("POST", "/api/v1/pickups/{code}/cancel"): COOKIE_API,
    ("POST", "/api/v1/pickups/{code}/reschedule"): COOKIE_API,
    ("POST", "/api/v1/pickups/{code}/objection"): COOKIE_API,
    ("POST", "/api/v1/dossiers/{code}/follow"): COOKIE_API,
    ("DELETE", "/api/v1/dossiers/{code}/follow"): COOKIE_API,
    ("POST", "/api/v1/push/subscriptions"): COOKIE_API,
    ("DELETE", "/api/v1/push/subscriptions"): COOKIE_API,
    ("POST", "/api/v1/dossiers"): KEY_API,
    ("POST", "/api/v1/dossiers/{code}/events"): KEY_API,
    ("POST", "/api/v1/notices"): KEY_API,
    ("POST", "/api/v1/pickups/{code}/status"): KEY_API,
    # A key, or a signed-in courier's session: the session's calls pass the same-site JSON rule of COOKIE_API.
    ("POST", "/api/v1/pickups/{code}/collect"): KEY_API,
    ("POST", "/api/v1/pickups/{code}/fail"): KEY_API,
}
EVIL = "https://evil.example"
JSON = {"Content-Type": "application/json"}


def _of(kind: str) -> list[tuple[str, str]]:
    return sorted(route for route, rule in MATRIX.items() if rule == kind)


def test_every_state_changing_route_is_in_the_matrix(app: Starlette) -> None:
    found = set(state_changing(app))
    assert found - set(MATRIX) == set(), "new state-changing routes: give each its CSRF rule in MATRIX"
    assert set(MATRIX) - found == set(), "routes in MATRIX that the app no longer has"


@pytest.fixture()
def token(client: TestClient) -> str:
    return csrf_of(client, "/staff/login")


@pytest.fixture()
def other_token(app: Starlette) -> Iterator[str]:
    """A valid token of another browser's session."""
    with TestClient(app) as other:
        yield csrf_of(other, "/staff/login")


def _refused(response: object, code: str = "csrf_failed") -> bool:
    status = getattr(response, "status_code", 0)
    text = getattr(response, "text", "")
    expected = {"csrf_failed": "Biểu mẫu đã hết hạn", "cross_site": "trang web khác"}[code]
    return status == 403 and expected in text


@pytest.mark.parametrize(("method", "path"), _of(FORM))
def test_a_form_without_a_valid_token_is_refused(
    client: TestClient, token: str, other_token: str, method: str, path: str
) -> None:
    url = fill(path)
    attempts = {
        "no token": client.request(method, url, data={"username": "x"}),
        "empty token": client.request(method, url, data={"csrf_token": ""}),
        "wrong token": client.request(method, url, data={"csrf_token": token[:-2] + "xx"}),
        "another session's token": client.request(method, url, data={"csrf_token": other_token}),
        "text/plain body": client.request(
            method, url, content=f"csrf_token={token}", headers={"Content-Type": "text/plain"}
        ),
        "multipart without token": client.request(method, url, files={"file": ("a.csv", b"code\n")}),
        "token in the query": client.request(method, url, params={"csrf_token": token}),
    }
    assert {name: r.status_code for name, r in attempts.items() if not _refused(r)} == {}


@pytest.mark.parametrize(("method", "path"), _of(FORM))
def test_a_form_from_another_site_is_refused_even_with_the_token(
    client: TestClient, token: str, method: str, path: str
) -> None:
    url, form = fill(path), {"csrf_token": token}
    cross = client.request(method, url, data=form, headers={"Sec-Fetch-Site": "cross-site"})
    foreign = client.request(method, url, data=form, headers={"Origin": EVIL})
    broken = client.request(method, url, data=form, headers={"Origin": "http://["})
    assert [_refused(r, "cross_site") for r in (cross, foreign, broken)] == [True, True, True]


@pytest.mark.parametrize(("method", "path"), _of(FORM))
def test_a_form_with_its_token_from_this_site_gets_past_the_guard(
    client: TestClient, token: str, method: str, path: str
) -> None:
    """The control: without it, a route refusing everything would pass the two tests above."""
    url = fill(path)
    same = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    in_form = client.request(method, url, data={"csrf_token": token}, headers=same, follow_redirects=False)
    fresh = csrf_of(client, "/staff/login")  # signing out (or in) starts a new session with a new token
    in_header = client.request(
        method, url, data={}, headers={**same, "X-CSRF-Token": fresh, "HX-Request": "true"}, follow_redirects=False
    )
    assert in_form.status_code != 403 and in_header.status_code != 403, (in_form.text[:300], in_header.text[:300])


@pytest.mark.parametrize(("method", "path"), _of(COOKIE_API))
def test_a_cookie_api_call_must_be_same_site_json(client: TestClient, method: str, path: str) -> None:
    url = fill(path)
    client.get("/")  # the device cookie, as a visitor would have it
    cross = client.request(method, url, content=b"{}", headers={**JSON, "Sec-Fetch-Site": "cross-site"})
    foreign = client.request(method, url, content=b"{}", headers={**JSON, "Origin": EVIL})
    assert [cross.status_code, foreign.status_code] == [403, 403]
    assert cross.json()["error"]["code"] == foreign.json()["error"]["code"] == "cross_site"
    # What an HTML form on another site can send without a preflight: never JSON.
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        sent = client.request(method, url, content=b'{"a": 1}', headers={"Content-Type": content_type})
        assert sent.status_code == 415, (content_type, sent.text)
    same = client.request(method, url, content=b"{}", headers={**JSON, "Origin": "http://testserver"})
    assert same.status_code not in (403, 415), same.text


@pytest.mark.parametrize(("method", "path"), _of(KEY_API))
def test_a_partner_api_call_needs_a_valid_key_whatever_the_cookies(
    client: TestClient, token: str, method: str, path: str
) -> None:
    url = fill(path)
    no_key = client.request(method, url, content=b"{}", headers={**JSON, "X-CSRF-Token": token})
    assert no_key.status_code == 401 and no_key.headers["www-authenticate"] == "Bearer"
    cross = client.request(method, url, content=b"{}", headers={**JSON, "Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    for auth in ("Bearer pk_nope_nope", "Basic dXNlcjpwYXNz", "Bearer ", "pk_x"):
        wrong = client.request(method, url, content=b"{}", headers={**JSON, "Authorization": auth})
        assert wrong.status_code == 401, (auth, wrong.text)

"""The authorization matrix: who may reach each route of the app's route table.

- PUBLIC: anyone (pages and reads without anyone's data, booking, signing in);
- DEVICE: this browser's own bookings, follows, inbox and subscriptions (device cookie);
- SECRET: a record opened by its code and a second secret (phone, last 4 digits);
- STAFF: a signed-in, active staff account (an API key or a customer's cookies are not enough);
- a scope name: a partner API key carrying that scope (`*`: any valid key).

A route the matrix does not classify fails it: decide who may use it first.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from pwa import accounts
from pwa.db import Database
from pwa.models import ApiKey, InboxMessage, StaffUser
from pwa.settings import Settings
from tests.conftest import csrf_of
from tests.factories import (
    DOSSIER_CODE,
    add_dossier_event,
    booking_body,
    login_staff,
    make_api_key,
    make_dossier,
    make_staff,
    token_in,
)
from tests.routetable import endpoints, fill

PUBLIC, DEVICE, SECRET, STAFF, ANY_KEY = "public", "device", "secret", "staff", "*"
DOOR, ROUND, METRICS = "door", "round", "metrics"
PUBLIC_ROUTES = """GET / · GET /offline · GET /lang · GET /manifest.webmanifest · GET /service_worker.js · GET /healthz
GET /static/{path} · GET /dossiers · GET /offices · GET /offices/{code} · GET /offices/{code}/print
GET /pickups/new · POST /pickups/new · GET /pickups/quote · GET /notices/{notice_id:int} · GET /staff/login
POST /staff/login · POST /staff/logout · POST /offices/{code}/remind · POST /offices/{code}/home
GET /api/v1/openapi.json · GET /api/v1/offices · GET /api/v1/offices/{code} · GET /api/v1/slots
GET /api/v1/push/key · POST /api/v1/pickups · GET /readyz"""
DEVICE_ROUTES = """GET /pickups · GET /pickups/{code} · POST /pickups/{code}/cancel · POST /pickups/{code}/move
GET /notifications · GET /notifications/open/{message_id:int} · POST /notifications/topics · POST /notifications/off
POST /notifications/read · POST /pickups/{code}/objection
GET /dossiers/{code} · POST /dossiers/{code}/follow · POST /dossiers/{code}/unfollow
POST /api/v1/push/subscriptions · DELETE /api/v1/push/subscriptions · DELETE /api/v1/dossiers/{code}/follow"""
SECRET_ROUTES = """POST /dossiers · POST /pickups/find · GET /api/v1/dossiers/{code}
POST /api/v1/dossiers/{code}/follow · GET /api/v1/pickups/{code} · POST /api/v1/pickups/{code}/cancel
POST /api/v1/pickups/{code}/reschedule · POST /api/v1/pickups/{code}/objection"""
STAFF_ROUTES = """GET /staff/ · GET /staff/dossiers · GET /staff/dossiers/import · POST /staff/dossiers/import
GET /staff/dossiers/{code} · POST /staff/dossiers/{code}/events · GET /staff/notices · POST /staff/notices
GET /staff/notices/{notice_id:int} · GET /staff/offices · GET /staff/offices/new · POST /staff/offices/new
GET /staff/offices/{code} · POST /staff/offices/{code} · POST /staff/offices/{code}/payment-days
POST /staff/offices/{code}/payment-days/remove · GET /staff/pickups · POST /staff/pickups/plan
POST /staff/pickups/{code} · GET /staff/pickups/objections
POST /staff/pickups/{code}/objections/{objection_id:int}"""
# At the door: a key of scope `pickups`, or the session of a signed-in courier (or staff who go out).
DOOR_ROUTES = """POST /api/v1/pickups/{code}/collect · POST /api/v1/pickups/{code}/fail"""
# The courier's round: signed-in couriers, staff and admins.
ROUND_ROUTES = """GET /courier"""
# The operator's scrape: a bearer token of its own (PWA_METRICS_TOKEN), no key, no session.
METRICS_ROUTES = """GET /metrics"""
KEY_ROUTES = {
    ("POST", "/api/v1/dossiers"): "dossiers",
    ("POST", "/api/v1/dossiers/{code}/events"): "dossiers",
    ("POST", "/api/v1/notices"): "notices",
    ("GET", "/api/v1/notices/{notice_id:int}"): "notices",
    ("GET", "/api/v1/staff/pickups"): "pickups",
    ("POST", "/api/v1/pickups/{code}/status"): "pickups",
    ("GET", "/api/v1/whoami"): ANY_KEY,
}


def _parse(table: str, who: str) -> dict[tuple[str, str], str]:
    pairs = (item.strip().split(" ", 1) for line in table.splitlines() for item in line.split("·"))
    return {(method, path): who for method, path in pairs}


MATRIX = {
    **_parse(PUBLIC_ROUTES, PUBLIC),
    **_parse(DEVICE_ROUTES, DEVICE),
    **_parse(SECRET_ROUTES, SECRET),
    **_parse(STAFF_ROUTES, STAFF),
    **_parse(DOOR_ROUTES, DOOR),
    **_parse(ROUND_ROUTES, ROUND),
    **_parse(METRICS_ROUTES, METRICS),
    **KEY_ROUTES,
}


def _of(who: str) -> list[tuple[str, str]]:
    return sorted(route for route, rule in MATRIX.items() if rule == who)


def test_every_route_is_in_the_matrix(app: Starlette) -> None:
    found = set(endpoints(app))
    assert found - set(MATRIX) == set(), "new routes: say who may use each in the authorization matrix"
    assert set(MATRIX) - found == set(), "routes in the matrix that the app no longer has"
    assert len(MATRIX) == sum(map(len, (_of(w) for w in {*MATRIX.values()})))  # each route in one class


# --- Staff pages ---


def _send(client: TestClient, method: str, path: str, headers: dict[str, str] | None = None) -> object:
    token = csrf_of(client, "/staff/login")
    data = {"csrf_token": token} if method != "GET" else None
    return client.request(method, fill(path), data=data, headers=headers or {}, follow_redirects=False)


def _sent_to_login(response: object) -> bool:
    location = getattr(response, "headers", {}).get("location", "")
    return getattr(response, "status_code", 0) == 303 and location.startswith("/staff/login?next=/staff/")


@pytest.mark.parametrize(("method", "path"), _of(STAFF))
def test_staff_routes_send_everyone_else_to_the_login(
    client: TestClient, db: Database, settings: Settings, method: str, path: str
) -> None:
    with db.write() as session:
        key = accounts.create_api_key(session, name="all", scopes=accounts.SCOPES).key
    anonymous = _send(client, method, path)
    with_a_key = _send(client, method, path, {"Authorization": f"Bearer {key}"})
    client.post("/api/v1/pickups", json=booking_body(settings))  # a customer with a device and a booking
    customer = _send(client, method, path)
    assert [_sent_to_login(r) for r in (anonymous, with_a_key, customer)] == [True, True, True]


@pytest.mark.parametrize(("method", "path"), _of(STAFF))
def test_staff_routes_refuse_a_disabled_account_at_once(
    client: TestClient, db: Database, method: str, path: str
) -> None:
    make_staff(db)
    login_staff(client)
    assert not _sent_to_login(_send(client, method, path))  # the control: signed in, let through
    with db.write() as session:
        user = session.exec(select(StaffUser).where(StaffUser.username == "lan")).one()
        user.active = False
    assert _sent_to_login(_send(client, method, path))


def test_only_admins_see_the_accounts_and_keys(app: Starlette, db: Database) -> None:
    make_staff(db, "nhanvien-lan", role="staff")
    make_staff(db, "quantri-chi", role="admin")
    with db.write() as session:
        accounts.create_api_key(session, name="Khoa-doi-tac-X", scopes=["dossiers"])
    pages = {}
    for username in ("nhanvien-lan", "quantri-chi"):
        with TestClient(app) as browser:
            login_staff(browser, username)
            pages[username] = browser.get("/staff/").text
    assert "Khoa-doi-tac-X" not in pages["nhanvien-lan"] and "quantri-chi" not in pages["nhanvien-lan"]
    assert "Khoa-doi-tac-X" in pages["quantri-chi"] and "nhanvien-lan" in pages["quantri-chi"]


# --- Partner keys ---


@pytest.mark.parametrize(("method", "path"), sorted(KEY_ROUTES))
def test_partner_routes_need_a_live_key_with_their_scope(
    client: TestClient, db: Database, method: str, path: str
) -> None:
    scope = KEY_ROUTES[(method, path)]
    others = [s for s in accounts.SCOPES if s != scope]
    right = make_api_key(db, scopes=(scope,) if scope != ANY_KEY else ("notices",))
    wrong = make_api_key(db, scopes=tuple(others))
    revoked = make_api_key(db, scopes=accounts.SCOPES)
    with db.write() as session:
        record = session.exec(select(ApiKey).where(ApiKey.prefix == revoked.split("_")[1])).one()
        record.revoked_at = datetime.now(UTC)
    make_staff(db)
    login_staff(client)  # a staff session is no key

    def call(key: str | None) -> int:
        headers = {"Authorization": f"Bearer {key}"} if key else {"X-CSRF-Token": csrf_of(client, "/staff/")}
        return client.request(method, fill(path), json={}, headers=headers).status_code

    statuses = {"none": call(None), "revoked": call(revoked), "wrong scope": call(wrong), "right": call(right)}
    assert statuses["none"] == statuses["revoked"] == 401, statuses
    assert statuses["wrong scope"] == (200 if scope == ANY_KEY else 403), statuses
    assert statuses["right"] not in (401, 403), statuses


@pytest.mark.parametrize(("method", "path"), _of(DOOR))
def test_door_routes_need_a_key_with_pickups_or_a_signed_in_courier(
    app: Starlette, db: Database, method: str, path: str
) -> None:
    right, wrong = make_api_key(db, scopes=("pickups",)), make_api_key(db, scopes=("dossiers", "notices"))
    make_staff(db, "anh.tu", role="courier")

    def call(client: TestClient, key: str | None = None) -> int:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return client.request(method, fill(path), json={}, headers=headers).status_code

    with TestClient(app) as customer, TestClient(app) as courier:
        customer.get("/")  # a phone with its device cookie, and no sign-in
        login_staff(courier, "anh.tu")
        statuses = {"none": call(customer), "wrong scope": call(customer, wrong), "right": call(customer, right),
                    "courier": call(courier)}  # fmt: skip
    assert (statuses["none"], statuses["wrong scope"]) == (401, 403), statuses
    assert statuses["right"] not in (401, 403) and statuses["courier"] not in (401, 403), statuses


@pytest.mark.parametrize(("method", "path"), _of(ROUND))
def test_the_round_sends_anyone_not_signed_in_to_the_login(
    client: TestClient, db: Database, method: str, path: str
) -> None:
    key = make_api_key(db, scopes=accounts.SCOPES)
    for headers in ({}, {"Authorization": f"Bearer {key}"}):
        sent = client.request(method, fill(path), headers=headers, follow_redirects=False)
        assert sent.status_code == 303 and sent.headers["location"] == f"/staff/login?next={path}"


@pytest.mark.parametrize(("method", "path"), _of(METRICS))
def test_metrics_need_their_own_token(client: TestClient, db: Database, method: str, path: str) -> None:
    make_staff(db)
    login_staff(client)  # neither a staff session nor a key opens the metrics
    key = make_api_key(db, scopes=accounts.SCOPES)
    assert client.request(method, path).status_code in (401, 404)
    assert client.request(method, path, headers={"Authorization": f"Bearer {key}"}).status_code in (401, 404)


# --- Devices: each phone sees its own things only ---


def _look_up(client: TestClient, code: str, secret: str) -> int:
    token = token_in(client.get("/dossiers").text)
    data = {"code": code, "secret": secret, "csrf_token": token}
    return client.post("/dossiers", data=data, follow_redirects=False).status_code


def test_a_device_never_reads_or_changes_another_devices_things(
    app: Starlette, client: TestClient, db: Database, settings: Settings
) -> None:
    client.get("/pickups")  # this phone's device cookie
    booked = client.post("/api/v1/pickups", json=booking_body(settings, name="Hoàng Thị Mai")).json()["code"]
    make_dossier(db)
    assert _look_up(client, DOSSIER_CODE, "5678") == 303
    token = csrf_of(client, "/dossiers")
    client.post(f"/dossiers/{DOSSIER_CODE}/follow", data={"csrf_token": token})
    add_dossier_event(db, id="e-9", at="2026-11-20T10:00:00+07:00", status_code=9)
    with db.read() as session:
        message = session.exec(select(InboxMessage)).one()
    assert booked in client.get("/pickups").text and DOSSIER_CODE in client.get("/notifications").text

    with TestClient(app) as other:
        token = csrf_of(other, "/pickups")
        assert booked not in other.get("/pickups").text
        shared = other.get(f"/pickups/{booked}").text  # a confirmation link may be shared: no name, no changes
        assert "Hoàng Thị Mai" not in shared and f"/pickups/{booked}/cancel" not in shared
        cancel = other.post(f"/pickups/{booked}/cancel", data={"csrf_token": token})
        move = other.post(f"/pickups/{booked}/move", data={"csrf_token": token, "slot": "2030-01-02/morning"})
        assert cancel.status_code == move.status_code == 404
        assert DOSSIER_CODE not in other.get("/notifications").text
        assert other.get(f"/notifications/open/{message.id}", follow_redirects=False).status_code == 404
        assert "Cấp đổi giấy phép lái xe" not in other.get(f"/dossiers/{DOSSIER_CODE}").text
        unfollow = other.request("DELETE", f"/api/v1/dossiers/{DOSSIER_CODE}/follow", json={})
        assert unfollow.status_code == 404
        other.post(f"/dossiers/{DOSSIER_CODE}/unfollow", data={"csrf_token": token})
    assert f"/pickups/{booked}/cancel" in client.get(f"/pickups/{booked}").text  # still booked, still mine
    assert DOSSIER_CODE in client.get("/dossiers").text  # still in "My dossiers"
    with db.read() as session:
        assert session.get(InboxMessage, message.id).read_at is None  # type: ignore[union-attr]


# --- Citizens: the dossier whose code and secret they gave, and no other ---


def test_a_citizen_sees_only_the_dossier_whose_code_and_secret_they_gave(client: TestClient, db: Database) -> None:
    make_dossier(db)
    make_dossier(db, code="H19.22-251125-0099", phone="0987654321", procedure="Đăng ký khai sinh")
    assert _look_up(client, "H19.22-251125-0099", "5678") == 404  # the other dossier with my secret
    assert _look_up(client, DOSSIER_CODE, "4321") == 404  # mine with the other's secret
    assert _look_up(client, DOSSIER_CODE, "5678") == 303
    assert "Cấp đổi giấy phép lái xe" in client.get(f"/dossiers/{DOSSIER_CODE}").text
    other = client.get("/dossiers/H19.22-251125-0099").text
    assert "Đăng ký khai sinh" not in other and 'name="secret"' in other
    assert client.get("/api/v1/dossiers/H19.22-251125-0099", params={"secret": "5678"}).status_code == 404
    assert client.get(f"/api/v1/dossiers/{DOSSIER_CODE}", params={"secret": "5678"}).status_code == 200

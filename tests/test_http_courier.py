"""The courier's round over HTTP: who may open it, what it shows, and the door actions with the session."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from starlette.testclient import TestClient

from pwa.db import Database
from pwa.settings import Settings
from tests.couriers import assign, bring_to_today, events, handover_code
from tests.factories import login_staff, make_pickup, make_staff


@pytest.fixture()
def today_stops(db: Database, settings: Settings) -> dict[str, str]:
    """Today: one stop for courier minh, one for courier hoa."""
    make_staff(db, "minh", role="courier")
    make_staff(db, "hoa", role="courier")
    mine = make_pickup(db, settings, name="Hoàng Thị Mai", note="Cổng xanh")
    stops = {"minh": mine, "hoa": make_pickup(db, settings)}
    for courier, code in stops.items():
        assign(db, settings, code, courier)
        bring_to_today(db, settings, code)
    return stops


def door(client: TestClient, code: str, action: str, body: dict[str, object], key: str) -> tuple[int, Any]:
    response = client.post(f"/api/v1/pickups/{code}/{action}", json=body, headers={"Idempotency-Key": key})
    return response.status_code, response.json()


def test_the_round_needs_a_sign_in(client: TestClient) -> None:
    response = client.get("/courier", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/login?next=/courier"


def test_a_courier_sees_only_their_own_stops(client: TestClient, today_stops: dict[str, str]) -> None:
    login_staff(client, "minh")
    page = client.get("/courier")
    assert page.status_code == 200
    assert f'data-stop="{today_stops["minh"]}"' in page.text and today_stops["hoa"] not in page.text
    assert "Hoàng T*** M**" in page.text and "Hoàng Thị Mai" not in page.text
    assert 'href="tel:+84912345678"' in page.text and "0912 345 678" in page.text
    assert "https://www.google.com/maps/search/?api=1&amp;query=Th%C3%B4n" in page.text
    assert "Cổng xanh" in page.text and "Thôn Nà Pài, Xã Chợ Đồn, Thái Nguyên" in page.text
    assert "Còn 1 điểm cần đến" in page.text


def test_a_courier_gets_their_own_bar_and_the_camera(client: TestClient, today_stops: dict[str, str]) -> None:
    login_staff(client, "minh")
    page = client.get("/courier")
    assert "tabbar--courier" in page.text and 'href="/staff/pickups"' not in page.text
    assert "camera=(self)" in page.headers["permissions-policy"]
    assert page.headers["cache-control"] == "private, no-cache"
    assert client.get("/", follow_redirects=False).headers.get("permissions-policy", "").startswith("camera=()")


def test_a_courier_is_sent_from_staff_pages_to_the_round(client: TestClient, today_stops: dict[str, str]) -> None:
    login_staff(client, "minh")
    response = client.get("/staff/pickups", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/courier"


def test_counter_staff_may_open_the_round(client: TestClient, db: Database, today_stops: dict[str, str]) -> None:
    make_staff(db, "lan", role="staff")
    login_staff(client, "lan")
    page = client.get("/courier")
    assert page.status_code == 200
    assert "Còn 0 điểm cần đến" in page.text and "tabbar--staff" in page.text


def test_the_round_reads_in_english(client: TestClient, today_stops: dict[str, str]) -> None:
    login_staff(client, "minh")
    client.cookies.set("lang", "en")
    page = client.get("/courier")
    assert "Pickup round" in page.text and "Collect parcels" in page.text and "Could not collect" in page.text
    assert "1 stop left" in page.text


def test_the_courier_session_records_at_the_door_once_per_key(
    client: TestClient, db: Database, today_stops: dict[str, str]
) -> None:
    login_staff(client, "minh")
    code = today_stops["minh"]
    right = handover_code(db, code)
    body = {"handover_code": right, "parcels": 2}
    status, answer = door(client, code, "collect", body, key="k-1")
    assert status == 200 and answer["status"] == "collected" and answer["handover_verified"] is True
    assert "handover_code" not in answer  # the code is for the customer's answers only
    for _ in range(2):  # the phone sends it again: the same answer, nothing applied twice
        assert door(client, code, "collect", body, key="k-1")[0] == 200
    assert events(db, code, "collected") == 1


def test_a_wrong_code_is_refused_with_tries_left(client: TestClient, db: Database, today_stops: dict[str, str]) -> None:
    login_staff(client, "minh")
    code = today_stops["minh"]
    wrong = "0000" if handover_code(db, code) != "0000" else "1111"
    status, answer = door(client, code, "collect", {"handover_code": wrong, "parcels": 1}, key=str(uuid.uuid4()))
    assert status == 422
    assert "Còn 4 lần thử" in str(answer["error"])
    assert events(db, code, "collected") == 0


def test_a_failure_without_the_call_time_is_refused(client: TestClient, today_stops: dict[str, str]) -> None:
    login_staff(client, "minh")
    status, answer = door(client, today_stops["minh"], "fail", {"reason": "no_answer"}, key="f-1")
    assert status == 422 and "called_at" in answer["error"]["fields"]


def test_no_one_acts_at_the_door_without_signing_in(client: TestClient, today_stops: dict[str, str]) -> None:
    status, _answer = door(client, today_stops["minh"], "fail", {"reason": "not_home"}, key="f-2")
    assert status == 401

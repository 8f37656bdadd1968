"""Hostile numbers and dates on every pickup route: a translated 4xx message each, never a 500."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from pwa.db import Database
from pwa.settings import Settings
from tests.factories import booking_body, login_staff, make_pickup, make_staff, open_day, token_in

NASTY_NUMBERS = [
    "9" * 5000,  # int() refuses more than 4300 digits
    "-" + "9" * 5000,
    "1" + ".000" * 2000,
    "²",  # isdigit() but not int()
    "٣",  # another script's digit
    "１２",  # full-width digits
    "1e999999999",  # overflows Decimal arithmetic
]
NASTY_DATES = ["0001-01-01", "9999-12-31", "²", "2026-1l-01", "9" * 5000]


@pytest.mark.parametrize("value", NASTY_NUMBERS)
@pytest.mark.parametrize("field", ["parcels", "weight_kg", "cod_vnd", "destination_province"])
def test_quote_fragment_survives_nasty_numbers(client: TestClient, field: str, value: str) -> None:
    response = client.get(f"/pickups/quote?{field}={quote(value)}", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Nhập số kiện, cân nặng và dịch vụ để xem giá." in response.text


@pytest.mark.parametrize("value", NASTY_NUMBERS)
def test_slots_api_refuses_a_nasty_commune(client: TestClient, settings: Settings, value: str) -> None:
    response = client.get(f"/api/v1/slots?date={open_day(settings).isoformat()}&ward_code={quote(value)}")
    assert response.status_code == 422
    assert "Hãy chọn trong danh sách" in response.json()["error"]["fields"]["ward_code"]


@pytest.mark.parametrize("value", NASTY_DATES)
def test_slots_api_refuses_a_nasty_date(client: TestClient, value: str) -> None:
    response = client.get(f"/api/v1/slots?date={quote(value)}")
    assert response.status_code == 422 and "date" in response.json()["error"]["fields"]


@pytest.mark.parametrize("value", NASTY_NUMBERS)
@pytest.mark.parametrize("field", ["parcels", "weight_kg", "longest_cm", "cod_vnd", "ward_code"])
def test_booking_form_marks_a_nasty_number(client: TestClient, settings: Settings, field: str, value: str) -> None:
    token = token_in(client.get("/pickups/new").text)
    data = {**{k: str(v) for k, v in booking_body(settings).items()}, field: value, "csrf_token": token}
    response = client.post("/pickups/new", data=data)
    assert response.status_code == 422 and f'id="{field}-error"' in response.text


@pytest.mark.parametrize("value", NASTY_NUMBERS)
def test_booking_api_refuses_a_nasty_number(client: TestClient, settings: Settings, value: str) -> None:
    response = client.post("/api/v1/pickups", json=booking_body(settings, parcels=value, weight_kg=value))
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"parcels", "weight_kg"}


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1999-12-31"])
def test_booking_api_refuses_a_date_out_of_range(client: TestClient, settings: Settings, value: str) -> None:
    response = client.post("/api/v1/pickups", json=booking_body(settings, date=value))
    assert response.status_code == 422 and "date" in response.json()["error"]["fields"]


@pytest.mark.parametrize("value", NASTY_DATES)
def test_staff_day_page_says_the_date_is_wrong(client: TestClient, db: Database, value: str) -> None:
    make_staff(db)
    login_staff(client)
    response = client.get(f"/staff/pickups?date={quote(value)}")
    assert response.status_code == 400 and 'href="#f-date"' in response.text
    assert "Ngày phải" in response.text


@pytest.mark.parametrize("value", NASTY_NUMBERS)
def test_staff_forms_refuse_nasty_numbers(client: TestClient, db: Database, settings: Settings, value: str) -> None:
    make_staff(db)
    login_staff(client)
    code, day = make_pickup(db, settings), open_day(settings)
    token = token_in(client.get(f"/staff/pickups?date={day.isoformat()}").text)
    collected = {"csrf_token": token, "action": "collected", "collected_parcels": value}
    response = client.post(f"/staff/pickups/{code}?date={day.isoformat()}", data=collected)
    assert response.status_code == 422 and "Số kiện đã lấy từ 1 đến 2." in response.text
    capacity = {"csrf_token": token, "day": day.isoformat(), "shift": "morning", "capacity": value}
    response = client.post("/staff/pickups/plan", data=capacity)
    assert response.status_code == 422 and "Nhập số lượt từ 0 đến 1000." in response.text


@pytest.mark.parametrize("value", NASTY_DATES)
def test_staff_plan_refuses_a_nasty_day(client: TestClient, db: Database, value: str) -> None:
    make_staff(db)
    login_staff(client)
    token = token_in(client.get("/staff/pickups").text)
    data = {"csrf_token": token, "day": value, "shift": "morning", "capacity": "5"}
    response = client.post("/staff/pickups/plan", data=data)
    assert response.status_code == 422 and "Ngày phải" in response.text

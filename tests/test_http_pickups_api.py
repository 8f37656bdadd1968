"""The pickups API as a shop or integration calls it."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

from starlette.testclient import TestClient

from pwa import accounts, s10
from pwa.db import Database
from pwa.pickups import lookup
from pwa.settings import Settings
from tests.factories import booking_body, open_day, set_capacity, token_in
from tests.live import LiveServer


def test_slots_list_both_shifts_with_room(client: TestClient, settings: Settings, db: Database) -> None:
    day = open_day(settings)
    set_capacity(db, settings, day, "morning", 3)
    response = client.get(f"/api/v1/slots?date={day.isoformat()}&ward_code=2020")
    assert response.status_code == 200
    assert response.json()["slots"] == [
        {"date": day.isoformat(), "shift": "morning", "capacity": 3, "remaining": 3},
        {"date": day.isoformat(), "shift": "afternoon", "capacity": 20, "remaining": 20},
    ]


def test_slots_with_a_bad_date_or_commune_get_422(client: TestClient) -> None:
    response = client.get("/api/v1/slots?date=27/11/2026&ward_code=99999")
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"date", "ward_code"}


def test_booking_returns_code_and_valid_tracking_numbers(client: TestClient, settings: Settings) -> None:
    response = client.post("/api/v1/pickups", json=booking_body(settings, parcels=2))
    assert response.status_code == 201
    body = response.json()
    assert len(body["code"]) == 12 and body["status"] == "booked" and body["price_vnd"] > 0
    assert len(body["tracking_numbers"]) == 2 and all(s10.is_valid(n) for n in body["tracking_numbers"])
    again = client.get(f"/api/v1/pickups/{body['code']}?phone=%2B84912345678")
    assert again.status_code == 200 and [e["status"] for e in again.json()["timeline"]] == ["booked"]


def test_wrong_code_and_wrong_phone_get_the_same_404(client: TestClient, settings: Settings) -> None:
    code = client.post("/api/v1/pickups", json=booking_body(settings)).json()["code"]
    wrong_phone = client.get(f"/api/v1/pickups/{code}?phone=0987654321")
    wrong_code = client.get("/api/v1/pickups/ABCDEFGHJKMN?phone=0912345678")
    assert wrong_phone.status_code == wrong_code.status_code == 404
    assert wrong_phone.json() == wrong_code.json()


def test_repeated_idempotency_key_makes_one_booking(client: TestClient, settings: Settings) -> None:
    body, headers = booking_body(settings), {"Idempotency-Key": "order-778"}
    first = client.post("/api/v1/pickups", json=body, headers=headers)
    second = client.post("/api/v1/pickups", json=body, headers=headers)
    other = client.post("/api/v1/pickups", json={**body, "parcels": 5}, headers=headers)
    assert (first.status_code, second.status_code, other.status_code) == (201, 200, 422)
    assert other.json()["error"]["code"] == "invalid" and "idempotency_key" in other.json()["error"]["fields"]
    assert first.json()["code"] == second.json()["code"]
    assert first.json()["tracking_numbers"] == second.json()["tracking_numbers"]


def test_cancel_frees_the_place_and_is_refused_twice(client: TestClient, settings: Settings, db: Database) -> None:
    day = open_day(settings)
    set_capacity(db, settings, day, "morning", 1)
    code = client.post("/api/v1/pickups", json=booking_body(settings)).json()["code"]
    assert client.post("/api/v1/pickups", json=booking_body(settings)).status_code == 409
    cancelled = client.post(f"/api/v1/pickups/{code}/cancel", json={"phone": "0912345678"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.post(f"/api/v1/pickups/{code}/cancel", json={"phone": "0912345678"}).status_code == 409
    assert client.post("/api/v1/pickups", json=booking_body(settings)).status_code == 201


def test_full_slot_gets_409_with_nearest_free_slots(client: TestClient, settings: Settings, db: Database) -> None:
    set_capacity(db, settings, open_day(settings), "morning", 0)
    response = client.post("/api/v1/pickups", json=booking_body(settings))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "slot_full"
    assert response.json()["slots"][0]["shift"] == "afternoon"


def test_garbage_gets_422_never_500(client: TestClient, settings: Settings) -> None:
    garbage: list[Any] = [
        {}, [], "x", None, {"name": {"a": 1}}, {"parcels": "many"}, {"weight_kg": -1}, {"weight_kg": 31},
        {"weight_kg": "NaN"}, {"weight_kg": True}, {"ward_code": "1e9"}, {"date": "2020-01-01"},
        {"name": "<script>alert(1)</script>" * 20}, {"note": "😀" * 256}, {"phone": "+1 202 555 0100"},
    ]  # fmt: skip
    for item in garbage:
        body = {**booking_body(settings), **item} if isinstance(item, dict) and item else item
        response = client.post(
            "/api/v1/pickups", content=json.dumps(body), headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, (item, response.text)
    broken = client.post("/api/v1/pickups", content=b"{not json", headers={"content-type": "application/json"})
    assert broken.status_code == 422


def test_emoji_and_script_tags_are_stored_as_text(client: TestClient, settings: Settings) -> None:
    note, name = "Gọi trước 😀 <script>alert(1)</script>", "Mai 🌸 <b>x</b>"
    body = client.post("/api/v1/pickups", json=booking_body(settings, note=note, name=name)).json()
    assert client.get(f"/api/v1/pickups/{body['code']}?phone=0912345678").json()["note"] == note
    token = token_in(client.get("/pickups").text)
    found = client.post("/pickups/find", data={"csrf_token": token, "code": body["code"], "phone": "0912345678"})
    assert found.status_code == 200 and found.url.path == f"/pickups/{body['code']}"  # the confirmation page
    assert "Gọi trước 😀 &lt;script&gt;alert(1)&lt;/script&gt;" in found.text and "<script>alert" not in found.text
    assert "Mai 🌸 &lt;b&gt;x&lt;/b&gt;" in found.text and "<b>x</b>" not in found.text


def test_staff_scope_lists_the_day_and_posts_status(client: TestClient, settings: Settings, db: Database) -> None:
    with db.write() as session:
        key = accounts.create_api_key(session, name="tong dai", scopes=["pickups"]).key
    code = client.post("/api/v1/pickups", json=booking_body(settings)).json()["code"]
    auth = {"Authorization": f"Bearer {key}"}
    listed = client.get(f"/api/v1/staff/pickups?date={open_day(settings).isoformat()}", headers=auth)
    assert [p["code"] for p in listed.json()["pickups"]] == [code]
    done = client.post(
        f"/api/v1/pickups/{code}/status", json={"action": "collected", "collected_parcels": 2}, headers=auth
    )
    assert done.status_code == 200 and done.json()["status"] == "collected"
    assert client.get("/api/v1/staff/pickups?date=2026-01-01").status_code == 401


def test_concurrent_bookings_over_http_fill_exactly_the_room(
    live_server: LiveServer, settings: Settings, db: Database
) -> None:
    day = open_day(settings)
    set_capacity(db, settings, day, "morning", 5)
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(16)

    def post(i: int) -> None:
        data = json.dumps(booking_body(settings, name=f"Khách {i}")).encode()
        request = urllib.request.Request(
            f"{live_server.url}/api/v1/pickups", data=data, headers={"Content-Type": "application/json"}
        )
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] * 5 + [409] * 11
    with urllib.request.urlopen(f"{live_server.url}/api/v1/slots?date={day.isoformat()}") as response:
        morning = json.loads(response.read())["slots"][0]
    assert morning["shift"] == "morning" and morning["remaining"] == 0


def test_wrong_code_and_phone_tries_are_limited(client: TestClient, settings: Settings) -> None:
    code = client.post("/api/v1/pickups", json=booking_body(settings)).json()["code"]
    for _ in range(lookup.LOOKUP_LIMIT.count - 1):
        assert client.get(f"/api/v1/pickups/{code}?phone=0987654321").status_code == 404
    assert client.post(f"/api/v1/pickups/{code}/cancel", json={"phone": "0987654321"}).status_code == 404
    limited = client.get(f"/api/v1/pickups/{code}?phone=0912345678")  # even the right phone, for now
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert limited.json()["error"]["code"] == "rate_limited"

"""Pickup pages through HTTP: forms without JavaScript, find by code and phone, the staff day page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from pwa import ratelimit
from pwa.db import Database
from pwa.pickups import booking, lookup, slots
from pwa.settings import Settings
from tests.factories import booking_body, login_staff, make_pickup, make_staff, open_day, set_capacity, token_in


def test_form_keeps_what_was_typed_and_marks_each_field(client: TestClient) -> None:
    token = token_in(client.get("/pickups/new").text)
    data = {"csrf_token": token, "name": "<b>Mai</b> 😀", "phone": "12", "weight_kg": "-1", "note": "x" * 256}
    response = client.post("/pickups/new", data=data)
    assert response.status_code == 422
    assert "&lt;b&gt;Mai&lt;/b&gt; 😀" in response.text and 'value="12"' in response.text
    for field in ("phone", "weight_kg", "note", "ward_code", "street"):
        assert f'id="{field}-error"' in response.text and f'href="#{field}"' in response.text


def test_same_form_posted_twice_makes_one_booking(client: TestClient, settings: Settings) -> None:
    page = client.get("/pickups/new").text

    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert key
    data = {"csrf_token": token_in(page), "idempotency_key": key.group(1), "name": "Mai", "phone": "0912345678",
            "ward_code": "2020", "street": "Nà Pài", "date": open_day(settings).isoformat(), "shift": "morning",
            "parcels": "1", "weight_kg": "1", "service": "economy"}  # fmt: skip
    first = client.post("/pickups/new", data=data, follow_redirects=False)
    second = client.post("/pickups/new", data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]


def test_old_address_is_converted_for_the_user_to_confirm(client: TestClient) -> None:
    token = token_in(client.get("/pickups/new").text)
    data = {
        "csrf_token": token,
        "action": "convert",
        "old_address": "thôn Nà Pài, xã Bằng Lãng, huyện Chợ Đồn, Bắc Kạn",
    }
    response = client.post("/pickups/new", data=data)
    assert response.status_code == 200
    assert "nay thuộc Xã Chợ Đồn, Thái Nguyên" in response.text
    assert '<option value="2020" selected>' in response.text


def test_found_booking_is_listed_on_this_phone(client: TestClient, db: Database, settings: Settings) -> None:
    code = make_pickup(db, settings)
    token = token_in(client.get("/pickups").text)
    wrong = client.post("/pickups/find", data={"csrf_token": token, "code": code, "phone": "0987654321"})
    assert wrong.status_code == 404 and "Không tìm thấy đơn" in wrong.text
    found = client.post("/pickups/find", data={"csrf_token": token, "code": code.lower(), "phone": "0912345678"})
    assert found.status_code == 200 and "Mã đơn lấy hàng" in found.text
    assert code[:4] in client.get("/pickups").text


def test_staff_mark_failed_and_customer_gets_one_tap_reschedule(
    client: TestClient, db: Database, settings: Settings
) -> None:
    make_staff(db)
    login_staff(client)
    code = make_pickup(db, settings)
    token = token_in(client.get("/pickups").text)
    client.post("/pickups/find", data={"csrf_token": token, "code": code, "phone": "0912345678"})
    day = client.get(f"/staff/pickups?date={open_day(settings).isoformat()}")
    assert code[:4] in day.text
    token = token_in(day.text)
    response = client.post(
        f"/staff/pickups/{code}",
        data={"csrf_token": token, "action": "failed", "reason": "not_home"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/staff/pickups"
    shown = client.get(f"/pickups/{code}").text
    assert "Lấy hàng không thành công" in shown and "Khách không có nhà" in shown
    assert "Hẹn lại vào ca gần nhất còn chỗ" in shown and 'href="#object"' in shown
    token = token_in(shown)
    tapped = client.post(f"/pickups/{code}/move", data={"csrf_token": token, "slot": ""}, follow_redirects=False)
    assert tapped.status_code == 303 and tapped.headers["location"] == f"/pickups/{code}"
    again = client.get(f"/pickups/{code}").text  # the same booking, same code, booked again
    assert "Đã hẹn lại ca lấy hàng" in again and "Mã bàn giao" in again


def test_find_form_says_so_after_too_many_wrong_tries(client: TestClient, db: Database, settings: Settings) -> None:
    code = make_pickup(db, settings)
    token = token_in(client.get("/pickups").text)
    wrong = {"csrf_token": token, "code": code, "phone": "0987654321"}
    for _ in range(lookup.LOOKUP_LIMIT.count):
        assert client.post("/pickups/find", data=wrong).status_code == 404
    refused = client.post("/pickups/find", data={**wrong, "phone": "0912345678"})
    assert refused.status_code == 429 and "Bạn đã thử quá nhiều lần" in refused.text
    assert f'value="{code}"' in refused.text  # what was typed is kept


def _form_key(html: str) -> str:
    key = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert key
    return key.group(1)


def test_back_edit_and_resubmit_offers_a_new_booking(client: TestClient, settings: Settings) -> None:
    page = client.get("/pickups/new").text
    data = {"csrf_token": token_in(page), "idempotency_key": _form_key(page), "name": "Mai", "phone": "0912345678",
            "ward_code": "2020", "street": "Nà Pài", "date": open_day(settings).isoformat(), "shift": "morning",
            "parcels": "1", "weight_kg": "1", "service": "economy"}  # fmt: skip
    first = client.post("/pickups/new", data=data, follow_redirects=False)
    assert first.status_code == 303
    edited = client.post("/pickups/new", data={**data, "parcels": "2"})  # Back, edit, send again: same key
    assert edited.status_code == 409
    assert "Đơn bạn gửi trước đó từ trang này đã được đặt." in edited.text
    assert f'href="{first.headers["location"]}"' in edited.text  # this phone's booking: linked
    assert "#idempotency_key" not in edited.text and "Đã dùng cho một yêu cầu khác" not in edited.text
    assert 'name="parcels" type="text" value="2"' in edited.text  # what was typed is kept
    fresh = _form_key(edited.text)
    assert fresh != data["idempotency_key"]
    second = client.post(
        "/pickups/new", data={**data, "parcels": "2", "idempotency_key": fresh}, follow_redirects=False
    )
    assert second.status_code == 303 and second.headers["location"] != first.headers["location"]


def test_code_alone_shows_a_masked_name_and_no_street(client: TestClient, db: Database, settings: Settings) -> None:
    code = make_pickup(db, settings, note="Nhà cạnh trường học")
    stranger = client.get(f"/pickups/{code}").text
    assert "Hoàng T*** M**" in stranger and "Xã Chợ Đồn" in stranger
    assert "Hoàng Thị Mai" not in stranger and "Thôn Nà Pài" not in stranger and "Nhà cạnh trường học" not in stranger
    token = token_in(client.get("/pickups").text)
    client.post("/pickups/find", data={"csrf_token": token, "code": code, "phone": "0912345678"})
    owner = client.get(f"/pickups/{code}").text  # found with code and phone: this phone may manage it
    assert "Hoàng Thị Mai" in owner and "Thôn Nà Pài, Xã Chợ Đồn" in owner and "Nhà cạnh trường học" in owner


def test_booking_form_is_limited_like_the_api(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(booking, "BOOK_LIMIT", ratelimit.Limit(count=3, window=600))
    token = token_in(client.get("/pickups/new").text)
    for _ in range(3):  # failed attempts count too
        assert client.post("/pickups/new", data={"csrf_token": token, "name": "Mai"}).status_code == 422
    data = {"csrf_token": token, "name": "Mai", "phone": "0912345678", "ward_code": "2020", "street": "Nà Pài",
            "date": open_day(settings).isoformat(), "shift": "morning", "parcels": "1", "weight_kg": "1",
            "service": "economy"}  # fmt: skip
    refused = client.post("/pickups/new", data=data, follow_redirects=False)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert "Bạn đã thử quá nhiều lần. Hãy thử lại sau" in refused.text
    assert 'value="Nà Pài"' in refused.text  # nothing typed is lost
    assert client.post("/api/v1/pickups", json=booking_body(settings)).status_code == 429  # one count for both


def test_staff_capacity_form_edits_the_day_shown(client: TestClient, db: Database, settings: Settings) -> None:
    make_staff(db)
    login_staff(client)
    today = slots.today(settings)
    set_capacity(db, settings, today, "morning", 7)
    for day, capacity in ((today - timedelta(days=3), 3), (today + timedelta(days=90), 9)):
        set_capacity(db, settings, day, "morning", capacity)
        page = client.get(f"/staff/pickups?date={day.isoformat()}").text
        forms = re.findall(r'<form class="staff-capacity".*?</form>', page, re.S)
        assert len(forms) == 2 and all(f'name="day" value="{day.isoformat()}"' in f for f in forms)
        assert f'id="cap-morning" name="capacity" inputmode="numeric" value="{capacity}"' in forms[0]


def test_staff_list_shows_phone_and_weight_as_people_read_them(
    client: TestClient, db: Database, settings: Settings
) -> None:
    make_staff(db)
    login_staff(client)
    make_pickup(db, settings, weight_kg=2.5)
    page = client.get(f"/staff/pickups?date={open_day(settings).isoformat()}").text
    assert '<a href="tel:+84912345678">0912 345 678</a>' in page
    assert "· 2,5 kg ·" in page

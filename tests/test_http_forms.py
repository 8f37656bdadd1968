"""Markup every page shares: the form library's error marks, titles, the staff bar, counted phrases."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from pwa.db import Database
from pwa.settings import Settings
from tests.factories import login_staff, make_pickup, make_staff, open_day, token_in


def _tabbar(html: str) -> str:
    found = re.search(r'<nav class="tabbar.*?</nav>', html, re.S)
    assert found, "no bottom bar"
    return found.group(0)


def test_staff_field_error_is_marked_like_every_other(client: TestClient, db: Database, settings: Settings) -> None:
    make_staff(db)
    login_staff(client)
    code, day = make_pickup(db, settings), open_day(settings)
    token = token_in(client.get(f"/staff/pickups?date={day.isoformat()}").text)
    data = {"csrf_token": token, "action": "collected", "parcels": "9"}
    page = client.post(f"/staff/pickups/{code}?date={day.isoformat()}", data=data).text
    field = f"{code}-parcels"
    assert f'href="#{field}"' in page
    assert f'<p class="field__error" id="{field}-error"><span class="visually-hidden">Lỗi:</span>' in page
    control = re.search(rf'<input id="{field}"[^>]*>', page)
    assert control and f'aria-describedby="{field}-error"' in control.group(0)
    assert 'aria-invalid="true"' in control.group(0)


def test_notice_body_error_is_marked_like_every_other(client: TestClient, db: Database) -> None:
    make_staff(db)
    login_staff(client)
    token = token_in(client.get("/staff/notices").text)
    data = {"csrf_token": token, "title": "Chi trả lương hưu", "body": "", "target": "news", "action": "send"}
    page = client.post("/staff/notices", data=data).text
    assert 'href="#body"' in page and 'id="body-error"' in page
    assert re.search(r'<textarea id="body"[^>]*aria-describedby="body-error" aria-invalid="true"', page)


def test_title_names_the_page_then_the_site(client: TestClient, db: Database) -> None:
    assert "<title>Đặt lấy hàng tận nhà · Bưu điện Bắc Kạn</title>" in client.get("/pickups/new").text
    assert "<title>Bưu điện Bắc Kạn – Thái Nguyên</title>" in client.get("/").text
    make_staff(db)
    login_staff(client)
    assert "<title>Lấy hàng trong ngày · Trang nhân viên</title>" in client.get("/staff/pickups").text


def test_staff_pages_have_the_staff_bar_not_the_customers(client: TestClient, db: Database) -> None:
    make_staff(db)
    login_staff(client)
    bar = _tabbar(client.get("/staff/pickups").text)
    assert 'href="/pickups/new"' not in bar and 'href="/staff/dossiers"' in bar
    assert re.search(r'<a href="/staff/pickups" aria-current="page">', bar)
    assert 'action="/staff/logout"' in bar


def test_customer_pages_keep_the_customers_bar(client: TestClient) -> None:
    bar = _tabbar(client.get("/pickups/new").text)
    assert 'href="/pickups/new"' in bar and "/staff/" not in bar


def test_optional_booking_fields_are_shown_on_demand(client: TestClient) -> None:
    page = client.get("/pickups/new").text
    assert '<details class="more">' in page and 'name="cod_vnd"' in page
    data = {"csrf_token": token_in(page), "cod_vnd": "abc"}
    refused = client.post("/pickups/new", data=data).text
    assert '<details class="more" open>' in refused and 'id="cod_vnd-error"' in refused


def test_optional_booking_fields_open_when_one_has_a_value(client: TestClient) -> None:
    page = client.get("/pickups/new").text
    data = {"csrf_token": token_in(page), "note": "Gọi trước khi đến"}
    assert '<details class="more" open>' in client.post("/pickups/new", data=data).text


def test_one_parcel_is_singular_in_english(client: TestClient, db: Database, settings: Settings) -> None:
    one, two = make_pickup(db, settings, parcels=1), make_pickup(db, settings, parcels=2)
    english = {"Accept-Language": "en"}
    assert "Tracking number (1 parcel)" in client.get(f"/pickups/{one}", headers=english).text
    assert "Tracking numbers (2 parcels)" in client.get(f"/pickups/{two}", headers=english).text

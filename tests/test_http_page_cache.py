"""Pages made once and served again: each visitor still gets their own token and key, and fresh shifts."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from pwa.app import create_app
from pwa.db import Database
from pwa.pickups import availability
from pwa.settings import Settings
from tests.factories import make_pickup, open_day, set_capacity, token_in


@pytest.fixture()
def kept(settings: Settings) -> Settings:
    """Settings that keep the open shifts for a minute, as production keeps them for seconds."""
    availability.forget()  # the database was emptied behind this process's back between tests
    return dataclasses.replace(settings, availability_seconds=60)


@pytest.fixture()
def cached_client(kept: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(kept), raise_server_exceptions=False) as test_client:
        yield test_client


def _key(html: str) -> str:
    found = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _morning_room(html: str, day: str) -> str:
    found = re.search(rf'<option value="{day}"[^>]*>[^<]*?sáng: ([^,<]+)', html)
    assert found, f"no option for {day}"
    return found.group(1)


def test_open_shifts_are_kept_until_this_process_writes(db: Database, kept: Settings) -> None:
    first = availability.listing(db, kept)
    assert availability.listing(db, kept) is first
    set_capacity(db, kept, open_day(kept), "morning", 3)
    assert availability.listing(db, kept).version != first.version


def test_no_copy_is_kept_when_the_setting_is_zero(db: Database, settings: Settings) -> None:
    assert availability.listing(db, settings).version != availability.listing(db, settings).version


def test_a_kept_form_gives_each_visitor_their_own_token_and_key(cached_client: TestClient) -> None:
    first = cached_client.get("/pickups/new").text
    with TestClient(cached_client.app) as other:
        second = other.get("/pickups/new").text
    assert _key(first) != _key(second)
    assert token_in(first) != token_in(second)
    assert "pwahole" not in first and "pwahole" not in second


def test_a_kept_form_still_books_with_its_token_and_key(cached_client: TestClient, kept: Settings) -> None:
    cached_client.get("/pickups/new")
    page = cached_client.get("/pickups/new").text  # the second visit is served from the kept page
    data = {"csrf_token": token_in(page), "idempotency_key": _key(page), "name": "Mai", "phone": "0912345678",
            "ward_code": "2020", "street": "Nà Pài", "date": open_day(kept).isoformat(), "shift": "morning",
            "parcels": "1", "weight_kg": "1", "service": "economy"}  # fmt: skip
    made = cached_client.post("/pickups/new", data=data, follow_redirects=False)
    assert made.status_code == 303


def test_a_booking_in_this_process_shows_at_once_on_the_form(
    cached_client: TestClient, db: Database, kept: Settings
) -> None:
    day = open_day(kept)
    set_capacity(db, kept, day, "morning", 5)
    before = _morning_room(cached_client.get("/pickups/new").text, day.isoformat())
    make_pickup(db, kept, date=day.isoformat(), shift="morning")
    after = _morning_room(cached_client.get("/pickups/new").text, day.isoformat())
    assert (before, after) == ("còn 5", "còn 4")


def _header_token(html: str) -> str:
    found = re.search(r'X-CSRF-Token": "([^"]+)"', html)
    assert found
    return found.group(1)


def test_pages_made_once_carry_each_sessions_own_working_token(client: TestClient) -> None:
    for path in ("/", "/dossiers", "/dossiers"):
        page = client.get(path).text
        answer = client.post("/dossiers", data={"csrf_token": _header_token(page), "code": "H19.22-000", "secret": "1"})
        assert answer.status_code != 403, path
    with TestClient(client.app) as stranger:
        theirs = _header_token(stranger.get("/").text)
    assert theirs != _header_token(client.get("/").text)
    refused = client.post("/dossiers", data={"csrf_token": theirs, "code": "H19.22-000", "secret": "1"})
    assert refused.status_code == 403


def test_the_places_list_shows_a_change_made_here_at_once(client: TestClient, db: Database, settings: Settings) -> None:
    from pwa.offices import importer

    header = "code,name,kind,ward_code,address,phone,lat,lon,opening_hours,services\n"
    row = "BK-T1,{name},commune_post_office,2020,Thôn Nà Pài,0209 3870 123,22.15,105.72,Mo-Fr 07:00-17:00,parcels\n"
    importer.import_offices(db, settings, header + row.format(name="Bưu điện xã Thử"), actor="test")
    assert "Bưu điện xã Thử" in client.get("/offices").text
    importer.import_offices(db, settings, header + row.format(name="Bưu điện xã Đổi Tên"), actor="test")
    again = client.get("/offices").text
    assert "Bưu điện xã Đổi Tên" in again and "Bưu điện xã Thử" not in again


def test_a_page_is_kept_once_whatever_its_versions(cached_client: TestClient, db: Database, kept: Settings) -> None:
    """Each booking moves the form's version: the newer copy replaces the older, so memory stays flat."""
    from routes._pages import PAGES

    day = open_day(kept)
    set_capacity(db, kept, day, "morning", 5)
    cached_client.get("/pickups/new")
    before = len(PAGES.values)
    for _ in range(3):
        make_pickup(db, kept, date=day.isoformat(), shift="morning")
        assert "còn" in cached_client.get("/pickups/new").text
    assert len(PAGES.values) == before
    assert _morning_room(cached_client.get("/pickups/new").text, day.isoformat()) == "còn 2"

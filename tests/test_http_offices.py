"""Places through HTTP: the pages, the API (its field names are the contract), following a commune, staff edits."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from starlette.testclient import TestClient

from pwa.db import Database
from pwa.models import AuditEntry, DeviceTopic
from pwa.settings import Settings
from tests.conftest import csrf_of
from tests.factories import local_today, login_staff, make_staff
from tests.offices_data import CHO_MOI, load_days, load_offices

PLACE_FIELDS = {
    "code", "name", "kind", "ward_code", "commune", "address", "phone", "lat", "lon", "services",
    "opening_hours", "open_now", "next_payment_day",
}  # fmt: skip


def test_the_list_finds_a_commune_typed_without_accents(client: TestClient, db: Database, settings: Settings) -> None:
    load_offices(db, settings)
    page = client.get("/offices?q=cho+moi")
    assert page.status_code == 200
    assert "Bưu điện văn hóa xã Chợ Mới" in page.text and "Chợ Đồn" not in page.text
    assert "Đang mở cửa" in page.text or "Đã đóng" in page.text
    assert "HX-Request" in page.headers["vary"]


def test_an_htmx_search_gets_only_the_results(client: TestClient, db: Database, settings: Settings) -> None:
    load_offices(db, settings)
    page = client.get("/offices?q=na+ri", headers={"HX-Request": "true"})
    assert page.text.lstrip().startswith('<section id="results"')
    assert "Bưu điện Na Rì" in page.text


def test_api_lists_places_with_the_contract_fields(client: TestClient, db: Database, settings: Settings) -> None:
    load_offices(db, settings)
    soon = local_today() + timedelta(days=3)
    load_days(db, settings, ("BDVHX-CHOMOI", "pension", soon, "07:00", "11:00"))
    body = client.get("/api/v1/offices", params={"q": "CHO MOI"}).json()
    (place,) = body["offices"]
    assert set(place) == PLACE_FIELDS
    assert place["code"] == "BDVHX-CHOMOI" and place["commune"] == "Xã Chợ Mới" and place["phone"] == "+84912345678"
    assert place["services"] == ["parcels", "payments"]
    assert place["next_payment_day"] == {
        "kind": "pension",
        "date": soon.isoformat(),
        "opens": "07:00",
        "closes": "11:00",
    }
    assert client.get("/api/v1/offices", params={"q": "khong co dau"}).json() == {"offices": []}


def test_api_filters_by_commune_and_sorts_near(client: TestClient, db: Database, settings: Settings) -> None:
    load_offices(db, settings)
    only = client.get("/api/v1/offices", params={"ward_code": "2020"}).json()["offices"]
    assert [p["code"] for p in only] == ["BDVHX-CHODON"]
    near = client.get("/api/v1/offices", params={"near": "22.2,106.18"}).json()["offices"]
    assert near[0]["code"] == "BD-NARI"
    bad = client.get("/api/v1/offices", params={"near": "north"})
    assert bad.status_code == 422 and "near" in bad.json()["error"]["fields"]


def test_api_shows_one_place_with_its_days_and_announcements(
    client: TestClient, db: Database, settings: Settings
) -> None:
    load_offices(db, settings, CHO_MOI)
    soon = local_today() + timedelta(days=2)
    load_days(db, settings, ("BDVHX-CHOMOI", "social", soon, "07:30", "11:00"))
    body = client.get("/api/v1/offices/BDVHX-CHOMOI").json()
    assert set(body) == PLACE_FIELDS | {"payment_days", "announcements"}
    assert body["payment_days"] == [{"kind": "social", "date": soon.isoformat(), "opens": "07:30", "closes": "11:00"}]
    missing = client.get("/api/v1/offices/NOPE")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_a_place_page_in_english(client: TestClient, db: Database, settings: Settings) -> None:
    load_offices(db, settings, CHO_MOI)
    load_days(db, settings, ("BDVHX-CHOMOI", "merit", local_today() + timedelta(days=5), "13:30", "16:30"))
    page = client.get("/offices/bdvhx-chomoi", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Allowances for people with merit" in page.text and "Remind me of payment days" in page.text
    assert 'href="tel:+84912345678"' in page.text and "0912 345 678" in page.text
    assert "query=21.8769,105.823" in page.text


def test_one_tap_follows_the_places_commune(client: TestClient, db: Database, settings: Settings) -> None:
    load_offices(db, settings, CHO_MOI)
    token = csrf_of(client, "/offices/BDVHX-CHOMOI")
    response = client.post("/offices/BDVHX-CHOMOI/remind", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/offices/BDVHX-CHOMOI?following=1#remind"
    assert "pwa_commune=2086" in response.headers["set-cookie"]
    with db.read() as session:
        assert [t.topic for t in session.exec(select(DeviceTopic)).all()] == ["commune:2086"]
    assert "Máy này đang nhận nhắc lịch của Xã Chợ Mới" in client.get("/offices/BDVHX-CHOMOI").text


def test_the_poster_has_a_qr_code_to_the_reminder_step(client: TestClient, db: Database, settings: Settings) -> None:
    load_offices(db, settings, CHO_MOI)
    page = client.get("/offices/BDVHX-CHOMOI/print")
    assert page.status_code == 200 and "<svg" in page.text
    assert f"{settings.base_url}/offices/BDVHX-CHOMOI?remind=1#remind" in page.text


def test_staff_add_a_place_and_a_payment_day(client: TestClient, db: Database, settings: Settings) -> None:
    make_staff(db)
    login_staff(client)
    token = csrf_of(client, "/staff/offices/new")
    form = {
        "csrf_token": token, "code": "bdvhx-test", "name": "Điểm thử", "kind": "commune_post_office",
        "ward_code": "2086", "address": "Tổ 1", "phone": "", "lat": "21.9", "lon": "105.8",
        "opening_hours": "Mo-Fr 07:00-17:00", "services": ["payments", "parcels"],
    }  # fmt: skip
    response = client.post("/staff/offices/new", data=form, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/staff/offices/BDVHX-TEST?saved=office"
    day = (local_today() + timedelta(days=3)).isoformat()
    day_form = {"csrf_token": token, "kind": "pension", "date": day, "opens": "07:00", "closes": "11:00"}
    assert (
        client.post("/staff/offices/BDVHX-TEST/payment-days", data=day_form, follow_redirects=False).status_code == 303
    )
    assert "Lương hưu, trợ cấp BHXH" in client.get("/staff/offices/BDVHX-TEST").text
    with db.read() as session:
        actions = {e.action for e in session.exec(select(AuditEntry)).all() if e.actor == "staff:lan"}
    assert {"office.created", "payment_day.created"} <= actions


def test_staff_form_errors_keep_what_was_typed(client: TestClient, db: Database, settings: Settings) -> None:
    make_staff(db)
    login_staff(client)
    token = csrf_of(client, "/staff/offices/new")
    form = {"csrf_token": token, "code": "X1", "name": "Điểm gõ dở", "kind": "commune_post_office", "ward_code": "1",
            "address": "", "lat": "", "lon": "", "opening_hours": "every day", "services": []}  # fmt: skip
    page = client.post("/staff/offices/new", data=form)
    assert page.status_code == 422
    assert "Điểm gõ dở" in page.text and "every day" in page.text
    assert "Giờ mở cửa sai cú pháp OpenStreetMap" in page.text


def test_staff_pages_need_a_sign_in(client: TestClient) -> None:
    response = client.get("/staff/offices", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/staff/login")


def test_the_home_page_shows_the_chosen_communes_next_payment_day(
    client: TestClient, db: Database, settings: Settings
) -> None:
    load_offices(db, settings, CHO_MOI)
    soon = local_today() + timedelta(days=2)
    load_days(db, settings, ("BDVHX-CHOMOI", "pension", soon, "07:00", "11:00"))
    assert "Chọn xã của bạn" in client.get("/").text
    token = csrf_of(client, "/offices/BDVHX-CHOMOI")
    chosen = client.post("/offices/BDVHX-CHOMOI/home", data={"csrf_token": token}, follow_redirects=False)
    assert chosen.status_code == 303 and chosen.headers["location"] == "/"
    home = client.get("/").text
    assert "Ngày chi trả ở Xã Chợ Mới" in home and "7:00–11:00" in home and 'href="/offices/BDVHX-CHOMOI"' in home
    assert "Đổi xã" in home


def test_one_tap_on_the_home_page_follows_the_chosen_commune(
    client: TestClient, db: Database, settings: Settings
) -> None:
    load_offices(db, settings, CHO_MOI)
    client.cookies.set("pwa_commune", "2086")
    home = client.get("/").text
    assert 'action="/offices/BDVHX-CHOMOI/remind"' in home
    token = csrf_of(client, "/")
    followed = client.post(
        "/offices/BDVHX-CHOMOI/remind", data={"csrf_token": token, "next": "/"}, follow_redirects=False
    )
    assert followed.headers["location"] == "/"
    assert "Máy này đang nhận nhắc lịch của Xã Chợ Mới" in client.get("/").text

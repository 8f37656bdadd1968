"""The push API, the Notifications page and staff notices over HTTP."""

from __future__ import annotations

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from pwa import accounts, devices, notify
from pwa import topics as topic_names
from pwa.db import Database
from pwa.models import DeviceTopic, InboxMessage, Notice, PushAttempt, PushDelivery, PushSubscription, utcnow
from pwa.push import notices, subscriptions
from tests.factories import login_staff, make_staff, token_in
from tests.fakepush import FakePushService

JSON = {"Content-Type": "application/json"}


def subscription_json() -> dict[str, object]:
    with FakePushService() as push:  # only its key generation is used here
        return push.subscribe().as_json()


def test_posting_a_subscription_sets_the_device_cookie_and_topics(client: TestClient, db: Database) -> None:
    body = {"subscription": subscription_json(), "topics": ["dossiers", "commune:1234567", "news"]}
    bad = client.post("/api/v1/push/subscriptions", json=body, headers=JSON)
    assert bad.status_code == 422 and "topics" in bad.json()["error"]["fields"]
    body["topics"] = ["dossiers", "news"]
    response = client.post("/api/v1/push/subscriptions", json=body, headers=JSON)
    assert response.status_code == 201 and response.json()["topics"] == ["dossiers", "news"]
    assert "pwa_device" in response.cookies or client.cookies.get("pwa_device")


def test_reposting_the_same_subscription_updates_in_place(client: TestClient, db: Database) -> None:
    sub = subscription_json()
    for topics in (["news"], ["pickups"]):
        assert (
            client.post("/api/v1/push/subscriptions", json={"subscription": sub, "topics": topics}).status_code == 201
        )
    with db.read() as session:
        assert len(session.exec(select(PushSubscription)).all()) == 1
        assert [t.topic for t in session.exec(select(DeviceTopic)).all()] == ["pickups"]


def test_bad_keys_are_refused_with_the_field_named(client: TestClient) -> None:
    sub = subscription_json()
    sub["keys"] = {"p256dh": "abc", "auth": "def"}
    response = client.post("/api/v1/push/subscriptions", json={"subscription": sub}, headers=JSON)
    assert response.status_code == 422
    assert {"subscription.keys.p256dh", "subscription.keys.auth"} <= set(response.json()["error"]["fields"])


def test_unsubscribe_removes_only_this_devices_subscription(client: TestClient, db: Database) -> None:
    sub = subscription_json()
    client.post("/api/v1/push/subscriptions", json={"subscription": sub, "topics": ["news"]})
    response = client.request("DELETE", "/api/v1/push/subscriptions", json={"endpoint": sub["endpoint"]})
    assert response.status_code == 204
    with db.read() as session:
        assert session.exec(select(PushSubscription)).all() == []


def test_notices_api_needs_the_notices_scope_and_reports_counts(client: TestClient, db: Database) -> None:
    with db.write() as session:
        wrong = accounts.create_api_key(session, name="agency", scopes=["dossiers"]).key
        right = accounts.create_api_key(session, name="office", scopes=["notices"]).key
    body = {"title": "Chi trả lương hưu", "body": "Ngày 2/12 tại bưu điện xã."}
    assert client.post("/api/v1/notices", json=body, headers={"Authorization": f"Bearer {wrong}"}).status_code == 403
    auth = {"Authorization": f"Bearer {right}"}
    bad = client.post("/api/v1/notices", json={**body, "ward_codes": [99999999]}, headers=auth)
    assert bad.status_code == 422 and "ward_codes" in bad.json()["error"]["fields"]
    created = client.post("/api/v1/notices", json=body, headers=auth)
    assert created.status_code == 201
    shown = client.get(f"/api/v1/notices/{created.json()['id']}", headers=auth).json()
    assert {k: shown[k] for k in ("queued", "sent", "failed", "pruned")} == {
        "queued": 0,
        "sent": 0,
        "failed": 0,
        "pruned": 0,
    }
    assert shown["dispatched"] is True and shown["attempts"] == []  # nobody follows `news` yet


def test_staff_see_every_attempt_of_a_notice(client: TestClient, db: Database) -> None:
    with FakePushService() as push:
        for key in ("a", "b"):
            with db.write() as session:
                devices.ensure(session, key, lang="vi")
                subscriptions.set_topics(session, device_key=key, topics=["news"])
            endpoint, p256dh, auth = subscriptions.parse(push.subscribe().as_json(), production=False)
            with db.write() as session:
                subscriptions.save(session, device_key=key, endpoint=endpoint, p256dh=p256dh, auth=auth)
    now = utcnow()
    draft = notices.check(title="Nghỉ lễ", body="Bưu điện nghỉ 1/1.", url="", topics=["news"], send_at=None, now=now)
    with db.write() as session:
        notice_id = int(notices.create(session, draft, actor="staff:lan").id or 0)
        first, second = (
            int(i or 0) for i in session.exec(select(PushDelivery.id).where(PushDelivery.notice_id == notice_id))
        )
        at = utcnow()
        session.add_all(
            [
                PushAttempt(delivery_id=first, at=at, result="retry", code=429),
                PushAttempt(delivery_id=first, at=at, result="sent", code=201),
                PushAttempt(delivery_id=second, at=at, result="retry", code=None, error="network: timeout"),
            ]
        )
    make_staff(db, "lan")
    login_staff(client, "lan")
    page = client.get(f"/staff/notices/{notice_id}")
    assert page.status_code == 200 and "Các lần thử gửi" in page.text
    rows = [" ".join(r.split()) for r in page.text.split("<tr>")[2:]]
    assert [r.startswith("<td>Phải thử lại") or r.startswith("<td>Đã gửi") for r in rows] == [True] * 3
    assert any("không trả lời" in r for r in rows) and any("429" in r for r in rows)


def test_notifications_page_saves_topics_without_javascript(client: TestClient, db: Database) -> None:
    page = client.get("/notifications")
    assert page.status_code == 200 and "Bật thông báo" in page.text
    token = token_in(page.text)
    bad = client.post("/notifications/topics", data={"csrf_token": token, "news": "on", "commune": "123"})
    assert bad.status_code == 422 and "Chọn một xã/phường trong danh sách." in bad.text
    saved = client.post("/notifications/topics", data={"csrf_token": token, "news": "on", "pickups": "on"})
    assert saved.status_code == 200 and "Đã lưu các chủ đề bạn muốn nhận." in saved.text
    with db.read() as session:
        assert sorted(t.topic for t in session.exec(select(DeviceTopic)).all()) == ["news", "pickups"]


def test_inbox_shows_unread_messages_and_opening_one_marks_it_read(client: TestClient, db: Database) -> None:
    token = token_in(client.get("/notifications").text)
    client.post("/notifications/topics", data={"csrf_token": token, "pickups": "on"})
    with db.read() as session:
        device_key = session.exec(select(DeviceTopic.device_key)).first()
    message = notify.Message(
        topic="pickups",
        kind="pickup_status",
        tag="p1",
        url="/pickups/P1",
        text=lambda: ("Đã lấy hàng", "Bưu tá đã nhận gói hàng"),
    )
    with db.write() as session:
        (entry,) = notify.enqueue(session, message, [str(device_key)])
        entry_id = entry.id
    page = client.get("/notifications")
    assert "1 chưa đọc" in page.text and "Đã lấy hàng" in page.text
    opened = client.get(f"/notifications/open/{entry_id}", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/pickups/P1"
    assert "chưa đọc" not in client.get("/notifications").text


def test_staff_preview_then_send_a_notice(client: TestClient, db: Database) -> None:
    make_staff(db, "lan")
    login_staff(client, "lan")
    token = token_in(client.get("/staff/notices").text)
    form = {"csrf_token": token, "title": "Nghỉ lễ", "body": "Bưu điện nghỉ ngày 1/1.", "target": "news"}
    empty = client.post("/staff/notices", data={**form, "title": "", "action": "preview"})
    assert empty.status_code == 422 and "Nhập tiêu đề từ 3 đến 120 ký tự." in empty.text
    assert "Bưu điện nghỉ ngày 1/1." in empty.text  # what was typed is kept
    preview = client.post("/staff/notices", data={**form, "action": "preview"})
    assert preview.status_code == 200 and "Xem trước" in preview.text
    sent = client.post("/staff/notices", data={**form, "action": "send"})
    assert sent.status_code == 200 and "Đã gửi lúc" in sent.text


@pytest.mark.parametrize("url", ["/\\evil.example", "//evil.example", "/\t/evil.example", "https://evil.example"])
def test_notice_links_off_the_site_are_refused(client: TestClient, db: Database, url: str) -> None:
    with db.write() as session:
        key = accounts.create_api_key(session, name="office", scopes=["notices"]).key
    body = {"title": "Chi trả lương hưu", "body": "Ngày 2/12 tại bưu điện xã.", "url": url}
    response = client.post("/api/v1/notices", json=body, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 422 and "url" in response.json()["error"]["fields"]


def test_a_stored_off_site_link_is_neither_shown_nor_followed(client: TestClient, db: Database) -> None:
    token = token_in(client.get("/notifications").text)
    client.post("/notifications/topics", data={"csrf_token": token, "news": "on"})
    with db.write() as session:  # written before links were checked
        notice = Notice(
            title="Tin cũ",
            body="Một thông báo cũ",
            url="/\\evil.example",
            topics="news",
            send_at=utcnow(),
            created_by="x",
        )
        session.add(notice)
        session.flush()
        notices.dispatch(session, notice, now=utcnow())
        notice_id = notice.id
        entry_id = session.exec(select(InboxMessage.id)).one()
    page = client.get(f"/notices/{notice_id}")
    assert page.status_code == 200 and "Tin cũ" in page.text and "evil.example" not in page.text
    opened = client.get(f"/notifications/open/{entry_id}", follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/notifications"


def test_fixed_topics_come_from_one_list(client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(topic_names, "FIXED", (*topic_names.FIXED, "weather"))
    assert subscriptions.valid_topics(["weather", "news"]) == ["weather", "news"]
    page = client.get("/notifications")
    assert 'name="weather"' in page.text
    token = token_in(page.text)
    client.post("/notifications/topics", data={"csrf_token": token, "weather": "on", "news": "on"})
    with db.read() as session:
        assert sorted(t.topic for t in session.exec(select(DeviceTopic)).all()) == ["news", "weather"]

"""Push in a real headless Chromium: subscribe from the page, deliver through the service worker, click."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlmodel import select

from pwa import notify
from pwa.db import Database
from pwa.models import PushSubscription
from tests.browser import assert_accessible, wait_for_worker, wait_until
from tests.fakepush import FakePushService, FakeSubscription

pytestmark = pytest.mark.browser
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)

# The browser's own push service is on the internet: the page gets our fake's subscription instead.
FAKE_PUSH_MANAGER = """
(() => {
  const fake = %s;
  let current = null;
  const make = () => ({
    endpoint: fake.endpoint, expirationTime: null, options: {userVisibleOnly: true},
    toJSON() { return fake; },
    getKey(name) { return null; },
    async unsubscribe() { current = null; return true; },
  });
  PushManager.prototype.subscribe = async function () { current = make(); return current; };
  PushManager.prototype.getSubscription = async function () { return current; };
})();
"""


def registration_id(phone: BrowserContext, page: Page) -> tuple[Any, str]:
    cdp = phone.new_cdp_session(page)
    found: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: found.extend(r["registrationId"] for r in event["registrations"] if not r["isDeleted"]),
    )
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 10
    while not found:
        assert time.monotonic() < deadline, "no service worker registration reported"
        page.wait_for_timeout(100)
    return cdp, found[0]


def wait_received(push: FakePushService, sub: FakeSubscription) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while not push.received_by(sub):
        assert time.monotonic() < deadline, f"nothing delivered; rejected: {push.rejected}"
        time.sleep(0.1)
    return push.received_by(sub)[0].payload


def test_subscribe_deliver_show_and_click_opens_the_dossier(
    phone: BrowserContext, page: Page, push: FakePushService, db: Database
) -> None:
    sub = push.subscribe()
    phone.add_init_script(FAKE_PUSH_MANAGER % json.dumps(sub.as_json()))
    phone.grant_permissions(["notifications"])
    page.goto("/notifications")
    wait_for_worker(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thông báo")
    assert_accessible(page)
    page.get_by_role("button", name="Bật thông báo").click()
    expect(page.get_by_role("status").first).to_contain_text("Đã lưu")
    with db.read() as session:
        (stored,) = session.exec(select(PushSubscription)).all()
    assert stored.endpoint == sub.endpoint

    message = notify.Message(
        topic="dossiers",
        kind="dossier_status",
        tag="dossier-H9",
        url="/notifications?from=push",
        text=lambda: ("Hồ sơ H9: đã xử lý xong", "Mời bạn đến nhận kết quả"),
    )
    with db.write() as session:
        notify.enqueue(session, message, [stored.device_key])
    payload = wait_received(push, sub)  # sent by the worker inside `pwa serve`

    cdp, reg_id = registration_id(phone, page)
    origin = page.evaluate("location.origin")
    cdp.send(
        "ServiceWorker.deliverPushMessage", {"origin": origin, "registrationId": reg_id, "data": json.dumps(payload)}
    )
    titles = "() => navigator.serviceWorker.ready.then(r => r.getNotifications()).then(ns => ns.map(n => n.title))"
    wait_until(page, f"() => ({titles})().then(t => t.length > 0)")
    assert page.evaluate(f"({titles})()") == ["Hồ sơ H9: đã xử lý xong"]

    page.goto("/")
    worker = phone.service_workers[0]
    worker.evaluate("self.registration.getNotifications().then(ns => handleNotificationClick(ns[0]))")
    expect(page).to_have_url(f"{origin}/notifications?from=push")
    expect(page.get_by_role("link", name="Hồ sơ H9: đã xử lý xong")).to_be_visible()
    assert_accessible(page)


def test_iphone_outside_home_screen_gets_instructions_not_a_dead_button(
    browser: Any, live_server: Any, db: Database
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        user_agent=IPHONE_SAFARI,
        base_url=live_server.url,
        locale="vi-VN",
    )
    page = context.new_page()
    page.goto("/notifications")
    expect(page.get_by_text("Trên iPhone, hãy thêm ứng dụng vào Màn hình chính trước:")).to_be_visible()
    expect(page.get_by_role("button", name="Bật thông báo")).to_be_hidden()
    assert_accessible(page)
    context.close()

"""Places in a real headless Chromium at a phone's size: find by plain ASCII, follow a commune, read offline."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlmodel import select

from pwa.db import Database
from pwa.models import DeviceTopic, PushSubscription
from pwa.settings import Settings
from tests.browser import assert_accessible, wait_for_worker
from tests.factories import local_today
from tests.fakepush import FakePushService
from tests.offices_data import load_days, load_offices
from tests.test_browser_push import FAKE_PUSH_MANAGER

pytestmark = pytest.mark.browser


def test_find_by_ascii_follow_the_commune_and_read_it_again_offline(
    phone: BrowserContext, page: Page, db: Database, settings: Settings, push: FakePushService
) -> None:
    load_offices(db, settings)
    load_days(db, settings, ("BDVHX-CHOMOI", "pension", local_today() + timedelta(days=3), "07:00", "11:00"))
    sub = push.subscribe()
    phone.add_init_script(FAKE_PUSH_MANAGER % json.dumps(sub.as_json()))
    phone.grant_permissions(["notifications"])
    page.goto("/offices")
    wait_for_worker(page)
    page.get_by_label("Tên điểm hoặc tên xã").fill("cho moi")
    page.get_by_role("button", name="Tìm", exact=True).click()
    results = page.locator("#results")
    expect(results.locator(".office-item")).to_have_count(1)
    expect(results).to_contain_text("Bưu điện văn hóa xã Chợ Mới")
    expect(results.locator(".office-state")).to_contain_text("Đ")  # open or closed, in words
    assert_accessible(page)

    results.get_by_role("link", name="Bưu điện văn hóa xã Chợ Mới").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bưu điện văn hóa xã Chợ Mới")
    expect(page.locator(".office-pays")).to_contain_text("Lương hưu, trợ cấp BHXH")
    page.get_by_role("button", name="Nhắc tôi ngày chi trả").click()
    expect(page.locator("#remind")).to_contain_text("Máy này đang nhận nhắc lịch của Xã Chợ Mới")
    assert_accessible(page)
    with db.read() as session:
        (stored,) = session.exec(select(PushSubscription)).all()
        topics = session.exec(select(DeviceTopic.topic).where(DeviceTopic.device_key == stored.device_key)).all()
    assert stored.endpoint == sub.endpoint and list(topics) == ["commune:2086"]

    page.goto("/offices?q=cho+moi")
    page.wait_for_timeout(1000)  # the list saves its places for offline reading
    phone.set_offline(True)
    for path, text in {"/offices?q=cho+moi": "Chợ Mới", "/offices/BDVHX-CHOMOI": "Lương hưu, trợ cấp BHXH"}.items():
        page.goto(path)
        expect(page.locator("main")).to_contain_text(text)
        expect(page.locator("#offline-banner")).to_contain_text("Cập nhật lúc")
    phone.set_offline(False)


def test_the_list_and_a_place_in_english(phone: BrowserContext, page: Page, db: Database, settings: Settings) -> None:
    load_offices(db, settings)
    page.goto("/lang?to=en&next=/offices")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Post office places")
    expect(page.locator(".office-item")).to_have_count(3)
    page.get_by_role("link", name="Bưu điện Na Rì").click()
    expect(page.get_by_role("button", name="Remind me of payment days")).to_be_visible()
    expect(page.locator(".office-state")).to_have_text(re.compile(r"^\s*(Open now|Closed)"))
    assert_accessible(page)

"""Booking a pickup on a phone-sized Chromium, as a new user would."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from pwa import s10
from pwa.db import Database
from pwa.settings import Settings
from tests.browser import assert_accessible
from tests.factories import open_day

pytestmark = pytest.mark.browser


def _remaining(page: Page, day: str, shift: str) -> int:
    body = json.loads(page.evaluate(f"fetch('/api/v1/slots?date={day}').then(r => r.text())"))
    return int(next(s["remaining"] for s in body["slots"] if s["shift"] == shift))


def test_book_see_quote_change_confirm_and_cancel(page: Page, settings: Settings, db: Database) -> None:
    day = open_day(settings).isoformat()
    page.goto("/pickups/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đặt bưu tá đến lấy hàng")
    assert_accessible(page)
    before = _remaining(page, day, "afternoon")
    page.get_by_label("Họ và tên").fill("Hoàng Thị Mai 🌸")
    page.get_by_label("Số điện thoại").fill("0912 345 678")
    page.locator("#ward_code").select_option("2020")
    page.get_by_label("Số nhà, thôn/xóm, đường").fill("Thôn Nà Pài <script>alert(1)</script>")
    page.get_by_label("Ngày", exact=True).select_option(day)
    page.get_by_label("Ca chiều (13–17 giờ)").check()
    page.get_by_label("Số kiện", exact=True).fill("2")
    page.get_by_label("Kiện nặng nhất (kg)").fill("2,5")
    expect(page.locator(".quote__total")).to_be_visible()
    economy = page.locator(".quote__total").inner_text()
    page.get_by_label("Chuyển phát nhanh EMS").check()
    expect(page.locator(".quote__total")).not_to_have_text(economy)
    page.get_by_role("button", name="Đặt lịch lấy hàng").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mã đơn lấy hàng")
    numbers = page.locator(".tracking li").all_inner_texts()
    assert len(numbers) == 2 and all(s10.is_valid(n) for n in numbers)
    expect(page.locator("main")).to_contain_text("Thôn Nà Pài <script>alert(1)</script>")
    assert_accessible(page)
    assert _remaining(page, day, "afternoon") == before - 1
    page.get_by_role("button", name="Hủy đơn lấy hàng").click()
    expect(page.locator(".panel__status")).to_contain_text("Đã hủy")
    assert _remaining(page, day, "afternoon") == before


def test_bad_input_is_explained_by_each_field_and_kept(page: Page) -> None:
    page.goto("/pickups/new")
    page.get_by_label("Số điện thoại").fill("12345")
    page.get_by_label("Kiện nặng nhất (kg)").fill("31")
    page.get_by_role("button", name="Đặt lịch lấy hàng").click()
    expect(page.locator(".error-summary")).to_contain_text("Nhập họ và tên người gửi")
    expect(page.locator("#weight_kg-error")).to_contain_text("tối đa 30 kg")
    expect(page.get_by_label("Số điện thoại")).to_have_value("12345")
    assert_accessible(page)


def test_my_pickups_lists_the_booking_made_on_this_phone(page: Page, settings: Settings) -> None:
    page.goto("/pickups/new")
    page.get_by_label("Họ và tên").fill("Lý Văn Tâm")
    page.get_by_label("Số điện thoại").fill("0987654321")
    page.locator("#ward_code").select_option("2020")
    page.get_by_label("Số nhà, thôn/xóm, đường").fill("Bản Chang")
    page.get_by_label("Kiện nặng nhất (kg)").fill("1")
    page.get_by_role("button", name="Đặt lịch lấy hàng").click()
    code = page.locator(".pickup-code").inner_text()
    page.goto("/pickups")
    expect(page.locator(".pickup-list")).to_contain_text(code)
    assert_accessible(page)

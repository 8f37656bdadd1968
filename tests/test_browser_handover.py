"""The customer's side of a pickup people can trust, at a phone's size: the handover code, a failure told at once,
a one-tap reschedule keeping the same code, an objection to a collection without the code, and staff's answer."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from pwa.db import Database
from pwa.pickups import handover
from pwa.settings import Settings
from tests.browser import assert_accessible
from tests.factories import PASSWORD, make_staff
from tests.live import LiveServer

pytestmark = pytest.mark.browser


def _book(page: Page) -> str:
    page.goto("/pickups/new")
    page.get_by_label("Họ và tên").fill("Hoàng Thị Mai")
    page.get_by_label("Số điện thoại").fill("0912 345 678")
    page.locator("#ward_code").select_option("2020")
    page.get_by_label("Số nhà, thôn/xóm, đường").fill("Thôn Nà Pài")
    page.get_by_label("Kiện nặng nhất (kg)").fill("2")
    page.get_by_role("button", name="Đặt lịch lấy hàng").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mã đơn lấy hàng")
    return page.url.rsplit("/", 1)[1]


def _courier(db: Database, settings: Settings, code: str, action: str, **data: object) -> None:
    handover.record(db, settings, code=code, action=action, data=dict(data), key=None, actor="staff:anh.tu",
                    role="courier")  # fmt: skip


def test_fail_reschedule_object_and_the_answer(
    page: Page, browser: Browser, live_server: LiveServer, db: Database, settings: Settings
) -> None:
    code = _book(page)
    shown = page.locator(".handover__code").inner_text()
    assert re.fullmatch(r"\d{4}", shown)
    expect(page.locator(".qr figcaption")).to_contain_text("chứa mã bàn giao")
    assert_accessible(page)
    page.goto("/pickups")
    expect(page.locator(".pickup-list")).to_contain_text(shown)  # in "My pickups" too

    _courier(db, settings, code, "fail", reason="no_answer", called_at="09:40")
    page.goto("/notifications")
    message = page.locator(".inbox__item").first
    expect(message).to_contain_text("Khách không nghe máy (gọi lúc 09:40)")
    message.get_by_role("link", name="Hẹn lại").click()
    expect(page.locator("#failed")).to_contain_text("Khách không nghe máy")
    assert_accessible(page)
    page.get_by_role("button", name="Hẹn lại vào ca gần nhất còn chỗ").click()
    expect(page.locator(".panel__status")).to_contain_text("Đã đặt lịch")
    expect(page.locator(".pickup-code")).to_have_text(f"{code[:4]}-{code[4:8]}-{code[8:]}")  # the same booking
    expect(page.locator(".timeline")).to_contain_text("Đã hẹn lại ca lấy hàng")
    assert page.locator(".handover__code").inner_text() == shown

    _courier(db, settings, code, "collect", parcels=1)  # no code: flagged
    page.reload()
    expect(page.locator("main")).to_contain_text("Ghi nhận không có mã bàn giao")
    page.get_by_label("Tôi chưa giao hàng cho bưu tá").check()
    page.get_by_label("Kể thêm (không bắt buộc)").fill("Hàng vẫn ở nhà tôi.")
    page.get_by_role("button", name="Gửi phản ánh").click()
    expect(page.locator("main")).to_contain_text("Bưu điện đang xác minh")

    make_staff(db, "lan")
    clerk = browser.new_context(viewport={"width": 393, "height": 851}, locale="vi-VN", base_url=live_server.url)
    try:
        desk = clerk.new_page()
        desk.goto("/staff/login")
        desk.get_by_label("Tên đăng nhập").fill("lan")
        desk.get_by_label("Mật khẩu").fill(PASSWORD)
        desk.get_by_role("button", name="Đăng nhập").click()
        expect(desk).not_to_have_url(re.compile(r"/staff/login"))
        desk.goto("/staff/pickups/objections")
        expect(desk.locator("main")).to_contain_text("Hàng vẫn ở nhà tôi.")
        desk.get_by_label("Kết quả xác minh (khách sẽ đọc)").fill("Bưu tá ghi nhầm; sáng mai đến lấy.")
        desk.get_by_role("button", name="Trả lời và đóng phản ánh").click()
        expect(desk.locator("main")).to_contain_text("Không có phản ánh nào đang chờ")
    finally:
        clerk.close()
    page.reload()
    expect(page.locator("main")).to_contain_text("Bưu tá ghi nhầm; sáng mai đến lấy.")
    expect(page.locator(".timeline")).to_contain_text("Bưu điện đã trả lời phản ánh")

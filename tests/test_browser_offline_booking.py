"""Booking without signal: the form is kept on the phone and sent exactly once when signal returns."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlmodel import col, func, select

from pwa.db import Database
from pwa.models import Pickup
from pwa.settings import Settings
from tests.browser import assert_accessible, wait_for_worker
from tests.factories import make_pickup, open_day, set_capacity

pytestmark = pytest.mark.browser


def bookings_named(db: Database, name: str) -> int:
    with db.read() as session:
        return int(session.exec(select(func.count()).select_from(Pickup).where(col(Pickup.name) == name)).one())


def fill_booking(page: Page, name: str, day: str) -> None:
    page.get_by_label("Họ và tên").fill(name)
    page.get_by_label("Số điện thoại").fill("0912 345 678")
    page.locator("#ward_code").select_option("2020")
    page.get_by_label("Số nhà, thôn/xóm, đường").fill("Thôn Nà Pài")
    page.get_by_label("Ngày", exact=True).select_option(day)
    page.get_by_label("Ca sáng (8–11 giờ)").check()
    page.get_by_label("Số kiện", exact=True).fill("1")
    page.get_by_label("Kiện nặng nhất (kg)").fill("1,5")


def go_offline_on_the_form(phone: BrowserContext, page: Page) -> None:
    page.goto("/pickups/new")
    wait_for_worker(page)
    page.goto("/pickups")  # My pickups, saved by the worker for reading offline
    page.goto("/pickups/new")
    phone.set_offline(True)
    page.reload()  # the saved copy, from the worker
    expect(page.locator("#offline-banner")).to_contain_text("ngoại tuyến")


def test_booking_made_offline_is_queued_then_booked_exactly_once(
    phone: BrowserContext, page: Page, settings: Settings, db: Database
) -> None:
    day = open_day(settings).isoformat()
    go_offline_on_the_form(phone, page)
    fill_booking(page, "Nông Thị Hoa", day)
    page.get_by_role("button", name="Đặt lịch lấy hàng").click()
    expect(page.get_by_role("heading", name="Đơn đã lưu trên điện thoại")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Xem đơn của tôi").click()
    expect(page.locator("[data-queue-list]")).to_contain_text("Đang chờ có sóng để gửi")
    assert bookings_named(db, "Nông Thị Hoa") == 0
    phone.set_offline(False)  # the page's `online` handler sends it
    expect(page.locator("[data-queue-section]")).to_be_hidden(timeout=30_000)
    assert bookings_named(db, "Nông Thị Hoa") == 1
    page.reload()  # a page load flushes again: nothing is left to send twice
    expect(page.locator(".pickup-list").last).to_contain_text(day[-2:])
    assert bookings_named(db, "Nông Thị Hoa") == 1


def test_replaying_the_same_queued_booking_never_books_twice(
    phone: BrowserContext, page: Page, settings: Settings, db: Database
) -> None:
    day = open_day(settings).isoformat()
    go_offline_on_the_form(phone, page)
    fill_booking(page, "Triệu Văn Sơn", day)
    page.get_by_role("button", name="Đặt lịch lấy hàng").click()
    expect(page.get_by_role("heading", name="Đơn đã lưu trên điện thoại")).to_be_visible()
    entry = page.evaluate("() => PwaQueue.all().then(all => all[0])")
    phone.set_offline(False)
    expect(page.get_by_role("heading", name="Đã gửi đơn khi có sóng")).to_be_visible(timeout=30_000)
    # The same post again, as a second tab or the worker's Background Sync would send it.
    replay = page.evaluate(
        """(entry) => fetch(entry.url, {method: "POST", headers: {"Content-Type": "application/json",
            "Idempotency-Key": entry.id}, body: JSON.stringify(entry.body)}).then(r => r.status)""",
        entry,
    )
    assert replay == 200
    assert bookings_named(db, "Triệu Văn Sơn") == 1


def test_offline_booking_for_a_shift_that_filled_meanwhile_offers_other_shifts(
    phone: BrowserContext, page: Page, settings: Settings, db: Database
) -> None:
    day = open_day(settings)
    go_offline_on_the_form(phone, page)
    fill_booking(page, "Hà Thị Lan", day.isoformat())
    page.get_by_role("button", name="Đặt lịch lấy hàng").click()
    expect(page.get_by_role("heading", name="Đơn đã lưu trên điện thoại")).to_be_visible()
    set_capacity(db, settings, day, "morning", 1)  # meanwhile, the last place goes to someone else
    make_pickup(db, settings, date=day.isoformat(), shift="morning", name="Người khác")
    page.get_by_role("link", name="Xem đơn của tôi").click()
    phone.set_offline(False)
    item = page.locator("[data-queue-list] li")
    expect(item.locator(".field__error")).to_be_visible(timeout=30_000)
    expect(item).to_contain_text("Ca còn chỗ gần nhất:")
    expect(item.get_by_role("link", name="Chọn ca khác")).to_be_visible()
    assert_accessible(page)
    assert bookings_named(db, "Hà Thị Lan") == 0


def test_a_saved_form_whose_key_was_already_used_still_books_offline(
    phone: BrowserContext, page: Page, settings: Settings, db: Database
) -> None:
    day = open_day(settings).isoformat()
    page.goto("/pickups/new")
    wait_for_worker(page)
    page.reload()  # the form as the worker saved it, with its idempotency key
    fill_booking(page, "Đàm Văn Quý", day)
    page.get_by_role("button", name="Đặt lịch lấy hàng").click()  # booked online with that key
    expect(page.get_by_role("heading", level=1)).to_have_text("Mã đơn lấy hàng")
    phone.set_offline(True)
    page.goto("/pickups/new")  # the saved copy still carries the used key
    fill_booking(page, "Đàm Thị Xuân", day)
    page.get_by_role("button", name="Đặt lịch lấy hàng").click()
    expect(page.get_by_role("heading", name="Đơn đã lưu trên điện thoại")).to_be_visible()
    phone.set_offline(False)
    expect(page.get_by_role("heading", name="Đã gửi đơn khi có sóng")).to_be_visible(timeout=30_000)
    assert bookings_named(db, "Đàm Văn Quý") == 1
    assert bookings_named(db, "Đàm Thị Xuân") == 1

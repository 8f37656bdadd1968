"""The courier's round on a phone without signal: kept, shown as waiting, sent once when signal returns."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Playwright, expect

from pwa.db import Database
from pwa.pickups import staff
from pwa.settings import Settings
from tests.browser import assert_accessible, wait_for_worker
from tests.couriers import assign, bring_to_today, events, handover_code
from tests.factories import PASSWORD, make_pickup, make_staff, open_day
from tests.live import LiveServer
from tests.test_browser_offline_booking import bookings_named, fill_booking

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"


@pytest.fixture()
def courier_phone(
    playwright: Playwright, browser: Browser, live_server: LiveServer, db: Database
) -> Iterator[BrowserContext]:
    """Courier minh's own phone: a second browser profile, Pixel 5 (393×851), in Vietnamese."""
    make_staff(db, "minh", role="courier")
    context = browser.new_context(**playwright.devices["Pixel 5"], locale="vi-VN", base_url=live_server.url)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def sign_in_to_round(context: BrowserContext) -> Page:
    page = context.new_page()
    page.goto("/staff/login?next=/courier")
    page.get_by_label("Tên đăng nhập").fill("minh")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chuyến lấy hàng")
    wait_for_worker(page)
    page.reload()  # now under the worker, which saves the round for reading offline
    return page


def stop(page: Page, code: str) -> Locator:
    return page.locator(f'[data-stop="{code}"]')


def today_for(db: Database, settings: Settings, *codes: str) -> None:
    for code in codes:
        assign(db, settings, code, "minh")
        bring_to_today(db, settings, code)


def collect(card: Locator, code: str) -> None:
    card.locator("summary", has_text="Lấy hàng").click()
    card.get_by_label("Mã bàn giao (4 chữ số)").fill(code)
    card.get_by_role("button", name="Xác nhận đã lấy hàng").click()


def fail_not_home(card: Locator) -> None:
    card.locator("summary", has_text="Không lấy được hàng").click()
    card.get_by_label("Khách không có nhà").check()
    card.get_by_role("button", name="Ghi không lấy được hàng").click()


def test_round_recorded_offline_lands_once_when_signal_returns(
    phone: BrowserContext, page: Page, courier_phone: BrowserContext, settings: Settings, db: Database
) -> None:
    day = open_day(settings).isoformat()
    page.goto("/pickups/new")  # the customer books on their phone
    fill_booking(page, "Nông Thị Hoa", day)
    page.get_by_role("button", name="Đặt lịch lấy hàng").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mã đơn lấy hàng")
    assert bookings_named(db, "Nông Thị Hoa") == 1
    booked = page.url.rstrip("/").rsplit("/", 1)[-1]
    other = make_pickup(db, settings, name="Lý Văn Tùng", street="Bản Cuôn")
    today_for(db, settings, booked, other)  # staff give both to courier minh; the day has come

    round_page = sign_in_to_round(courier_phone)
    expect(stop(round_page, booked)).to_contain_text("Nông T*** H**")
    courier_phone.set_offline(True)
    round_page.reload()  # the copy saved on the phone
    expect(round_page.locator("#offline-banner")).to_contain_text("ngoại tuyến")
    collect(stop(round_page, booked), handover_code(db, booked))
    fail_not_home(stop(round_page, other))
    for code in (booked, other):
        expect(stop(round_page, code).locator(".pending--waiting")).to_contain_text("sẽ tự gửi khi có sóng")
    expect(stop(round_page, booked)).to_contain_text("Mã bàn giao sẽ được kiểm tra khi có sóng.")
    expect(round_page.locator("#round-queue")).to_contain_text("Việc chưa gửi: 2.")
    SHOTS.mkdir(parents=True, exist_ok=True)
    round_page.screenshot(path=str(SHOTS / "courier-offline.png"), full_page=True)
    assert_accessible(round_page)
    saved = round_page.evaluate("() => PwaQueue.all()")
    assert events(db, booked, "collected") == 0 and events(db, other, "failed") == 0

    courier_phone.set_offline(False)  # the `online` event sends both; the page, the worker and a tab flush too
    round_page.evaluate("() => Promise.all([PwaQueue.flush(), PwaQueue.flush(), PwaQueue.flush()])")
    expect(stop(round_page, booked).locator(".pending--sent")).to_contain_text("Đã lấy hàng · xác nhận bằng mã")
    expect(stop(round_page, other).locator(".pending--sent")).to_contain_text("Lấy hàng không thành công")
    expect(stop(round_page, booked).locator(".pickup-status")).to_have_text("Đã lấy hàng")
    expect(round_page.locator("#round-queue")).to_be_hidden()
    round_page.screenshot(path=str(SHOTS / "courier-landed.png"), full_page=True)
    for entry in saved:  # the phone sends each again, three times, under the same key
        for _ in range(3):
            status = round_page.evaluate(
                """(e) => fetch(e.url, {method: "POST", headers: {"Content-Type": "application/json",
                    "Idempotency-Key": e.id}, body: JSON.stringify(e.body)}).then(r => r.status)""",
                entry,
            )
            assert status == 200
    assert events(db, booked, "collected") == 1 and events(db, other, "failed") == 1
    round_page.reload()
    expect(round_page.get_by_role("heading", name="Đã xong hôm nay")).to_be_visible()
    expect(round_page.get_by_text("Còn 0 điểm cần đến")).to_be_visible()


def test_what_the_server_refuses_later_is_shown_on_the_stop(
    courier_phone: BrowserContext, settings: Settings, db: Database
) -> None:
    cancelled, wrong = make_pickup(db, settings), make_pickup(db, settings)
    today_for(db, settings, cancelled, wrong)
    round_page = sign_in_to_round(courier_phone)
    courier_phone.set_offline(True)
    round_page.reload()
    collect(stop(round_page, cancelled), handover_code(db, cancelled))
    right = handover_code(db, wrong)
    collect(stop(round_page, wrong), "0000" if right != "0000" else "1111")
    staff.update(db, settings, code=cancelled, data={"action": "cancel"}, actor="staff:lan")  # meanwhile
    courier_phone.set_offline(False)
    refused = stop(round_page, cancelled).locator(".pending--refused")
    expect(refused).to_contain_text("Bưu điện không nhận việc này:", timeout=30_000)
    expect(refused).to_contain_text("Đơn này đã kết thúc")
    expect(stop(round_page, cancelled).locator("[data-door]")).to_be_hidden()  # nothing left to do there
    expect(stop(round_page, wrong).locator(".pending--refused")).to_contain_text("Còn 4 lần thử")
    expect(round_page.locator("#round-queue")).to_contain_text("Việc bị từ chối: 2.")
    assert_accessible(round_page)
    round_page.screenshot(path=str(SHOTS / "courier-refused.png"), full_page=True)
    card = stop(round_page, wrong)  # the courier asks again and types it right
    card.get_by_role("button", name="Đã hiểu").click()
    collect(card, right)
    expect(card.locator(".pending--sent")).to_contain_text("xác nhận bằng mã")
    assert events(db, wrong, "collected") == 1 and events(db, cancelled, "collected") == 0


def test_the_customers_qr_fills_the_code_and_another_bookings_is_refused(
    courier_phone: BrowserContext, settings: Settings, db: Database
) -> None:
    code, other = make_pickup(db, settings), make_pickup(db, settings)
    today_for(db, settings, code)
    digits = handover_code(db, code)
    round_page = sign_in_to_round(courier_phone)
    if round_page.evaluate("() => 'BarcodeDetector' in window") is False:
        expect(round_page.locator("[data-scan]").first).to_be_hidden()  # typing the code is the way here
    # A camera that sees the customer's QR code: BarcodeDetector and the camera stand in for the real ones.
    courier_phone.add_init_script(
        """window.__qr = ""; window.BarcodeDetector = class {
             static async getSupportedFormats() { return ["qr_code"]; }
             async detect() { return window.__qr ? [{ rawValue: window.__qr }] : []; } };
           navigator.mediaDevices.getUserMedia = async () => {
             const canvas = document.createElement("canvas"); canvas.getContext("2d").fillRect(0, 0, 10, 10);
             return canvas.captureStream(); };"""
    )
    round_page.reload()
    card = stop(round_page, code)
    card.locator("summary", has_text="Lấy hàng").click()
    card.locator("summary", has_text="Không lấy được hàng").click()
    card.get_by_label("Khách không nghe máy").check()
    card.get_by_role("button", name="Ghi không lấy được hàng").click()  # without the time of the call
    expect(card.locator(".field__error")).to_contain_text("Ghi giờ đã gọi cho khách")
    assert_accessible(round_page)
    round_page.screenshot(path=str(SHOTS / "courier-door.png"), full_page=True)
    round_page.evaluate("(link) => { window.__qr = link; }", f"{settings.base_url}/pickups/{other}#h=1234")
    card.get_by_role("button", name="Quét mã QR của khách").click()
    expect(card.locator("[data-scan-note]")).to_contain_text("của đơn khác")
    expect(card.get_by_label("Mã bàn giao (4 chữ số)")).to_have_value("")
    round_page.evaluate("(link) => { window.__qr = link; }", f"{settings.base_url}/pickups/{code}#h={digits}")
    card.get_by_role("button", name="Quét mã QR của khách").click()
    expect(card.get_by_label("Mã bàn giao (4 chữ số)")).to_have_value(digits)
    expect(round_page.locator("#scan")).to_be_hidden()
    card.get_by_role("button", name="Xác nhận đã lấy hàng").click()
    expect(card.locator(".pending--sent")).to_contain_text("xác nhận bằng mã")


def test_signing_out_leaves_no_copy_of_the_round_on_the_phone(
    courier_phone: BrowserContext, settings: Settings, db: Database
) -> None:
    code = make_pickup(db, settings, name="Hà Văn Nam")
    today_for(db, settings, code)
    round_page = sign_in_to_round(courier_phone)
    expect(stop(round_page, code)).to_contain_text("Hà V*** N**")
    round_page.get_by_role("button", name="Đăng xuất").click()
    expect(round_page.get_by_role("heading", level=1)).to_have_text("Đăng nhập nhân viên")
    courier_phone.set_offline(True)
    round_page.goto("/courier")
    expect(round_page.get_by_role("heading", level=1)).to_have_text("Điện thoại đang không có kết nối")
    expect(round_page.locator("body")).not_to_contain_text("Hà V*** N**")

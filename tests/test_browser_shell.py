"""The app shell in a real phone-sized Chromium: languages, worker, offline, staff, CSRF."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from pwa.db import Database
from tests.browser import assert_accessible, wait_for_worker
from tests.factories import PASSWORD, make_staff

pytestmark = pytest.mark.browser


def test_home_page_renders_in_vietnamese_then_english(page: Page) -> None:
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bưu điện ngay trên điện thoại của bạn")
    expect(page.get_by_role("navigation", name="Chức năng chính")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("The post office, right on your phone")
    assert_accessible(page)


def test_service_worker_takes_control(page: Page) -> None:
    page.goto("/")
    wait_for_worker(page)
    version = page.evaluate("fetch('/healthz').then(r => r.json()).then(j => j.version)")
    assert page.evaluate("caches.keys()") and f"shell-{version}" in page.evaluate("caches.keys()")


def test_offline_home_loads_and_unvisited_page_shows_offline_page(phone: BrowserContext, page: Page) -> None:
    page.goto("/")
    wait_for_worker(page)
    page.reload()  # now through the worker
    phone.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bưu điện ngay trên điện thoại của bạn")
    expect(page.locator("#offline-banner")).to_be_visible()
    page.goto("/dossiers")  # never opened on this phone
    expect(page.get_by_role("heading", level=1)).to_have_text("Điện thoại đang không có kết nối")
    assert_accessible(page)
    phone.set_offline(False)


def test_unknown_page_is_a_styled_404(page: Page) -> None:
    response = page.goto("/khong-co")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Không tìm thấy trang")
    assert_accessible(page)


def test_staff_can_log_in_and_out(page: Page, db: Database) -> None:
    make_staff(db, "lan", "admin")
    page.goto("/staff/")
    expect(page).to_have_url("/staff/login?next=/staff/")
    assert_accessible(page)
    page.get_by_label("Tên đăng nhập").fill("lan")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator(".error-summary")).to_contain_text("Tên đăng nhập hoặc mật khẩu không đúng")
    expect(page.get_by_label("Tên đăng nhập")).to_have_value("lan")
    assert_accessible(page)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xin chào, lan")
    expect(page).to_have_url("/staff/")
    assert_accessible(page)
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("status")).to_contain_text("Bạn đã đăng xuất")


def test_form_posted_without_its_csrf_token_is_refused(page: Page, db: Database) -> None:
    make_staff(db, "lan", "admin")
    page.goto("/staff/login")
    page.evaluate(
        """(password) => {
            const form = document.createElement("form");
            form.method = "post"; form.action = "/staff/login";
            for (const [name, value] of [["username", "lan"], ["password", password]]) {
                const input = document.createElement("input");
                input.name = name; input.value = value; form.appendChild(input);
            }
            document.body.appendChild(form); form.submit();
        }""",
        PASSWORD,
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Không được phép")
    expect(page.locator("main")).to_contain_text("Biểu mẫu đã hết hạn")


@pytest.mark.parametrize("path", ["/", "/offline", "/staff/login"])
def test_pages_reflow_without_sideways_scrolling_at_200_percent_text(page: Page, path: str) -> None:
    # 200 % zoom of a 393 px phone leaves 196 CSS px; nothing may need sideways scrolling.
    page.set_viewport_size({"width": 196, "height": 425})
    page.goto(path)
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"

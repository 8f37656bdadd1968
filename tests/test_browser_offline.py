"""Offline-first behaviour of the shell: updates, weight, the offline page's list."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect

from pwa.db import Database
from pwa.settings import Settings
from tests.browser import assert_accessible, wait_for_worker
from tests.factories import DOSSIER_CODE, make_dossier, make_pickup
from tests.live import LiveServer, free_port

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
SERVED = ("pwa", "routes", "templates", "static", "locales", "migrations", "service_worker.js")


def copy_project(target: Path) -> Path:
    """A copy of what the server serves, so a test can change a file safely."""
    for name in SERVED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)
    return target


def test_changed_css_ships_a_new_worker_and_a_reload_prompt(
    playwright: Playwright, browser: Browser, database_url: str, tmp_path: Path
) -> None:
    root = copy_project(tmp_path / "app")
    env = {"DATABASE_URL": database_url, "PWA_INSTANCE_DIR": str(tmp_path / "instance")}
    port = free_port()
    context = browser.new_context(**playwright.devices["Pixel 5"], locale="vi-VN", base_url=f"http://127.0.0.1:{port}")
    page = context.new_page()
    with LiveServer(env, port=port, root=root):
        page.goto("/")
        wait_for_worker(page)
        old = page.evaluate("() => fetch('/healthz').then(r => r.json()).then(j => j.version)")
    with (root / "static" / "css" / "app.css").open("a", encoding="utf-8") as css:
        css.write("\n.hero h1 { letter-spacing: 0.01em; }\n")
    with LiveServer(env, port=port, root=root):
        page.reload()
        banner = page.locator("#update-banner")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("Đã có phiên bản mới")
        assert_accessible(page)
        with page.expect_navigation():
            page.get_by_role("button", name="Tải lại").click()
        new = page.evaluate("() => fetch('/healthz').then(r => r.json()).then(j => j.version)")
        assert new != old
        names = page.evaluate("() => caches.keys()")
        assert f"shell-{new}" in names and f"shell-{old}" not in names  # the old cache is gone
    context.close()


def test_first_visit_is_light_and_a_repeat_visit_needs_no_network_for_static_files(
    phone: BrowserContext, page: Page
) -> None:
    transferred: list[int] = []
    phone.on("requestfinished", lambda request: transferred.append(request.sizes()["responseBodySize"]))
    page.goto("/")
    wait_for_worker(page)
    page.wait_for_timeout(500)  # let the worker finish precaching
    total = sum(transferred)
    assert total < 60_000, f"first visit transferred {total} bytes"
    from_worker: list[str] = []
    page.on("response", lambda r: from_worker.append(r.url) if r.from_service_worker else None)
    page.reload()
    statics = [u for u in from_worker if "/static/" in u]
    assert any("app.css" in u for u in statics) and any("htmx.min.js" in u for u in statics)


def test_offline_page_lists_the_pages_saved_on_this_phone(phone: BrowserContext, page: Page) -> None:
    page.goto("/")
    wait_for_worker(page)
    page.goto("/staff/login")  # never cached: staff pages stay off the phone
    page.goto("/")
    phone.set_offline(True)
    page.goto("/never-opened")
    saved = page.locator("#saved-pages")
    expect(saved.get_by_role("link")).to_have_count(2)  # the home page and the booking form
    expect(saved).to_contain_text("Đặt lấy hàng tận nhà")
    expect(saved).not_to_contain_text("Đăng nhập")
    expect(page.locator("#offline-banner")).to_contain_text("Điện thoại đang ngoại tuyến")
    assert_accessible(page)
    phone.set_offline(False)


def test_key_views_open_offline_with_their_content_and_an_offline_notice(
    phone: BrowserContext, page: Page, settings: Settings, db: Database
) -> None:
    code = make_pickup(db, settings, name="Hoàng Thị Mai")
    make_dossier(db)
    page.goto("/")
    wait_for_worker(page)
    # This phone books (the booking is its own), looks up a dossier, opens its inbox.
    page.goto("/pickups/find")
    page.goto("/pickups")
    page.get_by_label("Mã đơn").fill(code)
    page.get_by_label("Số điện thoại đã dùng khi đặt").fill("0912 345 678")
    page.get_by_role("button", name="Tìm đơn").click()
    expect(page.locator(".pickup-code")).to_be_visible()
    page.goto("/dossiers")
    page.get_by_label("Mã hồ sơ").fill(DOSSIER_CODE)
    page.get_by_label("4 số cuối điện thoại").fill("5678")
    page.get_by_role("button", name="Xem hồ sơ").click()
    expect(page).to_have_url(f"/dossiers/{DOSSIER_CODE}")
    page.goto("/notifications")
    page.goto("/pickups")  # My pickups saves each booking's confirmation for offline reading
    page.goto("/dossiers")
    page.wait_for_timeout(1000)
    phone.set_offline(True)
    views = {
        "/": "Bưu điện ngay trên điện thoại của bạn",
        "/pickups/new": "Đặt bưu tá đến lấy hàng",
        "/pickups": "Đơn lấy hàng của tôi",
        "/dossiers": "Hồ sơ của tôi",
        f"/dossiers/{DOSSIER_CODE}": DOSSIER_CODE,
        "/notifications": "Thông báo",
    }
    for path, text in views.items():
        page.goto(path)
        expect(page.locator("main")).to_contain_text(text)
        expect(page.locator("#offline-banner")).to_contain_text("Điện thoại đang ngoại tuyến")
        expect(page.locator("#offline-banner")).to_contain_text("Cập nhật lúc")
    page.goto("/pickups")
    page.locator(".pickup-list a").first.click()
    expect(page.locator(".pickup-code")).to_be_visible()
    expect(page.locator(".tracking li")).to_have_count(2)
    expect(page.locator(".qr svg")).to_be_visible()
    assert_accessible(page)
    phone.set_offline(False)

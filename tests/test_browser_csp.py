"""Every page, customer and staff, in Chromium: not one Content-Security-Policy violation.

The browser reports each blocked script, style, image or connection as a `securitypolicyviolation`
event; a listener installed before any page script collects them. The list of pages is checked
against the route table (through the authorization matrix), so a new page is visited or the test fails.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from pwa.db import Database
from pwa.push import announce
from pwa.settings import Settings
from tests.factories import DOSSIER_CODE, add_dossier_event, booking_body, make_dossier, make_staff
from tests.offices_data import load_offices
from tests.test_http_authz_matrix import DEVICE, MATRIX, PUBLIC, ROUND, STAFF

pytestmark = pytest.mark.browser

LISTENER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`));
"""
# GET routes that are not pages a person reads: files, redirects, fragments, the health check.
NOT_PAGES = {
    "/static/{path}", "/manifest.webmanifest", "/service_worker.js", "/healthz", "/lang",
    "/notifications/open/{message_id:int}", "/pickups/quote", "/readyz",
}  # fmt: skip


def _violations(page: Page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("load")
    time.sleep(0.3)  # late loads (the service worker, htmx requests) report after `load`
    found: list[str] = page.evaluate("() => window.__csp || ['listener missing']")
    return [f"{url}: {v}" for v in found]


def test_no_page_breaks_the_content_security_policy(
    phone: BrowserContext, page: Page, db: Database, settings: Settings
) -> None:
    phone.add_init_script(LISTENER)
    load_offices(db, settings)
    make_staff(db)
    make_dossier(db)
    add_dossier_event(db, id="e1", at="2026-11-20T10:00:00+07:00", status_code=4)
    notice = announce.post(db, data={"title": "Thông báo thử", "body": "Lịch chi trả tháng này"}, actor="test")
    page.goto("/pickups")
    booked = page.evaluate(
        """(body) => fetch('/api/v1/pickups', {method: 'POST', headers: {'Content-Type': 'application/json'},
                     body: JSON.stringify(body)}).then(r => r.json()).then(j => j.code)""",
        booking_body(settings),
    )
    page.goto("/dossiers")
    page.get_by_label("Mã hồ sơ").fill(DOSSIER_CODE)
    page.get_by_label("4 số cuối").fill("5678")
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(f"/dossiers/{DOSSIER_CODE}")

    customer = {
        "/": "/", "/offline": "/offline", "/dossiers": "/dossiers", "/dossiers/{code}": f"/dossiers/{DOSSIER_CODE}",
        "/offices": "/offices?q=cho+moi", "/offices/{code}": "/offices/BDVHX-CHOMOI",
        "/offices/{code}/print": "/offices/BDVHX-CHOMOI/print", "/pickups/new": "/pickups/new",
        "/pickups": "/pickups", "/pickups/{code}": f"/pickups/{booked}", "/notifications": "/notifications",
        "/notices/{notice_id:int}": f"/notices/{notice}", "/staff/login": "/staff/login",
    }  # fmt: skip
    problems = [v for url in customer.values() for v in _violations(page, url)]
    page.goto("/pickups/new")
    page.get_by_label("Kiện nặng nhất (kg)").fill("2,5")
    expect(page.locator(".quote__total")).to_be_visible()  # an htmx swap, under the same policy
    problems += page.evaluate("() => window.__csp")

    page.goto("/staff/login")
    page.get_by_label("Tên đăng nhập").fill("lan")
    page.get_by_label("Mật khẩu").fill("correct horse battery")
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url("/staff/")
    staff = {
        "/staff/": "/staff/", "/staff/dossiers": "/staff/dossiers", "/staff/dossiers/import": "/staff/dossiers/import",
        "/staff/dossiers/{code}": f"/staff/dossiers/{DOSSIER_CODE}", "/staff/notices": "/staff/notices",
        "/staff/notices/{notice_id:int}": f"/staff/notices/{notice}", "/staff/offices": "/staff/offices",
        "/staff/offices/new": "/staff/offices/new", "/staff/offices/{code}": "/staff/offices/BDVHX-CHOMOI",
        "/staff/pickups": "/staff/pickups", "/staff/pickups/objections": "/staff/pickups/objections",
        "/courier": "/courier",
    }  # fmt: skip
    problems += [v for url in staff.values() for v in _violations(page, url)]
    assert problems == []

    # The control, in a page of its own (the `page` fixture fails on CSP errors in the console):
    # an inline script is refused, and the listener hears of it.
    control = phone.new_page()
    control.goto("/offline")
    control.evaluate("() => document.body.append(Object.assign(document.createElement('script'), {text: '1'}))")
    assert any("script-src" in v for v in control.evaluate("() => window.__csp"))

    pages = {
        p for (m, p), who in MATRIX.items() if m == "GET" and who in (PUBLIC, DEVICE, STAFF, ROUND) and "/api/" not in p
    }
    assert pages - NOT_PAGES == set(customer) | set(staff), "a page no CSP check visits, or one that is gone"

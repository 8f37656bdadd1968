"""Dossier tracking in a real phone-sized Chromium: look up, read the timeline, follow, staff legs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from pwa.db import Database
from tests.browser import assert_accessible
from tests.factories import DOSSIER_CODE, PASSWORD, add_dossier_event, local_today, make_dossier, make_staff

pytestmark = pytest.mark.browser


def _overdue_dossier(db: Database) -> None:
    received = local_today() - timedelta(days=8)
    make_dossier(
        db,
        received_at=f"{received.isoformat()}T08:00:00+07:00",
        due_date=(local_today() - timedelta(days=1)).isoformat(),
    )
    add_dossier_event(
        db,
        id="e1",
        at=f"{received.isoformat()}T09:00:00+07:00",
        postal_event="sent_to_agency",
        tracking_number="EB123456785VN",
    )
    add_dossier_event(
        db, id="e2", at=f"{received.isoformat()}T15:00:00+07:00", status_code=5, note="Thiếu bản sao CCCD"
    )


def test_citizen_looks_up_reads_the_timeline_and_follows(page: Page, db: Database) -> None:
    _overdue_dossier(db)
    page.goto("/dossiers")
    assert_accessible(page)
    page.get_by_label("Mã hồ sơ").fill(DOSSIER_CODE.lower())
    page.get_by_label("4 số cuối điện thoại").fill("1111")
    page.get_by_role("button", name="Xem hồ sơ").click()
    expect(page.locator(".error-summary")).to_contain_text("Mã hồ sơ hoặc 4 số cuối điện thoại không đúng")
    expect(page.get_by_label("Mã hồ sơ")).to_have_value(DOSSIER_CODE.lower())
    assert_accessible(page)
    page.get_by_label("4 số cuối điện thoại").fill("5678")
    page.get_by_role("button", name="Xem hồ sơ").click()
    expect(page).to_have_url(f"/dossiers/{DOSSIER_CODE}")
    expect(page.get_by_role("heading", level=2, name="Cần bổ sung giấy tờ")).to_be_visible()
    expect(page.locator(".due")).to_contain_text("Quá hẹn 1 ngày")
    expect(page.locator(".timeline")).to_contain_text("EB123456785VN")
    assert "0912" not in page.content()
    assert_accessible(page)
    page.get_by_role("button", name="Theo dõi hồ sơ này").click()
    expect(page.get_by_role("button", name="Thôi theo dõi")).to_be_visible()
    page.goto("/dossiers")
    page.get_by_role("link", name=DOSSIER_CODE).click()  # reopens without typing the secret again
    expect(page).to_have_url(f"/dossiers/{DOSSIER_CODE}")


def test_too_many_wrong_secrets_show_a_clear_wait_page(page: Page, db: Database) -> None:
    make_dossier(db)
    page.goto("/dossiers")
    page.get_by_label("Mã hồ sơ").fill(DOSSIER_CODE)
    for _ in range(6):
        page.get_by_label("4 số cuối điện thoại").fill("0000")
        # Wait for each answer: a click while the last one is still in flight would be dropped.
        with page.expect_response(lambda r: r.request.method == "POST" and "/dossiers" in r.url):
            page.get_by_role("button", name="Xem hồ sơ").click()
        expect(page.locator(".error-summary, #limited").first).to_be_visible()
    expect(page.get_by_role("heading", name="Tạm khóa tra cứu")).to_be_visible()
    expect(page.locator("#limited")).to_contain_text("Bạn có thể thử lại từ")
    assert_accessible(page)


def test_staff_records_a_postal_leg_from_a_phone(page: Page, db: Database) -> None:
    _overdue_dossier(db)
    make_staff(db, "lan")
    page.goto("/staff/login?next=/staff/dossiers")
    page.get_by_label("Tên đăng nhập").fill("lan")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ hành chính")
    assert_accessible(page)
    page.get_by_role("link", name=DOSSIER_CODE).click()
    page.get_by_role("button", name="Ghi nhận").click()
    expect(page.locator(".error-summary")).to_contain_text("Chọn việc vừa làm với hồ sơ")
    assert_accessible(page)
    page.get_by_label("Kết quả chờ nhận tại bưu điện xã").check()
    page.get_by_role("button", name="Ghi nhận").click()
    expect(page.get_by_role("status")).to_contain_text("Đã ghi nhận")
    expect(page.locator(".timeline__step--current")).to_contain_text("Kết quả chờ nhận tại bưu điện xã")
    assert_accessible(page)

"""Shared rules every area uses: phone numbers, devices, the notification inbox."""

from __future__ import annotations

import pytest

from pwa import devices, i18n, notify, phones
from pwa.db import Database
from pwa.i18n import gettext as _


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0912345678", "+84912345678"),
        ("0912 345 678", "+84912345678"),
        ("+84 912 345 678", "+84912345678"),
        ("84912345678", "+84912345678"),
        ("0912.345.678", "+84912345678"),
        ("0162 345 6789", "+84323456789"),  # old 11-digit mobile, converted in 2018
        ("0209 3870 123", "+842093870123"),  # Bắc Kạn landline
    ],
)
def test_phone_numbers_are_stored_in_e164(typed: str, stored: str) -> None:
    assert phones.normalise(typed) == stored


@pytest.mark.parametrize("typed", ["", "123", "abc", "0112345678", "09123456789", "+1 202 555 0100", "☎️" * 3])
def test_impossible_phone_numbers_are_refused_with_a_hint(typed: str) -> None:
    with pytest.raises(phones.PhoneError) as info:
        phones.normalise(typed)
    assert "0912 345 678" in str(info.value) or "chữ số" in str(info.value) or "di động" in str(info.value)


def test_phones_are_shown_grouped_and_masked() -> None:
    assert phones.display("+84912345678") == "0912 345 678"
    assert phones.masked("+84912345678") == "0912 *** 678"
    assert phones.last_digits("+84912345678") == "5678"


def test_device_cookie_values_are_checked_and_hashed() -> None:
    token = "a" * 43
    assert devices.valid_token(token) and not devices.valid_token("x;y") and not devices.valid_token(None)
    assert devices.key_of(token) != token and len(devices.key_of(token)) == 64


def test_inbox_messages_are_written_in_each_devices_language(db: Database) -> None:
    with db.write() as session:
        devices.ensure(session, "k-vi", lang="vi")
        devices.ensure(session, "k-en", lang="en")
        message = notify.Message(
            topic="pickups", kind="test", tag="t1", url="/", text=lambda: (_("Thông báo"), _("Trang chủ"))
        )
        notify.enqueue(session, message, ["k-vi", "k-en", "k-unknown"])
    with db.read() as session:
        assert [m.title for m in notify.inbox(session, "k-vi")] == ["Thông báo"]
        assert [m.title for m in notify.inbox(session, "k-en")] == ["Notifications"]
        assert notify.inbox(session, "k-unknown") == []
    assert i18n.get_locale() == "vi"  # the caller's language is restored


def test_device_upsert_refreshes_language(db: Database) -> None:
    with db.write() as session:
        devices.ensure(session, "k", lang="vi")
        devices.ensure(session, "k", lang="en")
    with db.read() as session:
        from pwa.models import Device

        device = session.get(Device, "k")
        assert device is not None and device.lang == "en"


def test_topics_are_checked() -> None:
    assert notify.valid_topic("commune:2020") and notify.valid_topic("news")
    assert not notify.valid_topic("commune:abc") and not notify.valid_topic("everything")


def test_access_logs_mask_phone_numbers_and_dossier_secrets() -> None:
    import logging

    from pwa.logs import RedactSecrets

    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', (
            "127.0.0.1:5000", "GET", "/api/v1/pickups/ABCD?phone=0912345678&x=1", "1.1", 200,
        ), None,
    )  # fmt: skip
    RedactSecrets().filter(record)
    line = record.getMessage()
    assert "0912345678" not in line and "phone=***&x=1" in line
    record.args = ("c", "GET", "/api/v1/dossiers/H19?secret=5678", "1.1", 404)
    RedactSecrets().filter(record)
    assert "5678" not in record.getMessage()

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

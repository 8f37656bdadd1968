"""Vietnamese phone numbers: accept how people type them, store E.164, show them grouped.

Rules (shared/DOMAIN.md): mobiles have 10 digits starting 03, 05, 07, 08, 09;
`+84`/`84` replaces the leading 0; old 11-digit mobiles (converted 2018–19) are
mapped to their new prefix; landlines have 11 digits (area codes 02xx).
Validation and formatting are the `phonenumbers` library's (Google's libphonenumber).
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from pwa.i18n import gettext as _

# Old 11-digit mobile prefixes and their 10-digit replacements (Ministry plan, 2018–19).
OLD_MOBILE_PREFIXES = {
    "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
    "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
    "0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036",
    "0167": "037", "0168": "038", "0169": "039",
    "0186": "056", "0188": "058", "0199": "059",
}  # fmt: skip
ALLOWED_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


class PhoneError(ValueError):
    """A phone number that cannot be a Vietnamese number; the message says how to fix it."""


def _digits(raw: str) -> str:
    text = re.sub(r"[\s.\-()]", "", raw)  # separators first: `(+84) 912 345 678` is written too
    plus = text.startswith("+")
    digits = text.removeprefix("+")
    if not (digits.isascii() and digits.isdigit()):
        raise PhoneError(_("Số điện thoại chỉ gồm chữ số, ví dụ 0912 345 678."))
    if plus or (digits.startswith("84") and len(digits) in (11, 12)):
        digits = "0" + digits[2:] if digits.startswith("84") else digits
    return digits


def normalise(raw: str) -> str:
    """The number in E.164 (`+84912345678`), or PhoneError with a translated message."""
    if not raw or not raw.strip():
        raise PhoneError(_("Nhập số điện thoại, ví dụ 0912 345 678."))
    if len(raw) > 32:
        raise PhoneError(_("Số điện thoại quá dài. Nhập 10 chữ số, ví dụ 0912 345 678."))
    digits = _digits(raw)
    if len(digits) == 11 and digits[:4] in OLD_MOBILE_PREFIXES:
        digits = OLD_MOBILE_PREFIXES[digits[:4]] + digits[4:]
    try:
        number = phonenumbers.parse(digits, "VN")
    except NumberParseException as exc:
        raise PhoneError(_("Nhập số điện thoại 10 chữ số, ví dụ 0912 345 678.")) from exc
    if number.country_code != 84 or not phonenumbers.is_valid_number(number):
        raise PhoneError(_("Nhập số điện thoại 10 chữ số, ví dụ 0912 345 678."))
    if phonenumbers.number_type(number) not in ALLOWED_TYPES:
        raise PhoneError(_("Hãy dùng số di động hoặc số máy bàn."))
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def pattern() -> str:
    """The compact forms of a number `normalise` accepts (`0912345678`, `+84912345678`) as a regular
    expression, from libphonenumber's own rules for Vietnamese mobiles and landlines."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region("VN")
    assert meta is not None and meta.mobile is not None and meta.fixed_line is not None
    national = f"{meta.mobile.national_number_pattern}|{meta.fixed_line.national_number_pattern}"
    return f"^(?:\\+84|0)(?:{national})$".replace("\\d", "[0-9]")  # ASCII digits, whatever the regex engine


def display(e164: str) -> str:
    """The local, grouped form for reading: `0912 345 678`."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, "VN"), PhoneNumberFormat.NATIONAL)
    except NumberParseException:
        return e164


def last_digits(e164: str, n: int = 4) -> str:
    """The last `n` digits (the dossier lookup's second secret)."""
    return re.sub(r"\D", "", e164)[-n:]


def masked(e164: str) -> str:
    """A number safe to show: `0912 *** 678`."""
    local = display(e164).replace(" ", "")
    return f"{local[:4]} *** {local[-3:]}" if len(local) >= 9 else "***"

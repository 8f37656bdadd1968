"""Checking a request field by field: every bad field gets its own translated message (`fields` picks the check)."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from vietnam_provinces import Province, ProvinceCode

from pwa import admin_units, phones
from pwa.i18n import gettext as _
from pwa.settings import Settings

MAX_WEIGHT_G = 30_000  # Vietnam Post: 30 kg per parcel
MAX_SIDE_CM = 150  # and 1.5 m per side
MAX_PARCELS = 50
MAX_MONEY_VND = 100_000_000
LIMITS = {"name": 100, "street": 200, "note": 255}
PROVINCES = tuple(sorted(int(p.code) for p in Province.iter_all()))  # the destination provinces
FIRST_DATE, LAST_DATE = date(2000, 1, 1), date(2100, 12, 31)  # any day a page may show or link to


def _text(raw: Any) -> str:
    return unicodedata.normalize("NFC", raw if isinstance(raw, str) else "" if raw is None else str(raw)).strip()


def has_control(text: str, *, newlines: bool = False) -> bool:
    allowed = {"\n", "\r", "\t"} if newlines else set()
    return any(unicodedata.category(c) in ("Cc", "Cs") and c not in allowed for c in text)


def check_text(raw: Any, field: str, *, required: bool, errors: dict[str, str]) -> str:
    """A trimmed text field; records a message if it is missing, too long or has control characters."""
    if raw is not None and not isinstance(raw, str | int | float) or isinstance(raw, bool):
        errors[field] = _("Trường này phải là chữ.")
        return ""
    text = _text(raw)
    if required and not text:
        errors[field] = {"name": _("Nhập họ và tên người gửi."), "street": _("Nhập số nhà, thôn/xóm hoặc đường.")}[
            field
        ]
    elif len(text) > LIMITS[field]:
        errors[field] = _("Tối đa %(n)d ký tự (bạn đã nhập %(m)d).") % {"n": LIMITS[field], "m": len(text)}
    elif has_control(text, newlines=field == "note"):
        errors[field] = _("Có ký tự điều khiển không hợp lệ; hãy gõ lại bằng bàn phím.")
    return text


def _integer(raw: Any) -> int | None:
    """An integer from JSON or a form (`1.000.000`, `1 000 000` allowed); None if it is not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    # ASCII digits, at most 15 of them: int() refuses other scripts' digits and very long numbers.
    if isinstance(raw, str) and re.fullmatch(r"-?[0-9]{1,3}([.,\s][0-9]{3}){1,4}|-?[0-9]{1,12}", raw.strip()):
        return int(re.sub(r"[.,\s]", "", raw.strip()))
    return None


def whole_number(raw: Any, *, digits: int) -> int | None:
    """A number typed as at most `digits` ASCII digits (no sign, no separators), else None."""
    text = raw.strip() if isinstance(raw, str) else ""
    return int(text) if text.isascii() and text.isdecimal() and len(text) <= digits else None


def _decimal(raw: Any) -> Decimal | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        return None
    if isinstance(raw, str) and not re.fullmatch(r"[-+]?[0-9]{1,9}([.,][0-9]{1,9})?", raw.strip()):
        return None  # also keeps out exponents such as 1e999999999, which overflow Decimal arithmetic
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def check_phone(raw: Any, errors: dict[str, str]) -> str:
    """The phone number in E.164, or a message saying how to type it."""
    try:
        return phones.normalise(raw if isinstance(raw, str) else "" if raw is None else str(raw))
    except phones.PhoneError as exc:
        errors["phone"] = str(exc)
        return ""


def check_ward(raw: Any, settings: Settings, errors: dict[str, str]) -> int:
    """A commune/ward code of the post office's province."""
    code = _integer(raw)
    commune = admin_units.commune(code) if code is not None and code > 0 else None
    if _blank(raw):
        errors["ward_code"] = _("Chọn xã/phường nơi bưu tá đến lấy hàng.")
    elif commune is None or commune.province_code != settings.province_code:
        errors["ward_code"] = _("Không có xã/phường này trong tỉnh %(province)s. Hãy chọn trong danh sách.") % {
            "province": admin_units.province_name(settings.province_code)
        }
    return code or 0


def check_date(raw: Any, errors: dict[str, str]) -> date:
    """A calendar date in ISO form (YYYY-MM-DD), between FIRST_DATE and LAST_DATE."""
    try:
        day = date.fromisoformat(_text(raw)[:40])
    except ValueError:
        errors["date"] = (
            _("Chọn ngày lấy hàng.") if _blank(raw) else _("Ngày phải có dạng NNNN-TT-NN, ví dụ 2026-11-27.")
        )
        return FIRST_DATE
    if not FIRST_DATE <= day <= LAST_DATE:  # the day before or after must still be a date
        errors["date"] = _("Ngày phải trong khoảng từ năm %(first)d đến năm %(last)d.") % {
            "first": FIRST_DATE.year,
            "last": LAST_DATE.year,
        }
        return FIRST_DATE
    return day


def check_count(raw: Any, errors: dict[str, str]) -> int:
    """The number of parcels, 1 to MAX_PARCELS."""
    parcels = _integer(raw)
    if parcels is None or not 1 <= parcels <= MAX_PARCELS:
        errors["parcels"] = _("Số kiện là số nguyên từ 1 đến %(n)d.") % {"n": MAX_PARCELS}
    return parcels or 0


def check_weight(raw: Any, errors: dict[str, str]) -> int:
    """The heaviest parcel's weight typed in kg (`2,5`), in grams."""
    kg = _decimal(raw)
    if _blank(raw):
        errors["weight_kg"] = _("Nhập cân nặng của kiện nặng nhất, ví dụ 2,5.")
    elif kg is None:
        errors["weight_kg"] = _("Cân nặng phải là một số (kg), ví dụ 2,5.")
    elif kg <= 0:
        errors["weight_kg"] = _("Cân nặng phải lớn hơn 0 kg.")
    elif kg * 1000 > MAX_WEIGHT_G:
        errors["weight_kg"] = _("Mỗi kiện tối đa 30 kg. Hàng nặng hơn cần dịch vụ riêng: hãy gọi bưu điện.")
    # Up to the gram: 0.0004 kg is a parcel, not nothing (truncating made it 0 g).
    return math.ceil((kg or 0) * 1000) if "weight_kg" not in errors else 0


def check_size(raw: Any, errors: dict[str, str]) -> int | None:
    """The longest side in cm, if given."""
    if _blank(raw):
        return None
    cm = _integer(raw)
    if cm is None or not 1 <= cm <= MAX_SIDE_CM:
        errors["longest_cm"] = _("Cạnh dài nhất từ 1 đến 150 cm. Hàng dài hơn cần dịch vụ riêng.")
    return cm


def check_money(raw: Any, field: str, errors: dict[str, str]) -> int:
    """An amount of đồng, 0 when left blank."""
    if _blank(raw):
        return 0
    amount = _integer(raw)
    if amount is None or not 0 <= amount <= MAX_MONEY_VND:
        errors[field] = _("Nhập số tiền từ 0 đến 100.000.000 đồng, chỉ gồm chữ số.")
    return amount or 0


def check_choice(raw: Any, field: str, choices: tuple[str, ...], errors: dict[str, str]) -> str:
    """One of `choices` (a shift or a service)."""
    value = _text(raw)
    if value not in choices:
        errors[field] = {
            "shift": _("Chọn ca sáng (8–11 giờ) hoặc ca chiều (13–17 giờ)."),
            "service": _("Chọn dịch vụ: chuyển phát thường, nhanh (EMS) hoặc hỏa tốc."),
        }[field]
    return value


def check_destination(raw: Any, settings: Settings, errors: dict[str, str]) -> int:
    """The destination province's code, the office's own when left blank."""
    if _blank(raw):
        return settings.province_code
    code = _integer(raw)
    try:
        Province.from_code(ProvinceCode(code or -1))
    except (ValueError, KeyError):
        errors["destination_province"] = _("Chọn tỉnh/thành phố nơi nhận trong danh sách.")
        return settings.province_code
    return code or settings.province_code

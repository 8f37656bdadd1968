"""What a place and a payment day are: the checks every way in (CSV, staff form) shares; the words are in labels.py."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from pwa import admin_units, phones
from pwa.errors import Invalid
from pwa.i18n import gettext as _
from pwa.offices import hours
from pwa.offices.labels import KINDS as KINDS
from pwa.offices.labels import PAYMENT_KINDS as PAYMENT_KINDS
from pwa.offices.labels import SERVICES as SERVICES
from pwa.offices.labels import kind_label as kind_label
from pwa.offices.labels import payment_label as payment_label
from pwa.offices.labels import service_label as service_label
from pwa.util import has_control

OFFICE_FIELDS = ("code", "name", "kind", "ward_code", "address", "phone", "lat", "lon", "opening_hours", "services")
DAY_FIELDS = ("office_code", "kind", "date", "opens", "closes")
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,19}$")
TIME_RE = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")  # ASCII digits: \d takes any script's
# The former Bắc Kạn lies well inside this box; a point outside it is a typo (lat/lon swapped…).
LAT_RANGE, LON_RANGE = (8.0, 23.5), (102.0, 110.0)


@dataclass(frozen=True)
class NewOffice:
    """A place as typed, checked."""

    code: str
    name: str
    kind: str
    ward_code: int
    address: str
    phone: str
    lat: float
    lon: float
    opening_hours: str
    services: str


@dataclass(frozen=True)
class NewPaymentDay:
    """A payment day as typed, checked (the office is named by its code)."""

    office_code: str
    kind: str
    day: date
    opens: str
    closes: str


class FieldError(ValueError):
    """One field's problem, in words."""


def _text(value: Any, max_len: int, message: str) -> str:
    text = " ".join(str(value or "").split())
    if not text or len(text) > max_len:
        raise FieldError(message)
    if has_control(text):
        raise FieldError(_("Có ký tự điều khiển không hợp lệ; hãy gõ lại bằng bàn phím."))
    return text


def office_code(value: Any) -> str:
    """`BDVHX-BANGLANG`: upper-case letters, digits, `-` or `_`."""
    code = str(value or "").strip().upper()
    if not CODE_RE.match(code):
        raise FieldError(_("Mã điểm gồm 2–20 chữ in hoa không dấu, số, gạch ngang, ví dụ BDVHX-YENTHINH."))
    return code


def code_key(value: str) -> str:
    """A code from a URL as places are looked up by it: upper-case, or "" (no place) if no place can have it.

    Never sent to the database as typed: PostgreSQL refuses NUL in text, which a URL can carry (`%00`).
    """
    code = value.strip().upper()
    return code if CODE_RE.match(code) else ""


def _kind(value: Any) -> str:
    kind = str(value or "").strip()
    if kind not in KINDS:
        raise FieldError(_("Loại điểm phải là một trong: %(kinds)s.") % {"kinds": ", ".join(KINDS)})
    return kind


def _ward(value: Any, province_code: int) -> int:
    text = str(value or "").strip()
    commune = admin_units.commune(int(text)) if text.isascii() and text.isdigit() and len(text) < 9 else None
    if commune is None or commune.province_code != province_code:
        raise FieldError(_("Không có xã/phường mã %(code)s trong tỉnh.") % {"code": text[:12]})
    return commune.code


def _phone(value: Any) -> str:
    text = str(value or "").strip()
    if not text:
        return ""
    try:
        return phones.normalise(text)
    except phones.PhoneError as exc:
        raise FieldError(str(exc)) from exc


def _coordinate(value: Any, bounds: tuple[float, float]) -> float:
    try:
        number = float(str(value or "").strip().replace(",", "."))
    except ValueError:
        number = float("nan")
    if not bounds[0] <= number <= bounds[1]:
        raise FieldError(_("Tọa độ không hợp lệ: nhập số thập phân, ví dụ 22.1468 và 105.8348."))
    return round(number, 6)


def _hours(value: Any) -> str:
    text = " ".join(str(value or "").split())
    why = hours.problem(text)
    if why:
        raise FieldError(why)
    return text


def _services(value: Any) -> str:
    keys = [part.strip() for part in str(value or "").split(";") if part.strip()]
    unknown = [k for k in keys if k not in SERVICES]
    if unknown or not keys:
        names = ", ".join(SERVICES)
        raise FieldError(_("Dịch vụ phải là các mục trong: %(names)s, cách nhau bởi dấu ;") % {"names": names})
    return ";".join(dict.fromkeys(keys))


def _checked(parsers: Mapping[str, Callable[[Any], Any]], data: Mapping[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, parse in parsers.items():
        try:
            clean[name] = parse(data.get(name))
        except FieldError as exc:
            errors[name] = str(exc)
    if errors:
        raise Invalid(fields=errors)
    return clean


def check_office(data: Mapping[str, Any], province_code: int) -> NewOffice:
    """Check every field of a place at once; Invalid names each bad one and how to fix it."""
    parsers: dict[str, Callable[[Any], Any]] = {
        "code": office_code,
        "name": lambda v: _text(v, 200, _("Nhập tên điểm, tối đa 200 ký tự.")),
        "kind": _kind,
        "ward_code": lambda v: _ward(v, province_code),
        "address": lambda v: _text(v, 300, _("Nhập địa chỉ, tối đa 300 ký tự.")),
        "phone": _phone,
        "lat": lambda v: _coordinate(v, LAT_RANGE),
        "lon": lambda v: _coordinate(v, LON_RANGE),
        "opening_hours": _hours,
        "services": _services,
    }
    return NewOffice(**_checked(parsers, data))


def clock_time(value: Any) -> str:
    """`7:00` → `07:00`; FieldError otherwise."""
    match = TIME_RE.match(str(value or "").strip())
    if not match:
        raise FieldError(_("Nhập giờ dạng HH:MM, ví dụ 07:00."))
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def _payment_kind(value: Any) -> str:
    kind = str(value or "").strip()
    if kind not in PAYMENT_KINDS:
        raise FieldError(_("Loại chi trả phải là pension, social hoặc merit."))
    return kind


def _day(value: Any, today: date) -> date:
    try:
        day = date.fromisoformat(str(value or "").strip())
    except ValueError as exc:
        raise FieldError(_("Nhập ngày dạng YYYY-MM-DD, ví dụ 2026-12-05.")) from exc
    if day < today:
        raise FieldError(_("Ngày chi trả đã qua."))
    return day


def check_payment_day(data: Mapping[str, Any], today: date) -> NewPaymentDay:
    """Check a payment day; the day may not be in the past, and it must close after it opens."""
    parsers: dict[str, Callable[[Any], Any]] = {
        "office_code": office_code,
        "kind": _payment_kind,
        "day": lambda v: _day(v, today),
        "opens": clock_time,
        "closes": clock_time,
    }
    clean = _checked(parsers, {**data, "day": data.get("date", data.get("day"))})
    if time.fromisoformat(clean["closes"]) <= time.fromisoformat(clean["opens"]):
        raise Invalid(fields={"closes": _("Giờ kết thúc phải sau giờ bắt đầu.")})
    return NewPaymentDay(**clean)

"""Validation of dossier and event fields, shared by the API, the CSV import and the staff form.

Each parser returns the clean value or raises FieldError with a translated message
saying how to fix it; callers collect them per field.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pwa import phones, s10
from pwa.dossiers.statuses import CHANNELS, POSTAL_EVENTS
from pwa.i18n import gettext as _
from pwa.util import has_control

# No "/": a code is a segment of /dossiers/{code}, which a slash would split. One-stop codes
# look like H19.22-251125-0042.
CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9._-]{2,39}$")
EVENT_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
MAX_FEE = 10**12
FIRST_YEAR, LAST_YEAR = 2000, 2100  # times a dossier or event can have


class FieldError(ValueError):
    """One field's problem, in words the sender can act on."""


def text(value: Any, *, max_len: int, required: bool = True) -> str:
    """A trimmed string of at most `max_len` characters."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise FieldError(_("Phải là chuỗi ký tự."))
    clean = " ".join(value.split())
    if has_control(clean):
        raise FieldError(_("Có ký tự điều khiển không hợp lệ; hãy gõ lại bằng bàn phím."))
    if required and not clean:
        raise FieldError(_("Không được để trống."))
    if len(clean) > max_len:
        raise FieldError(_("Dài quá %(n)d ký tự.") % {"n": max_len})
    return clean


def code(value: Any) -> str:
    """A dossier code as the agency issued it, upper-case: `H19.22-251120-0001`."""
    raw = text(value, max_len=40).upper()
    if not CODE_RE.match(raw):
        raise FieldError(code_hint())
    return raw


def code_hint() -> str:
    """What a dossier code may contain, in words (the rule of CODE_RE)."""
    return _(
        "Mã hồ sơ gồm 3–40 ký tự: chữ cái không dấu, chữ số, dấu chấm (.), gạch ngang (-) hoặc gạch dưới (_), "
        "bắt đầu bằng chữ cái hoặc chữ số, không có gạch chéo (/). Ví dụ: H19.22-251125-0042."
    )


def normalise_code(value: str) -> str:
    """How a person typed a code, made comparable (no spaces, upper-case); "" (no dossier) if it has a
    control character, which no code has and PostgreSQL refuses in a query (`%00` in a URL)."""
    code = re.sub(r"\s+", "", value or "").upper()[:40]
    return "" if has_control(code) else code


def phone(value: Any) -> str:
    """A Vietnamese phone number in E.164."""
    if not isinstance(value, str):
        raise FieldError(_("Nhập số điện thoại 10 chữ số, ví dụ 0912 345 678."))
    try:
        return phones.normalise(value)
    except phones.PhoneError as exc:
        raise FieldError(str(exc)) from exc


def moment(value: Any, tz: ZoneInfo) -> datetime:
    """An ISO 8601 time; without an offset it is read in the post office's zone."""
    if not isinstance(value, str) or not value.strip():
        raise FieldError(_("Nhập thời điểm dạng ISO 8601, ví dụ 2026-11-25T14:05:00+07:00."))
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise FieldError(_("Nhập thời điểm dạng ISO 8601, ví dụ 2026-11-25T14:05:00+07:00.")) from exc
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:  # year 1 or 9999 overflow on conversion to UTC
        raise FieldError(
            _("Năm phải từ %(first)d đến %(last)d, ví dụ 2026-11-25T14:05:00+07:00.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def day(value: Any) -> date:
    """A calendar date `YYYY-MM-DD`."""
    if not isinstance(value, str):
        raise FieldError(_("Nhập ngày dạng YYYY-MM-DD, ví dụ 2026-12-05."))
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError as exc:
        raise FieldError(_("Nhập ngày dạng YYYY-MM-DD, ví dụ 2026-12-05.")) from exc
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:  # as for moments: 0001-01-01 or 9999-12-31 are typos
        raise FieldError(
            _("Năm phải từ %(first)d đến %(last)d, ví dụ 2026-12-05.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
        )
    return parsed


def integer(value: Any) -> int:
    """A whole number, from JSON or from CSV text."""
    if isinstance(value, bool):
        raise FieldError(_("Phải là số nguyên."))
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]{1,15}\s*", value):
        return int(value)
    raise FieldError(_("Phải là số nguyên."))


def channel(value: Any) -> int:
    """1 in person, 2 online, 3 by post."""
    number = integer(value)
    if number not in CHANNELS:
        raise FieldError(_("Kênh nộp phải là 1 (trực tiếp), 2 (trực tuyến) hoặc 3 (qua bưu điện)."))
    return number


def status_code(value: Any) -> int:
    """A national status code 1–10."""
    number = integer(value)
    if not 1 <= number <= 10:
        raise FieldError(_("Mã trạng thái phải từ 1 đến 10."))
    return number


def postal_event(value: Any) -> str:
    """One of the postal legs."""
    if value not in POSTAL_EVENTS:
        raise FieldError(_("Sự kiện bưu chính phải là một trong: %(names)s.") % {"names": ", ".join(POSTAL_EVENTS)})
    return str(value)


def tracking_number(value: Any) -> str:
    """A valid UPU S10 number, e.g. EB123456785VN."""
    if not isinstance(value, str) or not s10.is_valid(value):
        raise FieldError(_("Số hiệu bưu gửi không hợp lệ. Ví dụ đúng: EB123456785VN (13 ký tự, có số kiểm tra)."))
    return s10.normalise(value)


def fee(value: Any) -> int:
    """A fee in whole đồng, not negative."""
    number = integer(value)
    if not 0 <= number <= MAX_FEE:
        raise FieldError(_("Số tiền phải là số nguyên đồng, không âm."))
    return number


def event_id(value: Any) -> str:
    """The sender's own id for an event (1–64 letters, digits, `._:-`)."""
    raw = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(raw, str) or not EVENT_ID_RE.match(raw):
        raise FieldError(_("Mã sự kiện gồm 1–64 chữ cái không dấu, chữ số hoặc . _ : -"))
    return raw

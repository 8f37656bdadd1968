"""Opening hours in the OpenStreetMap `opening_hours` syntax, read by the `opening-hours-py` library.

Never parsed by hand: the syntax has holidays, weeks, months and exceptions that a small
parser would get wrong. This module only turns the library's answer into words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date
from opening_hours import OpeningHours, State

from pwa import i18n
from pwa.i18n import gettext as _

HORIZON = timedelta(days=14)  # a next change further than this is shown as "closed" without a time


@dataclass(frozen=True)
class Now:
    """Whether a place is open at a moment, and when that changes (local time), if soon."""

    open: bool
    next_change: datetime | None


@lru_cache(maxsize=512)
def parse(text: str, timezone: str) -> OpeningHours:
    """The library's reading of `text`; raises SyntaxError-like errors for bad text."""
    return OpeningHours(text, timezone=ZoneInfo(timezone), auto_country=False, auto_timezone=False)


def problem(text: str) -> str | None:
    """Why `text` is not valid `opening_hours`, or None."""
    text = text.strip()
    if not text or len(text) > 500:
        return _("Nhập giờ mở cửa theo cú pháp OpenStreetMap, ví dụ Mo-Fr 07:00-11:30,13:30-17:00; Sa 07:00-11:30.")
    try:
        parse(text, "UTC")
    except Exception:  # the library raises its own ParserError (and SyntaxError for some input)
        return _("Giờ mở cửa sai cú pháp OpenStreetMap, ví dụ Mo-Fr 07:00-11:30,13:30-17:00; Sa 07:00-11:30.")
    return None


def at(text: str, moment: datetime, tz: ZoneInfo) -> Now:
    """Open or closed at `moment`, and the next change within the horizon, in `tz`."""
    hours = parse(text, str(tz))
    local = moment.astimezone(tz)
    change = hours.next_change(local)
    if change is not None:
        change = change.astimezone(tz)
        if change - local > HORIZON:
            change = None
    return Now(open=hours.is_open(local), next_change=change)


@dataclass(frozen=True)
class Day:
    """One day's opening times, e.g. ("7:00–11:30", "13:30–17:00"); empty when closed all day."""

    day: date
    spans: tuple[str, ...]


def week(text: str, first: date, tz: ZoneInfo, days: int = 7) -> tuple[Day, ...]:
    """The opening times of `days` days from `first`, as the library computes them (holidays and all)."""
    start = datetime.combine(first, time(0, 0), tz)
    spans: dict[date, list[str]] = {first + timedelta(days=i): [] for i in range(days)}
    for begin, end, state, _comment in parse(text, str(tz)).intervals(start, start + timedelta(days=days)):
        if state == State.OPEN:
            _add_split_at_midnight(spans, begin.astimezone(tz), end.astimezone(tz), tz)
    return tuple(Day(day, tuple(found)) for day, found in sorted(spans.items()) if day < first + timedelta(days=days))


def _add_split_at_midnight(spans: dict[date, list[str]], begin: datetime, end: datetime, tz: ZoneInfo) -> None:
    """One span per day the interval touches: `24/7` is open every day, not once for a week."""
    while begin < end:
        midnight = datetime.combine(begin.date() + timedelta(days=1), time(0, 0), tz)
        stop = min(end, midnight)
        spans.setdefault(begin.date(), []).append(f"{clock(begin)}–{'24:00' if stop == midnight else clock(stop)}")
        begin = stop


def clock(moment: datetime) -> str:
    """`7:00`, `17:30`: how people say a time on a notice."""
    return f"{moment.hour}:{moment.minute:02d}"


def describe(state: Now, moment: datetime, tz: ZoneInfo) -> str:
    """`Đang mở cửa · đóng lúc 17:00`, `Đã đóng · mở lại 7:00 thứ Hai`, in the reader's language."""
    change, today = state.next_change, moment.astimezone(tz).date()
    if state.open:
        if change is None:
            return _("Đang mở cửa")
        if change.date() == today:
            return _("Đang mở cửa · đóng lúc %(time)s") % {"time": clock(change)}
        return _("Đang mở cửa · đóng lúc %(time)s %(day)s") % {"time": clock(change), "day": weekday(change)}
    if change is None:
        return _("Đã đóng")
    if change.date() == today:
        return _("Đã đóng · mở lại lúc %(time)s") % {"time": clock(change)}
    if change.date() == today + timedelta(days=1):
        return _("Đã đóng · mở lại %(time)s ngày mai") % {"time": clock(change)}
    return _("Đã đóng · mở lại %(time)s %(day)s") % {"time": clock(change), "day": weekday(change)}


def weekday(moment: datetime) -> str:
    """`thứ Hai`, `Monday`."""
    lang = i18n.get_locale()
    text = format_date(moment.date(), "EEEE", locale=lang)
    return text[:1].lower() + text[1:] if lang == "vi" else text  # "thứ Hai", as Vietnamese writes it mid-sentence

"""Languages, translations and locale-aware formatting.

Vietnamese is the source language: messages are written in Vietnamese in the
code and templates, and `locales/en/LC_MESSAGES/*.po` translates them. The
catalogs are compiled in memory at start-up, so a stale `.mo` can never ship.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from babel import negotiate_locale
from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

from pwa.settings import ROOT_DIR

SOURCE = "vi"
LANGUAGES = ("vi", "en")
LOCALES_DIR = ROOT_DIR / "locales"
_current: ContextVar[str] = ContextVar("pwa_locale", default=SOURCE)


def merged_catalog(lang: str) -> Catalog:
    """All `.po` files of one language, merged (one file per area of the app)."""
    merged = Catalog(locale=lang)
    for po in sorted((LOCALES_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            for message in read_po(fh, locale=lang):
                if message.id and translated(message.string) and not message.fuzzy:
                    merged[message.id] = message
    return merged


def translated(string: str | tuple[str, ...] | list[str] | None) -> bool:
    """A translation is there: every plural form of it, for a counted phrase (ngettext)."""
    return all(string) if isinstance(string, tuple | list) else bool(string)


@cache
def translations(lang: str) -> NullTranslations:
    """Compiled translations for a language; the source language needs none."""
    if lang == SOURCE:
        return NullTranslations()
    buf = io.BytesIO()
    write_mo(buf, merged_catalog(lang))
    buf.seek(0)
    return Translations(buf)


def set_locale(lang: str) -> None:
    """Make `lang` the language of the current request or task."""
    _current.set(lang if lang in LANGUAGES else SOURCE)


def get_locale() -> str:
    """The language of the current request or task."""
    return _current.get()


def gettext(message: str) -> str:
    """Translate a message into the current language."""
    return translations(get_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message with a count into the current language."""
    return translations(get_locale()).ngettext(singular, plural, n)


@lru_cache(maxsize=256)  # asked on every request; browsers send a handful of different headers
def choose(cookie: str | None, accept_language: str | None) -> str:
    """Pick the language: the switch's cookie first, then the browser's wishes."""
    if cookie in LANGUAGES:
        return cookie
    wanted = [part.split(";")[0].strip().replace("-", "_") for part in (accept_language or "").split(",")]
    picked = negotiate_locale([w for w in wanted if w and w != "*"], list(LANGUAGES))
    return picked or SOURCE


def money(amount: int | Decimal | None, lang: str | None = None) -> str:
    """A VND amount in the reader's format: `99.700.000 ₫`."""
    if amount is None:
        return ""
    return format_currency(amount, "VND", locale=lang or get_locale())


def number(value: int | float | Decimal, lang: str | None = None) -> str:
    """A number with the locale's separators."""
    return format_decimal(value, locale=lang or get_locale())


_DATETIME_PATTERNS = {"vi": "HH:mm, dd/MM/yyyy", "en": "HH:mm, d MMM yyyy"}
_DATE_PATTERNS = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}


def local_datetime(value: datetime | None, tz: ZoneInfo, lang: str | None = None) -> str:
    """An aware UTC time shown in the post office's zone: `14:05, 25/11/2026`."""
    if value is None:
        return ""
    lang = lang or get_locale()
    return format_datetime(value.astimezone(tz), _DATETIME_PATTERNS[lang], locale=lang)


def local_date(value: date | None, lang: str | None = None) -> str:
    """A calendar date in the reader's format."""
    if value is None:
        return ""
    lang = lang or get_locale()
    if type(value) is not date:  # equal aware datetimes can fall on different days: not cacheable
        return format_date(value, _DATE_PATTERNS[lang], locale=lang)
    return _local_date(value, lang)


def weekday_date(value: date, lang: str | None = None) -> str:
    """A date with its weekday, for slot pickers: `Thứ Năm, 26/11/2026`."""
    lang = lang or get_locale()
    return _weekday_date(value, lang) if type(value) is date else _weekday_date.__wrapped__(value, lang)


# Babel takes tens of microseconds per date; pages show the same few dates over and over.
@lru_cache(maxsize=1024)
def _local_date(value: date, lang: str) -> str:
    return format_date(value, _DATE_PATTERNS[lang], locale=lang)


@lru_cache(maxsize=1024)
def _weekday_date(value: date, lang: str) -> str:
    pattern = "EEEE, dd/MM/yyyy" if lang == "vi" else "EEEE d MMM yyyy"
    text = format_date(value, pattern, locale=lang)
    return text[:1].upper() + text[1:]  # "Thứ năm, …"; never lower-case the month


LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}  # each in its own language


def all_message_ids(lang: str = "en") -> Iterable[str]:
    """Every translated message id of a language (for tests)."""
    for message in merged_catalog(lang):
        yield from (part for part in ([message.id] if isinstance(message.id, str) else message.id) if part)


@contextmanager
def using(lang: str) -> Iterator[None]:
    """Speak `lang` inside the block (e.g. a notification in its reader's language)."""
    token = _current.set(lang if lang in LANGUAGES else SOURCE)
    try:
        yield
    finally:
        _current.reset(token)

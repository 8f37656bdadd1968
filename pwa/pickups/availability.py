"""Open shifts and their room, kept for a moment: the booking form and the slots API show them on every visit.

Reading them costs a few queries and a page render; a booking form that is a
second or two behind is harmless, because booking itself takes the room in the
database, never from this copy. `Settings.availability_seconds` says how long a
copy lives (0: never kept). Any write this process commits retires its copy at
once; other processes see the change when theirs expires.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from datetime import date

from pwa.db import Database
from pwa.errors import Invalid
from pwa.pickups import slots, validate
from pwa.settings import Settings
from pwa.util import answered_from_memory


@dataclass(frozen=True)
class Snapshot:
    """Every open shift of the booking window, and a number that changes whenever they may have."""

    version: int
    today: date
    slots: tuple[slots.Slot, ...]


_lock = threading.Lock()
_kept: dict[tuple[str, str], tuple[float, int, Snapshot]] = {}
_versions = itertools.count(1)


def kept_listing(database: Database, settings: Settings) -> Snapshot | None:
    """`listing`'s copy if it is still current (no database work), else None."""
    key, now, writes = (database.url, settings.office_code), time.monotonic(), database.local_writes
    with _lock:
        kept = _kept.get(key) if settings.availability_seconds > 0 else None
    if kept and now < kept[0] and kept[1] == writes and kept[2].today == slots.today(settings):
        return kept[2]
    return None


def listing(database: Database, settings: Settings) -> Snapshot:
    """The open shifts from today on, from a copy at most `availability_seconds` old."""
    kept = kept_listing(database, settings)
    if kept is not None:
        return kept
    now, writes, day = time.monotonic(), database.local_writes, slots.today(settings)
    with database.read() as session:
        found = tuple(slots.listing(session, settings))
    snapshot = Snapshot(version=next(_versions), today=day, slots=found)
    if settings.availability_seconds > 0:
        with _lock:
            _kept[(database.url, settings.office_code)] = (now + settings.availability_seconds, writes, snapshot)
    return snapshot


def _checked_day(settings: Settings, day: str | None, ward_code: str | None) -> date:
    errors: dict[str, str] = {}
    on = validate.check_date(day, errors)
    if ward_code is not None:
        validate.check_ward(ward_code, settings, errors)
    if errors:
        raise Invalid(fields=errors)
    return on


def kept_open_on(
    database: Database, settings: Settings, *, day: str | None, ward_code: str | None = None
) -> list[slots.Slot] | None:
    """`open_on`'s answer from a current copy (no database work; bad input still raises Invalid), else None."""
    on = _checked_day(settings, day, ward_code)
    kept = kept_listing(database, settings)
    return None if kept is None else [s for s in kept.slots if s.day == on]


@answered_from_memory(kept_open_on)
def open_on(
    database: Database, settings: Settings, *, day: str | None, ward_code: str | None = None
) -> list[slots.Slot]:
    """The open shifts of a day typed `YYYY-MM-DD` (none outside the booking window); a `ward_code` must be ours."""
    on = _checked_day(settings, day, ward_code)
    return [s for s in listing(database, settings).slots if s.day == on]


def forget() -> None:
    """Drop every kept copy, so the next read asks the database."""
    with _lock:
        _kept.clear()

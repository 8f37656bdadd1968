"""What a citizen does with a dossier: look it up, open its timeline, follow it, see "My dossiers".

Each function is one use case: it opens its own transaction and returns plain
data or raises an `AppError`. A failed lookup commits its failure counters
before the error is raised (see `pwa.dossiers.lookup`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from pwa import i18n
from pwa.db import Database
from pwa.dossiers import lookup, timeline
from pwa.dossiers.fields import normalise_code
from pwa.errors import AppError, Invalid, NotFound, RateLimited
from pwa.models import Dossier
from pwa.settings import Settings
from pwa.util import Kept, answered_from_memory


@dataclass(frozen=True)
class Lookup:
    """What the lookup form came to: the dossier to open, or why not and the device's list to show again."""

    found: str | None
    failure: AppError | None = None
    mine: list[timeline.Summary] = field(default_factory=list)


@dataclass(frozen=True)
class Opened:
    """A dossier as this device may see it: its timeline, or (never looked up here) the device's list."""

    code: str
    view: timeline.View | None
    following: bool = False
    mine: list[timeline.Summary] = field(default_factory=list)
    version: tuple[object, ...] = ()  # names everything the timeline shows: the same version, the same page


def list_mine(db: Database, settings: Settings, *, device_key: str | None) -> list[timeline.Summary]:
    """The dossiers this device has opened before, followed ones first (none for a device seen the first time)."""
    if device_key is None:
        return []
    with db.read() as session:
        return _mine(session, settings, device_key)


def look_up(
    db: Database, settings: Settings, *, code: str, secret: str, client: str, device_key: str, lang: str
) -> Lookup:
    """Check code and secret; on success this device may open the dossier from now on."""
    try:
        found = _grant(db, settings, code=code, secret=secret, client=client, device_key=device_key, lang=lang)
    except (Invalid, NotFound, RateLimited) as exc:
        return Lookup(found=None, failure=exc, mine=list_mine(db, settings, device_key=device_key))
    return Lookup(found=found)


def kept_timeline(db: Database, settings: Settings, *, code: str, device_key: str) -> Opened | None:
    """`open_timeline`'s answer as read before, if nothing was committed to the database since; else None.

    No query: only the database's change mark (`Database.change_mark`), so a device that keeps
    reloading its dossier costs no database work while nothing changes."""
    mark = db.change_mark()
    kept = _OPENED.get(_opened_key(settings, code, device_key)) if mark is not None else None
    return kept[1] if kept is not None and kept[0] == mark else None


@answered_from_memory(kept_timeline)
def open_timeline(db: Database, settings: Settings, *, code: str, device_key: str) -> Opened:
    """The timeline, if this device looked the dossier up; else the device's list for the lookup form."""
    mark = db.change_mark()  # taken first: a commit during the reads below leaves the copy stale, never wrong
    with db.read() as session:
        found = lookup.access_marks(session, code=code, device_key=device_key)
        if found is None:
            return Opened(code=normalise_code(code), view=None, mine=_mine(session, settings, device_key))
        today = timeline.today(settings.tz)
        # A dossier's timeline changes only with its events (which move `updated_at`) and the day (its due label).
        version = (found.dossier_id, found.updated_at.isoformat(), today.isoformat(), i18n.get_locale())
        view = _VIEWS.get(version)
        if view is None:
            dossier = lookup.get_by_id(session, found.dossier_id)
            view = _VIEWS.put(version, timeline.view(session, dossier, today=today))
    opened = Opened(code=found.code, view=view, following=found.following, version=version)
    if mark is not None:
        _OPENED.put(_opened_key(settings, code, device_key), (mark, opened))
    return opened


def _opened_key(settings: Settings, code: str, device_key: str) -> tuple[str, ...]:
    return (normalise_code(code), device_key, timeline.today(settings.tz).isoformat(), i18n.get_locale())


_VIEWS: Kept[timeline.View] = Kept(128)
_OPENED: Kept[tuple[int, Opened]] = Kept(1024)  # by code, device, day and language: (change mark, answer)


def follow(db: Database, *, code: str, device_key: str) -> str:
    """Follow a dossier this device may open; its code, or NotFound."""
    with db.write() as session:
        return lookup.set_following(session, code=code, device_key=device_key, following=True).code


def unfollow(db: Database, *, code: str, device_key: str) -> str:
    """Stop following a dossier this device may open; its code, or NotFound."""
    with db.write() as session:
        return lookup.set_following(session, code=code, device_key=device_key, following=False).code


def view_with_secret(db: Database, settings: Settings, *, code: str, secret: str, client: str) -> timeline.View:
    """The dossier and its timeline for code and secret (API); NotFound, Invalid or RateLimited otherwise."""
    with db.write() as session:
        dossier = _find(session, settings, code=code, secret=secret, client=client)
        view = timeline.view(session, dossier, today=timeline.today(settings.tz)) if dossier else None
    if view is None:
        raise lookup.not_found()
    return view


def follow_with_secret(
    db: Database, settings: Settings, *, code: str, secret: str, client: str, device_key: str, lang: str
) -> str:
    """Check code and secret, then let this device open and follow the dossier (API); its code."""
    return _grant(db, settings, code=code, secret=secret, client=client, device_key=device_key, lang=lang, follow=True)


def _grant(
    db: Database,
    settings: Settings,
    *,
    code: str,
    secret: str,
    client: str,
    device_key: str,
    lang: str,
    follow: bool = False,
) -> str:
    """The dossier's code once this device may open it (and follows it, if asked); NotFound after the commit."""
    with db.write() as session:
        dossier = _find(session, settings, code=code, secret=secret, client=client)
        if dossier is not None:
            lookup.grant(session, dossier, device_key, lang=lang, follow=follow)
        found = dossier.code if dossier else None
    if found is None:
        raise lookup.not_found()  # raised after the commit, so the failure counters stay
    return found


def _find(session: Session, settings: Settings, *, code: str, secret: str, client: str) -> Dossier | None:
    return lookup.find(session, code=code, secret=secret, client=client, limits=lookup.limits_for(settings))


def _mine(session: Session, settings: Settings, device_key: str) -> list[timeline.Summary]:
    today = timeline.today(settings.tz)
    return [timeline.summary(d, following, today) for d, following in lookup.mine(session, device_key=device_key)]

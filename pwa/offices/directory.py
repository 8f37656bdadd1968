"""What a visitor does with places: find them, open one, see the next payment day, follow a commune.

Each public function is one use case: it opens its own transaction and returns plain frozen data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from pwa import admin_units, devices, i18n, topics
from pwa.db import Database
from pwa.errors import NotFound
from pwa.i18n import gettext as _
from pwa.models import DeviceTopic, Notice, Office, PaymentDay, utcnow
from pwa.offices import hours, places, search, views
from pwa.settings import Settings
from pwa.util import Kept, answered_from_memory

ANNOUNCEMENT_DAYS = 30
MAX_ANNOUNCEMENTS = 5
MAX_RESULTS = 200


@dataclass(frozen=True)
class CommunePayment:
    """A commune and its next payment day and place (None and "" when nothing is planned)."""

    ward_code: int
    commune: str
    office_code: str = ""
    office_name: str = ""
    payment: views.Payment | None = None
    following: bool = False


@dataclass(frozen=True)
class Followed:
    """The commune this device now gets reminders for."""

    ward_code: int
    commune: str
    office_code: str


def _version(
    db: Database, q: str, ward_code: int | None, near: tuple[float, float] | None, now: datetime
) -> tuple[object, ...]:
    # A list changes with the minute (open or closed), the places' data and the language: kept per
    # minute, retired at once by any write of this process, at most a minute behind other processes'.
    minute = now.replace(second=0, microsecond=0)
    return (db.url, q.strip(), ward_code, near, i18n.get_locale(), minute.isoformat(), db.local_writes)


def _kept(version: tuple[object, ...]) -> views.Listing | None:
    """The listing kept for this search if it is of this version. One listing is kept per search (the
    version's first five parts), its latest: every write moves the version, and older ones are dead."""
    kept = _LISTINGS.get(version[:5])
    return kept if kept is not None and kept.version == version else None


def kept_listing(
    db: Database,
    settings: Settings,
    *,
    q: str = "",
    ward_code: int | None = None,
    near: tuple[float, float] | None = None,
    now: datetime | None = None,
) -> views.Listing | None:
    """`find`'s answer if this process keeps it (no database work), else None."""
    return _kept(_version(db, q, ward_code, near, now or utcnow()))


@answered_from_memory(kept_listing)
def find(
    db: Database,
    settings: Settings,
    *,
    q: str = "",
    ward_code: int | None = None,
    near: tuple[float, float] | None = None,
    now: datetime | None = None,
) -> views.Listing:
    """Places matching `q` (name, commune, address, old commune or district names; accents optional),
    in one commune if asked, nearest first if `near` is given, else by commune and name."""
    now = now or utcnow()
    version = _version(db, q, ward_code, near, now)
    kept = _kept(version)
    if kept is not None:
        return kept
    with db.read() as session:
        offices = _matching(session, q, ward_code, settings.province_code)
        coming = _next_payments(session, [int(o.id or 0) for o in offices], now, settings)
        found = [_place(o, now, settings, coming, near) for o in offices]
    if near is not None:
        found.sort(key=lambda p: (p.distance_km or 0.0, p.name))
    listing = views.Listing(tuple(found[:MAX_RESULTS]), q.strip(), ward_code, near, now, version)
    return _LISTINGS.put(version[:5], listing)


_LISTINGS: Kept[views.Listing] = Kept(128)  # by search: its latest listing


def _place(
    office: Office,
    now: datetime,
    settings: Settings,
    coming: dict[int, views.Payment],
    near: tuple[float, float] | None,
) -> views.Place:
    distance = search.distance_km(near[0], near[1], office.lat, office.lon) if near else None
    return views.place(office, now, settings.tz, next_payment=coming.get(int(office.id or 0)), distance=distance)


def _matching(session: Session, q: str, ward_code: int | None, province_code: int) -> list[Office]:
    query = select(Office).order_by(col(Office.ward_code), col(Office.name))
    if ward_code is not None:
        query = query.where(Office.ward_code == ward_code)
    offices = list(session.exec(query).all())
    needle = search.needle(q)
    if not needle:
        return sorted(offices, key=lambda o: (admin_units.fold(_commune_name(o)), admin_units.fold(o.name)))
    direct = [o for o in offices if needle in o.search_text]
    renamed = search.communes_by_old_name(q, province_code)
    via_old = [o for o in offices if o.ward_code in renamed and o not in direct]
    return direct + via_old


def _commune_name(office: Office) -> str:
    commune = admin_units.commune(office.ward_code)
    return commune.name if commune else ""


def _coming(session: Session, office_ids: Sequence[int], now: datetime, settings: Settings) -> list[PaymentDay]:
    if not office_ids:
        return []
    today = now.astimezone(settings.tz).date()
    query = (
        select(PaymentDay)
        .where(col(PaymentDay.office_id).in_(list(office_ids)), col(PaymentDay.day) >= today)
        .order_by(col(PaymentDay.day), col(PaymentDay.opens), col(PaymentDay.kind))
    )
    return [row for row in session.exec(query).all() if views.still_coming(row, now, settings.tz)]


def _next_payments(
    session: Session, office_ids: Sequence[int], now: datetime, settings: Settings
) -> dict[int, views.Payment]:
    found: dict[int, views.Payment] = {}
    for row in _coming(session, office_ids, now, settings):
        found.setdefault(row.office_id, views.payment(row))
    return found


def show(
    db: Database, settings: Settings, *, code: str, device_key: str | None = None, now: datetime | None = None
) -> views.Detail:
    """One place with its coming payment days and its commune's announcements; NotFound if unknown."""
    now = now or utcnow()
    with db.read() as session:
        office = _office(session, code)
        coming = [views.payment(r) for r in _coming(session, [int(office.id or 0)], now, settings)]
        place = views.place(office, now, settings.tz, next_payment=coming[0] if coming else None)
        notes = _announcements(session, office.ward_code, now)
        following = device_key is not None and _follows(session, device_key, topics.commune(office.ward_code))
    week = hours.week(place.opening_hours, now.astimezone(settings.tz).date(), settings.tz)
    return views.Detail(place, tuple(coming), notes, following, now, week)


def _office(session: Session, code: str) -> Office:
    office = session.exec(select(Office).where(Office.code == places.code_key(code))).first()
    if office is None:
        raise NotFound(_("Không có điểm bưu điện mã này."))
    return office


def _announcements(session: Session, ward_code: int, now: datetime) -> tuple[views.Announcement, ...]:
    wanted = topics.commune(ward_code)
    query = (
        select(Notice)
        .where(
            col(Notice.topics).contains(wanted),
            col(Notice.dispatched_at).is_not(None),
            col(Notice.send_at) >= now - timedelta(days=ANNOUNCEMENT_DAYS),
        )
        .order_by(col(Notice.send_at).desc())
        .limit(MAX_ANNOUNCEMENTS * 4)
    )
    exact = [n for n in session.exec(query).all() if wanted in n.topics.split(",")]  # not commune:12 for :1
    return tuple(views.announcement(n) for n in exact[:MAX_ANNOUNCEMENTS])


def _follows(session: Session, device_key: str, wanted: str) -> bool:
    row = session.exec(
        select(DeviceTopic.topic).where(DeviceTopic.device_key == device_key, DeviceTopic.topic == wanted)
    ).first()
    return row is not None


def next_payment_day(
    db: Database,
    settings: Settings,
    *,
    ward_code: int,
    device_key: str | None = None,
    now: datetime | None = None,
) -> CommunePayment | None:
    """The next payment day at any place of a commune (its `payment` None if none is planned) and whether
    this device gets the commune's reminders; None for an unknown commune."""
    now = now or utcnow()
    commune = admin_units.commune(ward_code)
    if commune is None:
        return None
    with db.read() as session:
        query = select(Office).where(Office.ward_code == ward_code).order_by(col(Office.kind), col(Office.code))
        offices = {int(o.id or 0): o for o in session.exec(query).all()}
        coming = _coming(session, list(offices), now, settings)
        following = device_key is not None and _follows(session, device_key, topics.commune(ward_code))
    if not coming:
        first = next(iter(offices.values()), None)  # the commune's place, to follow it from the home page
        return CommunePayment(ward_code, commune.name, first.code if first else "", "", None, following)
    office = offices[coming[0].office_id]
    return CommunePayment(ward_code, commune.name, office.code, office.name, views.payment(coming[0]), following)


def follow(db: Database, settings: Settings, *, code: str, device_key: str, lang: str) -> Followed:
    """Let this device get the reminders and announcements of the place's commune (one commune per
    device, as on the Notifications page: a new one replaces the old)."""
    with db.write() as session:
        office = _office(session, code)
        devices.ensure(session, device_key, lang=lang)
        others = col(DeviceTopic.topic).startswith(topics.COMMUNE)
        session.execute(delete(DeviceTopic).where(col(DeviceTopic.device_key) == device_key, others))
        session.add(DeviceTopic(device_key=device_key, topic=topics.commune(office.ward_code)))
        return Followed(office.ward_code, _commune_name(office), office.code)

"""Payment day reminders, produced from the schedule by the delivery worker.

Two moments per payment day: the evening before (`PWA_REMINDER_EVE_AT`) and the morning of the
day (`PWA_REMINDER_DAY_AT`), local time. Each reminder is one row of `reminder_sent`, unique per
place, kind, day and moment, inserted in the same transaction as the inbox entries and push
deliveries: several workers, a restart or a crash cannot send it twice (PostgreSQL makes a
second inserter wait for the first and then skip; SQLite's `BEGIN IMMEDIATE` serialises them).
A worker that was down at the due time sends it when it comes back, until the payment day has
ended, never after. Both moments share a notification tag, so the morning one replaces the eve's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, update
from sqlmodel import Session, col, select

from pwa import admin_units, i18n, notify, topics
from pwa.db import Database, dialect_insert
from pwa.i18n import gettext as _
from pwa.models import Office, PaymentDay, ReminderSent
from pwa.offices.labels import payment_label
from pwa.settings import Settings

log = logging.getLogger("pwa.offices")
MOMENTS = ("eve", "day")


@dataclass(frozen=True)
class Due:
    """One reminder whose time has come and which has not been sent."""

    office_id: int
    office_code: str
    office_name: str
    ward_code: int
    kind: str
    day: date
    opens: str
    closes: str
    moment: str


def _clock(value: str, default: str) -> time:
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        log.warning("bad reminder time %r: using %s", value, default)
        return time.fromisoformat(default)


def due_at(settings: Settings, day: date, moment: str) -> datetime:
    """When the `moment` reminder of a payment day on `day` is due (aware, local)."""
    if moment == "eve":
        return datetime.combine(day - timedelta(days=1), _clock(settings.reminder_eve_at, "18:00"), settings.tz)
    return datetime.combine(day, _clock(settings.reminder_day_at, "06:30"), settings.tz)


def pending(session: Session, settings: Settings, now: datetime) -> list[Due]:
    """Reminders due at `now`, not yet sent, whose payment day has not ended.

    One statement (payment days, their places and the reminders already sent): the worker asks
    every poll, and a read that locked its tables one statement at a time could deadlock with a
    TRUNCATE or other DDL taking them in another order."""
    today = now.astimezone(settings.tz).date()
    sent_for_day = (
        (col(ReminderSent.office_id) == col(PaymentDay.office_id))
        & (col(ReminderSent.kind) == col(PaymentDay.kind))
        & (col(ReminderSent.day) == col(PaymentDay.day))
    )
    query = (
        select(PaymentDay, Office, ReminderSent.moment)
        .join(Office, col(Office.id) == col(PaymentDay.office_id))
        .join(ReminderSent, sent_for_day, isouter=True)
        .where(col(PaymentDay.day) >= today, col(PaymentDay.day) <= today + timedelta(days=1))
    )
    days: dict[int, tuple[PaymentDay, Office]] = {}
    sent: set[tuple[int, str]] = set()
    for row, office, moment in session.exec(query).all():
        days[int(row.id or 0)] = (row, office)
        if moment is not None:
            sent.add((int(row.id or 0), moment))
    found = _candidates(list(days.values()), settings, now)
    return [due for day_id, due in found if (day_id, due.moment) not in sent]


def _candidates(
    rows: Sequence[tuple[PaymentDay, Office]], settings: Settings, now: datetime
) -> Iterator[tuple[int, Due]]:
    for row, office in rows:
        ends = datetime.combine(row.day, time.fromisoformat(row.closes), settings.tz)
        for moment in MOMENTS:
            if due_at(settings, row.day, moment) <= now < ends:
                yield int(row.id or 0), Due(
                    int(office.id or 0), office.code, office.name, office.ward_code, row.kind, row.day,
                    row.opens, row.closes, moment,
                )  # fmt: skip


def claim(session: Session, due: Due, now: datetime) -> bool:
    """Insert the reminder's unique row; False if it already exists (another worker sent it)."""
    values = {"office_id": due.office_id, "kind": due.kind, "day": due.day, "moment": due.moment}
    values |= {"recipients": 0, "sent_at": now}
    stmt = dialect_insert(session)(ReminderSent).values(**values)
    stmt = stmt.on_conflict_do_nothing(index_elements=["office_id", "kind", "day", "moment"])
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def message(due: Due, tz: ZoneInfo) -> notify.Message:
    """The reminder, written in each reader's language when the inbox entry is made."""

    def text() -> tuple[str, str]:
        what = payment_label(due.kind)
        if due.moment == "eve":
            title = _("Ngày mai chi trả: %(what)s") % {"what": what}
        else:
            title = _("Hôm nay chi trả: %(what)s") % {"what": what}
        commune = admin_units.commune(due.ward_code)
        body = _("%(place)s (%(commune)s), %(opens)s–%(closes)s, %(day)s.") % {
            "place": due.office_name,
            "commune": commune.name if commune else "",
            "opens": due.opens,
            "closes": due.closes,
            "day": i18n.weekday_date(due.day),
        }
        return title, body

    tag = f"payday-{due.office_code}-{due.kind}-{due.day.isoformat()}"
    return notify.Message(
        topic=topics.commune(due.ward_code),
        kind="payment_reminder",
        tag=tag,
        url=f"/offices/{due.office_code}",
        text=text,
    )


def due_reminders(db: Database, settings: Settings, now: datetime) -> int:
    """Send every reminder due at `now` that was not sent yet: the worker calls this once per poll.

    A cheap read first: the write lock is taken only when a reminder is due. Returns how many
    reminders (not devices) went out.
    """
    with db.read() as session:
        waiting = pending(session, settings, now)
    if not waiting:
        return 0
    sent = 0
    with db.write() as session:
        for due in waiting:
            if not claim(session, due, now):
                continue
            entries = notify.broadcast(session, message(due, settings.tz))
            session.execute(update(ReminderSent).where(*_where(due)).values(recipients=len(entries)))
            sent += 1
            log.info("reminder %s %s %s %s: %d devices", due.office_code, due.kind, due.day, due.moment, len(entries))
    return sent


def _where(due: Due) -> list[ColumnElement[bool]]:
    return [
        col(ReminderSent.office_id) == due.office_id,
        col(ReminderSent.kind) == due.kind,
        col(ReminderSent.day) == due.day,
        col(ReminderSent.moment) == due.moment,
    ]

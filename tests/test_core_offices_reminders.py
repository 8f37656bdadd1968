"""Payment day reminders end to end: schedule → worker → a checking, decrypting fake push service."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, time, timedelta

import pytest
from sqlmodel import select

from pwa.db import Database
from pwa.models import InboxMessage, ReminderSent, utcnow
from pwa.offices.reminders import due_reminders
from pwa.push.worker import Worker
from pwa.settings import Settings
from tests.asyncutil import in_thread
from tests.factories import local_today, make_device, subscribe
from tests.fakepush import FakePushService
from tests.offices_data import CHO_DON, CHO_MOI, load_days, load_offices

COMMUNE_A, COMMUNE_B = "commune:2086", "commune:2020"  # Chợ Mới, Chợ Đồn


@pytest.fixture()
def db(isolated_db: Database) -> Database:
    """Its own database: the live server's push worker (browser tests) must not send these."""
    return isolated_db


def drain(db: Database, settings: Settings) -> int:
    return in_thread(Worker(db, settings).drain())


def test_an_eve_reminder_reaches_the_communes_follower_once(
    db: Database, settings: Settings, push: FakePushService
) -> None:
    settings = settings.with_overrides(reminder_eve_at="00:00")
    load_offices(db, settings, CHO_MOI, CHO_DON)
    tomorrow = local_today() + timedelta(days=1)
    load_days(db, settings, ("BDVHX-CHOMOI", "pension", tomorrow, "07:00", "11:00"))
    son, neighbour = make_device(db, "son", topics=(COMMUNE_A,)), make_device(db, "other", topics=(COMMUNE_B,))
    subs = {son: push.subscribe(), neighbour: push.subscribe()}
    for key, sub in subs.items():
        subscribe(db, key, sub.as_json())

    assert due_reminders(db, settings, utcnow()) == 1
    drain(db, settings)
    (got,) = push.received_by(subs[son])
    note = got.payload["notification"]
    assert note["title"] == "Ngày mai chi trả: Lương hưu, trợ cấp BHXH"
    assert "Bưu điện văn hóa xã Chợ Mới" in note["body"] and "07:00–11:00" in note["body"]
    assert note["navigate"].endswith("/offices/BDVHX-CHOMOI")
    assert push.received_by(subs[neighbour]) == []

    # A restart (a new worker, the schedule read again) sends nothing more.
    assert due_reminders(db, settings, utcnow()) == 0
    drain(db, settings)
    assert len(push.received) == 1


def test_the_reminder_is_written_in_the_devices_language(db: Database, settings: Settings) -> None:
    settings = settings.with_overrides(reminder_eve_at="00:00")
    load_offices(db, settings, CHO_MOI)
    load_days(db, settings, ("BDVHX-CHOMOI", "social", local_today() + timedelta(days=1), "07:30", "11:00"))
    make_device(db, "english", lang="en", topics=(COMMUNE_A,))
    due_reminders(db, settings, utcnow())
    with db.read() as session:
        (entry,) = session.exec(select(InboxMessage)).all()
    assert entry.title == "Payment tomorrow: Social protection allowances"


def test_a_reminder_missed_while_down_is_sent_late_but_never_after_the_day(db: Database, settings: Settings) -> None:
    load_offices(db, settings, CHO_MOI)
    day = local_today() + timedelta(days=1)
    load_days(db, settings, ("BDVHX-CHOMOI", "merit", day, "13:30", "16:30"))
    make_device(db, "mother", topics=(COMMUNE_A,))
    tz = settings.tz
    after_closing = datetime.combine(day, time(16, 30), tz)
    assert due_reminders(db, settings, after_closing) == 0  # the day has ended: too late for both
    late_morning = datetime.combine(day, time(9, 0), tz)  # down at 18:00 and at 06:30, back at 9:00
    assert due_reminders(db, settings, late_morning) == 2
    assert due_reminders(db, settings, late_morning + timedelta(minutes=1)) == 0
    with db.read() as session:
        moments = sorted((r.moment, r.recipients) for r in session.exec(select(ReminderSent)).all())
    assert moments == [("day", 1), ("eve", 1)]


def test_nothing_is_due_before_the_evening(db: Database, settings: Settings) -> None:
    load_offices(db, settings, CHO_MOI)
    day = local_today() + timedelta(days=1)
    load_days(db, settings, ("BDVHX-CHOMOI", "pension", day, "07:00", "11:00"))
    afternoon = datetime.combine(day - timedelta(days=1), time(17, 59), settings.tz)
    assert due_reminders(db, settings, afternoon) == 0
    assert due_reminders(db, settings, afternoon + timedelta(minutes=1)) == 1


def run_worker_once(settings: Settings) -> None:
    """`pwa worker --once` as its own process, with the eve reminder due at midnight."""
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "PWA_INSTANCE_DIR": str(settings.instance_dir),
        "PWA_REMINDER_EVE_AT": "00:00",
    }
    done = subprocess.run([sys.executable, "-m", "pwa.cli", "worker", "--once"], env=env, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


def test_the_worker_process_sends_each_reminder_once_across_restarts(
    db: Database, settings: Settings, push: FakePushService
) -> None:
    load_offices(db, settings, CHO_MOI, CHO_DON)
    load_days(db, settings, ("BDVHX-CHOMOI", "pension", local_today() + timedelta(days=1), "07:00", "11:00"))
    follower, other = make_device(db, "a", topics=(COMMUNE_A,)), make_device(db, "b", topics=(COMMUNE_B,))
    subs = {follower: push.subscribe(), other: push.subscribe()}
    for key, sub in subs.items():
        subscribe(db, key, sub.as_json())
    run_worker_once(settings)
    run_worker_once(settings)  # restarted: the reminder_sent row says it is done
    assert len(push.received_by(subs[follower])) == 1
    assert push.received_by(subs[other]) == []

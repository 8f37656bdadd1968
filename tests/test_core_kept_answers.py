"""Answers a use case keeps in memory are given without the database, and never once a write may have changed them."""

from __future__ import annotations

import dataclasses
import sqlite3

import pytest
from sqlalchemy import text

from pwa.db import Database
from pwa.dossiers import citizens, lookup
from pwa.errors import Invalid
from pwa.offices import directory
from pwa.pickups import availability
from pwa.settings import Settings
from pwa.util import from_memory
from tests.factories import make_dossier, open_day


@pytest.fixture()
def kept(settings: Settings) -> Settings:
    availability.forget()  # the database was emptied behind this process's back between tests
    return dataclasses.replace(settings, availability_seconds=60)


def a_write(db: Database) -> None:
    with db.write():
        pass


def test_a_places_list_is_given_from_memory_once_made_until_this_process_writes(db: Database, kept: Settings) -> None:
    assert from_memory(directory.find, db, kept, q="chợ") is None  # never made: the database is asked
    made = directory.find(db, kept, q="chợ")
    assert from_memory(directory.find, db, kept, q="chợ") is made
    assert from_memory(directory.find, db, kept, q="other") is None
    a_write(db)
    assert from_memory(directory.find, db, kept, q="chợ") is None


def test_open_shifts_are_given_from_memory_while_the_copy_is_current(db: Database, kept: Settings) -> None:
    day = open_day(kept).isoformat()
    assert from_memory(availability.open_on, db, kept, day=day) is None
    made = availability.open_on(db, kept, day=day)
    assert made and from_memory(availability.open_on, db, kept, day=day) == made
    with pytest.raises(Invalid):  # bad input is refused the same way, without the database
        from_memory(availability.open_on, db, kept, day="27/11/2026")
    a_write(db)
    assert from_memory(availability.open_on, db, kept, day=day) is None


def test_nothing_is_kept_when_keeping_is_turned_off(db: Database, settings: Settings) -> None:
    off = dataclasses.replace(settings, availability_seconds=0)
    day = open_day(off).isoformat()
    availability.open_on(db, off, day=day)
    assert from_memory(availability.open_on, db, off, day=day) is None


def test_a_timeline_is_given_from_memory_until_anything_is_committed(db: Database, settings: Settings) -> None:
    dossier = make_dossier(db)
    with db.write() as session:
        lookup.grant(session, lookup.get_by_id(session, int(dossier.id or 0)), "phone-1", lang="vi")
    args = {"code": dossier.code.lower(), "device_key": "phone-1"}
    opened = citizens.open_timeline(db, settings, **args)
    assert opened.view is not None and not opened.following
    if db.change_mark() is None:  # PostgreSQL: no cheap sign of a change, so nothing is kept
        assert citizens.kept_timeline(db, settings, **args) is None
        return
    assert citizens.kept_timeline(db, settings, **args) is opened
    assert citizens.kept_timeline(db, settings, code=dossier.code, device_key="phone-2") is None
    citizens.follow(db, code=dossier.code, device_key="phone-1")  # any commit, by any process
    assert citizens.kept_timeline(db, settings, **args) is None
    assert citizens.open_timeline(db, settings, **args).following


def test_a_device_that_never_looked_the_dossier_up_is_never_answered_from_memory(
    db: Database, settings: Settings
) -> None:
    dossier = make_dossier(db)
    assert citizens.open_timeline(db, settings, code=dossier.code, device_key="stranger").view is None
    assert citizens.kept_timeline(db, settings, code=dossier.code, device_key="stranger") is None


def test_the_change_mark_moves_with_a_commit_from_another_connection_not_with_reads(db: Database) -> None:
    make_dossier(db)
    mark = db.change_mark()
    if mark is None:
        pytest.skip("PostgreSQL has no change mark")
    with db.read() as session:
        session.execute(text("SELECT count(*) FROM dossier")).all()
    assert db.change_mark() == mark
    other = sqlite3.connect(str(db.engine.url.database), isolation_level=None)  # as another process would
    other.execute("UPDATE dossier SET procedure = procedure || '.'")
    other.close()
    assert db.change_mark() != mark

"""Answers a use case keeps in memory are given without the database, and never once a write may have changed them."""

from __future__ import annotations

import dataclasses

import pytest

from pwa.db import Database
from pwa.errors import Invalid
from pwa.offices import directory
from pwa.pickups import availability
from pwa.settings import Settings
from pwa.util import from_memory
from tests.factories import open_day


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

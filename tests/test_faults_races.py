"""Changes racing for the last places: bookings, cancellations and moves all at once, on either database.

Each test has a database of its own. Every racer runs the customer's own use case in its own
thread and write transaction; a refusal (the shift is full) is an answer, anything else a failure.
Afterwards every shift's count of taken places is its number of live bookings and never more
than its capacity, and every place freed can be booked again, exactly up to the capacity.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from pwa.db import Database
from pwa.pickups import customer, slots
from pwa.settings import Settings
from tests.conftest import migrated_database
from tests.factories import later_open_day, make_pickup, open_day, set_capacity
from tests.faults import assert_places_add_up, assert_serials_add_up, live_by_slot


@pytest.fixture()
def patient_db(tmp_path: Path) -> Iterator[Database]:
    """A database of its own whose waits outlast any queue of racers (the app's bound, a few seconds
    and then "try again", is what the outage tests check; here every racer must get its answer)."""
    with migrated_database(tmp_path) as url:
        database = Database(url, wait=60)
        yield database
        database.dispose()


@pytest.fixture()
def own(patient_db: Database, settings: Settings) -> Settings:
    """Settings on the test's own database."""
    return settings.with_overrides(database_url=patient_db.url)


def race(actions: list[Callable[[], bool]]) -> list[str]:
    """Run every action at once, each on its own thread: 'ok' (True), 'refused' (False) or the error."""
    outcomes: list[str] = [""] * len(actions)
    start = threading.Barrier(len(actions))

    def run(i: int) -> None:
        start.wait()
        try:
            outcomes[i] = "ok" if actions[i]() else "refused"
        except Exception as exc:  # a deadlock or a lost race that is not a refusal
            outcomes[i] = f"{type(exc).__name__}: {exc}"[:300]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def fill_up(db: Database, settings: Settings, day: date, shift: str) -> int:
    """Book until the shift is full; how many fitted."""
    made = 0
    while True:
        try:
            make_pickup(db, settings, date=day.isoformat(), shift=shift)
        except slots.SlotFull:
            return made
        made += 1


def booker(db: Database, settings: Settings, day: date, shift: str) -> Callable[[], bool]:
    def book() -> bool:
        try:
            make_pickup(db, settings, date=day.isoformat(), shift=shift)
        except slots.SlotFull:
            return False
        return True

    return book


def mover(db: Database, settings: Settings, code: str, device: str, to: str) -> Callable[[], bool]:
    """The customer's move (`to` empty: the nearest shift with room); False if refused."""
    return lambda: customer.move(db, settings, code=code, device=device, slot=to, actor="customer") is None


def canceller(db: Database, settings: Settings, code: str, device: str) -> Callable[[], bool]:
    return lambda: customer.cancel(db, settings, code=code, device=device, actor="customer") is None


def test_moves_round_a_cycle_with_bookings_and_cancellations_keep_every_count(
    patient_db: Database, own: Settings
) -> None:
    """Three nearly full shifts; bookings move from each to the next (a cycle: on PostgreSQL each move
    locks two shifts, and moves in opposite directions used to deadlock), others to the nearest shift
    with room, while new bookings race for the last places and cancellations free some."""
    db, capacity, held = patient_db, 12, 9  # of the held: 6 move on, 1 to the nearest room, 2 cancel
    first = open_day(own)
    shifts = [(first, "morning"), (first, "afternoon"), (later_open_day(own, first), "morning")]
    bookings: dict[tuple[date, str], list[tuple[str, str]]] = {}
    for n, (day, shift) in enumerate(shifts):
        set_capacity(db, own, day, shift, capacity)
        devices = [f"device-{n}-{i}" for i in range(held)]
        bookings[(day, shift)] = [
            (make_pickup(db, own, device_key=d, date=day.isoformat(), shift=shift), d) for d in devices
        ]
    actions: list[Callable[[], bool]] = []
    kinds: list[str] = []
    for n, here in enumerate(shifts):
        there = shifts[(n + 1) % len(shifts)]
        onward, (nearest, *cancelled) = bookings[here][:6], bookings[here][6:]
        actions += [mover(db, own, code, device, f"{there[0].isoformat()}/{there[1]}") for code, device in onward]
        actions += [mover(db, own, *nearest, ""), *(canceller(db, own, *c) for c in cancelled)]
        actions += [booker(db, own, *here) for _ in range(3)]
        kinds += ["move"] * 7 + ["cancel"] * 2 + ["book"] * 3
    outcomes = race(actions)
    assert set(outcomes) <= {"ok", "refused"}, [o for o in outcomes if o not in ("ok", "refused")]
    assert all(o == "ok" for o, k in zip(outcomes, kinds, strict=True) if k == "cancel")
    assert_places_add_up(db)
    booked = sum(o == "ok" for o, k in zip(outcomes, kinds, strict=True) if k == "book")
    counts = live_by_slot(db)
    assert sum(live for _taken, live, _cap in counts.values()) == len(shifts) * (held - 2) + booked
    for day, shift in shifts:  # every place freed is there to be booked again, and no more
        taken, _live, _cap = counts[(day, shift)]
        assert fill_up(db, own, day, shift) == capacity - taken
        assert live_by_slot(db)[(day, shift)] == (capacity, capacity, capacity)
    assert_places_add_up(db)
    assert_serials_add_up(db)


def test_the_last_places_freed_by_a_cancellation_and_a_move_go_to_two_bookings_at_most(
    patient_db: Database, own: Settings
) -> None:
    """A full shift: one cancellation and one move out race with eight customers wanting in."""
    db, day = patient_db, open_day(own)
    set_capacity(db, own, day, "morning", 3)
    mine = [(make_pickup(db, own, device_key=f"d{i}", date=day.isoformat()), f"d{i}") for i in range(3)]
    (going, by), (moving, mover_device), _staying = mine
    away = f"{day.isoformat()}/afternoon"
    actions = [canceller(db, own, going, by), mover(db, own, moving, mover_device, away)]
    actions += [booker(db, own, day, "morning") for _ in range(8)]
    outcomes = race(actions)
    assert outcomes[:2] == ["ok", "ok"] and set(outcomes[2:]) <= {"ok", "refused"}, outcomes
    assert_places_add_up(db)
    taken = live_by_slot(db)[(day, "morning")][0]
    assert taken == 1 + outcomes[2:].count("ok") <= 3
    assert fill_up(db, own, day, "morning") == 3 - taken

"""Pickups people can trust: the transition table, handover codes, honest failures, reschedules, objections."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from pwa import audit, notify
from pwa.db import Database
from pwa.errors import Conflict, Invalid, Locked
from pwa.models import Pickup, PickupEvent, utcnow
from pwa.pickups import actions, changes, handover, lookup, objections, slots, staff, transitions, views
from pwa.settings import Settings
from tests.factories import later_open_day, make_pickup, make_staff, open_day, set_capacity


class _Undo(Exception):
    """Raised to roll a successful change back, so one booking serves every try."""


def _put(db: Database, code: str, **values: Any) -> None:
    with db.write() as session:
        pickup = lookup.get(session, code)
        assert pickup is not None
        for name, value in values.items():
            setattr(pickup, name, value)
        session.add(pickup)


def _view(db: Database, settings: Settings, code: str) -> views.Booking:
    with db.read() as session:
        pickup = lookup.get(session, code)
        assert pickup is not None
        return views.view(session, pickup, settings)


def _attempt(session: Session, settings: Settings, code: str, target: str, role: str) -> None:
    pickup = lookup.get(session, code, lock=True)
    assert pickup is not None
    now = utcnow()
    if target == "assigned":
        staff.change(session, settings, code=code, action="assign", data={"courier": "anh.tu"}, actor="t", role=role)
    elif target == "collected":
        handover.collect(session, settings, pickup, parcels=1, handover_code=None, at=None, actor="t", role=role,
                         now=now)  # fmt: skip
    elif target == "failed":
        handover.fail(session, settings, pickup, data={"reason": "not_home"}, at=None, actor="t", role=role, now=now)
    elif target == "cancelled":
        changes.cancel(session, settings, pickup, actor="t", role=role, now=now)
    else:
        changes.reschedule(session, settings, pickup, to=None, actor="t", role=role, now=now)


def test_every_status_change_follows_the_one_table(db: Database, settings: Settings) -> None:
    make_staff(db, "anh.tu", role="courier")
    codes = {status: make_pickup(db, settings, parcels=1) for status in transitions.STATUSES}
    for status, code in codes.items():
        _put(db, code, status=status, cancelled_by="customer" if status == "cancelled" else "")
    seen: dict[tuple[str, str, str], bool] = {}
    for before, code in codes.items():
        for after in transitions.STATUSES:
            for role in transitions.ROLES:
                try:
                    with db.write() as session:
                        _attempt(session, settings, code, after, role)
                        raise _Undo
                except _Undo:
                    seen[(before, after, role)] = True
                except Conflict:
                    seen[(before, after, role)] = False
                assert seen[(before, after, role)] is transitions.allowed(before, after, role), (before, after, role)
    assert len(seen) == 5 * 5 * 4
    # What the issue promises, read off the table: nothing leaves collected or cancelled but by an admin.
    for ended in ("collected", "cancelled"):
        assert not any(seen[(ended, to, r)] for to in transitions.STATUSES for r in ("customer", "courier", "staff")
                       if (ended, to) != ("cancelled", "booked") or r != "staff")  # fmt: skip
    assert seen[("booked", "collected", "courier")] and not seen[("booked", "assigned", "courier")]


def test_a_post_office_cancellation_may_be_rescheduled_by_its_customer(db: Database, settings: Settings) -> None:
    code, mine = make_pickup(db, settings, device_key="d" * 64), make_pickup(db, settings, device_key="e" * 64)
    with db.write() as session:
        staff.change(session, settings, code=code, action="cancel", data={}, actor="staff:lan")
        changes.cancel(session, settings, lookup.for_change(session, mine, "e" * 64), actor="customer")
    with db.write() as session:
        changes.reschedule(session, settings, lookup.for_change(session, code, "d" * 64), to=None, actor="customer",
                           role="customer")  # fmt: skip
    with db.write() as session, pytest.raises(Conflict):
        changes.reschedule(session, settings, lookup.for_change(session, mine, "e" * 64), to=None, actor="customer",
                           role="customer")  # fmt: skip
    again = _view(db, settings, code)
    assert again.status == "booked" and again.timeline[-1].status == "rescheduled"


def _collect(db: Database, settings: Settings, code: str, typed: str | None, *, role: str = "courier",
             key: str | None = None) -> views.Booking:  # fmt: skip
    data = {"parcels": 2, **({"handover_code": typed} if typed is not None else {})}
    return handover.record(db, settings, code=code, action="collect", data=data, key=key, actor="staff:tu", role=role)


def test_five_wrong_codes_lock_the_code_route_until_staff_record_it(db: Database, settings: Settings) -> None:
    code = make_pickup(db, settings)
    right = _view(db, settings, code).handover_code
    wrong = f"{(int(right) + 1) % 10_000:04d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(Invalid) as refused:
            _collect(db, settings, code, wrong)
        assert f"Còn {left} lần thử" in refused.value.fields["handover_code"]
    with pytest.raises(Locked):
        _collect(db, settings, code, wrong)  # the fifth
    with pytest.raises(Locked):
        _collect(db, settings, code, right)  # even the right one now
    with pytest.raises(Locked):
        _collect(db, settings, code, None)  # and a courier cannot go around it
    assert _view(db, settings, code).status == "booked" and _view(db, settings, code).handover_tries == 5
    made = _collect(db, settings, code, None, role="staff")
    assert made.status == "collected" and made.handover_verified is False


def test_the_right_code_verifies_and_no_code_is_flagged(db: Database, settings: Settings) -> None:
    first, second = make_pickup(db, settings), make_pickup(db, settings)
    made = _collect(db, settings, first, _view(db, settings, first).handover_code)
    assert made.handover_verified is True and made.api()["handover_verified"] is True
    assert "handover_code" not in made.api() and made.api(customer=True)["handover_code"] == made.handover_code
    flagged = _collect(db, settings, second, "")
    assert (
        flagged.status == "collected" and flagged.handover_verified is False and flagged.objectable
    )  # the customer may object


def test_a_replayed_courier_action_applies_once(db: Database, settings: Settings) -> None:
    code = make_pickup(db, settings, device_key="d" * 64)
    right = _view(db, settings, code).handover_code
    for _ in range(3):
        made = _collect(db, settings, code, right, key="phone-action-1")
    assert made.status == "collected"
    assert [e.status for e in made.timeline].count("collected") == 1
    with db.read() as session:
        assert len(notify.inbox(session, "d" * 64)) == 1
    with pytest.raises(Invalid) as reused:
        handover.record(db, settings, code=code, action="fail", data={"reason": "not_home"}, key="phone-action-1",
                        actor="staff:tu", role="courier")  # fmt: skip
    assert "idempotency_key" in reused.value.fields


def test_failures_need_a_reason_from_the_list_and_its_details(db: Database, settings: Settings) -> None:
    code = make_pickup(db, settings, device_key="d" * 64)

    def fail(**data: Any) -> views.Booking:
        return handover.record(db, settings, code=code, action="fail", data=data, key=None, actor="staff:tu",
                               role="courier")  # fmt: skip

    refusals = [
        ({"reason": "lazy"}, "reason"),
        ({"reason": "no_answer"}, "called_at"),
        ({"reason": "other"}, "note"),
        ({"reason": "no_answer", "called_at": "25:99"}, "called_at"),
    ]
    for data, field in refusals:
        with pytest.raises(Invalid) as refused:
            fail(**data)
        assert field in refused.value.fields
    made = fail(reason="no_answer", called_at="09:40")
    assert made.status == "failed" and made.failure_reason == "no_answer" and made.called_at is not None
    with db.read() as session:
        (message,) = notify.inbox(session, "d" * 64)
    assert message.kind == "pickup_failed" and "Khách không nghe máy" in message.body and "09:40" in message.body


def test_an_action_recorded_offline_is_audited_as_such(db: Database, settings: Settings) -> None:
    code = make_pickup(db, settings)
    at = (utcnow() - timedelta(hours=2)).astimezone(settings.tz).isoformat()
    handover.record(db, settings, code=code, action="fail", data={"reason": "not_home", "at": at}, key="k1",
                    actor="staff:tu", role="courier")  # fmt: skip
    with db.read() as session:
        (entry,) = audit.recent(session, subject=f"pickup:{code}")
        event = session.exec(select(PickupEvent).where(PickupEvent.status == "failed")).one()
    assert entry.actor == "staff:tu" and "recorded offline at" in entry.detail
    assert abs((event.at - (utcnow() - timedelta(hours=2))).total_seconds()) < 60  # the timeline says when


def test_reschedule_keeps_the_booking_and_moves_its_place(db: Database, settings: Settings) -> None:
    day = open_day(settings)
    set_capacity(db, settings, day, "morning", 1)
    code = make_pickup(db, settings, device_key="d" * 64, date=day.isoformat())
    before = _view(db, settings, code)
    handover.record(db, settings, code=code, action="fail", data={"reason": "postponed"}, key=None, actor="t",
                    role="courier")  # fmt: skip
    with db.write() as session:
        changes.reschedule(session, settings, lookup.for_change(session, code, "d" * 64), to=(day, "afternoon"),
                           actor="customer", role="customer")  # fmt: skip
    after = _view(db, settings, code)
    assert (after.code, after.tracking_numbers, after.handover_code) == (code, before.tracking_numbers,
                                                                         before.handover_code)  # fmt: skip
    assert (after.day, after.shift, after.status, after.failure_reason) == (day, "afternoon", "booked", "")
    with db.read() as session:
        room = {s.shift: s.remaining for s in slots.of_day(session, settings, day)}
    assert room["morning"] == 1  # the old place is free again


@pytest.mark.parametrize("racers", [8])
def test_reschedules_racing_for_the_last_place_never_overbook(db: Database, settings: Settings, racers: int) -> None:
    day = open_day(settings)
    target = later_open_day(settings, than=day)
    set_capacity(db, settings, target, "morning", 1)
    codes = [make_pickup(db, settings, date=day.isoformat()) for _ in range(racers)]
    booker = [make_pickup(db, settings, date=day.isoformat(), shift="afternoon")]  # a new booking races too
    for code in codes:
        _put(db, code, status="failed", failure_reason="not_home")
    outcomes: list[str] = []
    lock, start = threading.Lock(), threading.Barrier(racers + 1)

    def run(action: Callable[[], None]) -> None:
        start.wait()
        try:
            action()
            result = "ok"
        except Conflict:
            result = "full"
        with lock:
            outcomes.append(result)

    def move(code: str) -> Callable[[], None]:
        def go() -> None:
            with db.write() as session:
                pickup = lookup.get(session, code, lock=True)
                assert pickup is not None
                changes.reschedule(session, settings, pickup, to=(target, "morning"), actor="t", role="staff")

        return go

    def book() -> None:
        booker.append(make_pickup(db, settings, date=target.isoformat(), shift="morning"))

    threads = [threading.Thread(target=run, args=(move(c),)) for c in codes]
    threads.append(threading.Thread(target=run, args=(book,)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["full"] * racers + ["ok"]
    with db.read() as session:
        taken = session.exec(select(Pickup).where(Pickup.day == target, col(Pickup.status) != "cancelled")).all()
        (slot,) = [s for s in slots.of_day(session, settings, target) if s.shift == "morning"]
    assert len(taken) == 1 and slot.remaining == 0


def test_objections_wait_for_staff_and_the_answer_reaches_the_customer(db: Database, settings: Settings) -> None:
    code = make_pickup(db, settings, device_key="d" * 64)
    with pytest.raises(Conflict):  # nothing to object to yet
        objections.object_by_phone(db, settings, code=code, phone="0912345678", client="c", data={"kind": "was_home"},
                                   key=None, actor="customer:api")  # fmt: skip
    handover.record(db, settings, code=code, action="fail", data={"reason": "not_home"}, key=None, actor="t",
                    role="courier")  # fmt: skip
    with pytest.raises(Invalid):
        objections.object_by_phone(db, settings, code=code, phone="0912345678", client="c",
                                   data={"kind": "not_handed_over"}, key=None, actor="customer:api")  # fmt: skip
    made = objections.object_by_phone(db, settings, code=code, phone="0912345678", client="c",
                                      data={"kind": "was_home", "text": "Tôi ở nhà cả buổi"}, key="o1",
                                      actor="customer:api")  # fmt: skip
    assert made.open_objection is not None and not made.objectable
    with pytest.raises(Conflict):
        objections.object_by_phone(db, settings, code=code, phone="0912345678", client="c",
                                   data={"kind": "no_call"}, key=None, actor="customer:api")  # fmt: skip
    (waiting,) = objections.waiting(db, settings)
    with pytest.raises(Invalid):
        objections.close(db, settings, code=code, objection_id=waiting.objection.id, note=" ", actor="staff:lan")
    objections.close(db, settings, code=code, objection_id=waiting.objection.id, note="Đã gọi bưu tá; xin lỗi bạn.",
                     actor="staff:lan")  # fmt: skip
    done = _view(db, settings, code)
    assert objections.waiting(db, settings) == [] and done.objections[0].outcome.startswith("Đã gọi")
    assert [e.status for e in done.timeline][-2:] == ["objection", "objection_done"]
    with db.read() as session:
        assert notify.inbox(session, "d" * 64)[0].title == "Bưu điện đã trả lời phản ánh"


def test_a_failure_push_carries_reschedule_and_objection_buttons_in_the_readers_language() -> None:
    import json

    from pwa.push import outbox

    actions = outbox.buttons("pickup_failed", "/pickups/ABCD", "en")
    text = outbox.payload(title="t", body="b", url="/pickups/ABCD", tag="x", lang="en", actions=actions)
    sent = json.loads(outbox.absolute(text, "https://bk.example"))["notification"]
    assert [(a["action"], a["title"], a["navigate"]) for a in sent["actions"]] == [
        ("reschedule", "Reschedule", "https://bk.example/pickups/ABCD#failed"),
        ("object", "That's not what happened", "https://bk.example/pickups/ABCD#object"),
    ]
    assert outbox.buttons("pickup_status", "/pickups/ABCD", "vi") is None


def test_only_the_customers_qr_carries_the_handover_code_and_only_while_it_waits(
    db: Database, settings: Settings
) -> None:
    from pwa.pickups import customer

    code = make_pickup(db, settings, device_key="d" * 64)
    mine = customer.show(db, settings, code=code, device="d" * 64)
    assert mine.qr_path == f"/pickups/{code}#h={mine.booking.handover_code}"
    assert customer.show(db, settings, code=code, device="e" * 64).qr_path == f"/pickups/{code}"
    handover.record(db, settings, code=code, action="collect", data={"parcels": 2}, key=None, actor="t",
                    role="courier")  # fmt: skip
    assert customer.show(db, settings, code=code, device="d" * 64).qr_path == f"/pickups/{code}"


def test_a_time_of_day_is_the_latest_one_not_ahead_of_now(settings: Settings) -> None:
    tz = settings.tz
    just_after_midnight = datetime(2026, 12, 4, 0, 15, tzinfo=tz).astimezone(UTC)
    late = actions.moment("23:50", settings, "called_at", just_after_midnight)
    assert late == datetime(2026, 12, 3, 23, 50, tzinfo=tz)  # last night, not tonight
    morning = datetime(2026, 12, 4, 10, 0, tzinfo=tz).astimezone(UTC)
    assert actions.moment("09:40", settings, "called_at", morning) == datetime(2026, 12, 4, 9, 40, tzinfo=tz)
    skewed = actions.moment("10:05", settings, "called_at", morning)  # a phone's clock a little ahead
    assert skewed == datetime(2026, 12, 4, 10, 5, tzinfo=tz)

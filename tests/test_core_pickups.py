"""Pickup rules without HTTP: capacity, codes, S10 numbers, cut-offs, tariff, staff actions."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session

from pwa import audit, devices, notify, ratelimit, s10
from pwa.db import Database
from pwa.errors import Conflict, Invalid, RateLimited
from pwa.models import utcnow
from pwa.pickups import booking, changes, codes, lookup, slots, staff, tariff, views
from pwa.pickups.address import suggest
from pwa.settings import Settings
from tests.factories import booking_body, make_pickup, make_staff, open_day, set_capacity


def test_booking_codes_are_60_bit_crockford_and_forgive_typing() -> None:
    code = codes.new_code()
    assert len(code) == 12 and codes.is_code(code)
    assert not set(code) & set("ILOU")
    assert codes.normalise(codes.grouped(code).lower()) == code
    assert codes.normalise("o1l2-i3") == "011213"
    assert len({codes.new_code() for _ in range(1000)}) == 1000


def test_booking_gives_one_valid_s10_number_per_parcel(db: Database, settings: Settings) -> None:
    made, created = booking.submit(
        db, settings, booking_body(settings, parcels=3), device_key=None, idempotency_key=None, client=None
    )
    assert created and made.status == "booked"
    assert len(made.tracking_numbers) == 3 and len(set(made.tracking_numbers)) == 3
    assert all(s10.is_valid(n) and n.startswith("E") and n.endswith("VN") for n in made.tracking_numbers)
    economy, _ = booking.submit(
        db, settings, booking_body(settings, service="economy"), device_key=None, idempotency_key=None, client=None
    )
    assert all(n.startswith("C") for n in economy.tracking_numbers)


def test_full_slot_refuses_booking_and_offers_nearest_free(db: Database, settings: Settings) -> None:
    day = open_day(settings)
    set_capacity(db, settings, day, "morning", 1)
    make_pickup(db, settings, date=day.isoformat())
    with pytest.raises(slots.SlotFull) as refused:
        make_pickup(db, settings, date=day.isoformat())
    assert refused.value.slots and (refused.value.slots[0].day, refused.value.slots[0].shift) == (day, "afternoon")


def test_concurrent_bookings_never_overbook(db: Database, settings: Settings) -> None:
    day = open_day(settings)
    set_capacity(db, settings, day, "afternoon", 4)
    outcomes: list[str] = []
    lock = threading.Lock()

    def one() -> None:
        try:
            make_pickup(db, settings, date=day.isoformat(), shift="afternoon")
            result = "booked"
        except slots.SlotFull:
            result = "full"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=one) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked"] * 4 + ["full"] * 8
    with db.read() as session:
        (slot,) = [s for s in slots.listing(session, settings, start=day, days=1) if s.shift == "afternoon"]
    assert slot.remaining == 0


def test_cancelling_gives_the_place_back(db: Database, settings: Settings) -> None:
    day = open_day(settings)
    set_capacity(db, settings, day, "morning", 1)
    code = make_pickup(db, settings, date=day.isoformat())
    with db.write() as session:
        pickup = lookup.get(session, code)
        assert pickup is not None
        changes.cancel(session, settings, pickup, actor="customer")
    make_pickup(db, settings, date=day.isoformat())  # the place is free again


def test_cut_off_follows_the_post_office_clock(db: Database, settings: Settings) -> None:
    day = date(2026, 11, 26)  # a Thursday
    assert slots.cutoff(settings, day, "morning") == datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # 20:00 the day before
    assert slots.cutoff(settings, day, "afternoon") == datetime(2026, 11, 26, 4, 0, tzinfo=UTC)  # 11:00 that day
    late = datetime(2026, 11, 25, 17, 30, tzinfo=UTC)  # 00:30 on the 26th in Vietnam, still the 25th in UTC
    assert slots.today(settings, late) == day
    with db.read() as session:
        first = slots.listing(session, settings, days=1, now=late)
    assert [(s.day, s.shift) for s in first] == [(day, "afternoon")]  # the morning closed at 20:00 yesterday


def test_no_change_after_the_cut_off(db: Database, settings: Settings) -> None:
    code = make_pickup(db, settings)
    with db.write() as session:
        pickup = lookup.get(session, code)
        assert pickup is not None
        late = slots.cutoff(settings, pickup.day, pickup.shift) + timedelta(minutes=1)
        with pytest.raises(Conflict):
            changes.cancel(session, settings, pickup, actor="customer", now=late)


def test_closed_weekday_and_holiday_and_past_slots_are_refused(db: Database, settings: Settings) -> None:
    sunday = open_day(settings)
    while sunday.weekday() != 6:
        sunday += timedelta(days=1)
    with pytest.raises(Invalid) as closed:
        make_pickup(db, settings, date=sunday.isoformat())
    assert "date" in closed.value.fields
    holiday = open_day(settings, 3)
    with db.write() as session:
        slots.set_closed(session, settings, day=holiday, closed=True, reason="Lễ", actor="test")
    with pytest.raises(Invalid):
        make_pickup(db, settings, date=holiday.isoformat())
    with pytest.raises(Invalid):
        make_pickup(db, settings, date=(slots.today(settings) - timedelta(days=1)).isoformat())


def test_same_idempotency_key_gives_the_same_booking(db: Database, settings: Settings) -> None:
    body = booking_body(settings)
    first, created = booking.submit(db, settings, body, device_key=None, idempotency_key="k-1", client=None)
    again, created_again = booking.submit(
        db, settings, {**body, "phone": "+84912345678"}, device_key=None, idempotency_key="k-1", client=None
    )
    assert created and not created_again and again.code == first.code
    with pytest.raises(Invalid):
        booking.submit(db, settings, {**body, "parcels": 3}, device_key=None, idempotency_key="k-1", client=None)


def test_retry_gets_its_booking_even_once_the_shift_is_full_or_closed(db: Database, settings: Settings) -> None:
    day = open_day(settings)
    set_capacity(db, settings, day, "morning", 1)
    body = booking_body(settings, date=day.isoformat())
    first, _ = booking.submit(db, settings, body, device_key=None, idempotency_key="k-1", client=None)
    full, created = booking.submit(db, settings, body, device_key=None, idempotency_key="k-1", client=None)
    assert full.code == first.code and not created
    with db.write() as session:
        slots.set_closed(session, settings, day=day, closed=True, reason="Lễ", actor="test")
    closed, created = booking.submit(db, settings, body, device_key=None, idempotency_key="k-1", client=None)
    assert closed.code == first.code and not created
    with pytest.raises(Invalid):  # the same key for another body is still refused
        booking.submit(db, settings, {**body, "parcels": 3}, device_key=None, idempotency_key="k-1", client=None)


def test_booking_answers_what_was_stored(db: Database, settings: Settings) -> None:
    made, _ = booking.submit(
        db, settings, booking_body(settings, parcels=3), device_key="d" * 64, idempotency_key=None, client=None
    )
    with db.read() as session:
        stored = views.view(session, lookup.get(session, made.code), settings)  # type: ignore[arg-type]
    assert made == stored


def test_no_default_room_refuses_new_shifts_but_not_ones_staff_opened(db: Database, settings: Settings) -> None:
    closed = replace(settings, pickup_capacity=0)
    with pytest.raises(slots.SlotFull):
        make_pickup(db, closed)
    with db.read() as session:
        assert all(s.remaining == 0 for s in slots.of_day(session, closed, open_day(settings)))
    set_capacity(db, closed, open_day(settings), "morning", 2)
    assert make_pickup(db, closed)


def test_failed_bookings_count_against_the_client_and_refused_ones_do_not(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(booking, "BOOK_LIMIT", ratelimit.Limit(count=2, window=600))
    with pytest.raises(Invalid):
        booking.submit(db, settings, {"name": "Mai"}, device_key=None, idempotency_key=None, client="c")
    booking.submit(db, settings, booking_body(settings), device_key=None, idempotency_key=None, client="c")
    with pytest.raises(RateLimited):
        booking.submit(db, settings, booking_body(settings), device_key=None, idempotency_key=None, client="c")
    with db.read() as session:
        assert ratelimit.hits(session, "pickup_book:c", booking.BOOK_LIMIT) == 2
        assert len(staff.day_list(session, settings, day=open_day(settings))) == 1


def test_every_bad_field_gets_its_own_message(db: Database, settings: Settings) -> None:
    body = {
        **{"name": "", "phone": "12", "ward_code": 1, "street": "x" * 201, "date": "mai", "shift": "night"},
        **{"parcels": 0, "weight_kg": 31, "service": "teleport", "longest_cm": 151, "cod_vnd": -5, "note": "a\x00b"},
    }
    with pytest.raises(Invalid) as refused:
        booking.submit(db, settings, body, device_key=None, idempotency_key=None, client=None)
    assert set(refused.value.fields) == {
        "name", "phone", "ward_code", "street", "date", "shift", "parcels", "weight_kg", "service", "longest_cm",
        "cod_vnd", "note",
    }  # fmt: skip
    assert "30 kg" in refused.value.fields["weight_kg"]


def test_quote_grows_with_weight_service_and_distance(settings: Settings) -> None:
    data = tariff.load(settings.tariff_path)

    def price(**kw: int | str) -> int:
        args: dict[str, int | str] = {"service": "economy", "weight_g": 500, "parcels": 1, "destination_province": 19}
        return tariff.quote(data, **{**args, **kw}).total_vnd  # type: ignore[arg-type]

    assert price() < price(weight_g=2500) < price(weight_g=2500, service="express")
    assert price() < price(destination_province=1) < price(destination_province=79)
    assert price(parcels=2) == 2 * price()
    assert data["sample"] is True


def test_staff_actions_are_audited_and_reach_the_device(db: Database, settings: Settings) -> None:
    code = make_pickup(db, settings, device_key="d" * 64)
    make_staff(db, "anh.tu", role="courier")
    with db.write() as session:
        devices.ensure(session, "d" * 64, lang="en")  # the phone switched to English since
    with db.write() as session:
        staff.change(session, settings, code=code, action="assign", data={"courier": "anh.tu"}, actor="staff:lan")
        failure = {"reason": "other", "note": "Không có ai ở nhà"}
        staff.change(session, settings, code=code, action="failed", data=failure, actor="staff:lan")
    with db.read() as session:
        entries = audit.recent(session, subject=f"pickup:{code}")
        inbox = notify.inbox(session, "d" * 64)
        view = views.view(session, lookup.get(session, code), settings)  # type: ignore[arg-type]
    assert [e.action for e in entries] == ["pickup.failed", "pickup.assigned"]
    assert inbox[0].title == "Collection failed" and "Không có ai ở nhà" in inbox[0].body
    assert [e.status for e in view.timeline] == ["booked", "assigned", "failed"]


def test_collected_count_cannot_exceed_the_parcels(db: Database, settings: Settings) -> None:
    code = make_pickup(db, settings, parcels=2)
    with db.write() as session, pytest.raises(Invalid) as refused:
        staff.change(session, settings, code=code, action="collected", data={"collected_parcels": "3"}, actor="x")
    assert "parcels" in refused.value.fields


def test_only_a_device_that_manages_the_booking_sees_the_full_name(db: Database, settings: Settings) -> None:
    body = booking_body(settings, name="Nguyễn Văn An")
    made, _ = booking.submit(db, settings, body, device_key="d" * 64, idempotency_key=None, client=None)
    with db.read() as session:
        pickup = lookup.get(session, made.code)
        assert pickup is not None
        owner, stranger = (lookup.may_manage(session, pickup, key) for key in ("d" * 64, "e" * 64))
    assert views.shown_name(made, manage=owner) == "Nguyễn Văn An"
    assert views.shown_name(made, manage=stranger) == "Nguyễn V*** A**"


def test_old_district_address_is_read_as_todays_commune() -> None:
    found = suggest("Thôn Nà Pài, xã Bằng Lãng, huyện Chợ Đồn, tỉnh Bắc Kạn", 19)
    assert found is not None and found.ward_code == 2020 and found.street == "Thôn Nà Pài"
    assert "Bằng Lãng" in found.old_address
    assert suggest("không phải địa chỉ", 19) is None


def test_listing_hides_shifts_past_their_cut_off(db: Database, settings: Settings) -> None:
    day = open_day(settings)
    noon_before = datetime.combine(day, datetime.min.time(), tzinfo=settings.tz) + timedelta(hours=12)
    with db.read() as session:
        shifts = [s.shift for s in slots.listing(session, settings, start=day, days=1, now=noon_before)]
    assert shifts == []  # morning closed the evening before, afternoon at 11:00
    assert utcnow() < slots.cutoff(settings, day, "morning")


def _race(db: Database, actions: Sequence[Callable[[Session], None]]) -> list[str]:
    """Run each action in its own thread and write transaction, all at once; 'ok' or 'refused' each."""
    outcomes: list[str] = []
    lock, start = threading.Lock(), threading.Barrier(len(actions))

    def run(action: Callable[[Session], None]) -> None:
        start.wait()
        try:
            with db.write() as session:
                action(session)
            result = "ok"
        except Conflict:
            result = "refused"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def _room(db: Database, settings: Settings, day: date) -> int:
    with db.read() as session:
        (slot,) = [s for s in slots.listing(session, settings, start=day, days=1) if s.shift == "morning"]
    return slot.remaining


def test_concurrent_cancels_give_the_place_back_once(db: Database, settings: Settings) -> None:
    day, device = open_day(settings), "d" * 64
    set_capacity(db, settings, day, "morning", 2)
    code = make_pickup(db, settings, device_key=device, date=day.isoformat())
    make_pickup(db, settings, date=day.isoformat())

    def customer(session: Session) -> None:
        changes.cancel(session, settings, lookup.for_change(session, code, device), actor="customer")

    def clerk(session: Session) -> None:
        staff.change(session, settings, code=code, action="cancel", data={}, actor="staff:lan")

    assert _race(db, [customer] * 5 + [clerk] * 3) == ["ok"] + ["refused"] * 7
    assert _room(db, settings, day) == 1  # one place back, not two or more


def test_collected_racing_a_cancel_keeps_the_count_right(db: Database, settings: Settings) -> None:
    day, device = open_day(settings), "d" * 64
    set_capacity(db, settings, day, "morning", 1)
    code = make_pickup(db, settings, device_key=device, date=day.isoformat(), parcels=1)

    def customer(session: Session) -> None:
        changes.cancel(session, settings, lookup.for_change(session, code, device), actor="customer")

    def courier(session: Session) -> None:
        data = {"collected_parcels": "1"}
        staff.change(session, settings, code=code, action="collected", data=data, actor="staff:lan")

    assert _race(db, [customer, courier] * 3) == ["ok"] + ["refused"] * 5
    with db.read() as session:
        status = lookup.get(session, code).status  # type: ignore[union-attr]
    assert _room(db, settings, day) == (1 if status == "cancelled" else 0)

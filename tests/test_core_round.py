"""The courier's round without HTTP: whose stops, in which order, what each shows, what is done."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from pwa.db import Database
from pwa.errors import Invalid, Locked
from pwa.pickups import changes, handover, lookup
from pwa.pickups.round import my_round
from pwa.settings import Settings
from tests.couriers import assign, handover_code
from tests.factories import make_pickup, make_staff, open_day

CHO_DON, BAC_KAN = 2020, 1843  # Xã Chợ Đồn, Phường Bắc Kạn (Thái Nguyên)


def book(db: Database, settings: Settings, day: date, courier: str = "minh", **changes: Any) -> str:
    code = make_pickup(db, settings, date=day.isoformat(), **changes)
    if courier:
        assign(db, settings, code, courier)
    return code


def at_door(db: Database, settings: Settings, code: str, action: str, **data: Any) -> None:
    handover.record(db, settings, code=code, action=action, data=data, key=None, actor="staff:minh", role="courier")


@pytest.fixture()
def couriers(db: Database) -> None:
    make_staff(db, "minh", role="courier")
    make_staff(db, "hoa", role="courier")


@pytest.mark.usefixtures("couriers")
def test_round_holds_only_my_stops_of_the_day(db: Database, settings: Settings) -> None:
    day = open_day(settings)
    mine = book(db, settings, day)
    book(db, settings, day, courier="hoa")
    book(db, settings, day, courier="")  # not given to anyone yet
    book(db, settings, open_day(settings, after_days=5))  # mine, another day
    made = my_round(db, settings, courier="Minh", day=day)
    assert [s.code for shift in made.shifts for s in shift.stops] == [mine]
    assert made.to_do == 1 and made.done == [] and made.courier == "minh"
    assert my_round(db, settings, courier="", day=day).to_do == 0


@pytest.mark.usefixtures("couriers")
def test_round_goes_by_shift_then_commune_then_street(db: Database, settings: Settings) -> None:
    day = open_day(settings)
    late = book(db, settings, day, shift="afternoon", ward_code=BAC_KAN, street="Tổ 1")
    far = book(db, settings, day, ward_code=CHO_DON, street="Thôn Nà Pài")
    near_b = book(db, settings, day, ward_code=BAC_KAN, street="Tổ 9")
    near_a = book(db, settings, day, ward_code=BAC_KAN, street="Tổ 2")
    same_street_later = book(db, settings, day, ward_code=BAC_KAN, street="Tổ 2")
    made = my_round(db, settings, courier="minh", day=day)
    assert [s.shift for s in made.shifts] == ["morning", "afternoon"]
    assert [s.code for s in made.shifts[0].stops] == [near_a, same_street_later, near_b, far]
    assert [s.code for s in made.shifts[1].stops] == [late]


@pytest.mark.usefixtures("couriers")
def test_a_stop_shows_what_the_courier_needs_at_the_door(db: Database, settings: Settings) -> None:
    day = open_day(settings)
    code = book(db, settings, day, name="Hoàng Thị Mai", phone="0912 345 678", note="Gọi trước 10 phút", parcels=3)
    stop = my_round(db, settings, courier="minh", day=day).shifts[0].stops[0]
    assert stop.name == "Hoàng T*** M**"
    assert stop.tel == "tel:+84912345678" and stop.phone_display == "0912 345 678"
    assert stop.address == "Thôn Nà Pài, Xã Chợ Đồn, Thái Nguyên"
    assert stop.map_url.startswith("https://www.google.com/maps/search/?api=1&query=Th%C3%B4n%20N%C3%A0%20P%C3%A0i%2C")
    assert (stop.parcels, stop.note, stop.status) == (3, "Gọi trước 10 phút", "assigned")
    assert stop.grouped_code.replace("-", "") == code
    assert stop.tries_left == handover.MAX_TRIES and not stop.locked and not stop.done


@pytest.mark.usefixtures("couriers")
def test_stops_done_today_come_last_marked(db: Database, settings: Settings) -> None:
    day = open_day(settings)
    collected, failed, cancelled, left = (book(db, settings, day) for _ in range(4))
    at_door(db, settings, collected, "collect", parcels=2, handover_code=handover_code(db, collected))
    at_door(db, settings, failed, "fail", reason="not_home")
    with db.write() as session:
        pickup = lookup.get(session, cancelled, lock=True)
        assert pickup is not None
        changes.cancel(session, settings, pickup, actor="staff:lan", role="staff")
    made = my_round(db, settings, courier="minh", day=day)
    assert [s.code for s in made.shifts[0].stops] == [left]
    done = {s.code: s for s in made.done}
    assert set(done) == {collected, failed, cancelled} and all(s.done for s in made.done)
    assert done[collected].handover_verified is True and done[collected].collected_parcels == 2
    assert done[failed].failure_reason == "not_home" and done[cancelled].status == "cancelled"


@pytest.mark.usefixtures("couriers")
def test_a_stop_counts_down_wrong_codes_and_locks(db: Database, settings: Settings) -> None:
    day = open_day(settings)
    code = book(db, settings, day)
    wrong = "0000" if handover_code(db, code) != "0000" else "1111"
    for _ in range(handover.MAX_TRIES):
        with pytest.raises((Invalid, Locked)):
            at_door(db, settings, code, "collect", parcels=1, handover_code=wrong)
    stop = my_round(db, settings, courier="minh", day=day).shifts[0].stops[0]
    assert stop.tries_left == 0 and stop.locked and not stop.done

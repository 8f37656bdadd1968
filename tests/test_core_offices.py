"""Places and payment days without HTTP: open or closed at a fixed clock, search, CSV imports, staff edits."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from pwa import audit
from pwa.db import Database
from pwa.errors import Conflict, Invalid
from pwa.i18n import using
from pwa.models import Office, PaymentDay
from pwa.offices import directory, importer, staff
from pwa.settings import Settings
from tests.factories import local_today
from tests.offices_data import CHO_DON, CHO_MOI, days_csv, load_days, load_offices, offices_csv


def at(settings: Settings, day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day} {clock}").replace(tzinfo=settings.tz)


@pytest.mark.parametrize(
    ("clock", "open_now", "words"),
    [
        ("06:10", False, "Đã đóng · mở lại lúc 7:00"),  # before
        ("08:00", True, "Đang mở cửa · đóng lúc 11:30"),  # during
        ("12:15", False, "Đã đóng · mở lại lúc 13:30"),  # between
        ("17:30", False, "Đã đóng · mở lại 7:00 ngày mai"),  # after
    ],
)
def test_open_or_closed_follows_the_clock(
    db: Database, settings: Settings, clock: str, open_now: bool, words: str
) -> None:
    load_offices(db, settings, CHO_MOI)
    now = at(settings, "2026-12-03", clock)  # a Thursday
    with using("vi"):
        (place,) = directory.find(db, settings, now=now).places
    assert (place.open_now, place.state_text) == (open_now, words)


def test_saturday_afternoon_says_monday_in_both_languages(db: Database, settings: Settings) -> None:
    load_offices(db, settings, CHO_MOI)
    now = at(settings, "2026-12-05", "12:00")  # Saturday, after the morning opening
    with using("vi"):
        assert directory.find(db, settings, now=now).places[0].state_text == "Đã đóng · mở lại 7:00 thứ Hai"
    with using("en"):
        assert directory.find(db, settings, now=now).places[0].state_text == "Closed · opens again 7:00 Monday"


def test_plain_ascii_finds_the_commune(db: Database, settings: Settings) -> None:
    load_offices(db, settings)
    found = directory.find(db, settings, q="cho moi").places
    assert [p.code for p in found] == ["BDVHX-CHOMOI"]
    assert found[0].commune == "Xã Chợ Mới"
    assert [p.code for p in directory.find(db, settings, q="CHỢ ĐỒN").places] == ["BDVHX-CHODON"]


def test_an_old_commune_name_finds_the_new_commune(db: Database, settings: Settings) -> None:
    load_offices(db, settings)
    # Bằng Lãng (former Chợ Đồn district) has been part of Xã Chợ Đồn since July 2025.
    assert [p.code for p in directory.find(db, settings, q="bang lang").places] == ["BDVHX-CHODON"]


def test_nothing_matches_nothing(db: Database, settings: Settings) -> None:
    load_offices(db, settings)
    assert directory.find(db, settings, q="zzzz").places == ()


def test_near_me_sorts_by_distance(db: Database, settings: Settings) -> None:
    load_offices(db, settings)
    found = directory.find(db, settings, near=(22.17, 105.59)).places  # by Chợ Đồn
    assert [p.code for p in found] == ["BDVHX-CHODON", "BDVHX-CHOMOI", "BD-NARI"]  # ~40 km, ~60 km
    assert found[0].distance_km is not None and found[0].distance_km < 2


def test_a_csv_with_one_bad_row_imports_nothing_and_names_the_line(db: Database, settings: Settings) -> None:
    bad = CHO_DON.replace(",2020,", ",99999,")
    result = importer.import_offices(db, settings, offices_csv(CHO_MOI, bad), actor="system:test")
    assert [b.line for b in result.bad] == [3]
    assert "ward_code" in result.bad[0].reasons
    with db.read() as session:
        assert session.exec(select(Office)).all() == []


def test_bad_hours_and_duplicate_codes_are_named(db: Database, settings: Settings) -> None:
    bad_hours = CHO_DON.replace("Mo-Fr 07:00", "Mo-Fr 25:00")
    result = importer.import_offices(db, settings, offices_csv(CHO_MOI, bad_hours, CHO_MOI), actor="system:test")
    assert [(b.line, sorted(b.reasons)) for b in result.bad] == [(3, ["opening_hours"]), (4, ["code"])]


def test_importing_the_same_file_twice_gives_the_same_rows(db: Database, settings: Settings) -> None:
    first = importer.import_offices(db, settings, offices_csv(), actor="system:test")
    second = importer.import_offices(db, settings, offices_csv(), actor="system:test")
    assert (first.created, second.created, second.updated, second.unchanged) == (3, 0, 0, 3)
    day = local_today() + timedelta(days=3)
    text = days_csv(("BDVHX-CHOMOI", "pension", day, "7:00", "11:00"))
    assert importer.import_payment_days(db, settings, text, actor="system:test").created == 1
    assert importer.import_payment_days(db, settings, text, actor="system:test").unchanged == 1
    with db.read() as session:
        assert len(session.exec(select(Office)).all()) == 3
        (row,) = session.exec(select(PaymentDay)).all()
        assert (row.kind, row.day, row.opens, row.closes) == ("pension", day, "07:00", "11:00")


def test_payment_days_refuse_unknown_places_past_dates_and_bad_kinds(db: Database, settings: Settings) -> None:
    load_offices(db, settings)
    soon, past = local_today() + timedelta(days=2), local_today() - timedelta(days=1)
    text = days_csv(
        ("BDVHX-CHOMOI", "pension", soon, "07:00", "11:00"),
        ("NO-SUCH", "pension", soon, "07:00", "11:00"),
        ("BDVHX-CHOMOI", "social", past, "07:00", "11:00"),
        ("BDVHX-CHOMOI", "bonus", soon, "07:00", "11:00"),
        ("BDVHX-CHOMOI", "merit", soon, "11:00", "07:00"),
    )
    result = importer.import_payment_days(db, settings, text, actor="system:test")
    assert [(b.line, sorted(b.reasons)) for b in result.bad] == [
        (3, ["office_code"]),
        (4, ["day"]),
        (5, ["kind"]),
        (6, ["closes"]),
    ]
    with db.read() as session:
        assert session.exec(select(PaymentDay)).all() == []


def test_a_place_shows_its_coming_payment_days_and_the_commune_the_next_one(db: Database, settings: Settings) -> None:
    load_offices(db, settings)
    soon = local_today() + timedelta(days=2)
    load_days(
        db,
        settings,
        ("BDVHX-CHOMOI", "social", soon + timedelta(days=3), "07:30", "11:00"),
        ("BDVHX-CHOMOI", "pension", soon, "07:00", "11:00"),
    )
    detail = directory.show(db, settings, code="bdvhx-chomoi")
    assert [(p.kind, p.day) for p in detail.payments] == [("pension", soon), ("social", soon + timedelta(days=3))]
    found = directory.next_payment_day(db, settings, ward_code=2086)
    assert found is not None and found.payment is not None
    assert (found.office_code, found.payment.kind, found.payment.day) == ("BDVHX-CHOMOI", "pension", soon)
    nothing = directory.next_payment_day(db, settings, ward_code=2020)
    assert nothing is not None and (nothing.commune, nothing.payment) == ("Xã Chợ Đồn", None)
    assert directory.next_payment_day(db, settings, ward_code=99999) is None


def test_todays_payment_is_gone_once_it_has_closed(db: Database, settings: Settings) -> None:
    load_offices(db, settings, CHO_MOI)
    today = local_today()
    load_days(db, settings, ("BDVHX-CHOMOI", "pension", today, "07:00", "11:00"))
    morning, noon = (at(settings, today.isoformat(), t) for t in ("10:59", "11:00"))
    assert getattr(directory.next_payment_day(db, settings, ward_code=2086, now=morning), "payment", None)
    assert getattr(directory.next_payment_day(db, settings, ward_code=2086, now=noon), "payment", 1) is None


def test_staff_add_and_edit_a_place_audited(db: Database, settings: Settings) -> None:
    form = dict(zip(offices_csv(CHO_MOI).splitlines()[0].split(","), ["BDVHX-X", "Điểm X", "service_centre",
                "2086", "Tổ 1", "", "21.9", "105.8", "Mo-Fr 07:00-17:00", "dossiers"], strict=True))  # fmt: skip
    assert staff.save_office(db, settings, form, actor=audit.actor(staff="lan")) == "BDVHX-X"
    with pytest.raises(Conflict):
        staff.save_office(db, settings, form, actor=audit.actor(staff="lan"))
    with pytest.raises(Invalid) as bad:
        staff.save_office(db, settings, {**form, "lat": "abc"}, actor=audit.actor(staff="lan"), code="BDVHX-X")
    assert list(bad.value.fields) == ["lat"]
    staff.save_office(db, settings, {**form, "name": "Điểm Y"}, actor=audit.actor(staff="lan"), code="BDVHX-X")
    assert directory.show(db, settings, code="BDVHX-X").place.name == "Điểm Y"
    with db.read() as session:
        actions = [e.action for e in audit.recent(session, subject="office:BDVHX-X")]
    assert actions == ["office.updated", "office.created"]


def test_staff_plan_and_cancel_a_payment_day(db: Database, settings: Settings) -> None:
    load_offices(db, settings, CHO_MOI)
    day = local_today() + timedelta(days=4)
    form = {
        "office_code": "BDVHX-CHOMOI",
        "kind": "merit",
        "date": day.isoformat(),
        "opens": "13:30",
        "closes": "16:00",
    }
    staff.save_payment_day(db, settings, form, actor=audit.actor(staff="lan"))
    assert [p.kind for p in staff.editing(db, settings, code="BDVHX-CHOMOI").payments] == ["merit"]
    assert staff.remove_payment_day(
        db, settings, code="BDVHX-CHOMOI", kind="merit", day=form["date"], actor="staff:lan"
    )
    assert staff.editing(db, settings, code="BDVHX-CHOMOI").payments == ()


def test_a_place_lists_the_weeks_opening_times_in_plain_words(db: Database, settings: Settings) -> None:
    load_offices(db, settings, CHO_MOI)
    detail = directory.show(db, settings, code="BDVHX-CHOMOI", now=at(settings, "2026-12-05", "09:00"))  # Saturday
    week = {d.day.isoformat(): d.spans for d in detail.week}
    assert len(week) == 7
    assert week["2026-12-05"] == ("7:00–11:30",)
    assert week["2026-12-06"] == ()  # Sunday: closed
    assert week["2026-12-07"] == ("7:00–11:30", "13:30–17:00")


def test_a_communes_announcements_appear_on_its_places(db: Database, settings: Settings) -> None:
    from pwa.push import announce

    load_offices(db, settings)
    closed = {"title": "Nghỉ chi trả ngày 5", "body": "Điểm Chợ Mới chuyển sang ngày 6.", "ward_codes": [2086]}
    announce.post(db, data=closed, actor="staff:lan")
    # Phường Hòa Khánh, 20200: its topic starts like Chợ Đồn's (2020) and must not show there
    announce.post(db, data={"title": "Tin khác", "body": "Ở Đà Nẵng.", "ward_codes": [20200]}, actor="staff:lan")
    (note,) = directory.show(db, settings, code="BDVHX-CHOMOI").announcements
    assert (note.title, note.body) == ("Nghỉ chi trả ngày 5", "Điểm Chợ Mới chuyển sang ngày 6.")
    assert directory.show(db, settings, code="BDVHX-CHODON").announcements == ()


def test_demo_places_are_labelled_and_stay_demo_when_staff_edit_them(db: Database, settings: Settings) -> None:
    from pwa.offices import demo

    lines = list(demo.load(db, settings))
    assert any("DEMO" in line for line in lines)
    places = directory.find(db, settings).places
    assert places and all(p.demo and p.code.startswith("DEMO-") and p.name.startswith("DEMO") for p in places)
    assert all(p.next_payment is not None for p in places)  # payment days in the coming weeks
    form = staff.editing(db, settings, code="DEMO-BDVHX-CHOMOI").values
    staff.save_office(db, settings, {**form, "name": "DEMO đổi tên"}, actor="staff:lan", code="DEMO-BDVHX-CHOMOI")
    assert directory.show(db, settings, code="DEMO-BDVHX-CHOMOI").place.demo
    assert list(demo.load(db, settings))[-1] == "DEMO: payment days already planned"


def test_the_import_commands_name_the_bad_line_then_import_a_fixed_file_once(db: Database, tmp_path: Path) -> None:
    from tests.test_cli import pwa

    places = tmp_path / "places.csv"
    places.write_text(offices_csv(CHO_MOI, CHO_DON.replace("payments", "massages")), encoding="utf-8")
    bad = pwa(["import-offices", str(places)], db, tmp_path)
    assert bad.returncode == 1
    assert "dòng 3: services:" in bad.stderr and "nothing imported" in bad.stderr
    places.write_text(offices_csv(CHO_MOI, CHO_DON), encoding="utf-8")
    assert pwa(["import-offices", str(places)], db, tmp_path).stdout.strip() == "2 created, 0 updated, 0 unchanged"
    assert pwa(["import-offices", str(places)], db, tmp_path).stdout.strip() == "0 created, 0 updated, 2 unchanged"
    days = tmp_path / "days.csv"
    days.write_text(days_csv(("BDVHX-CHODON", "merit", local_today() + timedelta(days=1), "13:30", "16:30")))
    done = pwa(["import-payment-days", str(days)], db, tmp_path)
    assert done.returncode == 0 and done.stdout.strip() == "1 created, 0 updated, 0 unchanged"


def test_cancelling_a_payment_day_with_a_garbled_date_names_the_field(db: Database, settings: Settings) -> None:
    with pytest.raises(Invalid) as refused:
        staff.remove_payment_day(db, settings, code="BDVHX-CHOMOI", kind="merit", day="5/12", actor="staff:lan")
    assert "date" in refused.value.fields

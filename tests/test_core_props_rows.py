"""Properties of the record parsers: CSV imports (dossiers, places, payment days), dossier events, notices.

The imports run against a migrated database of this module's own (SQLite, or a PostgreSQL schema),
so what a database refuses (NUL characters, lone surrogates) is found as well.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pwa import admin_units, phones
from pwa.db import Database
from pwa.dossiers import events, importer, records
from pwa.errors import Invalid
from pwa.offices import importer as office_importer
from pwa.offices import places
from pwa.push import notices
from pwa.push.sender import parse_retry_after
from pwa.settings import Settings
from tests.conftest import migrated_database
from tests.test_core_props_input import local_mobiles
from tests.test_core_props_places import opening_hours

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PROVINCE = 19
BAD_CHARACTERS = "\x00\x07\x1b\ud800\udfff"
nasty_text = st.one_of(st.text(max_size=40), st.text(alphabet=f"ab ,;\"'\n\r{BAD_CHARACTERS}", max_size=20))
# What people put in names and addresses: letters of any script, digits, punctuation, CSV's own quotes and commas.
words = st.text(
    alphabet=st.characters(categories=("L", "M", "N", "P", "S"), exclude_characters="\x85"),
    min_size=1,
    max_size=12,
)
phrases = st.lists(words, min_size=1, max_size=5).map(" ".join)


@pytest.fixture(scope="module")
def module_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A migrated database for this module's imports (the per-test `db` cannot serve many examples)."""
    with migrated_database(tmp_path_factory.mktemp("props")) as url:
        database = Database(url)
        yield database
        database.dispose()


@pytest.fixture(scope="module")
def module_settings(module_db: Database, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder: Path = tmp_path_factory.mktemp("instance")
    return Settings(instance_dir=folder, database_url=module_db.url, secret_key="test-" + "k" * 40).prepared()


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _printable(text: str) -> bool:
    return not any(unicodedata.category(c) in ("Cc", "Cs") for c in text)


# --- Dossiers ---


@st.composite
def new_dossiers(draw: st.DrawFn) -> records.NewDossier:
    first, last = datetime(2000, 1, 2), datetime(2099, 12, 31)
    received = draw(st.datetimes(min_value=first, max_value=last, timezones=st.just(VN)))
    due = received.date() + timedelta(days=draw(st.integers(min_value=0, max_value=365)))
    return records.NewDossier(
        code=draw(st.from_regex(r"\A[A-Z0-9][A-Z0-9._-]{2,39}\Z")),
        procedure=draw(phrases),
        agency=draw(phrases),
        applicant_name=draw(phrases),
        phone=phones.normalise(draw(local_mobiles())),
        received_at=received.replace(microsecond=0),
        due_date=due,
        channel=draw(st.sampled_from([1, 2, 3])),
    )


def _dossier_row(new: records.NewDossier) -> list[str]:
    values = {**new.__dict__, "received_at": new.received_at.isoformat(), "due_date": new.due_date.isoformat()}
    return [str(values[name]) for name in records.FIELDS]


@given(st.lists(new_dossiers(), min_size=1, max_size=5, unique_by=lambda n: n.code))
def test_dossiers_written_to_csv_read_back_the_same(module_db: Database, batch: list[records.NewDossier]) -> None:
    text = _csv(list(records.FIELDS), [_dossier_row(n) for n in batch])
    with module_db.read() as session:
        report = importer.check(session, importer.decode(("\ufeff" + text).encode()), VN)
    assert not report.bad and report.good == batch


@given(new_dossiers(), st.sampled_from(["procedure", "agency", "applicant_name"]), nasty_text)
def test_a_dossier_text_field_is_stored_printable_or_refused(new: records.NewDossier, field: str, text: str) -> None:
    try:
        checked = records.validate({**_dict(new), field: text}, VN)
    except Invalid as exc:
        assert set(exc.fields) == {field}
        return
    assert _printable(getattr(checked, field)) and getattr(checked, field) == " ".join(text.split())


@given(
    st.lists(st.lists(nasty_text, min_size=0, max_size=10), max_size=6),
    st.permutations(records.FIELDS),
)
@example([["H19.1-X", "x" * 140_000]], list(records.FIELDS))  # past the csv module's field limit
def test_any_dossier_csv_is_a_report_or_a_file_error(module_db: Database, rows: list[list[str]], header: Any) -> None:
    text = _csv(list(header), rows)
    try:
        with module_db.read() as session:
            report = importer.check(session, text, VN)
    except Invalid as exc:
        assert set(exc.fields) == {"file"}
        return
    assert len(report.good) + len(report.bad) == len(rows) - sum(1 for r in rows if not r)
    lines = [bad.line for bad in report.bad]
    assert lines == sorted(lines) and all(line >= 2 for line in lines)
    for new in report.good:
        assert all(_printable(str(value)) for value in new.__dict__.values())


@given(st.dictionaries(st.sampled_from(records.FIELDS), st.one_of(nasty_text, st.integers(), st.none()), max_size=8))
def test_any_dossier_record_is_clean_or_invalid_per_field(data: dict[str, Any]) -> None:
    try:
        new = records.validate(data, VN)
    except Invalid as exc:
        assert set(exc.fields) <= set(records.FIELDS) and exc.fields
        return
    assert all(_printable(str(value)) for value in new.__dict__.values())
    assert records.validate(_dict(new), VN) == new  # checking what was accepted changes nothing


def _dict(new: records.NewDossier) -> dict[str, Any]:
    return dict(zip(records.FIELDS, _dossier_row(new), strict=True))


@given(
    st.fixed_dictionaries(
        {"id": st.one_of(nasty_text, st.integers())},
        optional={
            "at": st.one_of(nasty_text, st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat)),
            "status_code": st.one_of(st.integers(-2, 12), nasty_text),
            "postal_event": nasty_text,
            "tracking_number": nasty_text,
            "note": nasty_text,
            "fee_vnd": st.one_of(st.integers(), nasty_text),
        },
    )
)
def test_any_dossier_event_is_clean_or_invalid_per_field(data: dict[str, Any]) -> None:
    try:
        new = events.validate(data, VN)
    except Invalid as exc:
        assert exc.fields
        return
    assert all(_printable(str(value)) for value in new.__dict__.values())


# --- Places and payment days ---


@st.composite
def office_rows(draw: st.DrawFn) -> dict[str, str]:
    ward = draw(st.sampled_from(admin_units.communes(PROVINCE)))
    return {
        "code": draw(st.from_regex(r"\A[A-Z0-9][A-Z0-9_-]{1,19}\Z")),
        "name": draw(phrases),
        "kind": draw(st.sampled_from(places.KINDS)),
        "ward_code": str(ward.code),
        "address": draw(phrases),
        "phone": draw(st.one_of(st.just(""), local_mobiles())),
        "lat": str(draw(st.floats(*places.LAT_RANGE).map(lambda x: round(x, 6)))),
        "lon": str(draw(st.floats(*places.LON_RANGE).map(lambda x: round(x, 6)))),
        "opening_hours": draw(opening_hours),
        "services": ";".join(draw(st.lists(st.sampled_from(places.SERVICES), min_size=1, max_size=6))),
    }


@given(office_rows())
def test_a_checked_place_checks_to_itself(row: dict[str, str]) -> None:
    new = places.check_office(row, PROVINCE)
    again = places.check_office({k: str(v) for k, v in new.__dict__.items()}, PROVINCE)
    assert again == new and new.code == row["code"] and new.ward_code == int(row["ward_code"])


@given(st.lists(office_rows(), min_size=1, max_size=4, unique_by=lambda r: r["code"]))
def test_importing_a_places_file_twice_changes_nothing_the_second_time(
    module_db: Database, module_settings: Settings, rows: list[dict[str, str]]
) -> None:
    text = _csv(list(places.OFFICE_FIELDS), [[r[f] for f in places.OFFICE_FIELDS] for r in rows])
    first = office_importer.import_offices(module_db, module_settings, text, actor="test")
    assert not first.bad and first.created + first.updated + first.unchanged == len(rows)
    second = office_importer.import_offices(module_db, module_settings, text, actor="test")
    assert (second.bad, second.unchanged) == ((), len(rows))


@given(
    st.lists(st.lists(nasty_text, max_size=11), max_size=5),
    st.sampled_from([places.OFFICE_FIELDS, places.DAY_FIELDS]),
)
@example([["X", "y" * 140_000]], places.OFFICE_FIELDS)
def test_any_places_or_days_csv_is_a_result_or_a_file_error(
    module_db: Database, module_settings: Settings, rows: list[list[str]], header: tuple[str, ...]
) -> None:
    text = _csv(list(header), rows)
    run = office_importer.import_offices if header == places.OFFICE_FIELDS else office_importer.import_payment_days
    try:
        result = run(module_db, module_settings, text, actor="test")
    except Invalid as exc:
        assert set(exc.fields) == {"file"}
        return
    assert result.bad or result.created + result.updated + result.unchanged == sum(1 for r in rows if r)


@given(office_rows(), st.sampled_from(["name", "address"]), nasty_text)
def test_a_place_text_field_is_stored_printable_or_refused(row: dict[str, str], field: str, text: str) -> None:
    try:
        checked = places.check_office({**row, field: text}, PROVINCE)
    except Invalid as exc:
        assert set(exc.fields) == {field}
        return
    assert _printable(getattr(checked, field))


@given(st.dictionaries(st.sampled_from(places.OFFICE_FIELDS), nasty_text, max_size=10))
def test_any_place_is_clean_or_invalid_per_field(data: dict[str, str]) -> None:
    try:
        new = places.check_office(data, PROVINCE)
    except Invalid as exc:
        assert set(exc.fields) <= set(places.OFFICE_FIELDS)
        return
    assert all(_printable(str(value)) for value in new.__dict__.values())


@given(st.times(), st.booleans())
def test_a_clock_time_round_trips_with_or_without_its_leading_zero(moment: time, short: bool) -> None:
    typed = f"{moment.hour}:{moment.minute:02d}" if short else moment.strftime("%H:%M")
    assert places.clock_time(typed) == moment.strftime("%H:%M")


@given(
    st.fixed_dictionaries(
        {
            "office_code": st.one_of(nasty_text, st.just("DEMO-A")),
            "kind": st.one_of(nasty_text, st.sampled_from(places.PAYMENT_KINDS)),
            "date": st.one_of(nasty_text, st.dates().map(date.isoformat)),
            "opens": st.one_of(nasty_text, st.times().map(lambda t: t.strftime("%H:%M"))),
            "closes": st.one_of(nasty_text, st.times().map(lambda t: t.strftime("%H:%M"))),
        }
    )
)
@example({"office_code": "A1", "kind": "pension", "date": "2030-01-01", "opens": "١:٠٠", "closes": "09:00"})
def test_any_payment_day_is_clean_or_invalid(data: dict[str, str]) -> None:
    today = date(2026, 1, 1)
    try:
        new = places.check_payment_day(data, today)
    except Invalid as exc:
        assert set(exc.fields) <= {"office_code", "kind", "day", "opens", "closes"}
        return
    assert new.day >= today and new.opens < new.closes and new.opens.isascii() and new.closes.isascii()


# --- Notices and what push services answer ---


@given(nasty_text, nasty_text, st.one_of(st.just(""), nasty_text, st.just("/dossiers")))
def test_any_notice_is_a_clean_draft_or_invalid(title: str, body: str, url: str) -> None:
    now = datetime(2026, 11, 25, 9, tzinfo=UTC)
    try:
        draft = notices.check(title=title, body=body, url=url, topics=["news"], send_at=None, now=now)
    except Invalid as exc:
        assert set(exc.fields) <= {"title", "body", "url"}
        return
    assert _printable(draft.title) and _printable(draft.body) and 3 <= len(draft.title) <= 120
    assert draft.url == "" or draft.url.startswith("/")


@given(st.lists(st.one_of(nasty_text, st.integers()), min_size=1, max_size=3))
@example(["²"])
def test_notice_ward_codes_are_real_communes_or_invalid(codes: list[Any]) -> None:
    try:
        found = notices.commune_topics(codes)
    except Invalid as exc:
        assert set(exc.fields) == {"ward_codes"}
        return
    assert len(found) == len(codes)


@given(st.one_of(st.none(), nasty_text, st.integers(0, 10**6).map(str)))
@example("²")
def test_retry_after_is_seconds_or_nothing(value: str | None) -> None:
    seconds = parse_retry_after(value, datetime(2026, 11, 25, tzinfo=UTC))
    assert seconds is None or seconds >= 0
    if value is not None and value.strip().isascii() and value.strip().isdigit():
        assert seconds == int(value)

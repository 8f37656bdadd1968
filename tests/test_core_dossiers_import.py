"""CSV import rules: every bad line reported, all or nothing, one transaction."""

from __future__ import annotations

from datetime import date

import pytest

from pwa.db import Database
from pwa.dossiers import importer, records
from pwa.errors import Invalid
from tests.factories import VN_TZ, dossier_payload

HEADER = ",".join(records.FIELDS)


def csv_text(*rows: dict[str, object], header: str = HEADER) -> str:
    lines = [header] + [",".join(f'"{row[name]}"' for name in records.FIELDS) for row in rows]
    return "\n".join(lines) + "\n"


def count(db: Database) -> int:
    with db.read() as session:
        return len(records.staff_list(session, today=date(2026, 11, 25)))


def test_every_bad_line_is_reported_with_its_number_and_nothing_is_imported(db: Database) -> None:
    text = csv_text(
        dossier_payload(code="H19-A"),
        dossier_payload(code="H19-B", phone="0123"),
        dossier_payload(code="H19-C", channel=4, due_date="31/12/2026"),
        dossier_payload(code="H19-A"),
    )
    with db.write() as session:
        report = importer.run(session, text, VN_TZ, actor="test")
    assert [(bad.line, sorted(bad.reasons)) for bad in report.bad] == [
        (3, ["phone"]),
        (4, ["channel", "due_date"]),
        (5, ["code"]),
    ]
    assert report.imported == 0 and count(db) == 0


def test_keep_good_imports_only_the_good_lines(db: Database) -> None:
    text = csv_text(dossier_payload(code="H19-A"), dossier_payload(code="H19-B", phone="0123"))
    with db.write() as session:
        report = importer.run(session, text, VN_TZ, actor="test", keep_good=True)
    assert report.imported == 1 and count(db) == 1


def test_a_code_already_in_the_system_is_a_bad_line(db: Database) -> None:
    with db.write() as session:
        importer.run(session, csv_text(dossier_payload(code="H19-A")), VN_TZ, actor="test")
    with db.write() as session:
        report = importer.run(session, csv_text(dossier_payload(code="H19-A")), VN_TZ, actor="test")
    assert report.bad[0].line == 2 and "code" in report.bad[0].reasons


def test_a_byte_order_mark_is_accepted_and_other_encodings_are_refused() -> None:
    assert importer.decode(("\ufeff" + HEADER).encode("utf-8")) == HEADER
    with pytest.raises(Invalid) as caught:
        importer.decode("Nguyễn".encode("utf-16"))
    assert "UTF-8" in caught.value.fields["file"]


def test_a_wrong_header_names_the_missing_and_unknown_columns(db: Database) -> None:
    with db.read() as session, pytest.raises(Invalid) as caught:
        importer.check(session, "code,name\nH19-A,An\n", VN_TZ)
    message = caught.value.fields["file"]
    assert "procedure" in message and "name" in message


def test_a_crash_half_way_leaves_nothing_imported(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    real_create, calls = records.create, []

    def create_then_crash(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_create(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(records, "create", create_then_crash)
    text = csv_text(dossier_payload(code="H19-A"), dossier_payload(code="H19-B"))
    with pytest.raises(RuntimeError), db.write() as session:
        importer.run(session, text, VN_TZ, actor="test")
    assert count(db) == 0


def test_a_code_with_a_slash_is_a_bad_line(db: Database) -> None:
    text = csv_text(dossier_payload(code="H19.22-0001"), dossier_payload(code="H19/22-0002"))
    with db.write() as session:
        report = importer.run(session, text, VN_TZ, actor="test")
    assert report.imported == 0 and [bad.line for bad in report.bad] == [3]
    assert "không có gạch chéo (/)" in report.bad[0].reasons["code"]

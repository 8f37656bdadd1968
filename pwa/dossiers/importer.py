"""Bulk import of dossiers from CSV: validate every row first, then all or nothing.

UTF-8 (a BOM is accepted), a header row with the API's field names. Every bad
row is reported with its line number and reasons. Nothing is imported if any
row is bad, unless `keep_good` is asked for; the import is one transaction, so
a crash half-way leaves no half an import.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from pwa import audit
from pwa.dossiers import records
from pwa.errors import Invalid
from pwa.i18n import gettext as _

MAX_ROWS = 20_000


@dataclass(frozen=True)
class BadRow:
    """A row that cannot be imported: its line in the file and why."""

    line: int
    reasons: dict[str, str]

    def describe(self) -> str:
        """`line 3: phone: …; due_date: …`, for the command line."""
        return _("dòng %(line)d: %(reasons)s") % {
            "line": self.line,
            "reasons": "; ".join(f"{name}: {text}" for name, text in self.reasons.items()),
        }


@dataclass
class Report:
    """What an import found and did."""

    good: list[records.NewDossier] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)
    imported: int = 0

    @property
    def refused(self) -> bool:
        """True when rows were bad and none was imported."""
        return bool(self.bad) and not self.imported


def decode(data: bytes) -> str:
    """The file's text; Invalid if it is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(fields={"file": _("Tệp không phải UTF-8. Hãy lưu lại tệp CSV với mã hóa UTF-8.")}) from exc


@contextmanager
def readable(reader: Any) -> Iterator[None]:
    """Turn the csv module's own errors (a field over 128 KiB…) into Invalid on the file, with the line."""
    try:
        yield
    except csv.Error as exc:
        message = _("Không đọc được tệp CSV ở dòng %(line)d. Hãy lưu lại tệp dạng CSV UTF-8.") % {
            "line": reader.line_num
        }
        raise Invalid(fields={"file": message}) from exc


def check(session: Session, text: str, tz: ZoneInfo) -> Report:
    """Validate every row (against each other and the database); import nothing."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    with readable(reader):
        _check_header(reader.fieldnames)
        reader.fieldnames = [name.strip() for name in reader.fieldnames or []]
        report = Report()
        seen = _check_rows(reader, tz, report)
    _mark_existing(session, report, seen)
    return report


def _check_rows(reader: csv.DictReader[str], tz: ZoneInfo, report: Report) -> dict[str, int]:
    seen: dict[str, int] = {}
    for row in reader:
        if reader.line_num - 1 > MAX_ROWS:
            raise Invalid(fields={"file": _("Tệp quá nhiều dòng: tối đa %(n)d dòng mỗi lần.") % {"n": MAX_ROWS}})
        line = reader.line_num
        if None in row:
            report.bad.append(BadRow(line, {"row": _("Dòng có nhiều cột hơn dòng tiêu đề.")}))
            continue
        try:
            new = records.validate(row, tz)
        except Invalid as exc:
            report.bad.append(BadRow(line, exc.fields))
            continue
        if new.code in seen:
            report.bad.append(BadRow(line, {"code": _("Trùng mã với dòng %(line)d.") % {"line": seen[new.code]}}))
            continue
        seen[new.code] = line
        report.good.append(new)
    return seen


def _check_header(names: Sequence[str] | None) -> None:
    present = [n.strip() for n in names or []]
    missing = [n for n in records.FIELDS if n not in present]
    unknown = [n for n in present if n not in records.FIELDS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("thiếu cột %(names)s") % {"names": ", ".join(missing)})
        if unknown:
            parts.append(_("cột lạ %(names)s") % {"names": ", ".join(unknown)})
        message = _("Dòng tiêu đề (dòng 1) sai: %(problems)s. Cần đúng các cột: %(fields)s.") % {
            "problems": "; ".join(parts),
            "fields": ",".join(records.FIELDS),
        }
        raise Invalid(fields={"file": message})


def _mark_existing(session: Session, report: Report, lines: dict[str, int]) -> None:
    taken = records.existing_codes(session, [new.code for new in report.good])
    for new in [n for n in report.good if n.code in taken]:
        report.bad.append(BadRow(lines[new.code], {"code": _("Mã hồ sơ này đã có trong hệ thống.")}))
    report.good = [n for n in report.good if n.code not in taken]
    report.bad.sort(key=lambda bad: bad.line)


def run(session: Session, text: str, tz: ZoneInfo, *, actor: str, keep_good: bool = False) -> Report:
    """Check, then import in the caller's transaction: all rows, or (if asked) the good ones only."""
    report = check(session, text, tz)
    if report.bad and not keep_good:
        return report
    for new in report.good:
        records.create(session, new, actor=actor)
    report.imported = len(report.good)
    detail = f"{report.imported} imported, {len(report.bad)} bad rows skipped"
    audit.record(session, actor=actor, action="dossier.import", subject="dossiers", detail=detail)
    return report

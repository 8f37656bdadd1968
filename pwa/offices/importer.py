"""Bulk import of places and payment days from CSV: every row checked first, then all or nothing.

UTF-8 (a BOM is accepted) with a header row. Every bad row is reported with its line and
reasons; if any row is bad nothing is written. Rows are upserted (places by `code`, payment
days by place, kind and date), so importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlmodel import Session, col, select

from pwa import audit
from pwa.db import Database
from pwa.dossiers.importer import BadRow, decode, readable
from pwa.errors import Invalid
from pwa.i18n import gettext as _
from pwa.models import Office, PaymentDay, utcnow
from pwa.offices import places, search
from pwa.settings import Settings

MAX_ROWS = 5_000
T = TypeVar("T")
__all__ = ["BadRow", "Result", "decode", "import_offices", "import_payment_days"]


@dataclass(frozen=True)
class Result:
    """What an import found and did (nothing, if any row was bad)."""

    bad: tuple[BadRow, ...]
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _rows(text: str, fields: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    with readable(reader):
        return _read_rows(reader, fields)


def _read_rows(reader: csv.DictReader[str], fields: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    present = [name.strip() for name in reader.fieldnames or []]
    if sorted(present) != sorted(fields):
        message = _("Dòng tiêu đề (dòng 1) sai. Cần đúng các cột: %(fields)s.") % {"fields": ",".join(fields)}
        raise Invalid(fields={"file": message})
    reader.fieldnames = present
    rows: list[tuple[int, dict[str, str]]] = []
    for row in reader:
        if len(rows) >= MAX_ROWS:
            raise Invalid(fields={"file": _("Tệp quá nhiều dòng: tối đa %(n)d dòng mỗi lần.") % {"n": MAX_ROWS}})
        rows.append((reader.line_num, {k: v for k, v in row.items() if k is not None}))
        if None in row:
            rows[-1][1]["__extra__"] = "1"
    return rows


def _checked(
    rows: list[tuple[int, dict[str, str]]], check: Callable[[dict[str, str]], T], key: Callable[[T], Any]
) -> tuple[list[tuple[int, T]], list[BadRow]]:
    good: list[tuple[int, T]] = []
    bad: list[BadRow] = []
    seen: dict[Any, int] = {}
    for line, row in rows:
        if row.pop("__extra__", None):
            bad.append(BadRow(line, {"row": _("Dòng có nhiều cột hơn dòng tiêu đề.")}))
            continue
        try:
            new = check(row)
        except Invalid as exc:
            bad.append(BadRow(line, exc.fields))
            continue
        if key(new) in seen:
            bad.append(BadRow(line, {"code": _("Trùng với dòng %(line)d.") % {"line": seen[key(new)]}}))
            continue
        seen[key(new)] = line
        good.append((line, new))
    return good, bad


def import_offices(db: Database, settings: Settings, text: str, *, actor: str, demo: bool | None = None) -> Result:
    """Check every row of a places CSV, then upsert them all by code, or none."""
    rows = _rows(text, places.OFFICE_FIELDS)
    good, bad = _checked(rows, lambda row: places.check_office(row, settings.province_code), lambda n: n.code)
    if bad:
        return Result(tuple(bad))
    with db.write() as session:
        counts = [upsert_office(session, new, demo=demo) for _line, new in good]
        result = Result((), counts.count("created"), counts.count("updated"), counts.count("unchanged"))
        _audit(session, actor, "office.import", result)
    return result


def upsert_office(
    session: Session, new: places.NewOffice, *, demo: bool | None = None, now: datetime | None = None
) -> str:
    """Create or update a place by code; `created`, `updated` or `unchanged`. `demo` None keeps the
    place's flag (a new place is real): an edit never turns a DEMO place into a real one."""
    values: dict[str, Any] = dict(new.__dict__)
    values["search_text"] = search.search_text(new.name, new.ward_code, new.address)
    if demo is not None:
        values["demo"] = demo
    office = session.exec(select(Office).where(Office.code == new.code)).first()
    if office is None:
        session.add(Office(**values))
        return "created"
    if all(getattr(office, name) == value for name, value in values.items()):
        return "unchanged"
    for name, value in values.items():
        setattr(office, name, value)
    office.updated_at = now or utcnow()
    return "updated"


def import_payment_days(db: Database, settings: Settings, text: str, *, actor: str) -> Result:
    """Check every row of a payment days CSV (places must exist), then upsert them all, or none."""
    rows = _rows(text, places.DAY_FIELDS)
    today = utcnow().astimezone(settings.tz).date()
    good, bad = _checked(
        rows, lambda row: places.check_payment_day(row, today), lambda n: (n.office_code, n.kind, n.day)
    )
    with db.write() as session:
        ids = _office_ids(session, [new.office_code for _line, new in good])
        for line, new in good:
            if new.office_code not in ids:
                message = _("Không có điểm bưu điện mã %(code)s.") % {"code": new.office_code}
                bad.append(BadRow(line, {"office_code": message}))
        if bad:
            return Result(tuple(sorted(bad, key=lambda b: b.line)))
        counts = [upsert_payment_day(session, ids[new.office_code], new) for _line, new in good]
        result = Result((), counts.count("created"), counts.count("updated"), counts.count("unchanged"))
        _audit(session, actor, "payment_day.import", result)
    return result


def _office_ids(session: Session, codes: Sequence[str]) -> dict[str, int]:
    query = select(Office.code, Office.id).where(col(Office.code).in_(sorted(set(codes))))
    return {code: int(office_id or 0) for code, office_id in session.exec(query).all()}


def upsert_payment_day(session: Session, office_id: int, new: places.NewPaymentDay) -> str:
    """Create or update a payment day by place, kind and date; `created`, `updated` or `unchanged`."""
    row = session.exec(
        select(PaymentDay).where(
            PaymentDay.office_id == office_id, PaymentDay.kind == new.kind, PaymentDay.day == new.day
        )
    ).first()
    if row is None:
        session.add(PaymentDay(office_id=office_id, kind=new.kind, day=new.day, opens=new.opens, closes=new.closes))
        return "created"
    if (row.opens, row.closes) == (new.opens, new.closes):
        return "unchanged"
    row.opens, row.closes, row.updated_at = new.opens, new.closes, utcnow()
    return "updated"


def _audit(session: Session, actor: str, action: str, result: Result) -> None:
    detail = f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged"
    audit.record(session, actor=actor, action=action, subject="offices", detail=detail)

"""Creating, finding and listing dossiers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case
from sqlmodel import Session, col, select

from pwa import audit
from pwa.admin_units import fold
from pwa.dossiers import fields
from pwa.dossiers.statuses import DONE_CODES
from pwa.errors import Conflict, Invalid, NotFound
from pwa.i18n import gettext as _
from pwa.models import Dossier

FIELDS = ("code", "procedure", "agency", "applicant_name", "phone", "received_at", "due_date", "channel")


@dataclass(frozen=True)
class NewDossier:
    """A dossier that passed validation."""

    code: str
    procedure: str
    agency: str
    applicant_name: str
    phone: str
    received_at: datetime
    due_date: date
    channel: int


def validate(data: Mapping[str, Any], tz: ZoneInfo) -> NewDossier:
    """Check every field at once; Invalid lists each bad field with how to fix it."""
    parsers: dict[str, Any] = {
        "code": fields.code,
        "procedure": lambda v: fields.text(v, max_len=500),
        "agency": lambda v: fields.text(v, max_len=255),
        "applicant_name": lambda v: fields.text(v, max_len=120),
        "phone": fields.phone,
        "received_at": lambda v: fields.moment(v, tz),
        "due_date": fields.day,
        "channel": fields.channel,
    }
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, parse in parsers.items():
        try:
            clean[name] = parse(data.get(name))
        except fields.FieldError as exc:
            errors[name] = str(exc)
    if not errors and clean["due_date"] < clean["received_at"].astimezone(tz).date():
        errors["due_date"] = _("Ngày hẹn trả không thể trước ngày tiếp nhận.")
    if errors:
        raise Invalid(fields=errors)
    return NewDossier(**clean)


def create(session: Session, new: NewDossier, *, actor: str) -> Dossier:
    """Store a validated dossier; Conflict if its code exists."""
    if find(session, code=new.code) is not None:
        raise Conflict(_("Mã hồ sơ %(code)s đã có.") % {"code": new.code}, fields={"code": _("Mã hồ sơ này đã có.")})
    dossier = Dossier(**new.__dict__, search_text=search_text(new.code, new.procedure))
    session.add(dossier)
    audit.record(session, actor=actor, action="dossier.create", subject=f"dossier:{new.code}")
    session.flush()
    return dossier


def find(session: Session, *, code: str) -> Dossier | None:
    """The dossier with this code (as typed: spaces and case do not matter)."""
    return session.exec(select(Dossier).where(Dossier.code == fields.normalise_code(code))).first()


def get(session: Session, *, code: str) -> Dossier:
    """The dossier with this code; NotFound naming the code otherwise."""
    dossier = find(session, code=code)
    if dossier is None:
        raise NotFound(_("Không có hồ sơ mã %(code)s.") % {"code": code[:40]})
    return dossier


def existing_codes(session: Session, codes: Sequence[str]) -> set[str]:
    """Which of these codes are already taken."""
    if not codes:
        return set()
    return set(session.exec(select(Dossier.code).where(col(Dossier.code).in_(list(codes)))).all())


def staff_list(session: Session, *, query: str = "", today: date, limit: int = 100) -> list[Dossier]:
    """Dossiers for the staff page: open ones past their due date first, then by due date."""
    stmt = select(Dossier)
    needle = fold(" ".join(query.split()))
    if needle:
        stmt = stmt.where(col(Dossier.search_text).like(f"%{_escape_like(needle)}%", escape="\\"))
    done = col(Dossier.status_code).in_(sorted(DONE_CODES))
    rank = case((done, 2), (col(Dossier.due_date) < today, 0), else_=1)
    stmt = stmt.order_by(rank, col(Dossier.due_date), col(Dossier.code)).limit(limit)
    return list(session.exec(stmt).all())


def search_text(code: str, procedure: str) -> str:
    """What staff search matches: code and procedure, lower-case, without diacritics (`dang ky` finds `Đăng ký`)."""
    return fold(f"{code} {procedure}")[:600]


def _escape_like(text: str) -> str:
    """`%` and `_` typed by staff are literal characters, not wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

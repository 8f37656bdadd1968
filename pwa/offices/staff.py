"""What staff do with places: add and edit them and their payment days (every change audited)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select

from pwa import audit, phones
from pwa.db import Database
from pwa.errors import Conflict, Invalid, NotFound
from pwa.i18n import gettext as _
from pwa.models import Office, PaymentDay, utcnow
from pwa.offices import importer, places, views
from pwa.settings import Settings


@dataclass(frozen=True)
class Editing:
    """A place as its edit form shows it, with its payment days from today on."""

    code: str
    values: dict[str, str]
    payments: tuple[views.Payment, ...]


def editing(db: Database, settings: Settings, *, code: str) -> Editing:
    """The form values of a place, or NotFound."""
    today = utcnow().astimezone(settings.tz).date()
    with db.read() as session:
        office = session.exec(select(Office).where(Office.code == places.code_key(code))).first()
        if office is None:
            raise NotFound(_("Không có điểm bưu điện mã này."))
        query = (
            select(PaymentDay)
            .where(PaymentDay.office_id == office.id, col(PaymentDay.day) >= today)
            .order_by(col(PaymentDay.day), col(PaymentDay.kind))
        )
        payments = tuple(views.payment(row) for row in session.exec(query).all())
        return Editing(office.code, _values(office), payments)


def _values(office: Office) -> dict[str, str]:
    values = {name: str(getattr(office, name)) for name in places.OFFICE_FIELDS}
    values["phone"] = phones.display(office.phone) if office.phone else ""
    return values


def save_office(
    db: Database, settings: Settings, form: Mapping[str, Any], *, actor: str, code: str | None = None
) -> str:
    """Add a place (`code` None) or edit the place `code`; returns its code. Invalid names each bad field."""
    data = {name: str(form.get(name, "")) for name in places.OFFICE_FIELDS}
    if code is not None:
        data["code"] = code
    new = places.check_office(data, settings.province_code)
    with db.write() as session:
        exists = session.exec(select(Office.id).where(Office.code == new.code)).first() is not None
        if code is None and exists:
            raise Conflict(fields={"code": _("Mã điểm này đã có.")})
        if code is not None and not exists:
            raise NotFound(_("Không có điểm bưu điện mã này."))
        outcome = importer.upsert_office(session, new)
        audit.record(session, actor=actor, action=f"office.{outcome}", subject=f"office:{new.code}")
    return new.code


def save_payment_day(db: Database, settings: Settings, form: Mapping[str, Any], *, actor: str) -> views.Payment:
    """Add or change a payment day of a place (by place, kind and date)."""
    today = utcnow().astimezone(settings.tz).date()
    new = places.check_payment_day({k: str(v) for k, v in form.items()}, today)
    with db.write() as session:
        office_id = session.exec(select(Office.id).where(Office.code == new.office_code)).first()
        if office_id is None:
            raise Invalid(fields={"office_code": _("Không có điểm bưu điện mã %(code)s.") % {"code": new.office_code}})
        outcome = importer.upsert_payment_day(session, int(office_id), new)
        subject = f"office:{new.office_code}"
        audit.record(session, actor=actor, action=f"payment_day.{outcome}", subject=subject, detail=_key(new))
    return views.Payment(new.kind, places.payment_label(new.kind), new.day, new.opens, new.closes)


def _key(new: places.NewPaymentDay) -> str:
    return f"{new.kind} {new.day.isoformat()} {new.opens}-{new.closes}"


def remove_payment_day(db: Database, settings: Settings, *, code: str, kind: str, day: str, actor: str) -> bool:
    """Cancel a payment day (`day` as the form sends it, YYYY-MM-DD); True if there was one."""
    try:
        on = date.fromisoformat(day.strip())
    except ValueError as exc:
        raise Invalid(fields={"date": _("Nhập ngày dạng YYYY-MM-DD, ví dụ 2026-12-05.")}) from exc
    with db.write() as session:
        office_id = session.exec(select(Office.id).where(Office.code == places.code_key(code))).first()
        if office_id is None:
            raise NotFound(_("Không có điểm bưu điện mã này."))
        stmt = delete(PaymentDay).where(
            col(PaymentDay.office_id) == office_id, col(PaymentDay.kind) == kind, col(PaymentDay.day) == on
        )
        removed = bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]
        if removed:
            detail = f"{kind} {on.isoformat()}"
            audit.record(session, actor=actor, action="payment_day.remove", subject=f"office:{code}", detail=detail)
    return removed

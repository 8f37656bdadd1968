"""Looking a dossier up with its code and secret, and which devices may open it again.

The secret is the last 4 digits of the phone registered with the dossier. An
unknown code and a wrong secret give the same error and do the same work (one
query, one constant-time comparison, the same two counter updates), so a
stranger cannot tell which codes exist. Failed lookups are counted per client
and per code in the database (`pwa.ratelimit`), so the limits hold across
processes; while a limit is reached, even a right secret is refused.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from pwa import devices, phones, ratelimit
from pwa.db import dialect_insert
from pwa.dossiers import records
from pwa.dossiers.fields import CODE_RE, code_hint, normalise_code
from pwa.errors import Invalid, NotFound
from pwa.i18n import gettext as _
from pwa.models import Dossier, DossierAccess, utcnow
from pwa.settings import Settings

SECRET_DIGITS = 4
_NEVER_MATCHES = "\x00" * SECRET_DIGITS  # compared against when the code is unknown: same work, never equal


@dataclass(frozen=True)
class Limits:
    """Failed lookups allowed per client and per code (defaults in Settings)."""

    client: ratelimit.Limit
    code: ratelimit.Limit


def not_found() -> NotFound:
    """The one answer for an unknown code and a wrong secret, word for word."""
    return NotFound(
        _("Không tìm thấy hồ sơ với mã và 4 số cuối điện thoại này. Kiểm tra lại mã trên giấy biên nhận."),
        fields={"code": _("Mã hồ sơ hoặc 4 số cuối điện thoại không đúng.")},
    )


def validate_form(code: str, secret: str) -> tuple[str, str]:
    """Check the shape of what was typed (no database work); Invalid per field."""
    clean_code, clean_secret = normalise_code(code), re.sub(r"\s", "", secret or "")
    errors: dict[str, str] = {}
    if not clean_code:
        errors["code"] = _("Nhập mã hồ sơ ghi trên giấy biên nhận.")
    elif len(clean_code) < 3:
        errors["code"] = _("Mã hồ sơ quá ngắn. Nhập đủ mã ghi trên giấy biên nhận.")
    elif not CODE_RE.match(clean_code):
        errors["code"] = code_hint()
    if not re.fullmatch(rf"[0-9]{{{SECRET_DIGITS}}}", clean_secret):
        errors["secret"] = _("Nhập 4 số cuối của số điện thoại đã đăng ký với hồ sơ, ví dụ 5678.")
    if errors:
        raise Invalid(fields=errors)
    return clean_code, clean_secret


def find(session: Session, *, code: str, secret: str, client: str, limits: Limits) -> Dossier | None:
    """The dossier if the secret matches, else None (the caller answers `not_found()`).

    A failure returns rather than raises, so the caller's transaction commits the
    failure counters. Invalid and RateLimited are raised (they change nothing).
    """
    code, secret = validate_form(code, secret)
    keys = (f"dossier:client:{client}", f"dossier:code:{code}")
    ratelimit.check(session, keys[0], limits.client)
    ratelimit.check(session, keys[1], limits.code)
    dossier = records.find(session, code=code)
    expected = phones.last_digits(dossier.phone, SECRET_DIGITS) if dossier else _NEVER_MATCHES
    matches = hmac.compare_digest(expected.encode(), secret.encode())
    if dossier is None or not matches:
        ratelimit.hit(session, keys[0], limits.client)
        ratelimit.hit(session, keys[1], limits.code)
        return None
    return dossier


def grant(session: Session, dossier: Dossier, device_key: str, *, lang: str, follow: bool = False) -> None:
    """Let this device open the dossier again (and follow it, if asked) in one upsert."""
    devices.ensure(session, device_key, lang=lang)
    insert = dialect_insert(session)
    stmt = insert(DossierAccess).values(
        device_key=device_key, dossier_id=dossier.id, following=follow, granted_at=utcnow()
    )
    update = {"following": True} if follow else {"granted_at": utcnow()}
    session.execute(stmt.on_conflict_do_update(index_elements=["device_key", "dossier_id"], set_=update))


def access(session: Session, *, code: str, device_key: str) -> tuple[Dossier, DossierAccess] | None:
    """The dossier and this device's access to it, or None if the device never looked it up."""
    row = session.exec(
        select(Dossier, DossierAccess)
        .join(DossierAccess, col(DossierAccess.dossier_id) == col(Dossier.id))
        .where(Dossier.code == normalise_code(code), DossierAccess.device_key == device_key)
    ).first()
    return (row[0], row[1]) if row else None


@dataclass(frozen=True)
class Marks:
    """What tells whether a device may open a dossier and whether its kept timeline is still current."""

    dossier_id: int
    code: str
    updated_at: datetime
    following: bool


_DOSSIER: Table = Dossier.__table__  # type: ignore[attr-defined]
_ACCESS: Table = DossierAccess.__table__  # type: ignore[attr-defined]
_ACCESS_MARKS = (
    sa_select(_DOSSIER.c.id, _DOSSIER.c.code, _DOSSIER.c.updated_at, _ACCESS.c.following)
    .join_from(_DOSSIER, _ACCESS, _ACCESS.c.dossier_id == _DOSSIER.c.id)
    .where(_DOSSIER.c.code == bindparam("code"), _ACCESS.c.device_key == bindparam("device"))
)


def access_marks(session: Session, *, code: str, device_key: str) -> Marks | None:
    """`access` in one light query (a prebuilt statement, no ORM rows): None if the device never looked it up."""
    row = session.execute(_ACCESS_MARKS, {"code": normalise_code(code), "device": device_key}).first()
    return Marks(dossier_id=row[0], code=row[1], updated_at=row[2], following=bool(row[3])) if row else None


def get_by_id(session: Session, dossier_id: int) -> Dossier:
    """The dossier with this id (which the caller just found)."""
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise not_found()
    return dossier


def set_following(session: Session, *, code: str, device_key: str, following: bool) -> Dossier:
    """Follow or unfollow a dossier this device may open; NotFound otherwise."""
    found = access(session, code=code, device_key=device_key)
    if found is None:
        raise not_found()
    dossier, grant_row = found
    grant_row.following = following
    session.add(grant_row)
    session.flush()
    return dossier


def mine(session: Session, *, device_key: str) -> list[tuple[Dossier, bool]]:
    """Dossiers this device may open, followed ones first, with whether it follows each."""
    rows = session.exec(
        select(Dossier, DossierAccess.following)
        .join(DossierAccess, col(DossierAccess.dossier_id) == col(Dossier.id))
        .where(DossierAccess.device_key == device_key)
        .order_by(col(DossierAccess.following).desc(), col(DossierAccess.granted_at).desc())
    ).all()
    return [(dossier, bool(following)) for dossier, following in rows]


def limits_for(settings: Settings) -> Limits:
    """The lookup limits configured for this app."""
    return Limits(
        client=ratelimit.Limit(count=settings.dossier_lookups_per_client, window=settings.dossier_lookup_client_window),
        code=ratelimit.Limit(count=settings.dossier_lookups_per_code, window=settings.dossier_lookup_code_window),
    )

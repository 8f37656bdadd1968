"""Staff accounts and partner API keys."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from pwa import audit, ratelimit
from pwa.db import Database
from pwa.errors import Conflict, Invalid
from pwa.i18n import gettext as _
from pwa.models import ApiKey, StaffUser, utcnow
from pwa.models.accounts import ROLES as ROLES
from pwa.models.accounts import SCOPES as SCOPES
from pwa.security import hash_api_key, hash_password, new_api_key, verify_password

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD = 10
# Failed sign-ins allowed per username, and per client address, each 15 minutes.
LOGIN_LIMIT = ratelimit.Limit(count=5, window=900)
LOGIN_CLIENT_LIMIT = ratelimit.Limit(count=20, window=900)


def validate_staff(username: str, password: str, role: str) -> dict[str, str]:
    """Per-field messages for a new staff account; empty when all is well."""
    errors: dict[str, str] = {}
    if not USERNAME_RE.match(username):
        errors["username"] = _("Tên đăng nhập gồm 3–64 chữ thường không dấu, số, dấu chấm, gạch ngang hoặc gạch dưới.")
    if len(password) < MIN_PASSWORD:
        errors["password"] = _("Mật khẩu cần ít nhất %(n)d ký tự.") % {"n": MIN_PASSWORD}
    if role not in ROLES:
        errors["role"] = _("Vai trò phải là admin, staff hoặc courier.")
    return errors


def create_staff(session: Session, *, username: str, password: str, role: str) -> StaffUser:
    """Create a staff account with an argon2 password hash."""
    username = username.strip().lower()
    errors = validate_staff(username, password, role)
    if errors:
        raise Invalid(fields=errors)
    if find_staff(session, username=username) is not None:
        raise Conflict(_("Tên đăng nhập này đã có."))
    user = StaffUser(username=username, password_hash=hash_password(password), role=role)
    session.add(user)
    audit.record(
        session, actor=audit.actor(system="accounts"), action="staff.create", subject=f"staff:{username}", detail=role
    )
    session.flush()
    return user


def find_staff(session: Session, *, username: str) -> StaffUser | None:
    """The staff account with this username, if any."""
    return session.exec(select(StaffUser).where(StaffUser.username == username.strip().lower())).first()


def get_staff(session: Session, *, staff_id: int) -> StaffUser | None:
    """An active staff account by id (sessions store the id)."""
    user = session.get(StaffUser, staff_id)
    return user if user is not None and user.active else None


def couriers(session: Session) -> list[str]:
    """Usernames that may be given a round: active couriers first, then counter staff who go out themselves."""
    query = select(StaffUser.username, StaffUser.role).where(
        col(StaffUser.active).is_(True), col(StaffUser.role).in_(("courier", "staff"))
    )
    rows = session.exec(query).all()
    return [name for role, name in sorted((role != "courier", name) for name, role in rows)]


def list_staff(session: Session) -> Sequence[StaffUser]:
    """Every staff account, by username."""
    return session.exec(select(StaffUser).order_by(col(StaffUser.username))).all()


def authenticate(session: Session, *, username: str, password: str, client: str) -> StaffUser | None:
    """The staff user for these credentials, or None; failures are rate limited."""
    name = username.strip().lower()
    keys = (f"login:user:{name}", f"login:client:{client}")
    ratelimit.check(session, keys[0], LOGIN_LIMIT)
    ratelimit.check(session, keys[1], LOGIN_CLIENT_LIMIT)
    user = find_staff(session, username=name)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        ratelimit.hit(session, keys[0], LOGIN_LIMIT)
        ratelimit.hit(session, keys[1], LOGIN_CLIENT_LIMIT)
        audit.record(session, actor=f"client:{client}", action="staff.login_failed", subject=f"staff:{name}")
        return None
    user.last_login_at = utcnow()
    audit.record(session, actor=audit.actor(staff=name), action="staff.login", subject=f"staff:{name}")
    return user


@dataclass(frozen=True)
class NewKey:
    """A key just created: the only moment its secret is known."""

    key: str
    record: ApiKey


def create_api_key(session: Session, *, name: str, scopes: Sequence[str]) -> NewKey:
    """Create an API key; only its hash is stored."""
    name = name.strip()
    errors: dict[str, str] = {}
    if not 1 <= len(name) <= 100:
        errors["name"] = _("Tên khóa cần từ 1 đến 100 ký tự.")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        errors["scopes"] = _("Phạm vi hợp lệ: %(scopes)s.") % {"scopes": ", ".join(SCOPES)}
    if errors:
        raise Invalid(fields=errors)
    key, prefix = new_api_key()
    record = ApiKey(name=name, prefix=prefix, key_hash=hash_api_key(key), scopes=",".join(sorted(set(scopes))))
    session.add(record)
    audit.record(
        session, actor=audit.actor(system="accounts"), action="api_key.create", subject=f"key:{prefix}", detail=name
    )
    session.flush()
    return NewKey(key=key, record=record)


def key_for(session: Session, *, key: str) -> ApiKey | None:
    """The live API key record matching a presented key, if any."""
    record = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_api_key(key))).first()
    if record is None or record.revoked_at is not None:
        return None
    return record


def use_key(session: Session, *, key: str, now: datetime | None = None) -> ApiKey | None:
    """The live record of a presented key, marked as used; detached, so it outlives the transaction."""
    record = key_for(session, key=key)
    if record is None:
        return None
    record.last_used_at = now or utcnow()
    session.flush()
    session.expunge(record)
    return record


def list_api_keys(session: Session) -> Sequence[ApiKey]:
    """Every API key, newest first (never the secret)."""
    return session.exec(select(ApiKey).order_by(col(ApiKey.created_at).desc())).all()


# Use cases: each opens its own transaction and returns plain, frozen data.
KEY_USE_RESOLUTION = timedelta(minutes=1)  # `last_used_at` is kept to the minute: most calls write nothing


@dataclass(frozen=True)
class Member:
    """A signed-in staff member, as pages and rules need them."""

    id: int
    username: str
    role: str
    last_login_at: datetime | None = None


@dataclass(frozen=True)
class Caller:
    """A partner's live API key (never its secret)."""

    name: str
    prefix: str
    scopes: frozenset[str]
    created_at: datetime | None = None
    last_used_at: datetime | None = None


@dataclass(frozen=True)
class Overview:
    """What an admin sees on the staff home page."""

    staff: tuple[Member, ...]
    keys: tuple[Caller, ...]


def _member(user: StaffUser) -> Member:
    return Member(id=user.id or 0, username=user.username, role=user.role, last_login_at=user.last_login_at)


def _caller(record: ApiKey) -> Caller:
    return Caller(record.name, record.prefix, frozenset(record.scope_set), record.created_at, record.last_used_at)


def sign_in(db: Database, *, username: str, password: str, client: str) -> Member | None:
    """Check staff credentials (rate limited, audited); the member, or None."""
    with db.write() as session:
        user = authenticate(session, username=username, password=password, client=client)
        return _member(user) if user is not None else None


def signed_in(db: Database, *, staff_id: int) -> Member | None:
    """The active staff member a session names, if the account still exists and is active."""
    with db.read() as session:
        user = get_staff(session, staff_id=staff_id)
        return _member(user) if user is not None else None


def overview(db: Database, *, member: Member) -> Overview:
    """Accounts and keys for an admin; nothing for other staff."""
    if member.role != "admin":
        return Overview(staff=(), keys=())
    with db.read() as session:
        return Overview(
            staff=tuple(_member(u) for u in list_staff(session)),
            keys=tuple(_caller(k) for k in list_api_keys(session)),
        )


def present_key(db: Database, *, key: str, now: datetime | None = None) -> Caller | None:
    """The live key a partner presented, its use recorded to the minute; None for an unknown or revoked key."""
    now = now or utcnow()
    with db.read() as session:
        record = key_for(session, key=key)
        if record is None:
            return None
        caller, last = _caller(record), record.last_used_at
    if last is None or now - _aware(last) >= KEY_USE_RESOLUTION:
        with db.write() as session:
            use_key(session, key=key, now=now)
    return caller


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)

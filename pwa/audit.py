"""The audit log: who changed what, and when."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from pwa.models import AuditEntry


def actor(*, staff: str | None = None, key_prefix: str | None = None, api: bool = False, system: str = "") -> str:
    """Who did it, as the audit log writes it: one spelling for every caller.

    Staff by username, API keys by their public prefix (never by their editable
    name), a customer on the site or through the API, or a named system task.
    """
    if staff:
        return f"staff:{staff}"
    if key_prefix:
        return f"key:{key_prefix}"
    if system:
        return f"system:{system}"
    return "customer:api" if api else "customer"


def record(session: Session, *, actor: str, action: str, subject: str = "", detail: str = "") -> None:
    """Add an entry in the caller's transaction, so it lands with the change."""
    session.add(AuditEntry(actor=actor[:120], action=action[:64], subject=subject[:120], detail=detail[:2000]))


def recent(session: Session, *, limit: int = 50, subject: str | None = None) -> Sequence[AuditEntry]:
    """The newest entries first, optionally for one subject."""
    query = select(AuditEntry).order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    if subject is not None:
        query = query.where(AuditEntry.subject == subject)
    return session.exec(query.limit(limit)).all()

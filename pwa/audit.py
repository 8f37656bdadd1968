"""The audit log: who changed what, and when."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from pwa.models import AuditEntry


def record(session: Session, *, actor: str, action: str, subject: str = "", detail: str = "") -> None:
    """Add an entry in the caller's transaction, so it lands with the change."""
    session.add(AuditEntry(actor=actor[:120], action=action[:64], subject=subject[:120], detail=detail[:2000]))


def recent(session: Session, *, limit: int = 50, subject: str | None = None) -> Sequence[AuditEntry]:
    """The newest entries first, optionally for one subject."""
    query = select(AuditEntry).order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    if subject is not None:
        query = query.where(AuditEntry.subject == subject)
    return session.exec(query.limit(limit)).all()

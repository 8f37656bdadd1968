"""Staff announcements: to everyone, to communes, or to a topic; now or at a set time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from pwa import admin_units, audit, notify
from pwa.errors import Invalid, NotFound
from pwa.i18n import gettext as _
from pwa.models import Notice, PushAttempt, PushDelivery, utcnow
from pwa.push import outbox, subscriptions
from pwa.topics import EVERYONE, FIXED, commune
from pwa.urls import local_path
from pwa.util import has_control

TOPIC_TARGETS = FIXED
STATUSES = ("queued", "sent", "failed", "pruned")
LAST_ATTEMPT = {"sent": "sent", "pruned": "gone", "failed": "failed"}  # a finished delivery's last attempt
MAX_AHEAD = timedelta(days=60)


@dataclass(frozen=True)
class Draft:
    """A notice as typed, checked."""

    title: str
    body: str
    url: str
    topics: tuple[str, ...]
    send_at: datetime | None


def check(*, title: str, body: str, url: str, topics: Sequence[str], send_at: datetime | None, now: datetime) -> Draft:
    """Validate a notice; Invalid names every field that needs fixing."""
    title, body, url = title.strip(), body.strip(), url.strip()
    errors: dict[str, str] = {}
    if not 3 <= len(title) <= 120:
        errors["title"] = _("Nhập tiêu đề từ 3 đến 120 ký tự.")
    if not 3 <= len(body) <= 500:
        errors["body"] = _("Nhập nội dung từ 3 đến 500 ký tự.")
    for name, text, allowed in (("title", title, ""), ("body", body, "\n\r\t"), ("url", url, "")):
        if name not in errors and has_control(text, allowed=allowed):
            errors[name] = _("Có ký tự điều khiển không hợp lệ; hãy gõ lại bằng bàn phím.")
    if url and (local_path(url) is None or len(url) > 500 or " " in url):
        errors["url"] = _("Đường dẫn phải là một trang của ứng dụng, bắt đầu bằng /, ví dụ /dossiers.")
    if not topics:
        errors["target"] = _("Chọn người nhận: tất cả, một hoặc nhiều xã/phường, hoặc một chủ đề.")
    if send_at is not None and not now - timedelta(minutes=5) <= send_at <= now + MAX_AHEAD:
        errors["send_at"] = _("Thời điểm gửi phải từ bây giờ đến 60 ngày tới.")
    if errors:
        raise Invalid(fields=errors)
    size_check = outbox.payload(title=title, body=body, url=url or "/notices/000000", tag="notice-000000", lang="vi")
    del size_check  # raises PayloadTooLarge if the text cannot travel by push
    return Draft(title, body, url, tuple(dict.fromkeys(topics)), send_at)


def commune_topics(codes: Sequence[str | int]) -> list[str]:
    """`commune:<code>` topics for ward codes; unknown codes raise Invalid on `ward_codes`."""
    found = []
    for code in codes:
        text = str(code).strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 8 or admin_units.commune(int(text)) is None:
            raise Invalid(fields={"ward_codes": _("Mã xã/phường không tồn tại: %(code)s") % {"code": text[:12]}})
        found.append(commune(int(text)))
    return found


def create(session: Session, draft: Draft, *, actor: str, now: datetime | None = None) -> Notice:
    """Store the notice; if it is due, fan it out in this same transaction."""
    now = now or utcnow()
    notice = Notice(
        title=draft.title,
        body=draft.body,
        url=draft.url,
        topics=",".join(draft.topics),
        send_at=draft.send_at or now,
        created_by=actor[:120],
        created_at=now,
    )
    session.add(notice)
    session.flush()
    audit.record(session, actor=actor, action="notice.create", subject=f"notice:{notice.id}", detail=notice.topics)
    if notice.send_at <= now:
        dispatch(session, notice, now=now)
    return notice


def dispatch(session: Session, notice: Notice, *, now: datetime) -> int:
    """Inbox entries and push deliveries for every device following the notice's topics."""
    topics = notice.topics.split(",")
    devices = subscriptions.followers(session, topics)
    title, body = notice.title, notice.body
    message = notify.Message(
        topic=topics[0] if topics[0] != EVERYONE else "news",
        kind="notice",
        tag=f"notice-{notice.id}",
        url=notice.url or f"/notices/{notice.id}",
        text=lambda: (title, body),  # staff write one text; it is not translated
    )
    notify.deliver(session, message, devices, require_topic=False, notice_id=notice.id)
    notice.dispatched_at, notice.recipients = now, len(devices)
    session.add(notice)
    return len(devices)


def dispatch_due(session: Session, *, now: datetime, limit: int = 5) -> int:
    """Fan out scheduled notices whose time has come (each exactly once, even with several workers)."""
    query = (
        select(Notice)
        .where(col(Notice.dispatched_at).is_(None), col(Notice.send_at) <= now)
        .order_by(col(Notice.send_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    due = list(session.exec(query).all())
    for notice in due:
        dispatch(session, notice, now=now)
    return len(due)


def get(session: Session, notice_id: int) -> Notice:
    """One notice, or NotFound."""
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NotFound(_("Không có thông báo này."))
    return notice


def counts(session: Session, notice_id: int) -> dict[str, int]:
    """Deliveries of a notice by status: queued, sent, failed, pruned."""
    query = (
        select(PushDelivery.status, func.count())
        .where(PushDelivery.notice_id == notice_id)
        .group_by(col(PushDelivery.status))
    )
    found = {status: int(n) for status, n in session.exec(query).all()}
    return {status: found.get(status, 0) for status in STATUSES}


def attempts(session: Session, notice_id: int) -> list[tuple[str, int | None, int]]:
    """Every attempt at this notice's deliveries, as (result, HTTP status, how many), commonest
    first; results as the worker names them: sent, retry, gone (subscription pruned), failed.

    A finished delivery's last attempt is on its own row; every other attempt is in the log.
    """
    logged = (
        select(PushAttempt.result, PushAttempt.code, func.count())
        .join(PushDelivery, col(PushDelivery.id) == col(PushAttempt.delivery_id))
        .where(PushDelivery.notice_id == notice_id)
        .group_by(col(PushAttempt.result), col(PushAttempt.code))
    )
    last = (
        select(PushDelivery.status, PushDelivery.last_code, func.count())
        .where(PushDelivery.notice_id == notice_id, PushDelivery.status != "queued", col(PushDelivery.attempts) > 0)
        .group_by(col(PushDelivery.status), col(PushDelivery.last_code))
    )
    found: dict[tuple[str, int | None], int] = {}
    for rows, names in ((session.exec(logged).all(), {}), (session.exec(last).all(), LAST_ATTEMPT)):
        for result, code, n in rows:
            key = (names.get(str(result), str(result)), None if code is None else int(code))
            found[key] = found.get(key, 0) + int(n)
    return sorted(((r, c, n) for (r, c), n in found.items()), key=lambda row: (-row[2], row[0], row[1] or 0))


def recent(session: Session, *, limit: int = 20) -> list[tuple[Notice, dict[str, int]]]:
    """The newest notices with their delivery counts."""
    notices = session.exec(select(Notice).order_by(col(Notice.created_at).desc()).limit(limit)).all()
    return [(n, counts(session, int(n.id or 0))) for n in notices]


def config_problems(session: Session, *, now: datetime | None = None) -> list[tuple[int, int, str]]:
    """(status code, how many, last error) of 403/413 failures in the last 7 days: ours to fix."""
    since = (now or utcnow()) - timedelta(days=7)
    query = (
        select(PushDelivery.last_code, func.count(), func.max(PushDelivery.last_error))
        .where(col(PushDelivery.last_code).in_([403, 413]), col(PushDelivery.finished_at) >= since)
        .group_by(col(PushDelivery.last_code))
    )
    return [(int(code or 0), int(n), str(err or "")) for code, n, err in session.exec(query).all()]

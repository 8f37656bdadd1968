"""Staff announcements as people make and read them: the staff page, the API, the public page.

Each function is one thing a person does; it opens its own transaction and
returns plain data. The rules of a notice itself are in pwa/push/notices.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from pwa.db import Database
from pwa.errors import AppError, Invalid, NotFound
from pwa.i18n import gettext as _
from pwa.models import Notice, utcnow
from pwa.push import notices
from pwa.push.notices import Draft
from pwa.settings import Settings
from pwa.topics import EVERYONE
from pwa.urls import local_path


@dataclass(frozen=True)
class NoticeView:
    """A notice as pages and the API show it."""

    id: int
    title: str
    body: str
    url: str
    send_at: datetime
    dispatched_at: datetime | None
    recipients: int

    @classmethod
    def of(cls, row: Notice) -> NoticeView:
        """The plain copy of a notice row."""
        return cls(int(row.id or 0), row.title, row.body, row.url, row.send_at, row.dispatched_at, row.recipients)

    @property
    def link(self) -> str | None:
        """The page of the app it points to, if any (never another site)."""
        return local_path(self.url)


@dataclass(frozen=True)
class Report:
    """One notice with its deliveries by status and its attempts as (result, HTTP status, how many)."""

    notice: NoticeView
    counts: dict[str, int]
    attempts: list[tuple[str, int | None, int]]


@dataclass(frozen=True)
class Board:
    """The staff page's lists: recent notices with their counts, and push configuration problems."""

    recent: list[tuple[NoticeView, dict[str, int]]]
    problems: list[tuple[int, int, str]]


@dataclass(frozen=True)
class Composed:
    """What became of the staff form: sent (`notice_id`), or the page to show again with `errors`."""

    notice_id: int | None
    errors: dict[str, str]
    board: Board | None


def board(db: Database) -> Board:
    """The recent notices and what the push services refused lately."""
    with db.read() as session:
        recent = [(NoticeView.of(n), counts) for n, counts in notices.recent(session)]
        return Board(recent, notices.config_problems(session))


def compose(db: Database, settings: Settings, *, values: dict[str, Any], send: bool, actor: str) -> Composed:
    """Check the staff form (`title`, `body`, `url`, `target`, `ward_codes`, `send_at`); create it if `send`."""
    try:
        draft = _staff_draft(values, settings.tz)
    except AppError as exc:
        return Composed(None, exc.fields or {"body": exc.message}, board(db))
    if not send:
        return Composed(None, {}, board(db))  # a preview
    return Composed(_create(db, draft, actor), {}, None)


def post(db: Database, *, data: dict[str, Any], actor: str) -> int:
    """Create a notice from the API's JSON (`title`, `body`, `url`, `ward_codes`, `send_at`); its id."""
    codes = data.get("ward_codes")
    if codes is not None and (not isinstance(codes, list) or not codes):
        raise Invalid(fields={"ward_codes": _("ward_codes phải là danh sách mã xã/phường.")})
    targets = notices.commune_topics(codes) if codes else ["news"]
    fields = {name: data.get(name) for name in ("title", "body", "url")}
    if not all(isinstance(v, str) or v is None for v in fields.values()):
        raise Invalid(fields={k: _("Phải là chuỗi ký tự.") for k, v in fields.items() if not isinstance(v, str)})
    draft = notices.check(
        title=fields["title"] or "",
        body=fields["body"] or "",
        url=fields["url"] or "",
        topics=targets,
        send_at=_iso_time(data.get("send_at")),
        now=utcnow(),
    )
    return _create(db, draft, actor)


def report(db: Database, *, notice_id: int) -> Report:
    """One notice and how its deliveries went; NotFound if there is none."""
    with db.read() as session:
        notice = NoticeView.of(notices.get(session, notice_id))
        return Report(notice, notices.counts(session, notice_id), notices.attempts(session, notice_id))


def read(db: Database, *, notice_id: int) -> NoticeView:
    """A notice as the public sees it once sent; NotFound before that."""
    with db.read() as session:
        notice = notices.get(session, notice_id)
        if notice.dispatched_at is None:
            raise NotFound(_("Không có thông báo này."))
        return NoticeView.of(notice)


def _create(db: Database, draft: Draft, actor: str) -> int:
    with db.write() as session:
        return int(notices.create(session, draft, actor=actor).id or 0)


def _staff_draft(values: dict[str, Any], tz: tzinfo) -> Draft:
    return notices.check(
        title=values["title"],
        body=values["body"],
        url=values["url"],
        topics=_targets(values),
        send_at=_local_time(values["send_at"], tz),
        now=utcnow(),
    )


def _targets(values: dict[str, Any]) -> list[str]:
    """The staff form's choice of readers as topics: everyone, communes, or one fixed topic."""
    target = values["target"]
    if target == "all":
        return [EVERYONE]
    if target == "communes":
        return notices.commune_topics(values["ward_codes"]) if values["ward_codes"] else []
    return [target] if target in notices.TOPIC_TARGETS else []


def _local_time(text: str, tz: tzinfo) -> datetime | None:
    """The staff form's `datetime-local` value, in the post office's zone unless it names one."""
    if not text:
        return None
    try:
        local = datetime.fromisoformat(text)
    except ValueError as exc:
        raise Invalid(fields={"send_at": _("Nhập ngày giờ gửi, ví dụ 02/12/2026 07:00.")}) from exc
    return local.replace(tzinfo=tz) if local.tzinfo is None else local


def _iso_time(value: Any) -> datetime | None:
    """The API's ISO 8601 time, which must name its zone."""
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise Invalid(fields={"send_at": _("Thời điểm gửi theo ISO 8601 có múi giờ, ví dụ 2026-12-02T07:00:00+07:00.")})
    return parsed

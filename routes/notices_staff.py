"""Staff announcements: compose, preview, send now or later, see delivery counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pwa import admin_units
from pwa.errors import AppError, Invalid
from pwa.i18n import gettext as _
from pwa.models import utcnow
from pwa.push import notices
from routes._web import db, redirect, render, settings_of, staff_required
from routes.api import path_id


def _form_values(form: FormData) -> dict[str, Any]:
    return {
        "title": str(form.get("title", ""))[:200],
        "body": str(form.get("body", ""))[:1000],
        "url": str(form.get("url", ""))[:600],
        "target": str(form.get("target", "news")),
        "ward_codes": [str(c) for c in form.getlist("ward_codes")][:200],
        "send_at": str(form.get("send_at", ""))[:20],
    }


def _topics(values: dict[str, Any]) -> list[str]:
    target = values["target"]
    if target == "all":
        return [notices.EVERYONE]
    if target == "communes":
        return notices.commune_topics(values["ward_codes"]) if values["ward_codes"] else []
    return [target] if target in notices.TOPIC_TARGETS else []


def _send_at(request: Request, text: str) -> datetime | None:
    if not text:
        return None
    try:
        local = datetime.fromisoformat(text)
    except ValueError as exc:
        raise Invalid(fields={"send_at": _("Nhập ngày giờ gửi, ví dụ 02/12/2026 07:00.")}) from exc
    return local.replace(tzinfo=settings_of(request).tz) if local.tzinfo is None else local


async def _page(request: Request, values: dict[str, Any], errors: dict[str, str], status: int = 200) -> Response:
    def load(session: Session) -> dict[str, Any]:
        return {"recent": notices.recent(session), "problems": notices.config_problems(session)}

    context = await db(request).reading(load)
    context.update(
        values=values,
        errors=errors,
        communes=admin_units.communes(settings_of(request).province_code),
        preview=status == 200 and request.method == "POST",
    )
    return render(request, "staff/notices.html", context, status=status, block="content")


@staff_required()
async def index(request: Request) -> Response:
    """The compose form and the recent notices with their counts."""
    empty = {"title": "", "body": "", "url": "", "target": "news", "ward_codes": [], "send_at": ""}
    return await _page(request, empty, {})


@staff_required()
async def submit(request: Request) -> Response:
    """Preview (re-render with the notification as it will look) or create the notice."""
    values = _form_values(await request.form())
    try:
        draft = notices.check(
            title=values["title"],
            body=values["body"],
            url=values["url"],
            topics=_topics(values),
            send_at=_send_at(request, values["send_at"]),
            now=utcnow(),
        )
    except AppError as exc:
        return await _page(request, values, exc.fields or {"body": exc.message}, status=422)
    if (await request.form()).get("action") != "send":
        return await _page(request, values, {})
    actor = f"staff:{request.state.staff.username}"

    def create(session: Session) -> int:
        return int(notices.create(session, draft, actor=actor).id or 0)

    notice_id = await db(request).writing(create)
    return redirect(f"/staff/notices/{notice_id}", request=request)


@staff_required()
async def show(request: Request) -> Response:
    """One notice and its delivery counts."""
    notice_id = path_id(request, "notice_id")

    def load(session: Session) -> dict[str, Any]:
        notice = notices.get(session, notice_id)
        session.expunge(notice)
        return {
            "notice": notice,
            "counts": notices.counts(session, notice_id),
            "attempts": notices.attempts(session, notice_id),
        }

    return render(request, "staff/notice.html", await db(request).reading(load))


routes = [
    Route("/staff/notices", index, methods=["GET"], name="staff_notices"),
    Route("/staff/notices", submit, methods=["POST"]),
    Route("/staff/notices/{notice_id:int}", show, methods=["GET"]),
]

"""Staff announcements: compose, preview, send now or later, see delivery counts."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pwa import admin_units
from pwa.push import announce
from routes._web import actor, call, db, form_of, redirect, render, settings_of, staff_required
from routes.api import path_id

EMPTY = {"title": "", "body": "", "url": "", "target": "news", "ward_codes": [], "send_at": ""}


def _form_values(form: FormData) -> dict[str, Any]:
    return {
        "title": str(form.get("title", ""))[:200],
        "body": str(form.get("body", ""))[:1000],
        "url": str(form.get("url", ""))[:600],
        "target": str(form.get("target", "news")),
        "ward_codes": [str(c) for c in form.getlist("ward_codes")][:200],
        "send_at": str(form.get("send_at", ""))[:20],
    }


def _page(request: Request, board: announce.Board, values: dict[str, Any], errors: dict[str, str]) -> Response:
    status = 422 if errors else 200
    context = {
        "recent": board.recent,
        "problems": board.problems,
        "values": values,
        "errors": errors,
        "communes": admin_units.communes(settings_of(request).province_code),
        "preview": status == 200 and request.method == "POST",
    }
    return render(request, "staff/notices.html", context, status=status, block="content")


@staff_required()
async def index(request: Request) -> Response:
    """The compose form and the recent notices with their counts."""
    return _page(request, await call(announce.board, db(request)), dict(EMPTY), {})


@staff_required()
async def submit(request: Request) -> Response:
    """Preview (re-render with the notification as it will look) or create the notice."""
    form = await form_of(request)
    values = _form_values(form)
    send = form.get("action") == "send"
    done = await call(
        announce.compose, db(request), settings_of(request), values=values, send=send, actor=actor(request)
    )
    if done.board is not None:
        return _page(request, done.board, values, done.errors)
    return redirect(f"/staff/notices/{done.notice_id}", request=request)


@staff_required()
async def show(request: Request) -> Response:
    """One notice and its delivery counts."""
    report = await call(announce.report, db(request), notice_id=path_id(request, "notice_id"))
    context = {"notice": report.notice, "counts": report.counts, "attempts": report.attempts}
    return render(request, "staff/notice.html", context)


routes = [
    Route("/staff/notices", index, methods=["GET"], name="staff_notices"),
    Route("/staff/notices", submit, methods=["POST"]),
    Route("/staff/notices/{notice_id:int}", show, methods=["GET"]),
]

"""Staff pages for dossiers: search (overdue first), record postal legs, import a CSV file."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pwa.dossiers import events, importer, records, timeline
from pwa.dossiers.statuses import POSTAL_EVENTS, POSTAL_STEPS
from pwa.errors import Invalid, NotFound
from pwa.i18n import gettext as _
from pwa.security import new_token
from routes._web import db, redirect, render, settings_of, staff_required

FORM_FIELDS = ("postal_event", "tracking_number", "note", "at", "event_id")


def _actor(request: Request) -> str:
    return f"staff:{request.state.staff.username}"


@staff_required()
async def index(request: Request) -> Response:
    """Dossiers by urgency: open and past due first; search by code or procedure."""
    query = request.query_params.get("q", "")[:100]
    database, tz = db(request), settings_of(request).tz

    def load(session: Session) -> list[timeline.Summary]:
        today = timeline.today(tz)
        return [timeline.summary(d, False, today) for d in records.staff_list(session, query=query, today=today)]

    context = {"items": await database.reading(load), "q": query}
    return render(request, "dossiers/staff_list.html", context, block="results")


async def _detail(request: Request, code: str, form: dict[str, str], errors: dict[str, str], status: int) -> Response:
    database, tz = db(request), settings_of(request).tz

    def load(session: Session) -> timeline.View:
        dossier = records.find(session, code=code)
        if dossier is None:
            raise NotFound(_("Không có hồ sơ mã %(code)s.") % {"code": code[:40]})
        return timeline.view(session, dossier, today=timeline.today(tz))

    context: dict[str, Any] = {
        "view": await database.reading(load),
        "form": form,
        "errors": errors,
        "postal_steps": [(name, POSTAL_STEPS[name]) for name in POSTAL_EVENTS],
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "dossiers/staff_show.html", context, status=status, block="content")


@staff_required()
async def show(request: Request) -> Response:
    """One dossier's timeline, with the form to record what the post office just did."""
    return await _detail(request, request.path_params["code"], {"event_id": "staff-" + new_token()[:24]}, {}, 200)


@staff_required()
async def add_event(request: Request) -> Response:
    """Record a postal leg; a repeated tap (same hidden event id) is stored once."""
    code = request.path_params["code"]
    raw = await request.form()
    form = {name: str(raw.get(name, ""))[:600] for name in FORM_FIELDS}
    database, tz = db(request), settings_of(request).tz
    try:
        new = events.validate_postal_form(form, tz)
    except Invalid as exc:
        return await _detail(request, code, form, exc.fields, 422)

    def work(session: Session) -> str:
        dossier = records.find(session, code=code)
        if dossier is None:
            raise NotFound(_("Không có hồ sơ mã %(code)s.") % {"code": code[:40]})
        events.record(session, dossier, new, sender=_actor(request), ignore_time=not form["at"])
        return dossier.code

    found = await database.writing(work)
    return redirect(f"/staff/dossiers/{found}?saved=1", request=request)


@staff_required()
async def import_form(request: Request) -> Response:
    """The CSV upload page."""
    return render(request, "dossiers/staff_import.html", {"fields": records.FIELDS, "errors": {}})


@staff_required()
async def import_file(request: Request) -> Response:
    """Validate every row; import all (or, if ticked, only the good rows) in one transaction."""
    async with request.form() as form:
        upload, keep_good = form.get("file"), form.get("keep_good") == "1"
        data = await upload.read() if isinstance(upload, UploadFile) and upload.filename else None
    context: dict[str, Any] = {"fields": records.FIELDS, "errors": {}, "keep_good": keep_good}
    if data is None:
        context["errors"] = {"file": _("Chọn tệp CSV cần nhập.")}
        return render(request, "dossiers/staff_import.html", context, status=422, block="content")
    database, tz, actor = db(request), settings_of(request).tz, _actor(request)

    def work(session: Session) -> importer.Report:
        return importer.run(session, importer.decode(data), tz, actor=actor, keep_good=keep_good)

    try:
        report = await database.writing(work)
    except Invalid as exc:
        context["errors"] = exc.fields
        return render(request, "dossiers/staff_import.html", context, status=422, block="content")
    context["report"] = report
    status = 422 if report.bad and not report.imported else 200
    return render(request, "dossiers/staff_import.html", context, status=status, block="content")


routes = [
    Route("/staff/dossiers", index, methods=["GET"], name="staff_dossiers"),
    Route("/staff/dossiers/import", import_form, methods=["GET"], name="staff_dossiers_import_form"),
    Route("/staff/dossiers/import", import_file, methods=["POST"], name="staff_dossiers_import"),
    Route("/staff/dossiers/{code}", show, methods=["GET"], name="staff_dossier"),
    Route("/staff/dossiers/{code}/events", add_event, methods=["POST"], name="staff_dossier_event"),
]

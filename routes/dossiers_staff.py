"""Staff pages for dossiers: search (overdue first), record postal legs, import a CSV file."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pwa.dossiers import records, staff
from pwa.dossiers.statuses import POSTAL_EVENTS, POSTAL_STEPS
from pwa.errors import Invalid
from routes._web import actor, call, db, form_of, redirect, render, settings_of, staff_required

FORM_FIELDS = ("postal_event", "tracking_number", "note", "at", "event_id")


@staff_required()
async def index(request: Request) -> Response:
    """Dossiers by urgency: open and past due first; search by code or procedure."""
    query = request.query_params.get("q", "")[:100]
    items = await call(staff.search, db(request), settings_of(request), query=query)
    return render(request, "dossiers/staff_list.html", {"items": items, "q": query}, block="results")


def _detail(request: Request, detail: staff.Detail, status: int = 200) -> Response:
    context: dict[str, Any] = {
        "view": detail.view,
        "form": detail.form,
        "errors": detail.errors,
        "postal_steps": [(name, POSTAL_STEPS[name]) for name in POSTAL_EVENTS],
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "dossiers/staff_show.html", context, status=status, block="content")


@staff_required()
async def show(request: Request) -> Response:
    """One dossier's timeline, with the form to record what the post office just did."""
    detail = await call(staff.show, db(request), settings_of(request), code=request.path_params["code"])
    return _detail(request, detail)


@staff_required()
async def add_event(request: Request) -> Response:
    """Record a postal leg; a repeated tap (same hidden event id) is stored once."""
    raw = await form_of(request)
    form = {name: str(raw.get(name, ""))[:600] for name in FORM_FIELDS}
    code = request.path_params["code"]
    result = await call(
        staff.record_postal_leg, db(request), settings_of(request), code=code, form=form, actor=actor(request)
    )
    if result.again is not None:
        return _detail(request, result.again, 422)
    return redirect(f"/staff/dossiers/{result.code}?saved=1", request=request)


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
    try:
        report = await call(
            staff.import_csv, db(request), settings_of(request), data=data, actor=actor(request), keep_good=keep_good
        )
    except Invalid as exc:
        context["errors"] = exc.fields
        return render(request, "dossiers/staff_import.html", context, status=422, block="content")
    context["report"] = report
    status = 422 if report.refused else 200
    return render(request, "dossiers/staff_import.html", context, status=status, block="content")


routes = [
    Route("/staff/dossiers", index, methods=["GET"], name="staff_dossiers"),
    Route("/staff/dossiers/import", import_form, methods=["GET"], name="staff_dossiers_import_form"),
    Route("/staff/dossiers/import", import_file, methods=["POST"], name="staff_dossiers_import"),
    Route("/staff/dossiers/{code}", show, methods=["GET"], name="staff_dossier"),
    Route("/staff/dossiers/{code}/events", add_event, methods=["POST"], name="staff_dossier_event"),
]

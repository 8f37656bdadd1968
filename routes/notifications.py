"""The Notifications page: turn push on, choose topics, read this device's inbox; public notice pages."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pwa import admin_units, devices, i18n, notify
from pwa.errors import Invalid, NotFound
from pwa.i18n import gettext as _
from pwa.push import notices, subscriptions
from pwa.urls import local_path
from routes._web import db, device_key, redirect, render, settings_of
from routes.api import path_id
from routes.push_api import vapid_public_key


def _page_context(session: Session, key: str) -> dict[str, Any]:
    followed = subscriptions.topics_of(session, device_key=key)
    return {
        "followed": followed,
        "communes_followed": [t.split(":", 1)[1] for t in followed if t.startswith("commune:")],
        "push_count": subscriptions.count(session, device_key=key),
        "inbox": notify.inbox(session, key),
        "unread": notify.unread(session, key),
    }


async def show(request: Request) -> Response:
    """The page: push switch, topics, inbox."""
    key = device_key(request)
    context = await db(request).reading(_page_context, key)
    return _render(request, context)


def _render(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    settings = settings_of(request)
    context.setdefault("errors", {})
    context.update(
        section="notifications",
        topics=notify.TOPICS_FIXED,
        communes=admin_units.communes(settings.province_code),
        vapid_key=vapid_public_key(request),
        saved=request.query_params.get("saved", ""),
    )
    return render(request, "notifications/index.html", context, status=status, block="content")


async def save_topics(request: Request) -> Response:
    """Save what this device follows (a plain form: works before any script loads)."""
    form = await request.form()
    wanted = [t for t in notify.TOPICS_FIXED if form.get(t) == "on"]
    commune = str(form.get("commune", "")).strip()
    key, lang = device_key(request), i18n.get_locale()
    database = db(request)
    try:
        topics = subscriptions.valid_topics(wanted + ([f"commune:{commune}"] if commune else []))
    except Invalid:
        context = await database.reading(_page_context, key)
        context["errors"] = {"commune": _("Chọn một xã/phường trong danh sách.")}
        context["followed"] = wanted
        return _render(request, context, status=422)

    def save(session: Session) -> None:
        devices.ensure(session, key, lang=lang)
        subscriptions.set_topics(session, device_key=key, topics=topics)

    await database.writing(save)
    return redirect("/notifications?saved=topics#topics", request=request)


async def turn_off(request: Request) -> Response:
    """Stop everything for this device: no topics, no push subscriptions (the inbox stays)."""
    await db(request).writing(subscriptions.remove_all, device_key=device_key(request))
    return redirect("/notifications?saved=off", request=request)


async def mark_all_read(request: Request) -> Response:
    """Mark every inbox message read."""
    await db(request).writing(notify.mark_read, device_key(request))
    return redirect("/notifications?saved=read#inbox", request=request)


async def open_message(request: Request) -> Response:
    """Mark one inbox message read and go to the page it is about."""
    key, message_id = device_key(request), path_id(request, "message_id")

    def mark(session: Session) -> str | None:
        found = notify.mark_read(session, key, message_id=message_id)
        return found.url if found else None

    url = await db(request).writing(mark)
    if url is None:
        raise NotFound(_("Không có thông báo này trong hộp thư của máy này."))
    return redirect(local_path(url) or "/notifications", request=request)


async def show_notice(request: Request) -> Response:
    """A staff announcement, as the notification's link opens it."""
    notice_id = path_id(request, "notice_id")

    def load(session: Session) -> Any:
        notice = notices.get(session, notice_id)
        if notice.dispatched_at is None:
            raise NotFound(_("Không có thông báo này."))
        session.expunge(notice)
        return notice

    notice = await db(request).reading(load)
    context = {"notice": notice, "link": local_path(notice.url), "section": "notifications"}
    return render(request, "notices/show.html", context)


routes = [
    Route("/notifications", show, methods=["GET"], name="notifications"),
    Route("/notifications/topics", save_topics, methods=["POST"]),
    Route("/notifications/off", turn_off, methods=["POST"]),
    Route("/notifications/read", mark_all_read, methods=["POST"]),
    Route("/notifications/open/{message_id:int}", open_message, methods=["GET"]),
    Route("/notices/{notice_id:int}", show_notice, methods=["GET"]),
]

"""The Notifications page: turn push on, choose topics, read this device's inbox; public notice pages."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pwa import admin_units, i18n
from pwa.errors import Invalid
from pwa.push import announce, follow
from routes._web import call, db, device_key, form_of, redirect, render, settings_of
from routes.api import path_id
from routes.push_api import vapid_public_key


async def show(request: Request) -> Response:
    """The page: push switch, topics, inbox."""
    page = await call(follow.overview, db(request), device_key=device_key(request))
    return _render(request, page)


def _render(
    request: Request, page: follow.Overview, *, errors: dict[str, str] | None = None, checked: list[str] | None = None
) -> Response:
    followed = page.followed if checked is None else checked  # after an error, what the person ticked
    context = {
        "section": "notifications",
        "errors": errors or {},
        "topics": page.topics,
        "followed": followed,
        "communes_followed": page.communes_followed,
        "push_count": page.push_count,
        "inbox": page.inbox,
        "unread": page.unread,
        "communes": admin_units.communes(settings_of(request).province_code),
        "vapid_key": vapid_public_key(request),
        "saved": request.query_params.get("saved", ""),
    }
    return render(request, "notifications/index.html", context, status=422 if errors else 200, block="content")


async def save_topics(request: Request) -> Response:
    """Save what this device follows (a plain form: works before any script loads)."""
    form = await form_of(request)
    checked = [name for name, value in form.multi_items() if value == "on"]
    commune = str(form.get("commune", "")).strip()
    key = device_key(request)
    try:
        await call(
            follow.choose_topics, db(request), device_key=key, lang=i18n.get_locale(), checked=checked, commune=commune
        )
    except Invalid as exc:
        page = await call(follow.overview, db(request), device_key=key)
        return _render(request, page, errors=exc.fields, checked=[t for t in page.topics if t in checked])
    return redirect("/notifications?saved=topics#topics", request=request)


async def turn_off(request: Request) -> Response:
    """Stop everything for this device: no topics, no push subscriptions (the inbox stays)."""
    await call(follow.turn_off, db(request), device_key=device_key(request))
    return redirect("/notifications?saved=off", request=request)


async def mark_all_read(request: Request) -> Response:
    """Mark every inbox message read."""
    await call(follow.read_all, db(request), device_key=device_key(request))
    return redirect("/notifications?saved=read#inbox", request=request)


async def open_message(request: Request) -> Response:
    """Mark one inbox message read and go to the page it is about."""
    message_id = path_id(request, "message_id")
    target = await call(follow.open_message, db(request), device_key=device_key(request), message_id=message_id)
    return redirect(target, request=request)


async def show_notice(request: Request) -> Response:
    """A staff announcement, as the notification's link opens it."""
    notice = await call(announce.read, db(request), notice_id=path_id(request, "notice_id"))
    context = {"notice": notice, "link": notice.link, "section": "notifications"}
    return render(request, "notices/show.html", context)


routes = [
    Route("/notifications", show, methods=["GET"], name="notifications"),
    Route("/notifications/topics", save_topics, methods=["POST"]),
    Route("/notifications/off", turn_off, methods=["POST"]),
    Route("/notifications/read", mark_all_read, methods=["POST"]),
    Route("/notifications/open/{message_id:int}", open_message, methods=["GET"]),
    Route("/notices/{notice_id:int}", show_notice, methods=["GET"]),
]

"""Places people go: the list, one place, its printable QR poster, and following its commune."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pwa import i18n
from pwa.offices import directory, search
from routes._web import (
    call,
    db,
    device_key,
    form_of,
    known_device_key,
    qr_svg,
    redirect,
    remember,
    render,
    safe_next,
    settings_of,
)

COMMUNE_COOKIE = "pwa_commune"  # the commune whose next payment day the home page shows


async def index(request: Request) -> Response:
    """Find a place: by name or commune (accents optional), or nearest first."""
    params = request.query_params
    near = search.parse_near(params.get("near"))
    listing = await call(
        directory.find,
        db(request),
        settings_of(request),
        q=params.get("q", "")[:100],
        ward_code=search.parse_ward(params.get("ward_code")),
        near=near,
    )
    context = {"listing": listing, "section": "offices", "located": near is not None}
    return render(request, "offices/index.html", context, block="results", cache_key=("list",),
                  version=listing.version)  # fmt: skip


async def show(request: Request) -> Response:
    """One place: today's hours in words, coming payment days, announcements, reminders."""
    detail = await call(
        directory.show,
        db(request),
        settings_of(request),
        code=request.path_params["code"],
        device_key=known_device_key(request),
    )
    flags = {name: request.query_params.get(name) == "1" for name in ("following", "remind", "home")}
    return render(request, "offices/show.html", {"detail": detail, "section": "offices", **flags})


async def poster(request: Request) -> Response:
    """A printable page with a QR code that opens the place's reminder step (for counter staff)."""
    settings = settings_of(request)
    detail = await call(directory.show, db(request), settings, code=request.path_params["code"])
    link = f"{settings.base_url}/offices/{detail.place.code}?remind=1#remind"
    return render(request, "offices/poster.html", {"detail": detail, "qr": qr_svg(link, scale=8), "link": link})


async def remind(request: Request) -> Response:
    """Follow this place's commune: its payment day reminders and announcements come to this device."""
    back = str((await form_of(request)).get("next", ""))
    followed = await call(
        directory.follow,
        db(request),
        settings_of(request),
        code=request.path_params["code"],
        device_key=device_key(request),
        lang=i18n.get_locale(),
    )
    target = safe_next(back, f"/offices/{followed.office_code}?following=1#remind")
    response = redirect(target, request=request)
    return remember(response, request, COMMUNE_COOKIE, str(followed.ward_code))


async def choose(request: Request) -> Response:
    """Show this place's commune's next payment day on the home page (kept on this device)."""
    detail = await call(directory.show, db(request), settings_of(request), code=request.path_params["code"])
    return remember(redirect("/", request=request), request, COMMUNE_COOKIE, str(detail.place.ward_code))


routes = [
    Route("/offices", index, methods=["GET"], name="offices"),
    Route("/offices/{code}", show, methods=["GET"], name="office"),
    Route("/offices/{code}/print", poster, methods=["GET"], name="office_poster"),
    Route("/offices/{code}/remind", remind, methods=["POST"], name="office_remind"),
    Route("/offices/{code}/home", choose, methods=["POST"], name="office_home"),
]

"""The places API: public, read-only (the names of its fields are the contract)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pwa.api_models import offices as m
from pwa.offices import directory
from routes._web import call, db, settings_of
from routes.api import Reply, answer, operation


@operation(
    "GET",
    "/api/v1/offices",
    summary="Post offices and service centres: by name or commune, or nearest first.",
    query=m.Search,
    replies={200: Reply("The places found.", m.Places)},
)
async def list_offices(request: Request, query: m.Search) -> Response:
    near = None
    if query.near:
        lat, lon = query.near.split(",")
        near = (float(lat), float(lon))
    listing = await call(directory.find, db(request), settings_of(request), q=query.q, ward_code=query.ward_code,
                         near=near)  # fmt: skip
    return answer(m.Places, {"offices": [place.as_json() for place in listing.places]})


@operation(
    "GET",
    "/api/v1/offices/{code}",
    summary="One place, its coming payment days and its commune's announcements.",
    params=m.CodePath,
    replies={200: Reply("The place.", m.PlaceDetail), 404: "No such place."},
)
async def show_office(request: Request, path: m.CodePath) -> Response:
    detail = await call(directory.show, db(request), settings_of(request), code=path.code)
    return answer(m.PlaceDetail, detail.as_json())


routes = [op.route for op in (list_offices, show_office)]

"""The places API: public, read-only (the names of its fields are the contract)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pwa.offices import directory, search
from routes._web import call, db, settings_of


async def list_offices(request: Request) -> Response:
    """
    parameters:
      - {name: q, in: query, schema: {type: string}, description: Name or commune; accents and case ignored.}
      - {name: ward_code, in: query, schema: {type: integer}, description: Only places in this commune.}
      - {name: near, in: query, schema: {type: string}, description: 'LAT,LON: nearest first.'}
    responses:
      200:
        description: >-
          `{"offices": [{code, name, kind, ward_code, commune, address, phone, lat, lon, services,
          opening_hours, open_now, next_payment_day: {kind, date, opens, closes} | null}]}`
      422:
        description: '`near` or `ward_code` is not readable.'
    """
    params = request.query_params
    near, ward = search.filters(params.get("near"), params.get("ward_code"))
    listing = await call(
        directory.find,
        db(request),
        settings_of(request),
        q=params.get("q", "")[:100],
        ward_code=ward,
        near=near,
    )
    return JSONResponse({"offices": [place.as_json() for place in listing.places]})


async def show_office(request: Request) -> Response:
    """
    responses:
      200:
        description: The place's object plus `payment_days` (coming ones) and `announcements`.
      404:
        description: No such place.
    """
    detail = await call(directory.show, db(request), settings_of(request), code=request.path_params["code"])
    return JSONResponse(detail.as_json())


routes = [
    Route("/api/v1/offices", list_offices, methods=["GET"]),
    Route("/api/v1/offices/{code}", show_office, methods=["GET"]),
]

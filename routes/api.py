"""The JSON API's shared parts: key authentication, JSON bodies, the OpenAPI document."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.schemas import SchemaGenerator

from pwa import accounts
from pwa.errors import Forbidden, Invalid, NotFound, Unauthorized
from pwa.i18n import gettext as _
from routes._web import call, db

MAX_ROW_ID = 2**63 - 1  # the largest id a row may have (signed 64-bit, both databases)

ApiHandler = Callable[[Request], Awaitable[Response]]

schemas = SchemaGenerator(
    {
        "openapi": "3.0.3",
        "info": {
            "title": "Bưu điện Bắc Kạn – Thái Nguyên API",
            "version": "1",
            "description": (
                "Pickups, dossiers and notifications. Partner calls send `Authorization: Bearer <key>`; "
                'errors are `{"error": {"code", "message", "fields"}}`.'
            ),
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                            },
                        }
                    },
                }
            },
        },
    }
)


def _bearer(request: Request) -> str | None:
    scheme, _sep, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def authenticate_key(request: Request, scope: str | None) -> accounts.Caller:
    """The API key of this request, which must carry `scope` (if given); 401 or 403 otherwise."""
    token = _bearer(request)
    if token is None:
        raise Unauthorized(_("Thiếu khóa API (Authorization: Bearer …)."), headers={"WWW-Authenticate": "Bearer"})
    record = await call(accounts.present_key, db(request), key=token)
    if record is None:
        raise Unauthorized(_("Khóa API không hợp lệ hoặc đã bị thu hồi."), headers={"WWW-Authenticate": "Bearer"})
    if scope is not None and scope not in record.scopes:
        raise Forbidden(_("Khóa API này không có quyền “%(scope)s”.") % {"scope": scope})
    return record


def requires_key(scope: str) -> Callable[[ApiHandler], ApiHandler]:
    """Decorate an API handler so it runs only for a key with `scope` (on `request.state.api_key`)."""

    def decorate(handler: ApiHandler) -> ApiHandler:
        @wraps(handler)
        async def wrapper(request: Request) -> Response:
            request.state.api_key = await authenticate_key(request, scope)
            return await handler(request)

        return wrapper

    return decorate


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or a 422 saying what is wrong with it."""
    try:
        data = json.loads(await request.body() or b"null")
    except (ValueError, RecursionError) as exc:
        # ValueError covers bad JSON, bad UTF-8 and integers past Python's 4300-digit limit;
        # RecursionError, arrays nested thousands deep.
        raise Invalid(_("Nội dung không phải JSON hợp lệ.")) from exc
    if not isinstance(data, dict):
        raise Invalid(_("Nội dung phải là một đối tượng JSON."))
    return data


def path_id(request: Request, name: str) -> int:
    """The row id in path parameter `name` (an `int` convertor); NotFound if no row can have it."""
    value = int(request.path_params[name])
    if not 0 < value <= MAX_ROW_ID:  # a larger number overflows the database's integer
        raise NotFound()
    return value


async def openapi(request: Request) -> Response:
    """The OpenAPI document of every `/api/` route."""
    api_routes = [r for r in request.app.routes if getattr(r, "path", "").startswith("/api/")]
    return JSONResponse(schemas.get_schema(routes=api_routes))


async def whoami(request: Request) -> Response:
    """
    responses:
      200:
        description: The key's name and scopes; any valid key may ask.
      401:
        description: No key, or an unknown or revoked one.
    security:
      - bearer: []
    """
    record = await authenticate_key(request, None)
    return JSONResponse({"name": record.name, "scopes": sorted(record.scopes)})


routes = [
    Route("/api/v1/openapi.json", openapi, include_in_schema=False),
    Route("/api/v1/whoami", whoami, methods=["GET"]),
]

"""The JSON API's shared parts: operations declared once, key authentication, JSON bodies.

How to add an operation (routes/pickups_api.py is the example to copy):

1. Declare what it reads and answers in `pwa/api_models/<area>.py`: a `Body` for a JSON
   body, a `Query` for query parameters (or path parameters, or headers), an `Answer`
   for each response body. Put the limits a caller can know on the fields (lengths,
   ranges, patterns, enums); leave the area's rules to its use case.
2. Write the handler with `@operation(...)`: the method, the path, a summary, the models
   and `replies` (each status it answers, besides those added for it: 401/403 with a
   `scope`, 413/415/403 for a body or a cookie-authenticated change, 422 when it reads
   input). It receives `body=`, `query=`, `path=`, `headers=` already checked, makes its
   one use-case call and returns `answer(Model, data, status)`.
3. Add `<handler>.route` to the module's `routes`. The OpenAPI document
   (`/api/v1/openapi.json`, routes/openapi.py) is made from these declarations and
   tests/test_api_contract.py runs Schemathesis against it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pwa import accounts
from pwa.api_models import keys
from pwa.api_models.base import Answer
from pwa.api_models.errors import field_errors
from pwa.errors import Forbidden, Invalid, NotFound, Unauthorized
from pwa.i18n import gettext as _
from routes._web import call, current_staff, db

# The largest id a row may have: ids are INTEGER columns, 32-bit on PostgreSQL (a larger number
# in a query is an error there, not a miss).
MAX_ROW_ID = 2**31 - 1

Handler = Callable[..., Awaitable[Response]]
A = TypeVar("A", bound=Answer)


@dataclass(frozen=True)
class Reply:
    """One documented answer: what it means, its body (None: the shared `Error` for 4xx, none for 204)
    and the headers it carries."""

    description: str
    model: type[BaseModel] | None = None
    headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Operation:
    """One method on one path of the API, declared once: the route and the OpenAPI operation both come from it."""

    method: str
    path: str
    handler: Handler
    summary: str
    replies: dict[int, Reply]
    description: str = ""
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    params: type[BaseModel] | None = None  # the path's parameters, if they have rules to say
    headers: type[BaseModel] | None = None
    scope: str | None = None  # an API key with this scope is needed ("": any valid key)
    staff_roles: tuple[str, ...] = ()  # …or, sent without a key, the session of signed-in staff with one of these roles
    tags: frozenset[str] = field(default_factory=frozenset)  # a tagged union's tags, dropped from field names

    @property
    def route(self) -> Route:
        """The Starlette route that runs it."""
        route = Route(self.path, self.endpoint, methods=[self.method], name=self.handler.__name__)
        route.operation = self  # type: ignore[attr-defined]  # how routes/openapi.py finds it
        return route

    async def endpoint(self, request: Request) -> Response:
        """Authenticate, check every input against its model, then run the handler."""
        if self.scope is not None and not await self._staff_session(request):
            request.state.api_key = await authenticate_key(request, self.scope or None)
        inputs: dict[str, Any] = {}
        if self.params is not None:
            inputs["path"] = checked(self.params, request.path_params)
        if self.query is not None:
            inputs["query"] = checked(self.query, request.query_params)
        if self.headers is not None:
            inputs["headers"] = checked(self.headers, request.headers)
        if self.body is not None:
            inputs["body"] = checked(self.body, await json_body(request), tags=self.tags)
        return await self.handler(request, **inputs)

    async def _staff_session(self, request: Request) -> bool:
        """True for a call without a key from signed-in staff with one of `staff_roles` (a courier's phone)."""
        if not self.staff_roles or request.headers.get("authorization"):
            return False
        member = await current_staff(request)
        return member is not None and member.role in self.staff_roles


def operation(
    method: str,
    path: str,
    *,
    summary: str,
    replies: Mapping[int, str | Reply],
    description: str = "",
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    params: type[BaseModel] | None = None,
    headers: type[BaseModel] | None = None,
    scope: str | None = None,
    staff_roles: tuple[str, ...] = (),
) -> Callable[[Handler], Operation]:
    """Declare an API operation around its handler (see the module's docstring)."""

    def declare(handler: Handler) -> Operation:
        shaped = {status: Reply(r) if isinstance(r, str) else r for status, r in replies.items()}
        return Operation(method, path, handler, summary, shaped, description, body, query, params, headers, scope,
                         staff_roles, _tags(body))  # fmt: skip

    return declare


def _tags(body: type[BaseModel] | None) -> frozenset[str]:
    """The tags of a body that is a tagged union (a RootModel of one): its `TAGS`, or its discriminator's values."""
    if body is None:
        return frozenset()
    if (tags := getattr(body, "TAGS", None)) is not None:
        return frozenset(tags)
    schema = body.model_json_schema()
    mapping = schema.get("discriminator", {}).get("mapping", {})
    return frozenset(mapping)


def checked(model: type[BaseModel], data: Any, *, tags: frozenset[str] = frozenset()) -> Any:
    """`data` as `model`, or 422 with a translated message per wrong field."""
    try:
        return model.model_validate(dict(data) if isinstance(data, Mapping) else data)
    except ValidationError as exc:
        raise Invalid(fields=field_errors(exc, tags=tags)) from exc


def answer(
    model: type[A], data: Mapping[str, Any] | A, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON answer shaped by `model`: a value it does not declare is refused (500 in tests, never sent)."""
    shaped = data if isinstance(data, model) else model.model_validate(data)
    return Response(shaped.model_dump_json(), status_code=status, headers=headers, media_type="application/json")


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


async def json_body(request: Request) -> Any:
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
    """The OpenAPI document of every declared operation (made once per app)."""
    from routes import openapi as spec

    made: bytes | None = getattr(request.app.state, "openapi", None)
    if made is None:
        document = spec.document(spec.operations(request.app.routes))
        made = request.app.state.openapi = json.dumps(document, ensure_ascii=False).encode()
    return Response(made, media_type="application/json")


@operation(
    "GET",
    "/api/v1/whoami",
    summary="The key's name and scopes; any valid key may ask.",
    replies={200: Reply("The key.", keys.Key)},
    scope="",
)
async def whoami(request: Request) -> Response:
    record: accounts.Caller = request.state.api_key
    return answer(keys.Key, {"name": record.name, "scopes": sorted(record.scopes)})


routes = [
    Route("/api/v1/openapi.json", openapi, include_in_schema=False),
    whoami.route,
]

"""The OpenAPI 3.0.3 document, made from the operations' declarations (routes/api.py) and their models.

Pydantic writes JSON Schema 2020-12; openapi-pydantic's generator turns `null` unions and
`const` into their OpenAPI 3.0 forms, and `_OpenAPI30` below the numeric `exclusiveMinimum`
into 3.0's `minimum` + `exclusiveMinimum: true`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaValue, models_json_schema
from pydantic_core import core_schema
from starlette.routing import BaseRoute

from pwa.api_models.base import Error

if TYPE_CHECKING:
    from pydantic.json_schema import GenerateJsonSchema as GenerateOpenAPI30Schema

    from routes.api import Operation, Reply
else:  # its stub for type checkers is an empty class
    from openapi_pydantic.v3.v3_0.util import GenerateOpenAPI30Schema

REF = "#/components/schemas/{model}"
INFO = {
    "title": "Bưu điện Bắc Kạn – Thái Nguyên API",
    "version": "1",
    "description": (
        "Pickups, dossiers, places and notifications. Partner calls send `Authorization: Bearer <key>`; "
        "calls made for a browser (device cookie) send `Content-Type: application/json` and come from the "
        'same site. Every refusal is `{"error": {"code", "message", "fields"}}`, the message in the '
        "caller's language (`Accept-Language`: vi, en); `fields` names each wrong field. "
        "Values must have the JSON type the schema gives: a number sent as text is refused, never read."
    ),
}
_HEADERS = {
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}},
    "WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}},
}


class _OpenAPI30(GenerateOpenAPI30Schema):
    """openapi-pydantic's 3.0 generator, with 3.0's boolean `exclusiveMinimum`/`exclusiveMaximum`
    and `null` among the values of a nullable enum."""

    def int_schema(self, schema: core_schema.IntSchema) -> JsonSchemaValue:
        return _exclusive(super().int_schema(schema))

    def float_schema(self, schema: core_schema.FloatSchema) -> JsonSchemaValue:
        return _exclusive(super().float_schema(schema))

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        found = super().nullable_schema(schema)
        if "enum" in found and None not in found["enum"]:  # 3.0.3: a nullable enum lists null too
            found["enum"] = [*found["enum"], None]
        return found


def _exclusive(schema: JsonSchemaValue) -> JsonSchemaValue:
    for bound, inclusive in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = schema.get(bound)
        if value is not None and not isinstance(value, bool):
            schema[inclusive], schema[bound] = value, True
    return schema


def operations(routes: Iterable[BaseRoute]) -> list[Operation]:
    """The declared operations among an app's routes, in route order."""
    return [op for route in routes if (op := getattr(route, "operation", None)) is not None]


def document(ops: list[Operation]) -> dict[str, Any]:
    """The whole OpenAPI document of these operations."""
    models: set[type[BaseModel]] = {Error, *(m for op in ops for m in _models(op))}
    refs, defs = models_json_schema(
        [(m, "validation") for m in sorted(models, key=lambda m: m.__name__)],
        ref_template=REF,
        schema_generator=_OpenAPI30,
    )
    schemas = defs.get("$defs", {})
    names = {m: refs[(m, "validation")]["$ref"].rpartition("/")[2] for m in models}
    paths: dict[str, dict[str, Any]] = {}
    for op in ops:
        paths.setdefault(path_template(op.path), {})[op.method.lower()] = _operation(op, names)
    return {
        "openapi": "3.0.3",
        "info": INFO,
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def path_template(path: str) -> str:
    """`/api/v1/notices/{notice_id:int}` → `/api/v1/notices/{notice_id}`."""
    parts = [p.split(":")[0] + "}" if p.startswith("{") and ":" in p else p for p in path.split("/")]
    return "/".join(parts)


def _models(op: Operation) -> list[type[BaseModel]]:
    found = [r.model for r in op.replies.values() if r.model is not None]
    return [*found, *([op.body] if op.body is not None else [])]


def _ref(model: type[BaseModel], names: dict[type[BaseModel], str]) -> dict[str, str]:
    return {"$ref": REF.format(model=names[model])}


def _operation(op: Operation, names: dict[type[BaseModel], str]) -> dict[str, Any]:
    out: dict[str, Any] = {"operationId": op.handler.__name__, "summary": op.summary}
    if op.description:
        out["description"] = op.description
    parameters = [*_parameters(op.params, "path", op.path), *_parameters(op.query, "query", op.path)]
    parameters += _parameters(op.headers, "header", op.path)
    if parameters:
        out["parameters"] = parameters
    if op.body is not None:
        content = {"application/json": {"schema": _ref(op.body, names)}}
        out["requestBody"] = {"required": True, "content": content}
    out["responses"] = {str(s): _reply(r, s, names) for s, r in sorted(_replies(op).items())}
    if op.scope is not None:
        out["security"] = [{"bearer": []}]
    return out


def _parameters(model: type[BaseModel] | None, where: str, path: str) -> list[dict[str, Any]]:
    """The parameters a model declares; a path parameter without a model is plain text (or an `int`)."""
    if model is None and where == "path":
        names = [p[1:-1] for p in path.split("/") if p.startswith("{")]
        kinds = {n.split(":")[0]: {"type": "integer"} if n.endswith(":int") else {"type": "string"} for n in names}
        return [{"name": n, "in": "path", "required": True, "schema": s} for n, s in kinds.items()]
    if model is None:
        return []
    schema = model.model_json_schema(ref_template=REF, schema_generator=_OpenAPI30)
    required = set(schema.get("required", []))
    found = []
    for name, prop in schema.get("properties", {}).items():
        prop = {k: v for k, v in prop.items() if k not in ("title", "default", "nullable")}  # absent is None
        description = prop.pop("description", None)
        param = {"name": name, "in": where, "required": where == "path" or name in required, "schema": prop}
        found.append({**param, **({"description": description} if description else {})})
    return found


def _replies(op: Operation) -> dict[int, Reply]:
    """The operation's own replies and those every operation of its kind has."""
    from routes.api import Reply

    found = dict(op.replies)
    if op.scope is not None:
        found.setdefault(401, Reply("No key, or an unknown or revoked one.", headers=("WWW-Authenticate",)))
    if op.scope:
        found.setdefault(403, Reply(f"The key lacks the `{op.scope}` scope."))
    if op.method not in ("GET", "HEAD"):
        found.setdefault(403, Reply("A call without a key that came from another site."))
        found.setdefault(413, Reply("The body is larger than the server takes (1 MiB by default)."))
        found.setdefault(415, Reply("A call without a key must send `Content-Type: application/json`."))
    if op.body or op.query or op.params or op.headers:
        found.setdefault(422, Reply("A value is missing or wrong; `error.fields` has a message for each."))
    found.setdefault(
        503,
        Reply(
            "The database is locked or out of reach for a moment (code `unavailable`): nothing was done;"
            " send the same request again after `Retry-After` seconds.",
            headers=("Retry-After",),
        ),
    )
    return found


def _reply(reply: Reply, status: int, names: dict[type[BaseModel], str]) -> dict[str, Any]:
    out: dict[str, Any] = {"description": reply.description}
    model = reply.model or (Error if status >= 400 else None)
    if model is not None:
        out["content"] = {"application/json": {"schema": _ref(model, names)}}
    if reply.headers:
        out["headers"] = {h: _HEADERS[h] for h in reply.headers}
    return out

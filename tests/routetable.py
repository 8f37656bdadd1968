"""The app's route table as tests see it: every (method, path) a request can reach, mounts included."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Route

STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
READING = ("GET",)


def endpoints(app: Starlette) -> list[tuple[str, str]]:
    """Every (method, path template) of the app, HEAD left out (it follows GET); a mount without
    routes of its own (static files) counts as GET on `<mount>/{path}`."""
    return sorted(set(_walk(app.routes, "")))


def _walk(routes: Iterable[BaseRoute], prefix: str) -> Iterator[tuple[str, str]]:
    for route in routes:
        if isinstance(route, Route):
            for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
                yield method, prefix + route.path
        elif isinstance(route, Mount):
            inner = route.routes
            if inner:
                yield from _walk(inner, prefix + route.path)
            else:
                yield "GET", prefix + route.path + "/{path}"
        else:  # a WebSocket route or something new: the matrices must hear of it
            yield type(route).__name__, prefix + getattr(route, "path", "?")


def state_changing(app: Starlette) -> list[tuple[str, str]]:
    """The routes that may change something: every method but GET."""
    return [(m, p) for m, p in endpoints(app) if m in STATE_CHANGING or m not in READING]


def fill(path: str, values: dict[str, str] | None = None) -> str:
    """A concrete URL for a path template: `{name}` from `values`, else a harmless placeholder."""
    given = values or {}

    def value(match: re.Match[str]) -> str:
        name, convertor = match.group(1), match.group(2) or ""
        if name in given:
            return given[name]
        return "1" if convertor == ":int" else "css/app.css" if name == "path" else "ZZ-NONE-1"

    return re.sub(r"\{(\w+)(:\w+)?\}", value, path)

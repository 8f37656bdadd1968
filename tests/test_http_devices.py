"""The device cookie: set only when a page needs it, HttpOnly, long-lived, stable."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from pwa.app import create_app
from pwa.settings import Settings
from routes._web import device_key


async def who(request: Request) -> Response:
    return JSONResponse({"device": device_key(request)})


def test_device_cookie_is_set_once_and_then_recognised(settings: Settings) -> None:
    app = create_app(settings)
    app.router.routes.insert(0, Route("/_who", who))
    with TestClient(app) as client:
        assert "pwa_device" not in client.get("/").headers.get("set-cookie", "")
        first = client.get("/_who")
        cookie = first.headers["set-cookie"]
        assert "pwa_device=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Max-Age=" in cookie
        second = client.get("/_who")
        assert "pwa_device" not in second.headers.get("set-cookie", "")
        assert first.json() == second.json()

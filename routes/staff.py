"""Staff sign-in, sign-out and the staff home page."""

from __future__ import annotations

import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pwa import accounts
from pwa.errors import RateLimited
from pwa.i18n import gettext as _
from pwa.security import new_token
from routes._web import call, client_address, db, form_of, redirect, render, safe_next, staff_required


async def login_form(request: Request) -> Response:
    """The sign-in form."""
    context = {
        "next": safe_next(request.query_params.get("next"), "/staff/"),
        "username": "",
        "logged_out": request.session.pop("flash", None) == "logged_out",
    }
    return render(request, "staff/login.html", context)


async def login(request: Request) -> Response:
    """Check the credentials; on success start a fresh session."""
    form = await form_of(request)
    username, password = str(form.get("username", ""))[:64], str(form.get("password", ""))[:1024]
    target = safe_next(str(form.get("next", "")), "/staff/")
    errors = _missing_fields(username, password)
    if errors:
        return _login_again(request, username, target, errors, 422)

    try:
        user = await call(
            accounts.sign_in, db(request), username=username, password=password, client=client_address(request)
        )
    except RateLimited as exc:
        return _login_again(request, username, target, {"username": exc.message}, 429, exc.headers)
    if user is None:
        message = _("Tên đăng nhập hoặc mật khẩu không đúng.")
        return _login_again(request, username, target, {"password": message}, 401)
    request.session.clear()
    request.session.update({"staff_id": user.id, "staff_since": time.time(), "csrf_token": new_token()})
    return redirect(target, request=request)


def _missing_fields(username: str, password: str) -> dict[str, str]:
    errors = {}
    if not username.strip():
        errors["username"] = _("Nhập tên đăng nhập.")
    if not password:
        errors["password"] = _("Nhập mật khẩu.")
    return errors


def _login_again(
    request: Request,
    username: str,
    target: str,
    errors: dict[str, str],
    status: int,
    headers: dict[str, str] | None = None,
) -> Response:
    context: dict[str, Any] = {"username": username, "next": target, "errors": errors}
    return render(request, "staff/login.html", context, status=status, block="content", headers=headers)


async def logout(request: Request) -> Response:
    """End the staff session (the CSRF guard has already checked the form)."""
    request.session.clear()
    request.session["flash"] = "logged_out"
    return redirect("/staff/login")


@staff_required()
async def dashboard(request: Request) -> Response:
    """The staff home page: who is signed in, and the accounts and keys (admins)."""

    found = await call(accounts.overview, db(request), member=request.state.staff)
    return render(request, "staff/index.html", {"staff_list": found.staff, "api_keys": found.keys})


routes = [
    Route("/staff/login", login_form, methods=["GET"], name="staff_login_form"),
    Route("/staff/login", login, methods=["POST"], name="staff_login"),
    Route("/staff/logout", logout, methods=["POST"], name="staff_logout"),
    Route("/staff/", dashboard, name="staff_home"),
]

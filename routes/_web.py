"""What every handler shares: templates, htmx helpers, CSRF, the error path."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from jinja2_fragments import render_block
from jinja2_fragments.starlette import Jinja2Blocks
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from pwa import accounts, audit, devices, i18n
from pwa.db import Database
from pwa.models import utcnow
from pwa.security import new_token
from pwa.settings import Settings
from pwa.util import from_memory
from routes._pages import fill, hole, kept_page

P = ParamSpec("P")
T = TypeVar("T")
Handler = Callable[[Request], Awaitable[Response]]
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def qr_svg(link: str, *, scale: int = 5) -> str:
    """A QR code of `link` as inline SVG (segno); pages give the link as text too."""
    import segno  # only the pages that show a code need it

    return str(segno.make(link, error="m").svg_inline(scale=scale, dark="#000", light="#fff", omitsize=False))


YEAR = 365 * 24 * 3600


def remember(response: Response, request: Request, name: str, value: str) -> Response:
    """Keep a choice on this device for a year (language, commune): HttpOnly, SameSite=Lax, Secure over https."""
    response.set_cookie(name, value, max_age=YEAR, samesite="lax", httponly=True, secure=settings_of(request).https)
    return response


def db(request: Request) -> Database:
    """The app's database (owned by the lifespan)."""
    database: Database = request.state.db
    return database


async def call(use_case: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run one use case of the core (blocking database work) off the event loop: one hop per request,
    none when the use case's answer is kept in memory (`pwa.util.answered_from_memory`)."""
    kept = from_memory(use_case, *args, **kwargs)
    if kept is not None:
        return kept
    return await run_in_threadpool(use_case, *args, **kwargs)


async def form_of(request: Request) -> FormData:
    """The posted form's text fields. No page here takes a file except the dossier import, which reads its
    own: a file part sent anyway is dropped and its spooled file closed now, not left to the collector."""
    async with request.form() as form:
        return FormData([(name, value) for name, value in form.multi_items() if isinstance(value, str)])


def actor(request: Request) -> str:
    """Who this request acts as, for the audit log: the signed-in staff member, the API key, or the customer."""
    staff = getattr(request.state, "staff", None)
    key = getattr(request.state, "api_key", None)
    return audit.actor(
        staff=staff.username if staff else None,
        key_prefix=key.prefix if key else None,
        api=request.url.path.startswith("/api/"),
    )


def settings_of(request: Request) -> Settings:
    """The app's settings."""
    value: Settings = request.app.state.settings
    return value


def is_htmx(request: Request) -> bool:
    """True for a request htmx made (not a history restore)."""
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-history-restore-request") != "true"


def csrf_token(request: Request) -> str:
    """This session's CSRF token, created on first use."""
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = request.session[CSRF_FIELD] = new_token()
    return str(token)


def device_key(request: Request) -> str:
    """This browser's device key; its cookie is set on the response if it is new."""
    request.state.device_used = True
    if request.state.device_token is None:  # a new device: its token is drawn on first use (pwa/edge.py)
        request.state.device_token = new_token()
    return devices.key_of(request.state.device_token)


def known_device_key(request: Request) -> str | None:
    """This browser's device key if it already has the cookie (API callers without one get None)."""
    token = request.cookies.get(settings_of(request).cookie_prefix + devices.COOKIE)
    return devices.key_of(token) if token and devices.valid_token(token) else None


def client_address(request: Request) -> str:
    """The client's address: the peer's, or behind a trusted proxy (PWA_TRUSTED_PROXIES) the one it forwarded."""
    return request.client.host if request.client else "unknown"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    block: str | None = None,
    headers: dict[str, str] | None = None,
    cache_key: Hashable | None = None,
    version: Hashable = None,
    holes: dict[str, str] | None = None,
) -> Response:
    """Render a page, or only its `block` for an htmx request; always `Vary: HX-Request`.

    With `cache_key` the page is rendered once per template, block, language, path, key and
    `version` (the latest version only: routes/_pages.py), and served again with only its
    per-request parts filled in: the CSRF token, the time it was made and the `holes` (values the
    context names `hole(...)` in place of their value). Key and version must name everything else
    the page shows: the key what the page is, the version the data on it.
    """
    templates: Jinja2Blocks = request.app.state.templates
    name = block if block and is_htmx(request) else None
    if cache_key is None:
        ctx = _context(request, context, csrf_token(request), utcnow().isoformat(timespec="seconds"))
        response = templates.TemplateResponse(request, template, ctx, status_code=status, block_name=name)
    else:
        path, query = request.scope["path"], request.scope["query_string"]  # request.url would parse them
        key = (template, name, i18n.get_locale(), path, query, cache_key)
        page = kept_page(key, version, lambda: _render_with_holes(request, templates, template, name, context))
        now = utcnow().isoformat(timespec="seconds")
        filled = fill(page, {"csrf_token": csrf_token(request), "generated_at": now, **(holes or {})})
        response = HTMLResponse(filled, status_code=status)  # bytes, encoded when the page was kept
    response.headers.update(headers or {})
    response.headers.append("Vary", "HX-Request")
    return response


def _context(request: Request, context: dict[str, Any] | None, csrf: str, generated_at: str) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        "request": request,
        "lang": i18n.get_locale(),
        "csrf_token": csrf,
        "generated_at": generated_at,  # shown as "updated at" when read offline
    }
    ctx.update(context or {})
    ctx.setdefault("staff", getattr(request.state, "staff", None))
    return ctx


def _render_with_holes(
    request: Request, templates: Jinja2Blocks, template: str, block: str | None, context: dict[str, Any] | None
) -> str:
    ctx = _context(request, context, hole("csrf_token"), hole("generated_at"))
    if block is None:
        return templates.get_template(template).render(ctx)
    return render_block(templates.env, template, block, ctx)


def redirect(url: str, status: int = 303, *, request: Request | None = None) -> Response:
    """A redirect after a POST (303: the browser follows with GET).

    For htmx a real redirect would be followed inside the XHR and the whole next
    page swapped into the current one, so htmx gets `HX-Redirect` instead.
    """
    if request is not None and is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url, "Vary": "HX-Request"})
    return RedirectResponse(url, status_code=status, headers={"Vary": "HX-Request"})


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to; anything else (`//evil`, `https://…`) becomes `default`."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default


def error_response(
    request: Request,
    status: int,
    *,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The one error path: JSON under /api/, an htmx fragment, or a full page."""
    if request.url.path.startswith("/api/"):
        body = {"error": {"code": code, "message": message, "fields": fields or {}}}
        return JSONResponse(body, status_code=status, headers=headers)
    templates: Jinja2Blocks = request.app.state.templates
    name = f"errors/{status}.html"
    if name not in templates.env.list_templates():
        name = "errors/error.html"
    extra = dict(headers or {})
    block = "notice" if status == 503 and is_htmx(request) else "content"  # try again soon: keep the page as typed
    if is_htmx(request):
        extra.update({"HX-Retarget": "#main", "HX-Reswap": "afterbegin" if block == "notice" else "innerHTML"})
    context = {"status": status, "message": message, "fields": fields or {}, "inline": block == "notice"}
    return render(request, name, context, status=status, block=block, headers=extra)


STAFF_SESSION_SECONDS = 12 * 3600


async def current_staff(request: Request) -> accounts.Member | None:
    """The signed-in staff member, if the session holds a live sign-in."""
    staff_id, since = request.session.get("staff_id"), request.session.get("staff_since", 0)
    if not isinstance(staff_id, int) or time.time() - float(since) > STAFF_SESSION_SECONDS:
        return None
    staff = await call(accounts.signed_in, db(request), staff_id=staff_id)
    request.state.staff = staff
    return staff


OFFICE_ROLES = ("staff", "admin")  # the staff pages; a courier has the round (`/courier`) only


def staff_required(role: str | None = None, *, roles: tuple[str, ...] = OFFICE_ROLES) -> Callable[[Handler], Handler]:
    """Let signed-in staff with one of `roles` through (only `role`, if given); send others to the login page."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def wrapper(request: Request) -> Response:
            staff = await current_staff(request)
            if staff is None:
                return redirect(f"/staff/login?next={request.url.path}")
            if role and staff.role != role:
                return error_response(
                    request, 403, code="forbidden", message=i18n.gettext("Trang này chỉ dành cho quản trị viên.")
                )
            if staff.role not in roles:
                if staff.role == "courier":
                    return redirect("/courier")
                return error_response(
                    request, 403, code="forbidden", message=i18n.gettext("Bạn không có quyền xem trang này.")
                )
            return await handler(request)

        return wrapper

    return decorate

"""At the door, through the API: a courier records a collection or a failure.

Partner systems call with a key of scope `pickups`; the courier's own phone
calls with the signed-in courier's session (the `/courier` page, and the
actions it kept while there was no signal). Each call takes an
`Idempotency-Key`, so an action sent three times applies once.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from pwa.api_models import pickups as m
from pwa.pickups import handover
from routes._web import actor, call, db, settings_of
from routes.api import Reply, answer, operation

DOOR_ROLES = ("courier", "staff", "admin")
SESSION = (
    " Partner systems send a key of scope `pickups`; a courier's phone sends instead the signed-in courier's"
    " session cookie (same-site JSON, like every call without a key)."
)


async def _record(request: Request, code: str, action: str, data: dict[str, Any], key: str | None) -> Response:
    staff = getattr(request.state, "staff", None)
    role = staff.role if staff is not None and getattr(request.state, "api_key", None) is None else "courier"
    made = await call(handover.record, db(request), settings_of(request), code=code, action=action, data=data,
                      key=key, actor=actor(request), role=role)  # fmt: skip
    return answer(m.Booking, made.api())


@operation(
    "POST",
    "/api/v1/pickups/{code}/collect",
    summary="Record the parcels as collected, with the customer's handover code if given (else flagged).",
    description="Accepted from `booked` or `assigned`. Without a code the collection is recorded with "
    "`handover_verified` false and the customer may object. Five wrong codes for one booking lock the code "
    "route (423) until counter staff record the collection." + SESSION,
    params=m.CodePath,
    body=m.Collect,
    headers=m.ActionHeaders,
    scope="pickups",
    staff_roles=DOOR_ROLES,
    replies={
        200: Reply("The booking, `collected`, with `handover_verified`.", m.Booking),
        404: "No such booking.",
        409: "The booking is not `booked` or `assigned` (cancelled meanwhile, say).",
        422: "A wrong handover code (`error.fields.handover_code` says how many tries are left), more parcels "
        "than booked, a time out of range, or the Idempotency-Key used for another request.",
        423: "Five wrong handover codes were entered for this booking.",
    },
)
async def collect(request: Request, path: m.CodePath, body: m.Collect, headers: m.ActionHeaders) -> Response:
    return await _record(request, path.code, "collect", body.model_dump(exclude_none=True), headers.idempotency_key)


@operation(
    "POST",
    "/api/v1/pickups/{code}/fail",
    summary="Record a failed collection with a reason from the list; the customer is told at once.",
    description="Accepted from `booked` or `assigned`; `no_answer` needs `called_at`, `other` a `note`." + SESSION,
    params=m.CodePath,
    body=m.Fail,
    headers=m.ActionHeaders,
    scope="pickups",
    staff_roles=DOOR_ROLES,
    replies={
        200: Reply("The booking, `failed`.", m.Booking),
        404: "No such booking.",
        409: "The booking is not `booked` or `assigned`.",
        422: "A missing call time or note, a time out of range, or the Idempotency-Key used for another request.",
    },
)
async def fail(request: Request, path: m.CodePath, body: m.Fail, headers: m.ActionHeaders) -> Response:
    data = body.root.model_dump(exclude_none=True)
    return await _record(request, path.code, "fail", data, headers.idempotency_key)


routes = [collect.route, fail.route]

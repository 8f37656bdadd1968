"""The courier's round on a phone (`/courier`): today's stops, and what happened at each door.

The page only reads; what the courier records at a door goes as JSON to the
courier API (routes/courier_api.py) through the queue kept on the phone
(static/js/queue.js), so an action recorded without signal is sent once when
the signal returns. The service worker keeps the page for reading offline.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pwa.pickups import handover
from pwa.pickups.notices import reason_text, shift_text, status_text
from pwa.pickups.round import my_round
from routes._web import call, db, render, settings_of, staff_required

# The camera is allowed on this page only: it scans the customer's QR code (BarcodeDetector).
PERMISSIONS = "camera=(self), microphone=(), geolocation=(self)"


@staff_required(roles=("courier", "staff", "admin"))
async def show_round(request: Request) -> Response:
    """Today's stops given to the signed-in courier, by shift, then those done."""
    member = request.state.staff
    made = await call(my_round, db(request), settings_of(request), courier=member.username)
    context = {
        "round": made,
        "reasons": [(reason, reason_text(reason)) for reason in handover.REASONS],
        "max_tries": handover.MAX_TRIES,
        "reason_text": reason_text,
        "shift_text": shift_text,
        "status_text": status_text,
    }
    headers = {"Cache-Control": "private, no-cache", "Permissions-Policy": PERMISSIONS}
    return render(request, "courier/round.html", context, headers=headers)


routes = [Route("/courier", show_round, name="courier_round")]

"""The pickups API: slots, booking, lookup and cancellation; staff calls with the `pickups` scope.

The example of the pattern in routes/api.py: the shapes are in pwa/api_models/pickups.py.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from pwa.api_models import pickups as m
from pwa.pickups import availability, booking, customer, objections, slots, staff
from routes._web import actor, call, client_address, db, known_device_key, settings_of
from routes.api import Reply, answer, operation

LOOKUP_LIMITED = Reply(
    "Too many wrong codes or phone numbers from this client; see Retry-After.", None, ("Retry-After",)
)


def slot_json(slot: slots.Slot) -> dict[str, object]:
    """A slot as the API shows it."""
    return {"date": slot.day.isoformat(), "shift": slot.shift, "capacity": slot.capacity, "remaining": slot.remaining}


@operation(
    "GET",
    "/api/v1/slots",
    summary="Open pickup shifts of a day, with the room left in each.",
    query=m.SlotsQuery,
    replies={200: Reply("The day's open shifts (none on a closed day).", m.Slots)},
)
async def list_slots(request: Request, query: m.SlotsQuery) -> Response:
    ward = None if query.ward_code is None else str(query.ward_code)
    found = await call(availability.open_on, db(request), settings_of(request), day=query.date, ward_code=ward)
    return answer(m.Slots, {"slots": [slot_json(s) for s in found]})


@operation(
    "POST",
    "/api/v1/pickups",
    summary="Book a pickup (no key needed; rate limited per client).",
    description="The day must be open and before its cut-off: `/api/v1/slots` lists the shifts with room.",
    body=m.PickupRequest,
    headers=m.BookingHeaders,
    replies={
        201: Reply("Booked.", m.CustomerBooking),
        200: Reply("The same Idempotency-Key and body again: the booking made the first time.", m.CustomerBooking),
        409: Reply("The shift is full; `slots` lists the nearest ones with room.", m.SlotFull),
        422: "A value is wrong (`error.fields`), the day is closed or past its cut-off, "
        "or the Idempotency-Key was used with another body.",
        429: Reply("Too many bookings from this client; see Retry-After.", None, ("Retry-After",)),
    },
)
async def create(request: Request, body: m.PickupRequest, headers: m.BookingHeaders) -> Response:
    try:
        made, created = await call(
            booking.submit,
            db(request),
            settings_of(request),
            body.model_dump(exclude_none=True),
            device_key=known_device_key(request),
            idempotency_key=headers.idempotency_key,
            client=client_address(request),
        )
    except slots.SlotFull as exc:
        error = {"code": exc.code, "message": exc.message, "fields": exc.fields}
        return answer(m.SlotFull, {"error": error, "slots": [slot_json(s) for s in exc.slots]}, 409)
    return answer(m.CustomerBooking, made.api(customer=True), 201 if created else 200)


@operation(
    "GET",
    "/api/v1/pickups/{code}",
    summary="A booking and its timeline, for its code and phone number.",
    params=m.CodePath,
    query=m.PhoneQuery,
    replies={
        200: Reply("The booking with its `timeline` (oldest step first).", m.CustomerBooking),
        404: "Wrong code or wrong phone (the same answer for both).",
        429: LOOKUP_LIMITED,
    },
)
async def show(request: Request, path: m.CodePath, query: m.PhoneQuery) -> Response:
    made = await call(customer.show_by_phone, db(request), settings_of(request), code=path.code, phone=query.phone,
                      client=client_address(request))  # fmt: skip
    return answer(m.CustomerBooking, made.api(customer=True))


@operation(
    "POST",
    "/api/v1/pickups/{code}/cancel",
    summary="Cancel a booking before its shift's cut-off; the place goes back to the shift.",
    params=m.CodePath,
    body=m.Cancellation,
    replies={
        200: Reply("The booking, now `cancelled`.", m.CustomerBooking),
        404: "Wrong code or wrong phone.",
        409: "After the cut-off, or already collected, failed or cancelled.",
        429: LOOKUP_LIMITED,
    },
)
async def cancel(request: Request, path: m.CodePath, body: m.Cancellation) -> Response:
    made = await call(customer.cancel_by_phone, db(request), settings_of(request), code=path.code,
                      phone=body.phone, client=client_address(request), actor=actor(request))  # fmt: skip
    return answer(m.CustomerBooking, made.api(customer=True))


@operation(
    "POST",
    "/api/v1/pickups/{code}/reschedule",
    summary="Move the same booking (code, tracking numbers, details) to another shift, or the nearest with room.",
    description="For a booking still to be collected (before its cut-off), one that failed, or one the post "
    "office cancelled. The new place is taken and the old one freed in one transaction.",
    params=m.CodePath,
    body=m.Reschedule,
    headers=m.ActionHeaders,
    replies={
        200: Reply("The booking, same code, in its new shift (`booked`).", m.CustomerBooking),
        404: "Wrong code or wrong phone.",
        409: Reply(
            "The shift is full (`slots` lists others with room), or the booking cannot be rescheduled.", m.SlotFull
        ),  # fmt: skip
        422: "A closed or past shift, only one of `date` and `shift`, or the Idempotency-Key used for another request.",
        429: LOOKUP_LIMITED,
    },
)
async def reschedule(request: Request, path: m.CodePath, body: m.Reschedule, headers: m.ActionHeaders) -> Response:
    data = body.model_dump(exclude_none=True, exclude={"phone"})
    try:
        made = await call(customer.reschedule_by_phone, db(request), settings_of(request), code=path.code,
                          phone=body.phone, client=client_address(request), data=data,
                          key=headers.idempotency_key, actor=actor(request))  # fmt: skip
    except slots.SlotFull as exc:
        error = {"code": exc.code, "message": exc.message, "fields": exc.fields}
        return answer(m.SlotFull, {"error": error, "slots": [slot_json(s) for s in exc.slots]}, 409)
    return answer(m.CustomerBooking, made.api(customer=True))


@operation(
    "POST",
    "/api/v1/pickups/{code}/objection",
    summary="The customer says that is not what happened, about a failure or a collection without the code.",
    description="Staff see it at once and must close it with a note, which the customer reads on the timeline.",
    params=m.CodePath,
    body=m.ObjectionRequest,
    headers=m.ActionHeaders,
    replies={
        201: Reply("The booking, with the objection in `objections`.", m.CustomerBooking),
        404: "Wrong code or wrong phone.",
        409: "Nothing to object to (not failed, nor collected without the code), or an objection is still open.",
        422: "A kind that does not fit the status, or the Idempotency-Key used for another request.",
        429: LOOKUP_LIMITED,
    },
)
async def objection(request: Request, path: m.CodePath, body: m.ObjectionRequest, headers: m.ActionHeaders) -> Response:
    made = await call(objections.object_by_phone, db(request), settings_of(request), code=path.code,
                      phone=body.phone, client=client_address(request),
                      data=body.model_dump(exclude_none=True, exclude={"phone"}), key=headers.idempotency_key,
                      actor=actor(request))  # fmt: skip
    return answer(m.CustomerBooking, made.api(customer=True), 201)


@operation(
    "GET",
    "/api/v1/staff/pickups",
    summary="One day's bookings, morning first (staff scope `pickups`).",
    query=m.DayQuery,
    scope="pickups",
    replies={200: Reply("The day's bookings.", m.Bookings)},
)
async def staff_list(request: Request, query: m.DayQuery) -> Response:
    listed = await call(staff.day_list_of, db(request), settings_of(request), day=query.date, shift=query.shift)
    return answer(m.Bookings, {"pickups": [b.api() for b in listed]})


@operation(
    "POST",
    "/api/v1/pickups/{code}/status",
    summary="Post a status change (staff scope `pickups`); audited.",
    params=m.CodePath,
    body=m.StatusChange,
    scope="pickups",
    replies={
        200: Reply("The booking after the change.", m.Booking),
        404: "No such booking.",
        409: "The change is not allowed from the booking's status (see the transition table).",
        422: "A value is wrong, e.g. more parcels collected than booked, or a courier without an account.",
        423: "Five wrong handover codes were entered for this booking.",
    },
)
async def staff_status(request: Request, path: m.CodePath, body: m.StatusChange) -> Response:
    data = {k: str(v) for k, v in body.root.model_dump(exclude_none=True).items()}
    made = await call(staff.update, db(request), settings_of(request), code=path.code, data=data,
                      actor=actor(request), role="staff")  # fmt: skip
    return answer(m.Booking, made.api())


routes = [op.route for op in (list_slots, create, staff_list, show, cancel, reschedule, objection, staff_status)]

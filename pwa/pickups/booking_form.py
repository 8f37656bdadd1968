"""The booking form's use cases: show it (blank or copied from an earlier booking), book from it, read an old address.

Each returns the `Form` to show, also when a booking fails: the page shows
again with everything typed kept, the shifts with room and what went wrong.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from typing import Any

from vietnam_provinces import Province

from pwa import admin_units
from pwa.db import Database
from pwa.errors import Invalid, RateLimited
from pwa.i18n import gettext as _
from pwa.pickups import address, availability, booking, fields, lookup, quotes, slots, tariff
from pwa.settings import Settings


@dataclass(frozen=True)
class Form:
    """What the booking form shows: the values as typed, the shifts, the price, and why it is shown again."""

    values: dict[str, Any]
    days: list[tuple[date, dict[str, slots.Slot]]]
    version: int | None
    communes: tuple[admin_units.Commune, ...]
    provinces: list[tuple[int, str]]
    quote: tariff.Quote | None
    errors: dict[str, str] = field(default_factory=dict)
    status: int = 200  # the HTTP status of a form shown again
    headers: dict[str, str] = field(default_factory=dict)
    notices: dict[str, Any] = field(default_factory=dict)  # problem, full + alternatives, already_booked, suggestion
    # Set for the blank form only: it shows nothing but the shifts of this availability version
    # (and its own idempotency key), so a page made for one visitor serves the next.
    blank: bool = False


def _by_day(found: list[slots.Slot]) -> list[tuple[date, dict[str, slots.Slot]]]:
    days: dict[date, dict[str, slots.Slot]] = {}
    for slot in found:
        days.setdefault(slot.day, {})[slot.shift] = slot
    return list(days.items())


@cache
def _provinces() -> list[tuple[int, str]]:
    return [(int(p.code), p.name) for p in Province.iter_all()]


def _form(database: Database, settings: Settings, values: dict[str, Any], **shown: Any) -> Form:
    """The form for these values; an empty day becomes the first shift with room."""
    open_slots = availability.listing(database, settings)
    free = [s for s in open_slots.slots if s.remaining > 0]
    if free and not values.get("date"):
        values = {**values, "date": free[0].day.isoformat(), "shift": free[0].shift}
    values = {**values, "idempotency_key": values.get("idempotency_key") or secrets.token_urlsafe(18)}
    return Form(
        values=values,
        days=_by_day(list(open_slots.slots)),
        version=open_slots.version,
        communes=admin_units.communes(settings.province_code),
        provinces=_provinces(),
        quote=quotes.live_quote(settings, values),
        **shown,
    )


def _blank_values(settings: Settings) -> dict[str, Any]:
    return {"parcels": "1", "service": "economy", "destination_province": settings.province_code}


def show(database: Database, settings: Settings, *, again: str | None, device: str) -> Form:
    """A blank form, or one filled from the failed or earlier booking `again` names if this device manages it."""
    if not again:
        return _blank(database, settings)
    values = _blank_values(settings)
    with database.read() as session:
        old = lookup.get(session, again)
        if old is not None and lookup.may_manage(session, old, device):
            values.update(fields.again(old))
    return _form(database, settings, values)


_blanks: dict[tuple[int, int], Form] = {}


def _blank(database: Database, settings: Settings) -> Form:
    """The blank form, made once per availability version; only its idempotency key is new each time."""
    version = availability.listing(database, settings).version
    made = _blanks.get((id(settings), version))
    if made is None:
        made = replace(_form(database, settings, _blank_values(settings)), blank=True)
        _blanks.clear()  # one version at a time is all that is ever asked for
        _blanks[(id(settings), made.version or 0)] = made
    return replace(made, values={**made.values, "idempotency_key": secrets.token_urlsafe(18)})


def book(database: Database, settings: Settings, values: dict[str, Any], *, device: str, client: str) -> str | Form:
    """Book from the form: the new booking's code, or the form again saying what to change."""
    try:
        made, _created = booking.submit(
            database, settings, values, device_key=device, idempotency_key=values.get("idempotency_key"), client=client
        )
    except RateLimited as exc:
        return _again(database, settings, values, status=429, headers=exc.headers, notices={"problem": exc.message})
    except slots.SlotFull as exc:
        notices: dict[str, Any] = {"full": exc.message, "alternatives": exc.slots}
        return _again(database, settings, values, errors=exc.fields, status=409, notices=notices)
    except booking.KeyReused as exc:  # Back after booking, then edited: offer this form as a new booking
        fresh = {**values, "idempotency_key": ""}
        notices = {"already_booked": True, "earlier": exc.booking_code}
        return _again(database, settings, fresh, status=409, notices=notices)
    except Invalid as exc:
        return _again(database, settings, values, errors=exc.fields, status=422)
    return made.code


def _again(database: Database, settings: Settings, values: dict[str, Any], **shown: Any) -> Form:
    return _form(database, settings, values, **shown)


def convert(database: Database, settings: Settings, values: dict[str, Any]) -> Form:
    """Read an old, district-based address as today's commune and show the form with it chosen."""
    found = address.suggest(values.get("old_address", ""), settings.province_code)
    if found is None:
        message = _("Không nhận ra địa chỉ này. Hãy chọn xã/phường trong danh sách.")
        return _again(database, settings, values, errors={"old_address": message}, status=422)
    values = {**values, "ward_code": str(found.ward_code), "street": values.get("street") or found.street}
    return _again(database, settings, values, notices={"suggestion": found})

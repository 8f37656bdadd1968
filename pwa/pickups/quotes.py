"""Prices for bookings: a finished request, and a live quote while the form is still being filled in."""

from __future__ import annotations

from typing import Any

from pwa.models import Pickup
from pwa.pickups import fields, tariff
from pwa.settings import Settings

# Only these fields change the price; a live quote needs them right, and nothing else yet.
PRICE_FIELDS = ("parcels", "weight_kg", "service", "destination_province", "cod_vnd", "declared_value_vnd")
_NOT_YET_TYPED = {
    "name": "x", "phone": "0912345678", "ward_code": 0, "street": "x", "date": "2000-01-01", "shift": "morning",
}  # fmt: skip


def quote_of(settings: Settings, request: Pickup) -> tariff.Quote:
    """The price of a checked booking request, line by line, from the operator's tariff file."""
    return tariff.quote(
        tariff.load(settings.tariff_path),
        service=request.service,
        weight_g=request.weight_g,
        parcels=request.parcels,
        destination_province=request.destination_province,
        cod_vnd=request.cod_vnd,
        declared_value_vnd=request.declared_value_vnd,
    )


def live_quote(settings: Settings, values: dict[str, Any]) -> tariff.Quote | None:
    """A quote for a half-filled form, or None while a field that sets the price is wrong or empty."""
    request, errors = fields.parse({**_NOT_YET_TYPED, **values}, settings)
    if any(field in errors for field in PRICE_FIELDS):
        return None
    return quote_of(settings, request)

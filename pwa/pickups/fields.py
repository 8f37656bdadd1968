"""A pickup request's fields, declared once.

Each field says how the booking stores it (the `Pickup` column), how forms and
the JSON API name it, how it is checked, and how a new booking's form is filled
from an old one. Validation and the form's field list come from here; the JSON
types of the API's request (and so the offline queue's) are declared once in
pwa/api_models/pickups.py.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from pwa import phones
from pwa.api_models.pickups import PickupRequest  # the API's JSON types of a request
from pwa.models import Pickup
from pwa.pickups import validate as v
from pwa.pickups.slots import SHIFTS
from pwa.pickups.tariff import SERVICES
from pwa.settings import Settings

Check = Callable[[Any, Settings, dict[str, str]], Any]


def _same(value: Any) -> Any:
    return value


def _kg(grams: int) -> str:
    return f"{grams / 1000:g}".replace(".", ",")


def _blank_if_zero(amount: int) -> int | str:
    return amount or ""


@dataclass(frozen=True)
class Field:
    """One field of a booking request."""

    name: str  # as stored: the `Pickup` column, the `views.Booking` attribute
    check: Check  # the value as sent → the value stored; a message in `errors` under `key` if wrong
    required: bool = False
    sent_as: str = ""  # the form's and the API's name, where it differs from `name`
    again: Callable[[Any], Any] | None = None  # the stored value as a new form shows it (None: not copied)

    @property
    def key(self) -> str:
        """The name forms and the API use."""
        return self.sent_as or self.name


def _checked(check: Callable[..., Any], *args: Any) -> Check:
    """A check that needs neither the settings nor more than the value (and its own arguments)."""
    return lambda raw, _settings, errors: check(raw, *args, errors)


def _text(field: str, *, required: bool) -> Check:
    return lambda raw, _settings, errors: v.check_text(raw, field, required=required, errors=errors)


FIELDS_OF_REQUEST = (
    Field("name", _text("name", required=True), required=True, again=_same),
    Field("phone", _checked(v.check_phone), required=True, again=phones.display),
    Field("ward_code", v.check_ward, required=True, again=_same),
    Field("street", _text("street", required=True), required=True, again=_same),
    Field("day", _checked(v.check_date), required=True, sent_as="date"),
    Field("shift", _checked(v.check_choice, "shift", SHIFTS), required=True),
    Field("parcels", _checked(v.check_count), required=True, again=_same),
    Field("weight_g", _checked(v.check_weight), required=True, sent_as="weight_kg", again=_kg),
    Field("longest_cm", _checked(v.check_size), again=_same),
    Field("service", _checked(v.check_choice, "service", SERVICES), required=True, again=_same),
    Field("destination_province", v.check_destination, again=_same),
    Field("cod_vnd", _checked(v.check_money, "cod_vnd"), again=_blank_if_zero),
    Field("declared_value_vnd", _checked(v.check_money, "declared_value_vnd"), again=_blank_if_zero),
    Field("note", _text("note", required=False), again=_same),
)  # fmt: skip

KEYS = tuple(f.key for f in FIELDS_OF_REQUEST)  # the names a form or an API call sends
# A request hashes with the names it was first hashed with, so a retry across the `date` → `day` rename still matches.
_HASH_NAMES = {"day": "date"}


def parse(data: dict[str, Any], settings: Settings) -> tuple[Pickup, dict[str, str]]:
    """Check every field: an unsaved booking holding the request, and the messages per field (none: all is well)."""
    errors: dict[str, str] = {}
    values = {f.name: f.check(data.get(f.key), settings, errors) for f in FIELDS_OF_REQUEST}
    return Pickup(**values, request_hash=digest(values)), errors


def digest(values: dict[str, Any]) -> str:
    """A hash of the normalised request: same body, same hash (for idempotency keys)."""
    data = {_HASH_NAMES.get(k, k): str(value) for k, value in values.items()}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def again(booking: Pickup) -> dict[str, Any]:
    """A new form's values copied from an earlier booking: who, where and what, not when."""
    return {f.key: f.again(getattr(booking, f.name)) for f in FIELDS_OF_REQUEST if f.again is not None}


@cache
@cache
def queue_types() -> str:
    """The form's numeric fields as the offline queue sends them to the API (`data-queue-types`), as JSON.

    Made once: building the model's JSON schema took milliseconds, on every render of the form.
    """
    kinds = {"integer": "int", "number": "number"}
    found = {}
    for name, schema in PickupRequest.model_json_schema()["properties"].items():
        kind = next((s.get("type") for s in schema.get("anyOf", [schema]) if s.get("type") in kinds), None)
        if kind is not None:
            found[name] = kinds[kind]
    return json.dumps(found)

"""A pickup request's fields, declared once.

Each field says how the booking stores it (the `Pickup` column), how forms and
the JSON API name it, how it is checked, its JSON schema, and how a new
booking's form is filled from an old one. Validation, the form's field list,
the offline queue's types and the OpenAPI request schema all come from here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pwa import phones
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
    schema: dict[str, Any]  # the JSON schema of the value as sent
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


INTEGER, NUMBER, TEXT = "integer", "number", "string"

FIELDS_OF_REQUEST = (
    Field("name", _text("name", required=True), {"type": TEXT, "maxLength": v.LIMITS["name"]},
          required=True, again=_same),
    Field("phone", _checked(v.check_phone), {"type": TEXT, "example": "0912 345 678"},
          required=True, again=phones.display),
    Field("ward_code", v.check_ward, {"type": INTEGER, "description": "commune/ward code (vietnam-provinces)"},
          required=True, again=_same),
    Field("street", _text("street", required=True), {"type": TEXT, "maxLength": v.LIMITS["street"]},
          required=True, again=_same),
    Field("day", _checked(v.check_date), {"type": TEXT, "format": "date"},
          required=True, sent_as="date"),
    Field("shift", _checked(v.check_choice, "shift", SHIFTS), {"type": TEXT, "enum": list(SHIFTS)},
          required=True),
    Field("parcels", _checked(v.check_count), {"type": INTEGER, "minimum": 1, "maximum": v.MAX_PARCELS},
          required=True, again=_same),
    Field("weight_g", _checked(v.check_weight), {"type": NUMBER, "exclusiveMinimum": 0,
          "maximum": v.MAX_WEIGHT_G // 1000, "description": "of the heaviest parcel"},
          required=True, sent_as="weight_kg", again=_kg),
    Field("longest_cm", _checked(v.check_size), {"type": INTEGER, "minimum": 1, "maximum": v.MAX_SIDE_CM},
          again=_same),
    Field("service", _checked(v.check_choice, "service", SERVICES), {"type": TEXT, "enum": list(SERVICES)},
          required=True, again=_same),
    Field("destination_province", v.check_destination,
          {"type": INTEGER, "description": "province code; the office's by default"}, again=_same),
    Field("cod_vnd", _checked(v.check_money, "cod_vnd"), {"type": INTEGER, "minimum": 0},
          again=_blank_if_zero),
    Field("declared_value_vnd", _checked(v.check_money, "declared_value_vnd"), {"type": INTEGER, "minimum": 0},
          again=_blank_if_zero),
    Field("note", _text("note", required=False), {"type": TEXT, "maxLength": v.LIMITS["note"]},
          again=_same),
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


def queue_types() -> str:
    """The form's numeric fields as the offline queue sends them (`data-queue-types`), as JSON."""
    kinds = {INTEGER: "int", NUMBER: "number"}
    return json.dumps({f.key: kinds[f.schema["type"]] for f in FIELDS_OF_REQUEST if f.schema["type"] in kinds})


def request_schema() -> dict[str, Any]:
    """The JSON schema of a booking request (the OpenAPI request body)."""
    return {
        "type": "object",
        "required": [f.key for f in FIELDS_OF_REQUEST if f.required],
        "properties": {f.key: f.schema for f in FIELDS_OF_REQUEST},
    }

"""The pickups API's shapes: booking, slots, a booking's answer, staff actions."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, RootModel

from pwa import admin_units
from pwa.api_models.base import PHONE, Among, Answer, Body, ErrorDetail, Headers, IsoDate, Plain, Query, Whole
from pwa.i18n import gettext as _
from pwa.pickups import codes
from pwa.pickups import validate as v
from pwa.settings import Settings

PROVINCE = Settings.province_code  # the office's province (a setting with no variable of its own)
WARDS = tuple(sorted(c.code for c in admin_units.communes(PROVINCE)))
Shift = Literal["morning", "afternoon"]
Service = Literal["economy", "express", "urgent"]


def _ward_message() -> str:
    return _("Không có xã/phường này trong tỉnh %(province)s. Hãy chọn trong danh sách.") % {
        "province": admin_units.province_name(PROVINCE)
    }


Ward = Annotated[int, Among(WARDS, _ward_message), Field(description="a commune of the office's province")]
Province = Annotated[
    int,
    Among(v.PROVINCES, lambda: _("Chọn tỉnh/thành phố nơi nhận trong danh sách.")),
    Field(description="the destination province; the office's by default"),
]
Phone = Annotated[str, *PHONE]
Code = Annotated[str, Field(json_schema_extra={"pattern": f"^[{codes.ALPHABET}]{{{codes.LENGTH}}}$"})]


class PickupRequest(Body):
    """A booking request."""

    name: Annotated[str, Field(max_length=v.LIMITS["name"]), Plain(least=1)]
    phone: Phone
    ward_code: Ward
    street: Annotated[str, Field(max_length=v.LIMITS["street"]), Plain(least=1)]
    date: Annotated[str, IsoDate(), Field(description="an open day in the coming weeks (see /api/v1/slots)")]
    shift: Shift
    parcels: Annotated[int, Field(ge=1, le=v.MAX_PARCELS)]
    weight_kg: Annotated[float, Field(gt=0, le=v.MAX_WEIGHT_G // 1000, description="of the heaviest parcel")]
    service: Service
    longest_cm: Annotated[int, Field(ge=1, le=v.MAX_SIDE_CM)] | None = None
    destination_province: Province | None = None
    cod_vnd: Annotated[int, Field(ge=0, le=v.MAX_MONEY_VND)] | None = None
    declared_value_vnd: Annotated[int, Field(ge=0, le=v.MAX_MONEY_VND)] | None = None
    note: Annotated[str, Field(max_length=v.LIMITS["note"]), Plain(lines=True)] | None = None


class Cancellation(Body):
    """Who cancels: the phone number the booking was made with."""

    phone: Phone


class Assign(Body):
    action: Literal["assign"]
    courier: Annotated[str, Field(max_length=v.LIMITS["name"]), Plain(least=1)]


class Collected(Body):
    action: Literal["collected"]
    collected_parcels: Annotated[int, Field(ge=1, le=v.MAX_PARCELS, description="at most the parcels booked")]


class Failed(Body):
    action: Literal["failed"]
    reason: Annotated[str, Field(max_length=v.LIMITS["note"]), Plain(least=1)]


class Cancel(Body):
    action: Literal["cancel"]


class StatusChange(RootModel[Annotated[Assign | Collected | Failed | Cancel, Field(discriminator="action")]]):
    """A staff action on a booking; each action has the fields it needs."""

    model_config = ConfigDict(strict=True, frozen=True)


class BookingHeaders(Headers):
    idempotency_key: Annotated[str, Field(min_length=1, max_length=100), Plain()] | None = Field(
        default=None,
        alias="idempotency-key",
        description="Sent again with the same body, gets the booking made the first time (offline retries).",
    )


class SlotsQuery(Query):
    date: Annotated[str, IsoDate()]
    ward_code: Annotated[Ward, Whole(message=_ward_message)] | None = None


class DayQuery(Query):
    date: Annotated[str, IsoDate()]
    shift: Shift | None = None


class PhoneQuery(Query):
    phone: Phone


class CodePath(Query):
    code: Code


class Slot(Answer):
    date: str
    shift: Shift
    capacity: int
    remaining: int


class Slots(Answer):
    slots: list[Slot]


class Step(Answer):
    status: str
    at: str
    detail: str


class Booking(Answer):
    """A booking as its customer (or staff) sees it."""

    code: str
    status: Literal["booked", "assigned", "collected", "failed", "cancelled"]
    tracking_numbers: list[str]
    date: str
    shift: Shift
    price_vnd: int
    name: str
    phone: str
    ward_code: int
    street: str
    parcels: int
    weight_kg: float
    service: Service
    cod_vnd: int
    declared_value_vnd: int
    note: str
    courier: str
    collected_parcels: int | None
    failure_reason: str
    changeable_until: str
    timeline: list[Step]


class Bookings(Answer):
    pickups: list[Booking]


class SlotFull(Answer):
    """The shift is full: the error and the nearest shifts that still have room."""

    error: ErrorDetail
    slots: list[Slot]

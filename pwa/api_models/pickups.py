"""The pickups API's shapes: booking, slots, a booking's answer, staff actions."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, RootModel

from pwa import admin_units
from pwa.api_models.base import _DATE as CALENDAR_DAY  # the days of 2000–2100, as IsoDate admits them
from pwa.api_models.base import (
    PHONE,
    Among,
    Answer,
    Body,
    ErrorDetail,
    Headers,
    IsoDate,
    IsoTime,
    Matches,
    Plain,
    Query,
    Whole,
)
from pwa.i18n import gettext as _
from pwa.pickups import codes, handover, objections
from pwa.pickups import validate as v
from pwa.settings import Settings

PROVINCE = Settings.province_code  # the office's province (a setting with no variable of its own)
WARDS = tuple(sorted(c.code for c in admin_units.communes(PROVINCE)))
Shift = Literal["morning", "afternoon"]
Reason = Literal["not_home", "no_answer", "not_ready", "wrong_address", "postponed", "other"]
ObjectionKind = Literal["was_home", "no_call", "not_handed_over", "other"]
assert set(Reason.__args__) == set(handover.REASONS)  # type: ignore[attr-defined]
assert set(ObjectionKind.__args__) == set(objections.KINDS)  # type: ignore[attr-defined]
HandoverCode = Annotated[
    str,
    Matches("^[0-9]{4}$", lambda: _("Mã bàn giao gồm 4 chữ số.")),
    Field(description="the 4 digits the customer gives when the parcels change hands"),
]
Recorded = Annotated[
    str, IsoTime(), Field(description="when the phone recorded it (sent later without signal): within 7 days")
]
Note = Annotated[str, Field(max_length=v.LIMITS["note"]), Plain(lines=True)]
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
    courier: Annotated[
        str, Field(max_length=64, description="the username of a courier's (or staff) account"), Plain(least=1)
    ]


class Collected(Body):
    action: Literal["collected"]
    collected_parcels: Annotated[int, Field(ge=1, le=v.MAX_PARCELS, description="at most the parcels booked")]
    handover_code: HandoverCode | None = None


class Failed(Body):
    action: Literal["failed"]
    reason: Reason
    called_at: Annotated[Recorded, Field(description="required with no_answer")] | None = None
    note: Annotated[Note, Field(description="required with other")] | None = None


class Cancel(Body):
    action: Literal["cancel"]


class Rebook(Body):
    action: Literal["reschedule"]
    slot: Annotated[
        str,
        Matches(f"^$|^{CALENDAR_DAY}/(morning|afternoon)$", lambda: _("Chọn ca dạng 2026-12-05/morning.")),
        Field(description="`YYYY-MM-DD/morning|afternoon`; empty or left out for the nearest shift with room"),
    ] = ""


class StatusChange(RootModel[Annotated[Assign | Collected | Failed | Cancel | Rebook, Field(discriminator="action")]]):
    """A staff action on a booking; each action has the fields it needs."""

    model_config = ConfigDict(strict=True, frozen=True)


class Collect(Body):
    """A courier at the door: the parcels collected, with the customer's handover code if they gave it."""

    handover_code: HandoverCode | None = None
    parcels: Annotated[int, Field(ge=1, le=v.MAX_PARCELS, description="at most the parcels booked")]
    at: Recorded | None = None


class _Fail(Body):
    note: Annotated[Note, Field(description="what happened, in a few words")] | None = None
    called_at: Recorded | None = None
    at: Recorded | None = None


class FailNoAnswer(_Fail):
    """The customer did not answer: when the courier called is part of the report."""

    reason: Literal["no_answer"]
    called_at: Annotated[Recorded, Field(description="when the courier called the customer")]


class FailOther(_Fail):
    """Another reason: the note says which."""

    reason: Literal["other"]
    note: Annotated[str, Field(max_length=v.LIMITS["note"]), Plain(lines=True, least=1)]


class FailListed(_Fail):
    reason: Literal["not_home", "not_ready", "wrong_address", "postponed"]


class Fail(RootModel[Annotated[FailNoAnswer | FailOther | FailListed, Field(discriminator="reason")]]):
    """A courier at the door: why nothing was collected (a reason from the list, with what it needs)."""

    model_config = ConfigDict(strict=True, frozen=True)


class Reschedule(Body):
    """The customer moves the same booking: to `date` and `shift`, or (both left out) the nearest with room."""

    phone: Phone
    date: Annotated[str, IsoDate()] | None = None
    shift: Shift | None = None


class ObjectionRequest(Body):
    """The customer says that is not what happened: `was_home`/`no_call` for a failure,
    `not_handed_over` for a collection recorded without the code, `other` for either."""

    phone: Phone
    kind: ObjectionKind
    text: Annotated[str, Field(max_length=objections.MAX_TEXT), Plain(lines=True)] | None = None


class ActionHeaders(Headers):
    idempotency_key: Annotated[str, Field(min_length=1, max_length=100), Plain()] | None = Field(
        default=None,
        alias="idempotency-key",
        description="Sent again with the same body (a phone back in signal), the change applies once.",
    )


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


class Objection(Answer):
    id: int
    about: Literal["failed", "collected"]
    kind: ObjectionKind
    text: str
    created_at: str
    closed_at: str | None
    outcome: str


class Booking(Answer):
    """A booking as staff see it (its customer also gets `handover_code`)."""

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
    failure_note: str
    called_at: str | None
    handover_verified: bool | None = Field(description="once collected: with the customer's code, or without")
    changeable_until: str
    timeline: list[Step]
    objections: list[Objection]


class CustomerBooking(Booking):
    """A booking as its customer sees it (code and phone): with the handover code to give the courier."""

    handover_code: str


class Bookings(Answer):
    pickups: list[Booking]


class SlotFull(Answer):
    """The shift is full: the error and the nearest shifts that still have room."""

    error: ErrorDetail
    slots: list[Slot]

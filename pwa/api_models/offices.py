"""The places API's shapes: search and one place (public, read-only)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from pwa.api_models.base import Answer, Matches, Plain, Query, Whole
from pwa.i18n import gettext as _
from pwa.offices import places

_LAT = "-?(?:[0-8]?[0-9](?:\\.[0-9]{1,12})?|90(?:\\.0{1,12})?)"
_LON = "-?(?:(?:1[0-7][0-9]|[0-9]?[0-9])(?:\\.[0-9]{1,12})?|180(?:\\.0{1,12})?)"


class Search(Query):
    q: Annotated[str, Field(max_length=100, description="a name or commune; accents and case ignored"), Plain()] = ""
    ward_code: Annotated[int, Field(ge=0, le=99_999_999), Whole(digits=8)] | None = Field(
        default=None, description="only places in this commune"
    )
    near: (
        Annotated[
            str,
            Matches(f"^{_LAT},{_LON}$", lambda: _("near phải có dạng LAT,LON, ví dụ 22.147,105.835.")),
            Field(description="LAT,LON: nearest first"),
        ]
        | None
    ) = None


class CodePath(Query):
    code: Annotated[str, Field(json_schema_extra={"pattern": places.CODE_RE.pattern})]


class PaymentDay(Answer):
    kind: Literal["pension", "social", "merit"]
    date: str
    opens: str
    closes: str


class Place(Answer):
    """A post office, commune post office or service centre, and its state now."""

    code: str
    name: str
    kind: Literal["post_office", "commune_post_office", "service_centre"]
    ward_code: int
    commune: str
    address: str
    phone: str
    lat: float
    lon: float
    services: list[str]
    opening_hours: str
    open_now: bool
    next_payment_day: PaymentDay | None


class Places(Answer):
    offices: list[Place]


class Announcement(Answer):
    id: int
    title: str
    body: str
    at: str


class PlaceDetail(Place):
    """A place with its coming payment days and its commune's recent announcements."""

    payment_days: list[PaymentDay]
    announcements: list[Announcement]

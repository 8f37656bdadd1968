"""The dossier API's shapes: a new dossier, a timeline event, a citizen's lookup and follow."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import ConfigDict, Discriminator, Field, RootModel, Tag

from pwa.api_models.base import PHONE, Answer, Body, IsoDate, IsoTime, Matches, Plain, Query
from pwa.dossiers import fields
from pwa.dossiers.lookup import SECRET_DIGITS
from pwa.dossiers.statuses import POSTAL_EVENTS
from pwa.i18n import gettext as _

CODE = "^[A-Za-z0-9][A-Za-z0-9._-]{2,39}$"  # fields.CODE_RE, either case (codes are kept upper-case)
Code = Annotated[str, Matches(CODE, fields.code_hint), Field(examples=["H19.22-251125-0042"])]
Secret = Annotated[
    str,
    Matches(
        f"^[0-9]{{{SECRET_DIGITS}}}$",
        lambda: _("Nhập 4 số cuối của số điện thoại đã đăng ký với hồ sơ, ví dụ 5678."),
    ),
    Field(description="the last 4 digits of the phone registered with the dossier"),
]
PostalKind = Literal[
    "collected", "sent_to_agency", "result_picked_up", "out_for_delivery", "delivered", "held_for_collection"
]
assert set(PostalKind.__args__) == set(POSTAL_EVENTS)  # type: ignore[attr-defined]


class NewDossier(Body):
    """A dossier registered by the provincial one-stop system."""

    code: Code
    procedure: Annotated[str, Field(max_length=500), Plain(least=1)]
    agency: Annotated[str, Field(max_length=255), Plain(least=1)]
    applicant_name: Annotated[str, Field(max_length=120), Plain(least=1)]
    phone: Annotated[str, *PHONE]
    received_at: Annotated[str, IsoTime(zone=False), Field(description="without an offset: the post office's zone")]
    due_date: Annotated[str, IsoDate(), Field(description="the promised return date (ngày hẹn trả), not before")]
    channel: Annotated[Literal[1, 2, 3], Field(description="1 in person, 2 online, 3 by post")]


class _Event(Body):
    id: Annotated[
        str,
        Matches(fields.EVENT_ID_RE.pattern, lambda: _("Mã sự kiện gồm 1–64 chữ cái không dấu, chữ số hoặc . _ : -")),
        Field(description="the sender's own id: a repeat is stored once"),
    ]
    at: Annotated[str, IsoTime(zone=False), Field(description="not more than a day ahead of the server's clock")]
    note: Annotated[str, Field(max_length=500), Plain(lines=True)] | None = None
    tracking_number: Annotated[str, Field(description="UPU S10 with its check digit, e.g. EB123456785VN")] | None = None
    fee_vnd: Annotated[int, Field(ge=0, le=fields.MAX_FEE)] | None = None


class StatusEvent(_Event):
    """A step of the agency's procedure (national status code)."""

    status_code: Annotated[int, Field(ge=1, le=10)]


class PostalLeg(_Event):
    """A postal leg of the dossier's journey."""

    postal_event: PostalKind


def _kind(data: object) -> str | None:
    if isinstance(data, dict):
        return "status" if "status_code" in data else "postal" if "postal_event" in data else None
    return None


class Event(RootModel[Annotated[
    Annotated[StatusEvent, Tag("status")] | Annotated[PostalLeg, Tag("postal")],
    Discriminator(_kind, custom_error_type="exactly_one", custom_error_message="status_code | postal_event"),
]]):  # fmt: skip
    """A timeline event: exactly one of `status_code` and `postal_event`."""

    model_config = ConfigDict(strict=True, frozen=True)
    TAGS: ClassVar[frozenset[str]] = frozenset({"status", "postal"})


class CodePath(Query):
    code: Code


class SecretQuery(Query):
    secret: Secret


class Follow(Body):
    secret: Secret


class Entry(Answer):
    at: str
    kind: Literal["status", "postal"]
    status_code: int | None
    postal_event: PostalKind | None
    label: str
    meaning: str
    next_step: str
    note: str
    tracking_number: str | None
    fee_vnd: int | None


class Dossier(Answer):
    """What a citizen may see of a dossier: the name masked, never the phone."""

    code: str
    procedure: str
    agency: str
    applicant_name: str
    received_at: str
    due_date: str
    due_state: Literal["on_time", "due_soon", "overdue", "done"]
    status_code: int | None
    status_label: str
    next_step: str
    postal: Entry | None
    timeline: list[Entry]


class Following(Answer):
    code: str
    following: bool

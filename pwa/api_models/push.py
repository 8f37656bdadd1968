"""The push API's shapes: a browser's subscription, staff notices and their delivery report."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from pwa import topics
from pwa.api_models.base import Among, Answer, Body, IsoTime, Matches, Plain
from pwa.api_models.pickups import WARDS, Ward
from pwa.i18n import gettext as _

_PORT = "(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})"
ENDPOINT = f"^https?://[A-Za-z0-9.-]+(?::{_PORT})?(?:/[!-~]*)?$"  # printable ASCII, as push services give
TOPICS = (*topics.FIXED, *(topics.commune(code) for code in WARDS))
# A page of this site, in printable ASCII without `"` or `\` (so that it cannot grow when sent by push).
LOCAL_URL = "^(?:/(?:[!#-.0-\\[\\]-~][!#-\\[\\]-~]*)?)?$"


def _key_message() -> str:
    return _("Khóa mã hóa của trình duyệt không hợp lệ.")


class Keys(Body):
    p256dh: Annotated[
        str, Matches("^B[A-P][A-Za-z0-9_-]{84}[AEIMQUYcgkosw048]=?$", _key_message)
    ]  # 65 bytes, 0x04 first
    auth: Annotated[str, Matches("^[A-Za-z0-9_-]{21}[AQgw](?:==)?$", _key_message)]  # 16 bytes


class Subscription(Body):
    """The browser's PushSubscription, as its `toJSON()` gives it."""

    endpoint: Annotated[
        str,
        Field(max_length=1000),
        Matches(ENDPOINT, lambda: _("Địa chỉ nhận thông báo (endpoint) không hợp lệ.")),
        Field(description="over https, a known push service's (FCM, Mozilla, Apple, Windows)"),
    ]
    keys: Keys
    expirationTime: Annotated[int, Field(ge=0)] | None = None  # noqa: N815 (the browser's name)


class Subscribe(Body):
    subscription: Subscription
    topics: (
        Annotated[
            list[Annotated[str, Among(TOPICS, lambda: _("Danh sách chủ đề không hợp lệ."))]],
            Field(max_length=20, description="omitted: the device keeps what it follows"),
        ]
        | None
    ) = None
    old_endpoint: Annotated[str, Field(max_length=1000, description="the subscription this one replaces")] | None = None


class Unsubscribe(Body):
    endpoint: Annotated[str, Field(min_length=1, max_length=1000), Plain()]  # no NUL: PostgreSQL refuses it


class NewNotice(Body):
    """A staff announcement: to the communes given, else to every device that follows news."""

    title: Annotated[str, Field(max_length=120), Plain(least=3)]
    body: Annotated[str, Field(max_length=500), Plain(lines=True, least=3)]
    url: (
        Annotated[
            str,
            Field(max_length=300, description="a page of this app, starting with /"),
            Matches(LOCAL_URL, lambda: _("Đường dẫn phải là một trang của ứng dụng, bắt đầu bằng /, ví dụ /dossiers.")),
        ]
        | None
    ) = None
    ward_codes: Annotated[list[Ward], Field(min_length=1, max_length=len(WARDS))] | None = None
    send_at: Annotated[str, IsoTime(), Field(description="from now to 60 days ahead; omitted: now")] | None = None


class PublicKey(Answer):
    public_key: str


class Subscribed(Answer):
    endpoint: str
    topics: list[str]


class Created(Answer):
    id: int


class Attempts(Answer):
    result: Literal["sent", "retry", "gone", "failed"]
    code: int | None
    count: int


class NoticeReport(Answer):
    """A notice and how its deliveries went."""

    id: int
    title: str
    send_at: str
    dispatched: bool
    recipients: int
    queued: int
    sent: int
    failed: int
    pruned: int
    attempts: list[Attempts]

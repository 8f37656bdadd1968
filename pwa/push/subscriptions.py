"""What a device follows and where its browser receives pushes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete
from sqlmodel import Session, col, select

from pwa import admin_units
from pwa.db import dialect_insert
from pwa.errors import Invalid
from pwa.i18n import gettext as _
from pwa.models import DeviceTopic, PushSubscription, utcnow
from pwa.push.vapid import b64url_decode
from pwa.topics import EVERYONE, commune_code
from pwa.topics import valid as valid_topic
from pwa.util import chunks

# In production (an https site) only these push services may receive our requests:
# an endpoint is posted by anyone, and the server must not be made to POST elsewhere.
PUSH_SERVICE_DOMAINS = (
    "fcm.googleapis.com",
    "android.googleapis.com",
    "push.services.mozilla.com",
    "push.apple.com",
    "notify.windows.com",
)


def _endpoint_problem(endpoint: str, *, production: bool) -> str | None:
    invalid = _("Địa chỉ nhận thông báo (endpoint) không hợp lệ.")
    try:
        parts = urlsplit(endpoint)
        host, _port = parts.hostname, parts.port  # both raise ValueError on a malformed address
    except ValueError:
        return invalid
    if parts.scheme not in ("https", "http") or not host or len(endpoint) > 1000:
        return invalid
    if production:
        known = any(host == d or host.endswith("." + d) for d in PUSH_SERVICE_DOMAINS)
        if parts.scheme != "https" or not known:
            return _("Dịch vụ nhận thông báo này không được hỗ trợ.")
    return None


def parse(subscription: Any, *, production: bool) -> tuple[str, str, str]:
    """(endpoint, p256dh, auth) from the browser's PushSubscription JSON, or Invalid."""
    if not isinstance(subscription, dict):
        raise Invalid(fields={"subscription": _("Thiếu thông tin đăng ký nhận thông báo.")})
    endpoint = subscription.get("endpoint")
    raw_keys = subscription.get("keys")
    keys: dict[str, Any] = raw_keys if isinstance(raw_keys, dict) else {}
    p256dh, auth = keys.get("p256dh"), keys.get("auth")
    problem = _endpoint_problem(endpoint, production=production) if isinstance(endpoint, str) else None
    if not isinstance(endpoint, str) or problem:
        raise Invalid(fields={"subscription.endpoint": problem or _("Thiếu địa chỉ nhận thông báo (endpoint).")})
    if not _valid_key(p256dh, 65, first=4) or not _valid_key(auth, 16):
        raise Invalid(fields={"subscription.keys": _("Khóa mã hóa của trình duyệt không hợp lệ.")})
    return endpoint, str(p256dh), str(auth)


def _valid_key(value: Any, size: int, first: int | None = None) -> bool:
    if not isinstance(value, str) or len(value) > 128:
        return False
    try:
        raw = b64url_decode(value)
    except ValueError:
        return False
    return len(raw) == size and (first is None or raw[0] == first)


def valid_topics(wanted: Any) -> list[str]:
    """The topics asked for, checked; communes must be real ones."""
    if not isinstance(wanted, list) or not all(isinstance(t, str) for t in wanted) or len(wanted) > 20:
        raise Invalid(fields={"topics": _("Danh sách chủ đề không hợp lệ.")})
    clean: list[str] = []
    for topic in wanted:
        if not _known_topic(topic):
            raise Invalid(fields={"topics": _("Chủ đề không tồn tại: %(topic)s") % {"topic": topic[:64]}})
        if topic not in clean:
            clean.append(topic)
    return clean


def _known_topic(topic: str) -> bool:
    code = commune_code(topic)
    return valid_topic(topic) and (code is None or admin_units.commune(code) is not None)


def save(session: Session, *, device_key: str, endpoint: str, p256dh: str, auth: str) -> None:
    """Store a subscription; the same endpoint posted again updates in place (one upsert)."""
    now = utcnow()
    values = {"device_key": device_key, "endpoint": endpoint, "p256dh": p256dh, "auth": auth}
    stmt = dialect_insert(session)(PushSubscription).values(**values, created_at=now, updated_at=now)
    update = {"device_key": device_key, "p256dh": p256dh, "auth": auth, "updated_at": now}
    session.execute(stmt.on_conflict_do_update(index_elements=["endpoint"], set_=update))


def remove(session: Session, *, device_key: str, endpoint: str) -> bool:
    """Forget one of this device's subscriptions; True if it existed."""
    stmt = delete(PushSubscription).where(
        col(PushSubscription.device_key) == device_key, col(PushSubscription.endpoint) == endpoint
    )
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def remove_all(session: Session, *, device_key: str) -> None:
    """Turn everything off for this device: no topics, no subscriptions."""
    session.execute(delete(DeviceTopic).where(col(DeviceTopic.device_key) == device_key))
    session.execute(delete(PushSubscription).where(col(PushSubscription.device_key) == device_key))


def count(session: Session, *, device_key: str) -> int:
    """How many browser subscriptions this device has."""
    query = select(PushSubscription.id).where(PushSubscription.device_key == device_key)
    return len(session.exec(query).all())


def topics_of(session: Session, *, device_key: str) -> list[str]:
    """The topics this device follows, sorted."""
    query = select(DeviceTopic.topic).where(DeviceTopic.device_key == device_key).order_by(col(DeviceTopic.topic))
    return list(session.exec(query).all())


def set_topics(session: Session, *, device_key: str, topics: Iterable[str]) -> None:
    """Replace what this device follows."""
    session.execute(delete(DeviceTopic).where(col(DeviceTopic.device_key) == device_key))
    for topic in dict.fromkeys(topics):
        session.add(DeviceTopic(device_key=device_key, topic=topic))
    session.flush()


def followers(session: Session, topics: Sequence[str]) -> list[str]:
    """Devices following any of `topics` (`EVERYONE`: any topic at all)."""
    query = select(DeviceTopic.device_key).distinct()
    if EVERYONE not in topics:
        query = query.where(col(DeviceTopic.topic).in_(list(topics)))
    return sorted(session.exec(query).all())


def of_devices(session: Session, device_keys: Sequence[str], *, topic: str | None) -> list[tuple[int, str]]:
    """(subscription id, device key) for these devices, only those following `topic` if given."""
    found: list[tuple[int, str]] = []
    for part in chunks(device_keys):
        query = select(PushSubscription.id, PushSubscription.device_key).where(
            col(PushSubscription.device_key).in_(list(part))
        )
        if topic is not None:
            query = query.join(
                DeviceTopic,
                (col(DeviceTopic.device_key) == col(PushSubscription.device_key)) & (col(DeviceTopic.topic) == topic),
            )
        found += [(int(i or 0), k) for i, k in session.exec(query).all()]
    return found

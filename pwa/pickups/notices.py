"""Words for pickup statuses, and telling the booking's devices when one changes."""

from __future__ import annotations

from datetime import tzinfo
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from pwa import notify
from pwa.i18n import gettext as _
from pwa.models import Pickup, PickupFollow
from pwa.pickups import codes
from pwa.pickups.views import Booking

_TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the province's time, for the hour of a call in a message


def status_text(status: str) -> str:
    """A status (or timeline step) in plain words, in the current language."""
    words = {
        "booked": _("Đã đặt lịch"),
        "assigned": _("Đã giao cho bưu tá"),
        "collected": _("Đã lấy hàng"),
        "failed": _("Lấy hàng không thành công"),
        "cancelled": _("Đã hủy"),
        "moved": _("Đã đổi ca lấy hàng"),
        "rescheduled": _("Đã hẹn lại ca lấy hàng"),
        "objection": _("Khách báo sự việc không đúng"),
        "objection_done": _("Bưu điện đã trả lời phản ánh"),
    }
    return words.get(status, status)


def shift_text(shift: str) -> str:
    """`Ca sáng (8–11 giờ)`."""
    return {"morning": _("Ca sáng (8–11 giờ)"), "afternoon": _("Ca chiều (13–17 giờ)")}.get(shift, shift)


def service_text(service: str) -> str:
    """A service's name as the post office says it."""
    words = {
        "economy": _("Chuyển phát thường"),
        "express": _("Chuyển phát nhanh EMS"),
        "urgent": _("Hỏa tốc"),
    }
    return words.get(service, service)


def reason_text(reason: str) -> str:
    """A failure reason in plain words, in the current language."""
    words = {
        "not_home": _("Khách không có nhà"),
        "no_answer": _("Khách không nghe máy"),
        "not_ready": _("Hàng chưa chuẩn bị xong"),
        "wrong_address": _("Sai địa chỉ"),
        "postponed": _("Khách hẹn lấy hôm khác"),
        "other": _("Lý do khác"),
    }
    return words.get(reason, reason)


def failure_text(pickup: Pickup | Booking, tz: tzinfo | None = None) -> str:
    """`Khách không nghe máy (gọi lúc 09:40) – ghi chú`."""
    text = reason_text(pickup.failure_reason)
    if pickup.called_at is not None:
        called = pickup.called_at.astimezone(tz) if tz else pickup.called_at
        text += " " + _("(gọi lúc %(time)s)") % {"time": called.strftime("%H:%M")}
    return f"{text} – {pickup.failure_note}" if pickup.failure_note else text


def _body(pickup: Pickup, event: str) -> str:
    if event == "assigned":
        return _("Bưu tá %(courier)s sẽ đến lấy hàng.") % {"courier": pickup.courier}
    if event == "collected" and pickup.handover_verified:
        return _("Bưu tá đã nhận %(n)d kiện, xác nhận bằng mã bàn giao.") % {"n": pickup.collected_parcels or 0}
    if event == "collected":
        return _("Bưu tá ghi đã nhận %(n)d kiện mà không có mã bàn giao. Nếu không đúng, hãy báo cho bưu điện.") % {
            "n": pickup.collected_parcels or 0
        }
    if event == "failed":
        return _("Lý do: %(reason)s. Đặt lại ca khác, hoặc báo nếu không đúng sự thật.") % {
            "reason": failure_text(pickup, _TZ)
        }
    if event == "rescheduled":
        return _("Ca mới: %(day)s, %(shift)s. Mã đơn giữ nguyên.") % {
            "day": pickup.day.strftime("%d/%m/%Y"),
            "shift": shift_text(pickup.shift),
        }
    if event == "objection_done":
        return _("Xem câu trả lời của bưu điện trên trang đơn %(code)s.") % {"code": codes.grouped(pickup.code)}
    return _("Mã đơn %(code)s.") % {"code": codes.grouped(pickup.code)}


def tell(session: Session, pickup: Pickup, event: str) -> None:
    """Write the change into the inbox of the device that booked and of every follower."""
    keys = set(session.exec(select(PickupFollow.device_key).where(PickupFollow.pickup_id == pickup.id)).all())
    if pickup.device_key:
        keys.add(pickup.device_key)
    message = notify.Message(
        topic="pickups",
        kind="pickup_failed" if event == "failed" else "pickup_status",
        tag=f"pickup-{pickup.code}",
        url=f"/pickups/{pickup.code}",
        text=lambda: (status_text(event), _body(pickup, event)),
    )
    notify.enqueue(session, message, keys)

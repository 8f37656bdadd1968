"""Words for pickup statuses, and telling the booking's devices when one changes."""

from __future__ import annotations

from sqlmodel import Session, select

from pwa import notify
from pwa.i18n import gettext as _
from pwa.models import Pickup, PickupFollow
from pwa.pickups import codes


def status_text(status: str) -> str:
    """A status (or timeline step) in plain words, in the current language."""
    words = {
        "booked": _("Đã đặt lịch"),
        "assigned": _("Đã giao cho bưu tá"),
        "collected": _("Đã lấy hàng"),
        "failed": _("Lấy hàng không thành công"),
        "cancelled": _("Đã hủy"),
        "moved": _("Đã đổi ca lấy hàng"),
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


def _body(pickup: Pickup, event: str) -> str:
    if event == "assigned":
        return _("Bưu tá %(courier)s sẽ đến lấy hàng.") % {"courier": pickup.courier}
    if event == "collected":
        return _("Bưu tá đã nhận %(n)d kiện.") % {"n": pickup.collected_parcels or 0}
    if event == "failed":
        return _("Lý do: %(reason)s. Chạm để đặt lại ca khác.") % {"reason": pickup.failure_reason}
    return _("Mã đơn %(code)s.") % {"code": codes.grouped(pickup.code)}


def tell(session: Session, pickup: Pickup, event: str) -> None:
    """Write the change into the inbox of the device that booked and of every follower."""
    keys = set(session.exec(select(PickupFollow.device_key).where(PickupFollow.pickup_id == pickup.id)).all())
    if pickup.device_key:
        keys.add(pickup.device_key)
    message = notify.Message(
        topic="pickups",
        kind="pickup_status",
        tag=f"pickup-{pickup.code}",
        url=f"/pickups/{pickup.code}",
        text=lambda: (status_text(event), _body(pickup, event)),
    )
    notify.enqueue(session, message, keys)

"""The words for a place's kind, its services and the payments made there.

Apart from pwa/offices/places.py (the checks) so that the delivery worker, which words payment
day reminders, does not load the phone number and opening hours libraries those checks need.
"""

from __future__ import annotations

from pwa.i18n import gettext as _

KINDS = ("post_office", "commune_post_office", "service_centre")
PAYMENT_KINDS = ("pension", "social", "merit")
SERVICES = ("parcels", "dossiers", "payments", "savings", "bills", "newspapers")


def kind_label(kind: str) -> str:
    """`Bưu điện văn hóa xã`…, in the reader's language."""
    labels = {
        "post_office": _("Bưu điện"),
        "commune_post_office": _("Bưu điện văn hóa xã"),
        "service_centre": _("Trung tâm phục vụ hành chính công xã"),
    }
    return labels.get(kind, kind)


def payment_label(kind: str) -> str:
    """`Lương hưu, trợ cấp BHXH`…, in the reader's language."""
    labels = {
        "pension": _("Lương hưu, trợ cấp BHXH"),
        "social": _("Trợ cấp bảo trợ xã hội"),
        "merit": _("Trợ cấp người có công"),
    }
    return labels.get(kind, kind)


def service_label(key: str) -> str:
    """`Gửi và nhận bưu phẩm, bưu kiện`…, in the reader's language."""
    labels = {
        "parcels": _("Gửi và nhận bưu phẩm, bưu kiện"),
        "dossiers": _("Nhận và trả hồ sơ hành chính"),
        "payments": _("Chi trả lương hưu, trợ cấp"),
        "savings": _("Tiết kiệm bưu điện"),
        "bills": _("Thu hộ tiền điện, nước, viễn thông"),
        "newspapers": _("Báo chí, sách"),
    }
    return labels.get(key, key)

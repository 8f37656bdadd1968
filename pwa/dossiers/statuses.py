"""The national status codes and the postal legs, each in plain words with what to do next.

Codes 1–10 are the National Public Service Portal's (shared/DOMAIN.md). Texts are
functions so they are translated in the reader's language when shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pwa.i18n import gettext as _

# Processing has ended: result ready (9) or returned (10), or a terminal state:
# rejected (3), withdrawn at the citizen's request (7), stopped (8).
DONE_CODES = frozenset({3, 7, 8, 9, 10})
POSTAL_EVENTS = (
    "collected",
    "sent_to_agency",
    "result_picked_up",
    "out_for_delivery",
    "delivered",
    "held_for_collection",
)
CHANNELS = (1, 2, 3)


@dataclass(frozen=True)
class Step:
    """How one kind of step reads to a citizen. `tone` picks a colour (never the only signal)."""

    label: Callable[[], str]
    meaning: Callable[[], str]
    next_step: Callable[[], str]
    tone: str  # "info", "action", "ok", "stop"


STATUS_STEPS: dict[int, Step] = {
    1: Step(
        lambda: _("Mới đăng ký"),
        lambda: _("Hồ sơ đã được đăng ký, chờ cơ quan kiểm tra để tiếp nhận."),
        lambda: _("Bạn chưa cần làm gì. Chờ cơ quan tiếp nhận hồ sơ."),
        "info",
    ),
    2: Step(
        lambda: _("Đã được tiếp nhận"),
        lambda: _("Cơ quan đã nhận hồ sơ đầy đủ và hẹn ngày trả kết quả."),
        lambda: _("Bạn chưa cần làm gì. Cơ quan sẽ xử lý trước ngày hẹn trả."),
        "info",
    ),
    3: Step(
        lambda: _("Không được tiếp nhận"),
        lambda: _("Cơ quan không nhận hồ sơ này. Lý do ghi ở ghi chú bên dưới."),
        lambda: _("Đọc lý do, chuẩn bị lại giấy tờ rồi nộp hồ sơ mới. Cần giúp, hãy hỏi bưu điện xã."),
        "stop",
    ),
    4: Step(
        lambda: _("Đang xử lý"),
        lambda: _("Cơ quan đang giải quyết hồ sơ của bạn."),
        lambda: _("Bạn chưa cần làm gì. Bạn sẽ được báo khi có kết quả."),
        "info",
    ),
    5: Step(
        lambda: _("Cần bổ sung giấy tờ"),
        lambda: _("Cơ quan cần thêm giấy tờ mới xử lý tiếp được. Giấy tờ còn thiếu ghi ở ghi chú."),
        lambda: _("Mang giấy tờ còn thiếu đến bưu điện xã hoặc nơi nộp hồ sơ càng sớm càng tốt."),
        "action",
    ),
    6: Step(
        lambda: _("Cần nộp phí, lệ phí"),
        lambda: _("Hồ sơ cần nộp phí, lệ phí hoặc thuế trước khi xử lý tiếp."),
        lambda: _("Nộp số tiền ghi bên dưới tại bưu điện hoặc theo hướng dẫn của cơ quan."),
        "action",
    ),
    7: Step(
        lambda: _("Đã rút hồ sơ"),
        lambda: _("Hồ sơ đã được rút theo yêu cầu của công dân."),
        lambda: _("Không cần làm gì thêm. Nếu bạn không yêu cầu rút, hãy báo bưu điện ngay."),
        "stop",
    ),
    8: Step(
        lambda: _("Dừng xử lý"),
        lambda: _("Cơ quan đã dừng xử lý hồ sơ. Lý do ghi ở ghi chú bên dưới."),
        lambda: _("Đọc lý do. Cần giúp, hãy hỏi bưu điện xã hoặc cơ quan giải quyết."),
        "stop",
    ),
    9: Step(
        lambda: _("Đã có kết quả"),
        lambda: _("Cơ quan đã giải quyết xong, kết quả đang chờ trả."),
        lambda: _("Chờ bưu điện mang kết quả đến, hoặc đến nơi nộp hồ sơ để nhận."),
        "ok",
    ),
    10: Step(
        lambda: _("Đã trả kết quả"),
        lambda: _("Kết quả đã được trả cho công dân."),
        lambda: _("Không cần làm gì thêm."),
        "ok",
    ),
}

POSTAL_STEPS: dict[str, Step] = {
    "collected": Step(
        lambda: _("Bưu điện đã nhận hồ sơ"),
        lambda: _("Bưu điện đã kiểm tra, niêm phong hồ sơ và thu phí của bạn."),
        lambda: _("Giữ biên nhận. Bưu điện sẽ chuyển hồ sơ đến cơ quan."),
        "info",
    ),
    "sent_to_agency": Step(
        lambda: _("Đã gửi hồ sơ đến cơ quan"),
        lambda: _("Hồ sơ đang được bưu điện chuyển đến cơ quan giải quyết."),
        lambda: _("Bạn chưa cần làm gì."),
        "info",
    ),
    "result_picked_up": Step(
        lambda: _("Bưu điện đã nhận kết quả"),
        lambda: _("Bưu điện đã nhận kết quả từ cơ quan để mang về cho bạn."),
        lambda: _("Bạn chưa cần làm gì. Kết quả sắp được phát."),
        "info",
    ),
    "out_for_delivery": Step(
        lambda: _("Đang phát kết quả"),
        lambda: _("Bưu tá đang mang kết quả đến địa chỉ của bạn."),
        lambda: _("Để ý điện thoại. Mang theo giấy tờ tùy thân để nhận kết quả."),
        "action",
    ),
    "delivered": Step(
        lambda: _("Đã phát kết quả"),
        lambda: _("Kết quả đã được giao tận tay bạn."),
        lambda: _("Không cần làm gì thêm."),
        "ok",
    ),
    "held_for_collection": Step(
        lambda: _("Kết quả chờ nhận tại bưu điện xã"),
        lambda: _("Kết quả đang được giữ tại bưu điện văn hóa xã."),
        lambda: _("Mang giấy tờ tùy thân đến bưu điện xã để nhận kết quả."),
        "action",
    ),
}


def step_for(status_code: int | None, postal_event: str | None) -> Step | None:
    """The step of an event (a status code or a postal leg)."""
    if status_code is not None:
        return STATUS_STEPS.get(status_code)
    return POSTAL_STEPS.get(postal_event or "")


def channel_label(channel: int) -> str:
    """How the dossier was handed in."""
    labels = {1: _("Nộp trực tiếp"), 2: _("Nộp trực tuyến"), 3: _("Nộp qua bưu điện")}
    return labels.get(channel, "")

"""The app's exceptions: each knows its HTTP status and a translated message."""

from __future__ import annotations

from pwa.i18n import gettext as _


class AppError(Exception):
    """A failure a user or caller can act on; rendered by the one error path."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str | None = None,
        *,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message()
        self.fields = fields or {}
        self.headers = headers or {}
        super().__init__(self.message)

    def default_message(self) -> str:
        """The message when none is given."""
        return _("Yêu cầu không hợp lệ.")


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"

    def default_message(self) -> str:
        return _("Cần đăng nhập hoặc khóa API hợp lệ.")


class Forbidden(AppError):
    status = 403
    code = "forbidden"

    def default_message(self) -> str:
        return _("Bạn không có quyền làm việc này.")


class NotFound(AppError):
    status = 404
    code = "not_found"

    def default_message(self) -> str:
        return _("Không tìm thấy trang hoặc dữ liệu bạn cần.")


class Conflict(AppError):
    status = 409
    code = "conflict"

    def default_message(self) -> str:
        return _("Yêu cầu xung đột với dữ liệu hiện có.")


class PayloadTooLarge(AppError):
    status = 413
    code = "payload_too_large"

    def default_message(self) -> str:
        return _("Dữ liệu gửi lên quá lớn.")


class Invalid(AppError):
    """Input that fails validation; `fields` maps each field to its message."""

    status = 422
    code = "invalid"

    def default_message(self) -> str:
        return _("Có thông tin chưa đúng, hãy kiểm tra các ô được đánh dấu.")


class RateLimited(AppError):
    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(message, headers={"Retry-After": str(self.retry_after)})

    def default_message(self) -> str:
        minutes = max(1, (self.retry_after + 59) // 60)
        return _("Bạn đã thử quá nhiều lần. Hãy thử lại sau %(minutes)d phút.") % {"minutes": minutes}


class Locked(AppError):
    """A route closed for one subject after too many wrong tries (RFC 4918's 423)."""

    status = 423
    code = "locked"

    def default_message(self) -> str:
        return _("Đã khóa do nhập sai quá nhiều lần.")


class DatabaseUnavailable(AppError):
    """The database is locked by another process or cannot be reached: nothing was done, try again soon.

    Raised by `pwa.db.Database` in place of the driver's error (pwa/outage.py says which errors
    mean this), so every page, fragment and API call answers it the same way."""

    status = 503
    code = "unavailable"
    RETRY_AFTER = 5  # seconds: about one database wait (PWA_DB_WAIT_SECONDS)

    def __init__(self, retry_after: int = RETRY_AFTER) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(headers={"Retry-After": str(self.retry_after)})

    def default_message(self) -> str:
        return _(
            "Hệ thống đang tạm thời không kết nối được với dữ liệu. Những gì đã lưu không bị mất."
            " Bạn hãy thử lại sau ít giây."
        )

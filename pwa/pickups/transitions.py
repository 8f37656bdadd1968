"""The one table of a booking's allowed status changes, and who may make each.

    booked ──assign──▶ assigned ──collect──▶ collected
      │  ▲                │  └──fail──▶ failed ──reschedule──▶ booked
      │  └──reschedule────┘                  (same code, same tracking numbers)
      └──cancel──▶ cancelled

Who acts: the `customer` (the device that manages the booking, or code and
phone through the API), a `courier` at the door, counter `staff`, and an
`admin`, who alone may change a booking that has ended (collected, cancelled)
to correct a mistake. A booking the post office cancelled may be rescheduled
by its customer: that is the post office's decision undone at the customer's
request, so `reschedule` checks `Pickup.cancelled_by` as well as this table.

Every status change in the core goes through `check`, so a disallowed change
is refused the same way whichever page or API call asked for it.
"""

from __future__ import annotations

from pwa.errors import Conflict
from pwa.i18n import gettext as _
from pwa.pickups.notices import status_text as words

STATUSES = ("booked", "assigned", "collected", "failed", "cancelled")
ROLES = ("customer", "courier", "staff", "admin")

_STAFF = frozenset({"staff", "admin"})
_DOOR = frozenset({"courier", "staff", "admin"})
_CHANGE = frozenset({"customer", "staff", "admin"})

# (from, to) → who may make that change. A pair not listed is refused to all but an admin's correction.
ALLOWED: dict[tuple[str, str], frozenset[str]] = {
    ("booked", "booked"): _CHANGE,  # moved to another shift
    ("booked", "assigned"): _STAFF,
    ("booked", "collected"): _DOOR,
    ("booked", "failed"): _DOOR,
    ("booked", "cancelled"): _CHANGE,
    ("assigned", "assigned"): _STAFF,  # given to another courier
    ("assigned", "booked"): _CHANGE,  # moved to another shift: the courier's round no longer holds it
    ("assigned", "collected"): _DOOR,
    ("assigned", "failed"): _DOOR,
    ("assigned", "cancelled"): _CHANGE,
    ("failed", "booked"): _CHANGE,  # rescheduled
    ("failed", "cancelled"): _CHANGE,
    ("cancelled", "booked"): _STAFF,  # reopened (and by its customer after a post-office cancellation)
}
ENDED = ("collected", "cancelled")  # only an admin changes these


def allowed(before: str, after: str, role: str) -> bool:
    """True if `role` may change a booking from `before` to `after`."""
    if before not in STATUSES or after not in STATUSES or role not in ROLES:
        return False
    if role == "admin" and before != after:
        return True  # a correction: always audited by the caller
    return role in ALLOWED.get((before, after), frozenset())


def check(before: str, after: str, role: str) -> None:
    """Refuse (409) a change the table does not allow, saying where the booking stands."""
    if allowed(before, after, role):
        return
    if before in ENDED:
        raise Conflict(
            _("Đơn này đã kết thúc (%(status)s); chỉ quản trị viên mới sửa được.") % {"status": words(before)}
        )
    raise Conflict(
        _("Không thể chuyển đơn từ “%(before)s” sang “%(after)s”.") % {"before": words(before), "after": words(after)}
    )

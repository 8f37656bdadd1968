"""The courier's round: the day's pickups given to one courier, by shift, in the order of the way round.

Within a shift every stop was promised the same hours, so the order serves the
road, not the queue: commune by commune, then street by street (the same hamlet
together), and only then the oldest booking first. Stops already done (collected,
failed, or cancelled meanwhile) come last, marked, so the courier sees the day whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import quote

from sqlmodel import col, select

from pwa import phones
from pwa.admin_units import fold
from pwa.db import Database
from pwa.models import Pickup
from pwa.names import mask_name
from pwa.pickups import handover, slots, views
from pwa.settings import Settings

SHIFT_ORDER = slots.SHIFTS  # morning, then afternoon
DONE = ("collected", "failed", "cancelled")
MAPS_SEARCH = "https://www.google.com/maps/search/?api=1&query="  # opens the maps app on a phone; no key


@dataclass(frozen=True)
class Stop:
    """One pickup as the courier needs it at the door: who (masked), where, how to call, what to take."""

    code: str
    grouped_code: str
    status: str
    shift: str
    name: str
    phone: str  # E.164, for `tel:`
    phone_display: str
    street: str
    ward_label: str
    parcels: int
    weight_g: int
    note: str
    collected_parcels: int | None
    handover_verified: bool | None
    failure_reason: str
    called_at: datetime | None
    tries_left: int  # handover codes the courier may still try before the code route locks

    @property
    def address(self) -> str:
        """`Thôn Nà Pài, Xã Chợ Đồn, Thái Nguyên`."""
        return f"{self.street}, {self.ward_label}"

    @property
    def tel(self) -> str:
        """A tap-to-call link."""
        return f"tel:{self.phone}"

    @property
    def map_url(self) -> str:
        """A maps search for the address as written (no coordinates are kept)."""
        return MAPS_SEARCH + quote(self.address, safe="")

    @property
    def done(self) -> bool:
        """True once nothing is left to do at this stop."""
        return self.status in DONE

    @property
    def locked(self) -> bool:
        """True once five wrong handover codes were entered: only counter staff may record the collection."""
        return self.tries_left <= 0


@dataclass(frozen=True)
class Shift:
    """One shift's stops still to do."""

    shift: str
    stops: list[Stop]


@dataclass(frozen=True)
class Round:
    """A courier's day: the shifts' stops to do, then those done."""

    day: date
    courier: str
    shifts: list[Shift]
    done: list[Stop]

    @property
    def to_do(self) -> int:
        """How many stops are left."""
        return sum(len(s.stops) for s in self.shifts)


def stop_of(pickup: Pickup, settings: Settings) -> Stop:
    """The courier's picture of one booking."""
    booking = views.picture(pickup, settings, [], [])
    return Stop(
        code=booking.code,
        grouped_code=booking.grouped_code,
        status=booking.status,
        shift=booking.shift,
        name=mask_name(booking.name),
        phone=booking.phone,
        phone_display=phones.display(booking.phone),
        street=booking.street,
        ward_label=booking.ward_label,
        parcels=booking.parcels,
        weight_g=booking.weight_g,
        note=booking.note,
        collected_parcels=booking.collected_parcels,
        handover_verified=booking.handover_verified,
        failure_reason=booking.failure_reason,
        called_at=booking.called_at,
        tries_left=max(0, handover.MAX_TRIES - booking.handover_tries),
    )


def _way_round(stop: Stop) -> tuple[int, str, str]:
    return SHIFT_ORDER.index(stop.shift), fold(stop.ward_label), fold(stop.street)


def my_round(database: Database, settings: Settings, *, courier: str, day: date | None = None) -> Round:
    """The pickups of `day` (today by default) given to the courier named `courier`, in the order of the way round."""
    on = day or slots.today(settings)
    username = courier.strip().lower()
    if not username:  # "" is every booking not yet given to anyone
        return Round(on, username, [Shift(s, []) for s in SHIFT_ORDER], [])
    query = (
        select(Pickup)
        .where(Pickup.day == on, Pickup.courier == username, col(Pickup.shift).in_(SHIFT_ORDER))
        .order_by(col(Pickup.created_at), col(Pickup.id))  # the oldest booking first among equals (sort is stable)
    )
    with database.read() as session:
        stops = sorted((stop_of(p, settings) for p in session.exec(query)), key=_way_round)
    shifts = [Shift(s, [x for x in stops if x.shift == s and not x.done]) for s in SHIFT_ORDER]
    return Round(on, username, shifts, [x for x in stops if x.done])

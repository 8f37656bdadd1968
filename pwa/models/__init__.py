"""Every table of the app, registered on one metadata for Alembic."""

from sqlmodel import SQLModel

from pwa.models.accounts import ApiKey, AuditEntry, RateCounter, StaffUser
from pwa.models.base import UTCDateTime, utcnow
from pwa.models.devices import Device, InboxMessage
from pwa.models.pickups import ClosedDay, Counter, Pickup, PickupEvent, PickupFollow, PickupParcel, PickupSlot

metadata = SQLModel.metadata

__all__ = [
    "ApiKey",
    "AuditEntry",
    "ClosedDay",
    "Counter",
    "Device",
    "InboxMessage",
    "Pickup",
    "PickupEvent",
    "PickupFollow",
    "PickupParcel",
    "PickupSlot",
    "RateCounter",
    "StaffUser",
    "UTCDateTime",
    "metadata",
    "utcnow",
]

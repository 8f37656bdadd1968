"""Every table of the app, registered on one metadata for Alembic."""

from sqlmodel import SQLModel

from pwa.models.accounts import ApiKey, AuditEntry, RateCounter, StaffUser
from pwa.models.base import UTCDateTime, utcnow
from pwa.models.devices import Device, InboxMessage
from pwa.models.dossiers import Dossier, DossierAccess, DossierEvent
from pwa.models.offices import Office, PaymentDay, ReminderSent
from pwa.models.pickups import (
    ClosedDay,
    Counter,
    Pickup,
    PickupAction,
    PickupEvent,
    PickupFollow,
    PickupObjection,
    PickupParcel,
    PickupSlot,
)
from pwa.models.push import DeviceTopic, Notice, PushAttempt, PushDelivery, PushSubscription

metadata = SQLModel.metadata

__all__ = [
    "ApiKey",
    "AuditEntry",
    "ClosedDay",
    "Counter",
    "Device",
    "Dossier",
    "DossierAccess",
    "DossierEvent",
    "DeviceTopic",
    "InboxMessage",
    "Notice",
    "Office",
    "PaymentDay",
    "PushAttempt",
    "PushDelivery",
    "PushSubscription",
    "Pickup",
    "PickupAction",
    "PickupEvent",
    "PickupFollow",
    "PickupObjection",
    "PickupParcel",
    "PickupSlot",
    "RateCounter",
    "ReminderSent",
    "StaffUser",
    "UTCDateTime",
    "metadata",
    "utcnow",
]

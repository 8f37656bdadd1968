"""Parcel pickup booking: slots and capacity, validation, booking, tariff, status changes."""

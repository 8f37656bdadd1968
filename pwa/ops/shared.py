"""What every host of one deployment must share, checked when a web process starts."""

from __future__ import annotations

from collections.abc import Mapping

# Without these in the environment each host generates its own into its instance folder: a
# session signed on one host is refused on another, and pushes signed by another key than the
# one a phone subscribed with are refused by the push service.
SHARED = {
    "PWA_SECRET_KEY": "sessions signed on one host are refused on another",
    "PWA_VAPID_PRIVATE_KEY": "push messages signed by another host's key are refused",
}


def unshared_settings(env: Mapping[str, str]) -> list[str]:
    """Warnings for a PostgreSQL deployment (the kind that spans hosts) whose secrets come from one
    host's instance folder; nothing for SQLite, which is one machine anyway."""
    if not env.get("DATABASE_URL", "").startswith("postgres"):
        return []
    return [
        f"{name} is not set: each host uses its own from its instance folder ({why} if there are several hosts)"
        for name, why in SHARED.items()
        if not env.get(name, "").strip()
    ]

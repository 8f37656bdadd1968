"""What a device can follow: the fixed topics and one per commune. Imports nothing from the app."""

from __future__ import annotations

FIXED = ("pickups", "dossiers", "news")  # the one list of fixed topics
COMMUNE = "commune:"  # followed by a ward code: "commune:2020"
EVERYONE = "*"  # a notice to every device that follows anything


def commune(code: int) -> str:
    """The topic of one commune or ward."""
    return f"{COMMUNE}{code}"


def commune_code(topic: str) -> int | None:
    """The ward code of a `commune:<code>` topic (at most 8 digits), else None."""
    code = topic.removeprefix(COMMUNE)
    if code == topic or not (code.isascii() and code.isdigit()) or len(code) > 8:
        return None
    return int(code)


def valid(topic: str) -> bool:
    """`pickups`, `dossiers`, `news` or `commune:<ward code>` (whether the ward exists is not checked here)."""
    return topic in FIXED or commune_code(topic) is not None

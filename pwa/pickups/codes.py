"""Booking codes: 60 random bits in Crockford base32 (no I, L, O, U), shown in groups of four."""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12  # 12 × 5 bits = 60 bits: unguessable, still short enough to read out on the phone
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})  # what Crockford says people mean


def new_code() -> str:
    """A fresh random booking code (stored without separators)."""
    bits = secrets.randbits(5 * LENGTH)  # one draw, not one per character
    return "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(LENGTH))


def normalise(text: str) -> str:
    """The stored form of a code as someone typed it: case, spaces, dashes and O/I/L forgiven."""
    return re.sub(r"[\s\-.]", "", text).upper().translate(_READ_AS)[:32]


def is_code(text: str) -> bool:
    """True if the text has the shape of a booking code."""
    return len(text) == LENGTH and all(c in ALPHABET for c in text)


def grouped(code: str) -> str:
    """`7K3M-9QX2-HV4D`: easier to read aloud and to type."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def new_handover_code() -> str:
    """A fresh handover code: 4 random digits, given by the customer only when the parcels change hands."""
    return f"{secrets.randbelow(10_000):04d}"

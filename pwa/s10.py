"""UPU S10 tracking numbers: `EB123456785VN` (2 letters, 8-digit serial, check digit, country)."""

from __future__ import annotations

import re

WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
_S10_RE = re.compile(r"^([A-Z]{2})([0-9]{8})([0-9])([A-Z]{2})$")  # not \d: that takes any script's digits


def check_digit(serial: str) -> int:
    """The S10 check digit of an 8-digit serial (47312482 → 9)."""
    if len(serial) != 8 or not (serial.isascii() and serial.isdigit()):
        raise ValueError("an S10 serial has exactly 8 digits")
    remainder = 11 - sum(int(d) * w for d, w in zip(serial, WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(remainder, remainder)


def make(service: str, serial: int, country: str = "VN") -> str:
    """A tracking number from a 2-letter service code and a serial number."""
    if not re.fullmatch(r"[A-Z]{2}", service) or not re.fullmatch(r"[A-Z]{2}", country):
        raise ValueError("service and country are two capital letters")
    if not 0 <= serial <= 99_999_999:
        raise ValueError("the serial has at most 8 digits")
    digits = f"{serial:08d}"
    return f"{service}{digits}{check_digit(digits)}{country}"


def normalise(text: str) -> str:
    """Upper-case without spaces, as people copy it from a receipt."""
    return re.sub(r"[\s-]", "", text).upper()


def is_valid(number: str) -> bool:
    """True if the number has the S10 shape and its check digit is right."""
    match = _S10_RE.match(normalise(number))
    return bool(match) and check_digit(match.group(2)) == int(match.group(3))  # type: ignore[union-attr]

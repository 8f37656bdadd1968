"""Small general helpers with no home of their own."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
CHUNK = 500


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """Slices of at most `size` items (keeps SQL IN lists short on both databases)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]

"""Small general helpers with no home of their own."""

from __future__ import annotations

import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any, Generic, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")
V = TypeVar("V")
CHUNK = 500
_FROM_MEMORY: dict[Callable[..., Any], Callable[..., Any]] = {}


def has_control(text: str, *, allowed: str = "") -> bool:
    """True if `text` has a control character (NUL…) or a lone surrogate, which no database stores as text."""
    return any(unicodedata.category(c) in ("Cc", "Cs") and c not in allowed for c in text)


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """Slices of at most `size` items (keeps SQL IN lists short on both databases)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Kept(Generic[V]):
    """Values kept by key in this process, the least recently used dropped past `size`; safe across threads."""

    def __init__(self, size: int) -> None:
        self.size, self.values = size, OrderedDict[Hashable, V]()
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        """The value kept for `key`, if any."""
        with self.lock:
            value = self.values.get(key)
            if value is not None:
                self.values.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> V:
        """Keep `value` for `key`; returns it."""
        with self.lock:
            self.values[key] = value
            while len(self.values) > self.size:
                self.values.popitem(last=False)
        return value


def answered_from_memory(kept: Callable[P, T | None]) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Mark a use case whose answer `kept(same arguments)` gives when this process keeps it (None
    when it does not). `kept` must not touch the database or wait: the web layer calls it on the
    event loop, and only a use case it cannot answer goes to a thread (routes/_web.py `call`)."""

    def mark(use_case: Callable[P, T]) -> Callable[P, T]:
        _FROM_MEMORY[use_case] = kept
        return use_case

    return mark


def from_memory(use_case: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
    """The use case's kept answer for these arguments, or None (not kept, or it keeps nothing)."""
    kept = _FROM_MEMORY.get(use_case)
    return None if kept is None else kept(*args, **kwargs)

"""Rendered pages kept for reuse: per-request values stand in them as holes, filled in on each answer."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Hashable

from markupsafe import escape

_HOLE = "pwahole" + secrets.token_hex(6)


def hole(name: str) -> str:
    """A mark standing in a cached page for a per-request value (letters and digits only: escaping keeps it)."""
    return f"{_HOLE}{name.replace('_', 'x')}{_HOLE}"


class PageCache:
    """Rendered pages by key, the least recently used dropped past `size`."""

    def __init__(self, size: int) -> None:
        self.size, self.pages = size, OrderedDict[Hashable, str]()
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> str | None:
        with self.lock:
            html = self.pages.get(key)
            if html is not None:
                self.pages.move_to_end(key)
            return html

    def put(self, key: Hashable, html: str) -> str:
        with self.lock:
            self.pages[key] = html
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)
        return html


PAGES = PageCache(512)


def fill(html: str, values: dict[str, str]) -> str:
    """The page with each hole replaced by its value, HTML-escaped."""
    for name, value in values.items():
        html = html.replace(hole(name), str(escape(value)))
    return html

"""Rendered pages kept for reuse: per-request values stand in them as holes, filled in on each answer."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from markupsafe import escape

from pwa.util import Kept

_HOLE = "pwahole" + secrets.token_hex(6)
_HOLES = re.compile(f"{_HOLE}([A-Za-z0-9]+){_HOLE}")


def hole(name: str) -> str:
    """A mark standing in a cached page for a per-request value (letters and digits only: escaping keeps it)."""
    return f"{_HOLE}{_mark(name)}{_HOLE}"


def _mark(name: str) -> str:
    return name.replace("_", "x")


@dataclass(frozen=True, slots=True)
class Page:
    """A kept page, encoded once: the bytes between its holes and the holes' marks, in order."""

    parts: tuple[bytes, ...]  # one more than marks
    marks: tuple[str, ...]

    @classmethod
    def of(cls, html: str) -> Page:
        pieces = _HOLES.split(html)  # text, mark, text, mark, …, text
        return cls(tuple(p.encode("utf-8") for p in pieces[::2]), tuple(pieces[1::2]))


# Rendered pages by template, block, language, path and key: (version, page), the latest version only.
PAGES: Kept[tuple[Hashable, Page]] = Kept(128)


def kept_page(key: Hashable, version: Hashable, make: Callable[[], str]) -> Page:
    """The page kept for `key` if it is of this `version`; else `make()` it, and keep it in place of
    the older one. One copy per page: the booking form, whose version moves with every booking,
    once kept 128 dead copies of itself (a soak found the web process growing by their 3.8 MB)."""
    kept = PAGES.get(key)
    if kept is not None and kept[0] == version:
        return kept[1]
    page = Page.of(make())
    PAGES.put(key, (version, page))
    return page


def fill(page: Page, values: dict[str, str]) -> bytes:
    """The page with each hole replaced by its value, HTML-escaped (a hole without one is left as it was)."""
    given = {_mark(name): str(escape(value)).encode("utf-8") for name, value in values.items()}
    out = [page.parts[0]]
    for mark, part in zip(page.marks, page.parts[1:], strict=True):
        out.append(given.get(mark) or f"{_HOLE}{mark}{_HOLE}".encode())
        out.append(part)
    return b"".join(out)

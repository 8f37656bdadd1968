"""Rendered pages kept for reuse: per-request values stand in them as holes, filled in on each answer."""

from __future__ import annotations

import re
import secrets
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


PAGES: Kept[Page] = Kept(128)  # rendered pages by template, block, language, path and key


def fill(page: Page, values: dict[str, str]) -> bytes:
    """The page with each hole replaced by its value, HTML-escaped (a hole without one is left as it was)."""
    given = {_mark(name): str(escape(value)).encode("utf-8") for name, value in values.items()}
    out = [page.parts[0]]
    for mark, part in zip(page.marks, page.parts[1:], strict=True):
        out.append(given.get(mark) or f"{_HOLE}{mark}{_HOLE}".encode())
        out.append(part)
    return b"".join(out)

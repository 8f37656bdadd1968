"""Rendered pages kept for reuse: per-request values stand in them as holes, filled in on each answer."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable

from markupsafe import escape

from pwa.util import Kept

_HOLE = "pwahole" + secrets.token_hex(6)


def hole(name: str) -> str:
    """A mark standing in a cached page for a per-request value (letters and digits only: escaping keeps it)."""
    return f"{_HOLE}{name.replace('_', 'x')}{_HOLE}"


# Rendered pages by template, block, language, path and key: (version, html), the latest version only.
PAGES: Kept[tuple[Hashable, str]] = Kept(128)


def kept_page(key: Hashable, version: Hashable, make: Callable[[], str]) -> str:
    """The page kept for `key` if it is of this `version`; else `make()` it, and keep it in place of
    the older one. One copy per page: the booking form, whose version moves with every booking,
    once kept 128 dead copies of itself (a soak found the web process growing by their 3.8 MB)."""
    kept = PAGES.get(key)
    if kept is not None and kept[0] == version:
        return kept[1]
    html = make()
    PAGES.put(key, (version, html))
    return html


def fill(html: str, values: dict[str, str]) -> str:
    """The page with each hole replaced by its value, HTML-escaped."""
    for name, value in values.items():
        html = html.replace(hole(name), str(escape(value)))
    return html

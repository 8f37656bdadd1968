"""Rendered pages kept for reuse: per-request values stand in them as holes, filled in on each answer."""

from __future__ import annotations

import secrets

from markupsafe import escape

from pwa.util import Kept

_HOLE = "pwahole" + secrets.token_hex(6)


def hole(name: str) -> str:
    """A mark standing in a cached page for a per-request value (letters and digits only: escaping keeps it)."""
    return f"{_HOLE}{name.replace('_', 'x')}{_HOLE}"


PAGES: Kept[str] = Kept(128)  # rendered pages by template, block, language, path and key


def fill(html: str, values: dict[str, str]) -> str:
    """The page with each hole replaced by its value, HTML-escaped."""
    for name, value in values.items():
        html = html.replace(hole(name), str(escape(value)))
    return html

"""Which links stay on this site."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site (`/dossiers?code=X`), else None.

    Refused: anything not starting with one `/`; `//host` and `/\\host` (browsers read
    a backslash as a slash, so both go off-site); absolute URLs; and control
    characters, which browsers strip or mangle (`/\\t/host` becomes `//host`).
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(unicodedata.category(char) == "Cc" for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target

"""People's names as shown to someone who may not know the person."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """`Nguyễn Văn An` → `Nguyễn V*** A**`: the family name, then initials (stars never tell lengths)."""
    words = name.split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0][0] + "***"
    middle = [w[0] + "***" for w in words[1:-1]]
    return " ".join([words[0], *middle, words[-1][0] + "**"])

"""Provinces and communes/wards, from the `vietnam-provinces` package (never hand-typed).

The package (about 3 MB of tables) is imported on first use: a delivery worker needs it only
to word a payment day reminder.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Commune:
    """A commune or ward (xã/phường) of the two-tier system in force since 1 July 2025."""

    code: int
    name: str
    province_code: int
    province_name: str

    @property
    def label(self) -> str:
        """`Xã Chợ Đồn, Thái Nguyên`: how people read an address."""
        return f"{self.name}, {self.province_name}"


def fold(text: str) -> str:
    """Lower-case without diacritics, so `cho don` finds `Chợ Đồn`."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


def province_name(code: int) -> str:
    """The province's official name."""
    from vietnam_provinces import Province, ProvinceCode

    return Province.from_code(ProvinceCode(code)).name


@cache
def communes(province_code: int) -> tuple[Commune, ...]:
    """Every commune and ward of a province, by name."""
    from vietnam_provinces import ProvinceCode, Ward

    pname = province_name(province_code)
    wards = Ward.iter_by_province(ProvinceCode(province_code))
    found = (Commune(int(w.code), w.name, province_code, pname) for w in wards)
    return tuple(sorted(found, key=lambda c: fold(c.name)))


def commune(code: int) -> Commune | None:
    """The commune with this code, in any province, or None."""
    from vietnam_provinces import Ward, WardCode

    try:
        ward = Ward.from_code(WardCode(code))
    except (ValueError, KeyError):
        return None
    pcode = int(ward.province_code)
    return Commune(int(ward.code), ward.name, pcode, province_name(pcode))


def search(province_code: int, query: str, *, limit: int = 20) -> list[Commune]:
    """Communes whose name contains the query, accents optional."""
    needle = fold(query)
    hits = [c for c in communes(province_code) if needle in fold(c.name)]
    return hits[:limit]

"""Old, district-based addresses typed by habit, read with `vietnamadminunits` as today's commune."""

from __future__ import annotations

from dataclasses import dataclass

from pwa import admin_units


@dataclass(frozen=True)
class Suggestion:
    """The commune (and street) an old address now belongs to: shown for the user to confirm."""

    ward_code: int
    ward_label: str
    street: str
    old_address: str


def suggest(text: str, province_code: int) -> Suggestion | None:
    """Today's commune for an address such as `xã Bằng Lãng, huyện Chợ Đồn, Bắc Kạn`, if it is in our province."""
    text = text.strip()[:300]
    if len(text) < 4:
        return None
    # Imported here: the library loads numpy, shapely and geopy (~40 MB) that only this needs.
    from vietnamadminunits import convert_address

    try:
        unit = convert_address(text)
    except Exception:  # the library raises plain exceptions for text it cannot read: no suggestion then
        return None
    code = int(unit.ward_code) if unit.ward_code and str(unit.ward_code).isdigit() else 0
    commune = admin_units.commune(code) if code else None
    if commune is None or commune.province_code != province_code:
        return None
    old = getattr(unit, "OldAdminUnit", None)
    old_text = ", ".join(x for x in (getattr(old, "ward", None), getattr(old, "district", None)) if x)
    return Suggestion(commune.code, commune.label, (unit.street or "").strip()[:200], old_text)

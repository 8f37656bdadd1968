"""Finding places: folded text (no accents, any case), old commune and district names, distance."""

from __future__ import annotations

import math
import re
from functools import lru_cache

from pwa import admin_units
from pwa.errors import Invalid
from pwa.i18n import gettext as _

EARTH_RADIUS_KM = 6371.0
MAX_OLD_UNITS = 60  # conversions per query: an old district has at most ~20 communes


def search_text(name: str, ward_code: int, address: str) -> str:
    """What a query is matched against: name, commune and address, folded."""
    commune = admin_units.commune(ward_code)
    return admin_units.fold(f"{name} | {commune.name if commune else ''} | {address}")[:1000]


def needle(q: str) -> str:
    """The query folded, with spaces collapsed."""
    return " ".join(admin_units.fold(q).split())[:100]


@lru_cache(maxsize=256)
def communes_by_old_name(q: str, province_code: int) -> frozenset[int]:
    """Today's communes of the province that an old (pre-2025) commune or district named `q` became."""
    key = re.sub(r"[^a-z0-9]", "", needle(q))
    if len(key) < 3:
        return frozenset()
    # Imported on the first search by name: the library brings numpy and shapely (~40 MB) into a
    # process that may never need them.
    from vietnamadminunits.database import query

    # The key is [a-z0-9] only, so it is safe inside the library's SQL; its keys are folded names.
    rows = query(
        "SELECT DISTINCT ward, district, province FROM admin_units_legacy "
        f"WHERE wardShortKey = '{key}' OR districtShortKey = '{key}' LIMIT {MAX_OLD_UNITS}"
    )
    found = (_converted(r["ward"], r["district"], r["province"]) for r in rows)
    return frozenset(code for code, province in found if code and province == province_code)


@lru_cache(maxsize=4096)
def _converted(ward: str, district: str, province: str) -> tuple[int, int]:
    """(new ward code, its province code) for an old commune, or (0, 0)."""
    from vietnamadminunits import convert_address

    try:
        unit = convert_address(f"{ward}, {district}, {province}")
    except Exception:  # the library raises plain exceptions for units it cannot map
        return 0, 0
    code = int(unit.ward_code) if unit.ward_code and str(unit.ward_code).isdigit() else 0
    commune = admin_units.commune(code) if code else None
    return (commune.code, commune.province_code) if commune else (0, 0)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine): plenty for "which counter is nearest"."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def parse_near(value: str | None) -> tuple[float, float] | None:
    """`22.15,105.83` → (lat, lon); None for anything else."""
    if not value:
        return None
    parts = value.split(",")
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except (ValueError, IndexError):
        return None
    if len(parts) != 2 or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def parse_ward(value: str | None) -> int | None:
    """A commune code as a query or cookie carries it (digits, at most 8); None for anything else."""
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 9 else None


def filters(near: str | None, ward_code: str | None) -> tuple[tuple[float, float] | None, int | None]:
    """The API's `near` and `ward_code`, each absent or readable; Invalid names the one that is not."""
    found_near, found_ward = parse_near(near), parse_ward(ward_code)
    if near and found_near is None:
        raise Invalid(fields={"near": _("near phải có dạng LAT,LON, ví dụ 22.147,105.835.")})
    if (ward_code or "").strip() and found_ward is None:
        raise Invalid(fields={"ward_code": _("ward_code phải là mã số xã/phường.")})
    return found_near, found_ward

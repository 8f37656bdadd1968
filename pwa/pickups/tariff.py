"""Price quotes from the operator's tariff file (a SAMPLE ships with the app; never official prices)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SERVICES = ("economy", "express", "urgent")


@dataclass(frozen=True)
class Line:
    """One line of a quote: what it is for (a key the page translates) and how much."""

    kind: str  # "carriage", "cod", "declared_value", "pickup", "vat"
    amount_vnd: int


@dataclass(frozen=True)
class Quote:
    """An estimate: carriage for every parcel at the heaviest one's weight, add-ons and VAT."""

    lines: tuple[Line, ...]
    total_vnd: int
    zone: str
    sample: bool


@cache
def _load(path: str, mtime: float) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return data


def load(path: Path) -> dict[str, Any]:
    """The tariff file, re-read when the operator edits it."""
    return _load(str(path), path.stat().st_mtime)


def zone_of(tariff: dict[str, Any], destination_province: int) -> str:
    """`intra`, `region` or `national` for a destination province."""
    if destination_province == tariff["office_province"]:
        return "intra"
    return "region" if destination_province in tariff["region_provinces"] else "national"


def _carriage(service: dict[str, Any], zone: str, weight_g: int) -> int:
    extra = max(0, weight_g - int(service["first_weight_g"]))
    steps = math.ceil(extra / int(service["step_weight_g"]))
    return int(service["first_price_vnd"][zone]) + steps * int(service["step_price_vnd"][zone])


def _percent_fee(rule: dict[str, Any], amount: int) -> int:
    if amount <= 0:
        return 0
    return max(int(rule["min_vnd"]), round(amount * float(rule["percent"]) / 100))


def quote(
    tariff: dict[str, Any],
    *,
    service: str,
    weight_g: int,
    parcels: int,
    destination_province: int,
    cod_vnd: int = 0,
    declared_value_vnd: int = 0,
) -> Quote:
    """What the booking will cost, at most: each parcel priced as if it weighed as much as the heaviest."""
    zone = zone_of(tariff, destination_province)
    carriage = _carriage(tariff["services"][service], zone, weight_g) * parcels
    lines = [Line("carriage", carriage)]
    for kind, amount in (("cod", cod_vnd), ("declared_value", declared_value_vnd)):
        fee = _percent_fee(tariff[kind], amount)
        if fee:
            lines.append(Line(kind, fee))
    if int(tariff.get("pickup_fee_vnd", 0)):
        lines.append(Line("pickup", int(tariff["pickup_fee_vnd"])))
    subtotal = sum(line.amount_vnd for line in lines)
    vat = round(subtotal * float(tariff.get("vat_percent", 0)) / 100)
    if vat:
        lines.append(Line("vat", vat))
    return Quote(tuple(lines), subtotal + vat, zone, bool(tariff.get("sample", False)))

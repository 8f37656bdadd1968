"""Places and payment days for tests: CSV text as an operator would write it."""

from __future__ import annotations

from datetime import date

from pwa.db import Database
from pwa.offices import importer
from pwa.settings import Settings

OFFICE_HEADER = "code,name,kind,ward_code,address,phone,lat,lon,opening_hours,services"
DAY_HEADER = "office_code,kind,date,opens,closes"
HOURS = "Mo-Fr 07:00-11:30,13:30-17:00; Sa 07:00-11:30"
CHO_MOI = (
    f'BDVHX-CHOMOI,Bưu điện văn hóa xã Chợ Mới,commune_post_office,2086,Tổ 2,0912 345 678,21.8769,105.823,"{HOURS}",'
    "parcels;payments"
)
CHO_DON = (
    f'BDVHX-CHODON,Bưu điện văn hóa xã Chợ Đồn,commune_post_office,2020,Thôn Nà Pài,,22.1731,105.595,"{HOURS}",payments'
)
NA_RI = f'BD-NARI,Bưu điện Na Rì,post_office,2155,Phố Nà Cà,,22.2152,106.179,"{HOURS}",parcels;dossiers'


def offices_csv(*rows: str) -> str:
    """A places file with these rows (the three above if none)."""
    return "\n".join([OFFICE_HEADER, *(rows or (CHO_MOI, CHO_DON, NA_RI))]) + "\n"


def days_csv(*rows: tuple[str, str, date, str, str]) -> str:
    """A payment days file."""
    lines = [f"{code},{kind},{day.isoformat()},{opens},{closes}" for code, kind, day, opens, closes in rows]
    return "\n".join([DAY_HEADER, *lines]) + "\n"


def load_offices(db: Database, settings: Settings, *rows: str) -> None:
    """Import places; fails the test if a row is bad."""
    result = importer.import_offices(db, settings, offices_csv(*rows), actor="system:test")
    assert not result.bad, [b.describe() for b in result.bad]


def load_days(db: Database, settings: Settings, *rows: tuple[str, str, date, str, str]) -> None:
    """Import payment days; fails the test if a row is bad."""
    result = importer.import_payment_days(db, settings, days_csv(*rows), actor="system:test")
    assert not result.bad, [b.describe() for b in result.bad]

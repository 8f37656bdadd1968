"""DEMO places and payment days: invented counters in real communes of the former Bắc Kạn province.

Every code starts with DEMO-, every name with "DEMO", and each row is flagged `demo`, so pages
say so and nobody takes them for real places. Loaded through the same checks as a CSV import.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import date, timedelta

from sqlmodel import col, select

from pwa import audit
from pwa.db import Database
from pwa.models import Office, PaymentDay, utcnow
from pwa.offices import importer, places
from pwa.settings import Settings

HOURS = "Mo-Fr 07:00-11:30,13:30-17:00; Sa 07:00-11:30"
# code, name, kind, ward code (2025 scheme, real), address, phone, lat, lon, services
PLACES = (
    ("DEMO-BD-BACKAN", "DEMO Bưu điện Bắc Kạn", "post_office", 1843, "DEMO số 1 đường Trường Chinh", "0209 3870 000",
     22.1470, 105.8348, "parcels;dossiers;payments;savings;bills"),
    ("DEMO-BDVHX-CHODON", "DEMO Bưu điện văn hóa xã Chợ Đồn", "commune_post_office", 2020, "DEMO thôn Nà Pài",
     "", 22.1731, 105.5950, "parcels;payments;newspapers"),
    ("DEMO-BDVHX-CHOMOI", "DEMO Bưu điện văn hóa xã Chợ Mới", "commune_post_office", 2086, "DEMO tổ 2",
     "", 21.8769, 105.8230, "parcels;payments;savings"),
    ("DEMO-TTHCC-CHORA", "DEMO Trung tâm phục vụ hành chính công xã Chợ Rã", "service_centre", 1912,
     "DEMO trụ sở UBND xã", "", 22.4395, 105.7260, "dossiers;payments"),
    ("DEMO-BDVHX-NARI", "DEMO Bưu điện văn hóa xã Na Rì", "commune_post_office", 2155, "DEMO phố Nà Cà",
     "", 22.2152, 106.1790, "parcels;payments;bills"),
    ("DEMO-BDVHX-YENTHINH", "DEMO Bưu điện văn hóa xã Yên Thịnh", "commune_post_office", 2044, "DEMO bản Khuổi Ò",
     "", 22.2174, 105.5020, "parcels;payments"),
)  # fmt: skip
PAYMENTS = (("pension", 3, "07:00", "11:00"), ("social", 5, "07:30", "11:00"), ("merit", 8, "13:30", "16:30"))


def _csv(fields: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(fields)
    writer.writerows(rows)
    return out.getvalue()


def _weekday(day: date) -> date:
    return day + timedelta(days=1) if day.weekday() == 6 else day  # nobody pays on a Sunday


def load(database: Database, settings: Settings) -> Iterator[str]:
    """Add or refresh the DEMO places, and payment days in the coming weeks if they have none."""
    rows = [(*p[:8], HOURS, p[8]) for p in PLACES]
    actor = audit.actor(system="demo")
    result = importer.import_offices(database, settings, _csv(places.OFFICE_FIELDS, rows), actor=actor, demo=True)
    if result.bad:
        yield from (f"DEMO: bad place {bad.describe()}" for bad in result.bad)
        return
    yield f"DEMO: {len(PLACES)} places (codes DEMO-…), see /offices"
    today = utcnow().astimezone(settings.tz).date()
    with database.read() as session:
        coming = session.exec(select(PaymentDay.id).where(col(PaymentDay.day) >= today)).first()
        demo_ids = session.exec(select(Office.id).where(col(Office.demo).is_(True))).all()
    if coming is not None and demo_ids:
        yield "DEMO: payment days already planned"
        return
    days = [(p[0], kind, _weekday(today + timedelta(days=ahead + i)).isoformat(), opens, closes)
            for i, p in enumerate(PLACES) for kind, ahead, opens, closes in PAYMENTS]  # fmt: skip
    result = importer.import_payment_days(database, settings, _csv(places.DAY_FIELDS, days), actor=actor)
    yield f"DEMO: {result.created} payment days in the coming weeks" if not result.bad else "DEMO: payment days failed"

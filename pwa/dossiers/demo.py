"""DEMO dossiers in several states, dated relative to today so they always make sense."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

from sqlmodel import Session

from pwa import phones, s10
from pwa.dossiers import events, records, timeline
from pwa.settings import Settings

AGENCY = "Trung tâm Phục vụ hành chính công tỉnh Thái Nguyên (DEMO)"
# (code, procedure, phone, received days ago, due in days, [(event id, days ago, hour, fields)])
DOSSIERS: list[tuple[str, str, str, int, int, list[tuple[str, int, int, dict[str, object]]]]] = [
    (
        "DEMO-0001",
        "Cấp bản sao trích lục khai sinh",
        "0912345678",
        3,
        5,
        [
            ("d1-1", 3, 9, {"postal_event": "collected"}),
            ("d1-2", 3, 15, {"postal_event": "sent_to_agency", "tracking_number": s10.make("RR", 12345678)}),
            ("d1-3", 2, 10, {"status_code": 2}),
            ("d1-4", 1, 14, {"status_code": 4}),
        ],
    ),
    (
        "DEMO-0002",
        "Cấp đổi giấy phép lái xe",
        "0987654321",
        12,
        -2,
        [
            ("d2-1", 12, 9, {"status_code": 2}),
            ("d2-2", 8, 10, {"status_code": 5, "note": "Thiếu giấy khám sức khỏe còn hạn"}),
        ],
    ),
    (
        "DEMO-0003",
        "Đăng ký hộ kinh doanh",
        "0365123456",
        6,
        1,
        [
            ("d3-1", 6, 8, {"status_code": 2}),
            ("d3-2", 1, 11, {"status_code": 6, "fee_vnd": 100000, "note": "Lệ phí đăng ký hộ kinh doanh"}),
        ],
    ),
    (
        "DEMO-0004",
        "Cấp phiếu lý lịch tư pháp",
        "0845111222",
        10,
        0,
        [
            ("d4-1", 10, 9, {"postal_event": "collected"}),
            ("d4-2", 9, 10, {"status_code": 2}),
            ("d4-3", 2, 16, {"status_code": 9}),
            ("d4-4", 1, 9, {"postal_event": "result_picked_up", "tracking_number": s10.make("EB", 47312482)}),
            ("d4-5", 0, 8, {"postal_event": "out_for_delivery", "tracking_number": s10.make("EB", 47312482)}),
        ],
    ),
]


def load(session: Session, settings: Settings) -> Iterator[str]:
    """Create the missing DEMO dossiers with their steps; say the codes and secrets."""
    tz, today = settings.tz, timeline.today(settings.tz)
    for code, procedure, phone, received, due, steps in DOSSIERS:

        def at(days_ago: int, hour: int) -> str:
            moment = datetime.combine(today - timedelta(days=days_ago), time(hour), tz)
            return min(moment, datetime.now(UTC).astimezone(tz)).isoformat()

        dossier = records.find(session, code=code)
        if dossier is None:
            body = {
                "code": code, "procedure": procedure, "agency": AGENCY, "applicant_name": "Người Dùng Thử",
                "phone": phone, "received_at": at(received, 8), "due_date": (today + timedelta(days=due)).isoformat(),
                "channel": 3,
            }  # fmt: skip
            dossier = records.create(session, records.validate(body, tz), actor="system:demo")
            for event_id, days_ago, hour, fields in steps:
                new = events.validate({"id": event_id, "at": at(days_ago, hour), **fields}, tz)
                events.record(session, dossier, new, sender="system:demo")
            yield f"DEMO: created dossier {code}"
        yield f"DEMO: dossier {code}: look up at /dossiers with secret {phones.last_digits(phone)} (demo only)"

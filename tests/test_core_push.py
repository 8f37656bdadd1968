"""Push delivery end to end without HTTP pages: outbox → worker → a checking, decrypting fake push service."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select

from pwa import admin_units, notify
from pwa.db import Database
from pwa.errors import PayloadTooLarge
from pwa.models import PushAttempt, PushDelivery, PushSubscription, utcnow
from pwa.push import notices
from pwa.push.worker import Worker
from pwa.settings import Settings
from tests.asyncutil import in_thread
from tests.factories import delivery_statuses, make_device, subscribe
from tests.fakepush import FakePushService


@pytest.fixture()
def db(isolated_db: Database) -> Database:
    """Its own database: the live server's push worker (browser tests) must not send these."""
    return isolated_db


def drain(db: Database, settings: Settings, now: datetime | None = None) -> int:
    """Run the worker until nothing is due (on its own thread: the browser tests keep a loop on this one)."""
    return in_thread(Worker(db, settings).drain(now=now))


def status_message(topic: str, tag: str, url: str) -> notify.Message:
    return notify.Message(
        topic=topic,
        kind=f"{topic[:-1]}_status",
        tag=tag,
        url=url,
        text=lambda: ("Hồ sơ đã xử lý xong", "Mời bạn nhận kết quả"),
    )


def test_dossier_change_reaches_each_follower_once_and_nobody_else(
    db: Database, settings: Settings, push: FakePushService
) -> None:
    followers = [make_device(db, f"f{i}", topics=("dossiers",)) for i in range(3)]
    muted = make_device(db, "muted", topics=("pickups",))  # follows the dossier, not the topic
    stranger = make_device(db, "stranger", topics=("dossiers",))  # follows the topic, not this dossier
    subs = {key: push.subscribe() for key in [*followers, muted, stranger]}
    for key, sub in subs.items():
        subscribe(db, key, sub.as_json())
    with db.write() as session:
        notify.enqueue(session, status_message("dossiers", "dossier-H01", "/dossiers/H01"), [*followers, muted])
    drain(db, settings)
    for key in followers:
        (got,) = push.received_by(subs[key])
        assert got.payload["web_push"] == 8030
        assert got.payload["notification"]["title"] == "Hồ sơ đã xử lý xong"
        assert got.payload["notification"]["navigate"] == "http://127.0.0.1:8000/dossiers/H01"
    assert push.received_by(subs[muted]) == [] and push.received_by(subs[stranger]) == []
    assert push.rejected == []


def test_pickup_change_reaches_every_subscription_of_the_booking_device(
    db: Database, settings: Settings, push: FakePushService
) -> None:
    owner = make_device(db, "owner", lang="en", topics=("pickups",))
    phone, tablet, other = push.subscribe(), push.subscribe(), push.subscribe()
    subscribe(db, owner, phone.as_json())
    subscribe(db, owner, tablet.as_json())
    subscribe(db, make_device(db, "other", topics=("pickups",)), other.as_json())
    message = notify.Message(
        topic="pickups",
        kind="pickup_status",
        tag="pickup-P7",
        url="/pickups/P7",
        text=lambda: ("Courier on the way", "Today 8–11h"),
    )
    with db.write() as session:
        notify.enqueue(session, message, [owner])
    drain(db, settings)
    assert [len(push.received_by(s)) for s in (phone, tablet, other)] == [1, 1, 0]
    (got,) = push.received_by(phone)
    assert got.payload["notification"]["lang"] == "en"
    assert int(got.headers["ttl"]) > 0 and got.headers["urgency"] == "high"
    assert 0 < len(got.headers["topic"]) <= 32
    assert got.claims["aud"] == push.origin and got.claims["sub"].startswith("mailto:")


def test_commune_announcement_reaches_that_communes_subscribers_only(
    db: Database, settings: Settings, push: FakePushService
) -> None:
    here, there = (c.code for c in admin_units.communes(19)[:2])
    local, remote = push.subscribe(), push.subscribe()
    subscribe(db, make_device(db, "local", topics=(f"commune:{here}",)), local.as_json())
    subscribe(db, make_device(db, "remote", topics=(f"commune:{there}", "news")), remote.as_json())
    draft = notices.check(
        title="Chi trả lương hưu tháng 12",
        body="Từ 7h ngày 2/12 tại điểm bưu điện xã.",
        url="",
        topics=notices.commune_topics([here]),
        send_at=None,
        now=utcnow(),
    )
    with db.write() as session:
        notice_id = int(notices.create(session, draft, actor="staff:lan").id or 0)
    drain(db, settings)
    (got,) = push.received_by(local)
    assert got.payload["notification"]["navigate"].endswith(f"/notices/{notice_id}")
    assert push.received_by(remote) == []
    with db.read() as session:
        assert notices.counts(session, notice_id) == {"queued": 0, "sent": 1, "failed": 0, "pruned": 0}
        assert notices.attempts(session, notice_id) == [("sent", 201, 1)]
        assert [m.title for m in notify.inbox(session, "local")] == ["Chi trả lương hưu tháng 12"]
        assert notify.inbox(session, "remote") == []


def test_gone_subscription_is_removed_and_counted_as_pruned(
    db: Database, settings: Settings, push: FakePushService
) -> None:
    sub = push.subscribe()
    subscribe(db, make_device(db, "d", topics=("news",)), sub.as_json())
    push.answer(sub, 410)
    with db.write() as session:
        notify.broadcast(session, status_message("news", "n1", "/"))
    drain(db, settings)
    with db.read() as session:
        assert session.exec(select(PushSubscription)).all() == []
    assert delivery_statuses(db) == {"pruned": 1}


def test_429_is_retried_after_its_retry_after(db: Database, settings: Settings, push: FakePushService) -> None:
    sub = push.subscribe()
    subscribe(db, make_device(db, "d", topics=("dossiers",)), sub.as_json())
    push.answer(sub, 429, **{"Retry-After": "600"})
    with db.write() as session:
        notify.enqueue(session, status_message("dossiers", "dossier-1", "/dossiers/1"), ["d"])
    start = utcnow()
    drain(db, settings, now=start)
    with db.read() as session:
        row = session.exec(select(PushDelivery)).one()
    assert row.status == "queued" and row.last_code == 429
    assert row.next_attempt_at >= start + timedelta(seconds=600)
    assert drain(db, settings, now=start + timedelta(seconds=300)) == 0
    drain(db, settings, now=start + timedelta(seconds=700))
    assert len(push.received_by(sub)) == 1 and delivery_statuses(db) == {"sent": 1}
    with db.read() as session:  # the 429 is in the attempt log; the row keeps the last try, the 201
        log = session.exec(select(PushAttempt.result, PushAttempt.code).order_by(col(PushAttempt.id))).all()
        row = session.exec(select(PushDelivery)).one()
    assert [tuple(entry) for entry in log] == [("retry", 429)]
    assert (row.attempts, row.last_code) == (2, 201)


def test_server_errors_give_up_once_the_message_would_expire(
    db: Database, settings: Settings, push: FakePushService
) -> None:
    sub = push.subscribe()
    subscribe(db, make_device(db, "d", topics=("dossiers",)), sub.as_json())
    for _ in range(30):
        push.answer(sub, 503)
    with db.write() as session:
        notify.enqueue(session, status_message("dossiers", "dossier-2", "/dossiers/2"), ["d"])
    moment = utcnow()
    for _ in range(30):
        drain(db, settings, now=moment)
        moment += timedelta(hours=2)
    with db.read() as session:
        row = session.exec(select(PushDelivery)).one()
    assert row.status == "failed" and row.last_error.startswith("gave up") and 1 < row.attempts < 30


def test_vapid_rejection_is_recorded_as_a_configuration_problem(
    db: Database, settings: Settings, push: FakePushService
) -> None:
    sub = push.subscribe()
    subscribe(db, make_device(db, "d", topics=("news",)), sub.as_json())
    push.answer(sub, 403)
    with db.write() as session:
        notify.broadcast(session, status_message("news", "n2", "/"))
    drain(db, settings)
    assert delivery_statuses(db) == {"failed": 1}
    with db.read() as session:
        assert [(code, n) for code, n, _err in notices.config_problems(session)] == [(403, 1)]


def test_payload_is_unescaped_utf8_and_oversized_text_is_refused(db: Database) -> None:
    make_device(db, "d", topics=("news",))
    with db.write() as session:
        notify.broadcast(session, status_message("news", "n3", "/"))
    with db.read() as session:
        stored = session.exec(select(PushDelivery)).first()
    assert stored is None  # no subscription: inbox only
    from pwa.push import outbox

    text = outbox.payload(title="Hồ sơ", body="Đã xử lý", url="/", tag="t", lang="vi")
    assert "Hồ sơ" in text and json.loads(text)["notification"]["body"] == "Đã xử lý"
    with pytest.raises(PayloadTooLarge):
        outbox.payload(title="T", body="Ộ" * 1000, url="/", tag="t", lang="vi")


def test_scheduled_notice_waits_for_its_time(db: Database, settings: Settings, push: FakePushService) -> None:
    sub = push.subscribe()
    subscribe(db, make_device(db, "d", topics=("news",)), sub.as_json())
    later = utcnow() + timedelta(hours=3)
    draft = notices.check(
        title="Nghỉ lễ", body="Bưu điện nghỉ ngày 1/1.", url="", topics=["news"], send_at=later, now=utcnow()
    )
    with db.write() as session:
        notices.create(session, draft, actor="staff:lan")
    drain(db, settings)
    assert push.received_by(sub) == []
    drain(db, settings, now=later + timedelta(seconds=1))
    assert len(push.received_by(sub)) == 1


def test_a_notices_attempts_join_the_log_and_each_deliverys_last_try(
    db: Database, settings: Settings, push: FakePushService
) -> None:
    slow, gone = push.subscribe(), push.subscribe()
    subscribe(db, make_device(db, "slow", topics=("news",)), slow.as_json())
    subscribe(db, make_device(db, "gone", topics=("news",)), gone.as_json())
    push.answer(slow, 429, **{"Retry-After": "60"})
    push.answer(gone, 410)
    made = utcnow()
    draft = notices.check(title="Nghỉ lễ", body="Bưu điện nghỉ 1/1.", url="", topics=["news"], send_at=None, now=made)
    with db.write() as session:
        notice_id = int(notices.create(session, draft, actor="staff:lan").id or 0)
    start = utcnow()
    drain(db, settings, now=start)
    with db.read() as session:  # the 429 delivery is still queued: its try is in the log only
        assert notices.attempts(session, notice_id) == [("gone", 410, 1), ("retry", 429, 1)]
    drain(db, settings, now=start + timedelta(hours=1))
    with db.read() as session:
        assert notices.attempts(session, notice_id) == [("gone", 410, 1), ("retry", 429, 1), ("sent", 201, 1)]
        assert notices.counts(session, notice_id) == {"queued": 0, "sent": 1, "failed": 0, "pruned": 1}

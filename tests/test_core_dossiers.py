"""Dossier rules without HTTP: due state, event order and idempotency, lookup secrecy, follows."""

from __future__ import annotations

import re
import threading
import time
from datetime import date, timedelta
from typing import Any

import pytest

from pwa import names, notify, ratelimit
from pwa.db import Database
from pwa.dossiers import events, fields, lookup, records, timeline
from pwa.errors import Conflict, Invalid, RateLimited
from tests.factories import DOSSIER_CODE, VN_TZ, add_dossier_event, dossier_payload, make_dossier

TODAY = date(2026, 11, 25)
LIMITS = lookup.Limits(client=ratelimit.Limit(10, 600), code=ratelimit.Limit(5, 3600))


@pytest.mark.parametrize(
    ("due", "state", "label"),
    [
        (TODAY - timedelta(days=1), "overdue", "Quá hẹn 1 ngày"),
        (TODAY, "due_soon", "Hẹn trả hôm nay"),
        (TODAY + timedelta(days=2), "due_soon", "Sắp đến hạn: còn 2 ngày"),
        (TODAY + timedelta(days=7), "on_time", "Đúng hẹn: còn 7 ngày"),
    ],
)
def test_due_state_follows_the_promised_date(due: date, state: str, label: str) -> None:
    assert timeline.due_state(4, due, TODAY) == state
    assert timeline.due_label(state, due, TODAY) == label


@pytest.mark.parametrize("code", [3, 7, 8, 9, 10])
def test_ended_processing_is_done_even_past_the_due_date(code: int) -> None:
    assert timeline.due_state(code, TODAY - timedelta(days=30), TODAY) == "done"


def test_today_is_the_post_offices_date_not_the_servers() -> None:
    from datetime import UTC, datetime

    late_evening_utc = datetime(2026, 11, 24, 18, 30, tzinfo=UTC)  # 01:30 on the 25th in Vietnam
    assert timeline.today(VN_TZ, late_evening_utc) == TODAY


def test_name_is_masked_without_telling_lengths() -> None:
    assert names.mask_name("Nguyễn Văn An") == "Nguyễn V*** A**"
    assert names.mask_name("Hoàng Thị Minh Khai") == "Hoàng T*** M*** K**"
    assert names.mask_name("Mai") == "M***"


def test_bad_dossier_fields_are_each_reported() -> None:
    with pytest.raises(Invalid) as caught:
        records.validate({"code": "x", "phone": "123", "channel": 7, "due_date": "mai"}, VN_TZ)
    assert set(caught.value.fields) == set(records.FIELDS)


def test_events_out_of_order_make_the_latest_by_event_time_current(db: Database) -> None:
    make_dossier(db)
    add_dossier_event(db, id="e2", at="2026-11-22T10:00:00+07:00", status_code=4)
    add_dossier_event(db, id="e3", at="2026-11-24T10:00:00+07:00", status_code=9)
    add_dossier_event(db, id="e1", at="2026-11-21T10:00:00+07:00", status_code=2)  # arrives last, happened first
    with db.read() as session:
        dossier = records.find(session, code=DOSSIER_CODE)
        assert dossier is not None and dossier.status_code == 9
        view = timeline.view(session, dossier, today=TODAY)
    assert [e.status_code for e in view.timeline] == [2, 4, 9]
    assert view.due_state == "done"


def test_a_repeated_event_is_stored_once(db: Database) -> None:
    make_dossier(db)
    assert add_dossier_event(db, id="e1", at="2026-11-21T10:00:00+07:00", status_code=2) is True
    assert add_dossier_event(db, id="e1", at="2026-11-21T03:00:00Z", status_code=2) is False  # same instant
    with db.read() as session:
        dossier = records.find(session, code=DOSSIER_CODE)
        assert dossier is not None and len(timeline.view(session, dossier, today=TODAY).timeline) == 1


def test_a_different_event_under_a_used_id_is_refused(db: Database) -> None:
    make_dossier(db)
    add_dossier_event(db, id="e1", at="2026-11-21T10:00:00+07:00", status_code=2)
    with pytest.raises(Conflict):
        add_dossier_event(db, id="e1", at="2026-11-21T10:00:00+07:00", status_code=4)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "e", "at": "2026-11-21T10:00:00", "status_code": 11}, "status_code"),
        ({"id": "e", "at": "2026-11-21T10:00:00", "status_code": 4, "postal_event": "delivered"}, "status_code"),
        ({"id": "e", "at": "2026-11-21T10:00:00"}, "status_code"),
        ({"id": "e", "at": "2026-11-21T10:00:00", "postal_event": "teleported"}, "postal_event"),
        (
            {
                "id": "e",
                "at": "2026-11-21T10:00:00",
                "postal_event": "sent_to_agency",
                "tracking_number": "EB123456789VN",
            },
            "tracking_number",
        ),
        ({"id": "e", "at": "2026-11-21T10:00:00", "status_code": 6, "fee_vnd": -1}, "fee_vnd"),
        ({"id": "e", "at": "2026-11-21T10:00:00", "status_code": 6, "fee_vnd": 1.5}, "fee_vnd"),
        ({"id": "", "at": "2026-11-21T10:00:00", "status_code": 2}, "id"),
        ({"id": "e", "at": "hôm qua", "status_code": 2}, "at"),
        ({"id": "e", "at": "2099-01-01T00:00:00", "status_code": 2}, "at"),
    ],
)
def test_bad_events_say_which_field_is_wrong(body: dict[str, object], field: str) -> None:
    with pytest.raises(Invalid) as caught:
        events.validate(body, VN_TZ)
    assert field in caught.value.fields


def test_valid_s10_number_and_fee_are_kept() -> None:
    new = events.validate(
        {"id": 7, "at": "2026-11-21T10:00:00", "postal_event": "sent_to_agency", "tracking_number": "eb 12345678 5vn"},
        VN_TZ,
    )
    assert new.event_id == "7" and new.tracking_number == "EB123456785VN"
    assert new.at.utcoffset() == timedelta(hours=7)  # no offset: read in the post office's zone


def test_lookup_with_the_right_secret_finds_the_dossier(db: Database) -> None:
    make_dossier(db)
    with db.write() as session:
        found = lookup.find(session, code=" h19.22-251125-0042 ", secret="5678", client="c", limits=LIMITS)
        assert found is not None and found.code == DOSSIER_CODE


def test_unknown_code_and_wrong_secret_fail_identically(db: Database) -> None:
    make_dossier(db)
    failures = []
    for code, secret in ((DOSSIER_CODE, "1111"), ("H19.22-999999-0000", "5678")):
        with db.write() as session:
            failures.append(lookup.find(session, code=code, secret=secret, client="c", limits=LIMITS))
    assert failures == [None, None]
    with db.read() as session:  # the same work was done: both counted against the client
        assert ratelimit.hits(session, "dossier:client:c", LIMITS.client) == 2


def test_failed_lookups_per_code_are_limited_even_for_the_right_secret(db: Database) -> None:
    make_dossier(db)
    for n in range(LIMITS.code.count):
        with db.write() as session:
            assert lookup.find(session, code=DOSSIER_CODE, secret="0000", client=f"client-{n}", limits=LIMITS) is None
    with db.write() as session, pytest.raises(RateLimited) as caught:
        lookup.find(session, code=DOSSIER_CODE, secret="5678", client="someone-else", limits=LIMITS)
    assert 0 < caught.value.retry_after <= LIMITS.code.window


def test_failed_lookups_per_client_are_limited_across_codes(db: Database) -> None:
    for n in range(LIMITS.client.count):
        with db.write() as session:
            assert lookup.find(session, code=f"H19-{n:04d}", secret="0000", client="10.0.0.9", limits=LIMITS) is None
    with db.write() as session, pytest.raises(RateLimited):
        lookup.find(session, code="H19-9999", secret="0000", client="10.0.0.9", limits=LIMITS)


def test_followers_get_a_message_in_the_same_transaction_and_others_do_not(db: Database) -> None:
    dossier = make_dossier(db)
    with db.write() as session:
        lookup.grant(session, dossier, "a" * 64, lang="en", follow=True)
        lookup.grant(session, dossier, "b" * 64, lang="vi")
    add_dossier_event(db, id="e1", at="2026-11-21T10:00:00+07:00", status_code=5, note="Thiếu bản sao CCCD")
    with db.read() as session:
        follower, viewer = notify.inbox(session, "a" * 64), notify.inbox(session, "b" * 64)
    assert len(follower) == 1 and viewer == []
    assert follower[0].title == f"Dossier {DOSSIER_CODE}: More documents needed"
    assert follower[0].url == f"/dossiers/{DOSSIER_CODE}" and follower[0].topic == "dossiers"


def test_my_dossiers_lists_followed_ones_first(db: Database) -> None:
    first = make_dossier(db)
    second = make_dossier(db, code="H19.22-251120-0002")
    with db.write() as session:
        lookup.grant(session, first, "a" * 64, lang="vi")
        lookup.grant(session, second, "a" * 64, lang="vi", follow=True)
    with db.read() as session:
        mine = lookup.mine(session, device_key="a" * 64)
    assert [(d.code, following) for d, following in mine] == [("H19.22-251120-0002", True), (DOSSIER_CODE, False)]


@pytest.mark.parametrize("typed", ["H19/22-251125-0042", "A/B", "H19.22-251125/0042"])
def test_codes_with_a_slash_are_refused_because_their_page_could_not_open(typed: str) -> None:
    with pytest.raises(Invalid) as refused:
        records.validate(dossier_payload(code=typed), VN_TZ)
    assert "không có gạch chéo (/)" in refused.value.fields["code"]


@pytest.mark.parametrize("typed", ["H19.22-251125-0042", "000.00.12.H19-251125-0001", "ABC", "x_1", "A" * 40])
def test_one_stop_codes_with_dots_dashes_and_underscores_are_kept(typed: str) -> None:
    assert records.validate(dossier_payload(code=typed), VN_TZ).code == typed.upper()


def test_the_code_message_states_the_rule_it_enforces() -> None:
    hint = fields.code_hint()
    example = re.search(r"Ví dụ: (\S+)\.$", hint)
    assert example and fields.code(example.group(1)) == example.group(1)
    allowed = set(re.findall(r"\((.)\)", hint))
    assert allowed == {".", "-", "_", "/"}  # named in the message: the three allowed, and the slash refused
    for mark in (".", "-", "_"):
        assert fields.code(f"A1{mark}2") == f"A1{mark}2"
    with pytest.raises(fields.FieldError):
        fields.code("A1/2")
    assert "3–40" in hint and fields.CODE_RE.pattern.endswith("{2,39}$")


def test_concurrent_events_leave_the_latest_by_event_time_current(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_dossier(db)
    refresh, notify_followers = events._refresh_status, events._notify_followers

    # The timing that lost the latest status: the latest event updates the dossier but commits
    # late; meanwhile an older event computes the status without it, then overwrites it.
    def older_refreshes_late(session: Any, dossier: Any) -> None:
        if threading.current_thread().name != "latest":
            time.sleep(0.1)
        refresh(session, dossier)

    def latest_commits_late(session: Any, dossier: Any, new: events.NewEvent) -> None:
        notify_followers(session, dossier, new)
        if threading.current_thread().name == "latest":
            time.sleep(0.3)

    monkeypatch.setattr(events, "_refresh_status", older_refreshes_late)
    monkeypatch.setattr(events, "_notify_followers", latest_commits_late)
    start, failures = threading.Barrier(3), list[BaseException]()

    def post(event_id: str, day: int, code: int) -> None:
        start.wait()
        try:
            add_dossier_event(db, id=event_id, at=f"2026-11-{day}T10:00:00+07:00", status_code=code)
        except BaseException as exc:  # reported below, on the test's thread
            failures.append(exc)

    threads = [
        threading.Thread(target=post, args=("ev-late", 25, 9), name="latest"),
        threading.Thread(target=post, args=("ev-early", 20, 2), name="older-1"),
        threading.Thread(target=post, args=("ev-mid", 22, 4), name="older-2"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    with db.read() as session:
        dossier = records.find(session, code=DOSSIER_CODE)
        assert dossier is not None and dossier.status_code == 9
        assert dossier.status_at is not None and dossier.status_at.day == 25

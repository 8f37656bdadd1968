"""Issue 13 through HTTP: the API's names, the customer's page, the staff day page and the objections list."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from pwa.db import Database
from pwa.settings import Settings
from tests.factories import (
    booking_body,
    later_open_day,
    login_staff,
    make_api_key,
    make_staff,
    open_day,
    set_capacity,
    token_in,
)

PHONE = "0912345678"


def _book(client: TestClient, settings: Settings, **changes: Any) -> dict[str, Any]:
    response = client.post("/api/v1/pickups", json=booking_body(settings, **changes))
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    return body


def test_the_customer_gets_a_handover_code_that_staff_answers_never_show(
    client: TestClient, settings: Settings, db: Database
) -> None:
    made = _book(client, settings)
    assert len(made["handover_code"]) == 4 and made["handover_code"].isdigit()
    again = client.get(f"/api/v1/pickups/{made['code']}?phone={PHONE}").json()
    assert again["handover_code"] == made["handover_code"] and again["handover_verified"] is None
    key = make_api_key(db, ("pickups",))
    listed = client.get(f"/api/v1/staff/pickups?date={made['date']}", headers={"Authorization": f"Bearer {key}"})
    assert listed.status_code == 200 and all("handover_code" not in p for p in listed.json()["pickups"])


def test_collect_locks_after_five_wrong_codes_and_a_replay_applies_once(
    client: TestClient, settings: Settings, db: Database
) -> None:
    made, key = _book(client, settings), make_api_key(db, ("pickups",))
    auth = {"Authorization": f"Bearer {key}"}
    wrong = f"{(int(made['handover_code']) + 5) % 10_000:04d}"
    url = f"/api/v1/pickups/{made['code']}/collect"
    statuses = [
        client.post(url, json={"handover_code": wrong, "parcels": 2}, headers=auth).status_code for _ in range(5)
    ]
    assert statuses == [422, 422, 422, 422, 423]
    right = client.post(url, json={"handover_code": made["handover_code"], "parcels": 2}, headers=auth)
    assert right.status_code == 423 and right.json()["error"]["code"] == "locked"
    other, body = _book(client, settings), {"parcels": 2}
    url = f"/api/v1/pickups/{other['code']}/collect"
    answers = [client.post(url, json={**body, "handover_code": other["handover_code"]},
                           headers={**auth, "Idempotency-Key": "round-7-stop-2"}) for _ in range(3)]  # fmt: skip
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[0].json()["status"] == "collected" and answers[0].json()["handover_verified"] is True
    shown = client.get(f"/api/v1/pickups/{other['code']}?phone={PHONE}").json()
    assert [e["status"] for e in shown["timeline"]] == ["booked", "collected"]
    assert client.post(url, json=body).status_code == 401  # no key, no session


def test_fail_reschedule_and_objection_through_the_api(client: TestClient, settings: Settings, db: Database) -> None:
    made, key = _book(client, settings), make_api_key(db, ("pickups",))
    code, auth = made["code"], {"Authorization": f"Bearer {key}"}
    assert client.post(f"/api/v1/pickups/{code}/fail", json={"reason": "lazy"}, headers=auth).status_code == 422
    failed = client.post(f"/api/v1/pickups/{code}/fail", json={"reason": "not_home"}, headers=auth)
    assert failed.status_code == 200 and failed.json()["status"] == "failed"
    assert client.post(f"/api/v1/pickups/{code}/fail", json={"reason": "not_home"}, headers=auth).status_code == 409
    objected = client.post(f"/api/v1/pickups/{code}/objection", json={"phone": PHONE, "kind": "was_home"})
    assert objected.status_code == 201 and objected.json()["objections"][0]["kind"] == "was_home"
    moved = client.post(f"/api/v1/pickups/{code}/reschedule", json={"phone": PHONE},
                        headers={"Idempotency-Key": "again-1"})  # fmt: skip
    assert moved.status_code == 200
    body = moved.json()
    assert (body["code"], body["status"], body["tracking_numbers"]) == (code, "booked", made["tracking_numbers"])
    assert body["timeline"][-1]["status"] == "rescheduled"
    same_day = client.post(f"/api/v1/pickups/{code}/reschedule", json={"phone": PHONE, "date": made["date"]})
    assert same_day.status_code == 200 and same_day.json()["date"] == made["date"]  # a shift with room that day
    afternoon = client.post(f"/api/v1/pickups/{code}/reschedule", json={"phone": PHONE, "shift": "afternoon"})
    assert afternoon.status_code == 200 and afternoon.json()["shift"] == "afternoon"
    wrong = client.post(f"/api/v1/pickups/{code}/reschedule", json={"phone": "0987654321"})
    assert wrong.status_code == 404


def test_a_full_shift_answers_409_with_others(client: TestClient, settings: Settings, db: Database) -> None:
    day = later_open_day(settings, than=open_day(settings))  # not the day the booking below takes
    set_capacity(db, settings, day, "morning", 0)
    made = _book(client, settings)
    body = {"phone": PHONE, "date": day.isoformat(), "shift": "morning"}
    full = client.post(f"/api/v1/pickups/{made['code']}/reschedule", json=body)
    assert full.status_code == 409 and full.json()["slots"]


def test_staff_record_a_failure_and_close_an_objection_on_their_pages(
    client: TestClient, settings: Settings, db: Database
) -> None:
    make_staff(db)
    make_staff(db, "anh.tu", role="courier")
    login_staff(client)
    made = _book(client, settings)
    day = client.get(f"/staff/pickups?date={made['date']}")
    assert '<option value="anh.tu"' in day.text
    token = token_in(day.text)
    url = f"/staff/pickups/{made['code']}?date={made['date']}"
    assert client.post(url, data={"csrf_token": token, "action": "assign", "courier": "nobody"}).status_code == 422
    refused = client.post(url, data={"csrf_token": token, "action": "failed", "reason": "lazy", "note": "Trời mưa"})
    assert refused.status_code == 422 and f'id="{made["code"]}-reason"' in refused.text
    assert 'value="Trời mưa"' in refused.text  # what was typed is kept
    done = client.post(url, data={"csrf_token": token, "action": "failed", "reason": "no_answer", "called_at": "08:15"},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    client.post(
        f"/api/v1/pickups/{made['code']}/objection", json={"phone": PHONE, "kind": "no_call", "text": "Không ai gọi"}
    )
    flagged = client.get(f"/staff/pickups?date={made['date']}").text
    assert "Không ai gọi" in flagged and "phản ánh của khách đang chờ" in flagged
    listed = client.get("/staff/pickups/objections")
    assert listed.status_code == 200 and "Bưu tá không gọi cho tôi" in listed.text
    oid = client.get(f"/api/v1/pickups/{made['code']}?phone={PHONE}").json()["objections"][0]["id"]
    close = f"/staff/pickups/{made['code']}/objections/{oid}"
    empty = client.post(close, data={"csrf_token": token, "outcome": ""})
    assert empty.status_code == 422 and f'id="outcome-{oid}"' in empty.text
    closed = client.post(close, data={"csrf_token": token, "outcome": "Bưu tá nhầm số; đã nhắc nhở."},
                         follow_redirects=False)  # fmt: skip
    assert (
        closed.status_code == 303 and "Không có phản ánh nào đang chờ" in client.get("/staff/pickups/objections").text
    )
    shown = client.get(f"/api/v1/pickups/{made['code']}?phone={PHONE}").json()
    assert shown["timeline"][-1] == {**shown["timeline"][-1], "status": "objection_done"}


def test_a_courier_account_sees_no_staff_page(client: TestClient, settings: Settings, db: Database) -> None:
    make_staff(db, "anh.tu", role="courier")
    login_staff(client, "anh.tu")
    response = client.get("/staff/pickups", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/courier"

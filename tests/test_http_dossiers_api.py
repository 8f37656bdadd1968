"""The dossier API as the provincial one-stop system and a citizen's phone would call it."""

from __future__ import annotations

from datetime import timedelta

from starlette.testclient import TestClient

from pwa.db import Database
from tests.factories import DOSSIER_CODE, dossier_payload, local_today, make_api_key, make_dossier

EVENTS = f"/api/v1/dossiers/{DOSSIER_CODE}/events"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_agency_creates_a_dossier_and_gets_the_private_view(client: TestClient, db: Database) -> None:
    key = make_api_key(db)
    response = client.post("/api/v1/dossiers", json=dossier_payload(), headers=bearer(key))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["code"] == DOSSIER_CODE and body["due_state"] == "on_time" and body["timeline"] == []
    assert body["applicant_name"] == "Nguyễn V*** A**"
    assert "0912345678" not in response.text and "+84912345678" not in response.text


def test_same_code_twice_is_a_conflict(client: TestClient, db: Database) -> None:
    key = make_api_key(db)
    client.post("/api/v1/dossiers", json=dossier_payload(), headers=bearer(key))
    response = client.post("/api/v1/dossiers", json=dossier_payload(), headers=bearer(key))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_bad_fields_get_422_with_a_message_each(client: TestClient, db: Database) -> None:
    key = make_api_key(db)
    body = dossier_payload(phone="12345", channel=9, due_date="2020-01-01", received_at="")
    response = client.post("/api/v1/dossiers", json=body, headers=bearer(key))
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"phone", "channel", "received_at"}


def test_creating_needs_a_key_with_the_dossiers_scope(client: TestClient, db: Database) -> None:
    assert client.post("/api/v1/dossiers", json=dossier_payload(), headers=bearer("pk_nope")).status_code == 401
    other = make_api_key(db, scopes=("pickups",))
    assert client.post("/api/v1/dossiers", json=dossier_payload(), headers=bearer(other)).status_code == 403


def test_events_out_of_order_and_twice_keep_one_right_timeline(client: TestClient, db: Database) -> None:
    key = make_api_key(db)
    client.post("/api/v1/dossiers", json=dossier_payload(), headers=bearer(key))
    day = (local_today() - timedelta(days=2)).isoformat()
    pushes = [
        {"id": "ev-3", "at": f"{day}T16:00:00+07:00", "status_code": 9},
        {
            "id": "ev-1",
            "at": f"{day}T08:00:00+07:00",
            "postal_event": "sent_to_agency",
            "tracking_number": "EB123456785VN",
        },
        {"id": "ev-2", "at": f"{day}T10:00:00+07:00", "status_code": 6, "fee_vnd": 150000},
    ]
    statuses = [client.post(EVENTS, json=p, headers=bearer(key)).status_code for p in pushes]
    repeat = client.post(EVENTS, json=pushes[1], headers=bearer(key))
    assert statuses == [201, 201, 201] and repeat.status_code == 200
    body = repeat.json()
    assert [(e["postal_event"], e["status_code"]) for e in body["timeline"]] == [
        ("sent_to_agency", None),
        (None, 6),
        (None, 9),
    ]
    assert body["status_code"] == 9 and body["due_state"] == "done"
    assert body["timeline"][0]["tracking_number"] == "EB123456785VN" and body["timeline"][1]["fee_vnd"] == 150000


def test_event_for_unknown_dossier_is_404(client: TestClient, db: Database) -> None:
    key = make_api_key(db)
    body = {"id": "1", "at": "2026-11-21T10:00:00+07:00", "status_code": 2}
    assert client.post("/api/v1/dossiers/KHONG-CO/events", json=body, headers=bearer(key)).status_code == 404


def test_event_with_a_bad_tracking_number_is_422(client: TestClient, db: Database) -> None:
    key = make_api_key(db)
    make_dossier(db)
    body = {"id": "1", "at": "2026-11-21T10:00:00+07:00", "postal_event": "collected", "tracking_number": "EB1"}
    response = client.post(EVENTS, json=body, headers=bearer(key))
    assert response.status_code == 422 and "tracking_number" in response.json()["error"]["fields"]


def test_lookup_with_the_right_secret_returns_the_timeline(client: TestClient, db: Database) -> None:
    make_dossier(db)
    response = client.get(f"/api/v1/dossiers/{DOSSIER_CODE}?secret=5678")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"code", "procedure", "agency", "due_date", "due_state", "status_code", "timeline"}
    assert "5678" not in response.text.replace("?secret=5678", "")


def test_unknown_code_and_wrong_secret_answer_identically(client: TestClient, db: Database) -> None:
    make_dossier(db)
    same_id = {"X-Request-ID": "lookup-1"}  # else each answer echoes its own random request id
    wrong = client.get(f"/api/v1/dossiers/{DOSSIER_CODE}?secret=1234", headers=same_id)
    unknown = client.get("/api/v1/dossiers/H19.22-000000-0000?secret=5678", headers=same_id)
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.content == unknown.content
    assert dict(wrong.headers) == dict(unknown.headers)


def test_too_many_failed_lookups_get_429_with_retry_after(client: TestClient, db: Database) -> None:
    make_dossier(db)
    for _ in range(5):
        assert client.get(f"/api/v1/dossiers/{DOSSIER_CODE}?secret=0000").status_code == 404
    limited = client.get(f"/api/v1/dossiers/{DOSSIER_CODE}?secret=5678")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert limited.json()["error"]["code"] == "rate_limited"


def test_follow_with_the_secret_then_unfollow(client: TestClient, db: Database) -> None:
    make_dossier(db)
    assert client.post(f"/api/v1/dossiers/{DOSSIER_CODE}/follow", json={"secret": "0000"}).status_code == 404
    followed = client.post(f"/api/v1/dossiers/{DOSSIER_CODE}/follow", json={"secret": "5678"})
    assert followed.status_code == 200 and followed.json() == {"code": DOSSIER_CODE, "following": True}
    assert "Đang theo dõi" in client.get("/dossiers").text
    assert client.request("DELETE", f"/api/v1/dossiers/{DOSSIER_CODE}/follow", json={}).json()["following"] is False


def test_openapi_documents_the_dossier_endpoints(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/dossiers", "/api/v1/dossiers/{code}", "/api/v1/dossiers/{code}/events"} <= set(paths)
    assert "201" in str(paths["/api/v1/dossiers"]["post"]["responses"])


def test_a_code_with_a_slash_is_refused_and_a_dotted_code_opens(client: TestClient, db: Database) -> None:
    key = make_api_key(db)
    slash = client.post("/api/v1/dossiers", json=dossier_payload(code="H19/22-0042"), headers=bearer(key))
    assert slash.status_code == 422 and "gạch chéo" in slash.json()["error"]["fields"]["code"]
    created = client.post("/api/v1/dossiers", json=dossier_payload(), headers=bearer(key))
    assert created.status_code == 201
    opened = client.get(f"/api/v1/dossiers/{DOSSIER_CODE}", params={"secret": "5678"})
    assert opened.status_code == 200 and opened.json()["code"] == DOSSIER_CODE

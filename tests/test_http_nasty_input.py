"""Hostile or absurd input gets a 4xx with a message, never a 500."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from pwa import accounts
from pwa.db import Database
from pwa.dossiers import fields
from tests.factories import DOSSIER_CODE, dossier_payload, login_staff, make_api_key, make_dossier, make_staff

JSON = {"Content-Type": "application/json"}
HUGE_INTEGER = "1" * 5000  # past Python's 4300-digit limit for int(str)
HUGE_IDS = [2**63, 2**64 + 1, 10**40]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", **JSON}


@pytest.mark.parametrize(
    "body",
    [
        b'{"parcels": ' + HUGE_INTEGER.encode() + b"}",
        b"-" + HUGE_INTEGER.encode(),
        b"[" * 100_000 + b"]" * 100_000,
        b'{"name": "\xff\xfe"}',
        b'{"name": NaN',
    ],
    ids=["5000-digit integer", "negative 5000-digit integer", "nested 100000 deep", "not UTF-8", "truncated"],
)
def test_unreadable_json_gets_the_translated_422(client: TestClient, body: bytes) -> None:
    response = client.post("/api/v1/pickups", content=body, headers=JSON)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"] == "Nội dung không phải JSON hợp lệ."


@pytest.mark.parametrize("huge", HUGE_IDS)
def test_ids_too_large_for_the_database_are_404(client: TestClient, db: Database, huge: int) -> None:
    key = make_api_key(db, scopes=("notices",))
    assert client.get(f"/notifications/open/{huge}").status_code == 404
    assert client.get(f"/notices/{huge}").status_code == 404
    api = client.get(f"/api/v1/notices/{huge}", headers=bearer(key))
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
    make_staff(db)
    login_staff(client)
    assert client.get(f"/staff/notices/{huge}").status_code == 404


@pytest.mark.parametrize(
    "typed",
    ["0001-01-01T00:00:00+07:00", "0001-01-01T00:00:00", "9999-12-31T23:00:00-07:00", "9999-12-31T23:59:59"],
)
def test_times_out_of_range_are_refused_with_a_message(typed: str) -> None:
    with pytest.raises(fields.FieldError, match="Năm phải từ 2000 đến 2100"):
        fields.moment(typed, ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.mark.parametrize("typed", ["0001-01-01T00:00:00+07:00", "9999-12-31T23:00:00-07:00"])
def test_dossier_and_event_times_out_of_range_get_422(client: TestClient, db: Database, typed: str) -> None:
    key = make_api_key(db)
    created = client.post("/api/v1/dossiers", json=dossier_payload(received_at=typed), headers=bearer(key))
    assert created.status_code == 422, created.text
    assert created.json()["error"]["fields"]["received_at"].startswith("Năm phải từ 2000 đến 2100")
    make_dossier(db)
    event = {"id": "ev-1", "at": typed, "status_code": 2}
    added = client.post(f"/api/v1/dossiers/{DOSSIER_CODE}/events", json=event, headers=bearer(key))
    assert added.status_code == 422, added.text
    assert added.json()["error"]["fields"]["at"].startswith("Năm phải từ 2000 đến 2100")


def _api_calls(client: TestClient) -> list[tuple[str, str]]:
    calls = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route) and route.path.startswith("/api/") and route.include_in_schema:
            for method in sorted((route.methods or set()) - {"HEAD"}):
                calls.append((method, route.path))
    return calls


def _fill(path: str, huge_id: int) -> str:
    path = re.sub(r"\{\w+:int\}", str(huge_id), path)
    return re.sub(r"\{\w+\}", DOSSIER_CODE, path)


def test_every_api_route_answers_huge_numbers_without_a_500(client: TestClient, db: Database) -> None:
    with db.write() as session:
        key = accounts.create_api_key(session, name="sweep", scopes=accounts.SCOPES).key
    make_dossier(db)
    calls = _api_calls(client)
    assert len(calls) > 10
    body = ('{"id": ' + HUGE_INTEGER + ', "secret": ' + HUGE_INTEGER + "}").encode()
    query = {name: HUGE_INTEGER for name in ("secret", "date", "day", "from", "to", "limit")}
    problems: list[Any] = []
    for method, path in calls:
        for headers in (JSON, bearer(key)):
            response = client.request(method, _fill(path, 2**64), content=body, params=query, headers=headers)
            # a GET may ignore what it does not read (200); anything that reads the body must refuse it
            expected = range(200, 500) if method == "GET" else range(400, 500)
            if response.status_code not in expected:
                problems.append((method, path, headers.get("Authorization", "cookie"), response.status_code))
    assert not problems

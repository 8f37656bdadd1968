"""The JSON API's types are part of its contract: a wrong JSON type is refused with the field named, never read."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openapi_pydantic.v3.v3_0 import OpenAPI
from starlette.testclient import TestClient

from pwa.api_models import pickups as pickup_models
from pwa.db import Database
from pwa.pickups import slots, tariff
from pwa.settings import Settings
from tests.factories import DOSSIER_CODE, booking_body, dossier_payload, make_api_key, make_dossier

JSON = {"Content-Type": "application/json"}

WRONG_TYPES: list[tuple[str, Any]] = [
    ("name", 12),  # a number where text is expected: once booked for a customer called "12"
    ("name", {"first": "Mai"}),
    ("name", ["Mai"]),
    ("name", True),
    ("name", None),
    ("parcels", "2"),  # a number sent as text
    ("parcels", 2.5),
    ("parcels", True),  # a boolean where a number is expected
    ("weight_kg", "2,5"),
    ("weight_kg", False),
    ("ward_code", "2020"),
    ("ward_code", 2020.0),
    ("shift", 1),
    ("cod_vnd", "1000"),
    ("note", {"text": "x"}),
    ("phone", 912345678),
]


@pytest.mark.parametrize(("field", "value"), WRONG_TYPES, ids=[f"{f}={v!r}" for f, v in WRONG_TYPES])
def test_a_value_of_the_wrong_type_is_refused_with_its_field(
    client: TestClient, settings: Settings, field: str, value: Any
) -> None:
    response = client.post("/api/v1/pickups", json={**booking_body(settings), field: value})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == [field]


@pytest.mark.parametrize(
    "text", ["Mai\x00", "Mai\ud800", "\udfffMai", "Mai\x1b[31m"], ids=["nul", "lead", "trail", "esc"]
)
def test_nul_bytes_and_lone_surrogates_are_refused_with_the_field(
    client: TestClient, settings: Settings, text: str
) -> None:
    body = json.dumps({**booking_body(settings), "name": text})  # json.dumps escapes them: \u0000, \ud800
    response = client.post("/api/v1/pickups", content=body, headers=JSON)
    assert response.status_code == 422, response.text
    assert list(response.json()["error"]["fields"]) == ["name"]


def test_an_unknown_field_is_named_not_ignored(client: TestClient, settings: Settings) -> None:
    response = client.post("/api/v1/pickups", json={**booking_body(settings), "weight": 2})
    assert response.status_code == 422 and list(response.json()["error"]["fields"]) == ["weight"]


def test_messages_follow_the_callers_language(client: TestClient, settings: Settings) -> None:
    body = {**booking_body(settings), "parcels": "2"}
    vietnamese = client.post("/api/v1/pickups", json=body).json()["error"]["fields"]["parcels"]
    english = client.post("/api/v1/pickups", json=body, headers={"Accept-Language": "en"})
    assert (
        vietnamese == "Phải là số nguyên." and english.json()["error"]["fields"]["parcels"] == "Must be a whole number."
    )


def test_dossier_and_event_types_are_checked_too(client: TestClient, db: Database) -> None:
    auth = {"Authorization": f"Bearer {make_api_key(db)}"}
    created = client.post("/api/v1/dossiers", json=dossier_payload(channel="3"), headers=auth)
    assert created.status_code == 422 and list(created.json()["error"]["fields"]) == ["channel"]
    make_dossier(db)
    event = {"id": "ev-1", "at": "2026-11-21T10:00:00+07:00", "status_code": "2"}
    added = client.post(f"/api/v1/dossiers/{DOSSIER_CODE}/events", json=event, headers=auth)
    assert added.status_code == 422 and list(added.json()["error"]["fields"]) == ["status_code"]
    both = {**event, "status_code": 2, "postal_event": "collected"}
    assert client.post(f"/api/v1/dossiers/{DOSSIER_CODE}/events", json=both, headers=auth).status_code == 422


def test_a_bodyless_cookie_delete_is_not_asked_for_a_content_type(client: TestClient, db: Database) -> None:
    make_dossier(db)
    assert client.post(f"/api/v1/dossiers/{DOSSIER_CODE}/follow", json={"secret": "5678"}).status_code == 200
    response = client.delete(f"/api/v1/dossiers/{DOSSIER_CODE}/follow")
    assert response.status_code == 200 and response.json() == {"code": DOSSIER_CODE, "following": False}
    assert (
        client.delete(f"/api/v1/dossiers/{DOSSIER_CODE}/follow", headers={"Sec-Fetch-Site": "cross-site"}).status_code
        == 403
    )
    form = {"Content-Type": "application/x-www-form-urlencoded"}  # what another site's form sends
    assert client.delete(f"/api/v1/dossiers/{DOSSIER_CODE}/follow", headers=form).status_code == 415
    assert client.post(f"/api/v1/dossiers/{DOSSIER_CODE}/follow", headers=form).status_code == 415


def test_the_openapi_document_is_valid_openapi_3_0_3(client: TestClient) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"] == "3.0.3"
    OpenAPI.model_validate(doc)  # openapi-pydantic's model of 3.0: a 3.1 `exclusiveMinimum` fails here
    weight = doc["components"]["schemas"]["PickupRequest"]["properties"]["weight_kg"]
    assert weight["minimum"] == 0 and weight["exclusiveMinimum"] is True
    for path, item in doc["paths"].items():
        declared = {p["name"] for op in item.values() for p in op.get("parameters", []) if p["in"] == "path"}
        assert declared == {part[1:-1] for part in path.split("/") if part.startswith("{")}, path
        for method, op in item.items():
            assert any(status.startswith("2") for status in op["responses"]), (method, path)
            for status, reply in op["responses"].items():
                assert status == "204" or "content" in reply, (method, path, status)


def test_the_models_name_the_shifts_and_services_the_core_knows() -> None:
    assert set(pickup_models.Shift.__args__) == set(slots.SHIFTS)  # type: ignore[attr-defined]
    assert set(pickup_models.Service.__args__) == set(tariff.SERVICES)  # type: ignore[attr-defined]


@pytest.mark.parametrize("row_id", [2**31, 988_867_874_656])
def test_ids_past_a_32_bit_integer_are_404(client: TestClient, db: Database, row_id: int) -> None:
    """Ids are INTEGER columns: on PostgreSQL a larger number in the query is an error, not a miss."""
    auth = {"Authorization": f"Bearer {make_api_key(db, scopes=('notices',))}"}
    assert client.get(f"/api/v1/notices/{row_id}", headers=auth).status_code == 404
    assert client.get(f"/notifications/open/{row_id}").status_code == 404
    assert client.get(f"/notices/{row_id}").status_code == 404

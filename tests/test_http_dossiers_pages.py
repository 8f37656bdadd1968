"""Citizens' dossier pages and the staff pages, through HTTP as a phone or a counter PC would use them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from pwa import audit
from pwa.db import Database
from pwa.dossiers import records
from tests.factories import (
    DOSSIER_CODE,
    add_dossier_event,
    dossier_payload,
    local_today,
    login_staff,
    make_dossier,
    make_staff,
    token_in,
)

CSV_HEADER = ",".join(records.FIELDS)


def look_up(client: TestClient, code: str, secret: str) -> Any:
    token = token_in(client.get("/dossiers").text)
    return client.post("/dossiers", data={"code": code, "secret": secret, "csrf_token": token}, follow_redirects=False)


def test_right_secret_opens_the_timeline_and_it_reopens_without_retyping(client: TestClient, db: Database) -> None:
    make_dossier(db)
    add_dossier_event(db, id="e1", at="2026-11-20T10:00:00+07:00", status_code=5, note="Thiếu bản sao CCCD")
    response = look_up(client, DOSSIER_CODE.lower(), "5678")
    assert response.status_code == 303 and response.headers["location"] == f"/dossiers/{DOSSIER_CODE}"
    page = client.get(f"/dossiers/{DOSSIER_CODE}")
    assert "Cần bổ sung giấy tờ" in page.text and "Thiếu bản sao CCCD" in page.text
    assert "Nguyễn V*** A**" in page.text
    assert "0912345678" not in page.text and "912345678" not in page.text and "Nguyễn Văn An" not in page.text


def test_another_phone_gets_the_lookup_form_never_the_data(app: Starlette, client: TestClient, db: Database) -> None:
    make_dossier(db)
    look_up(client, DOSSIER_CODE, "5678")
    with TestClient(app) as stranger:
        page = stranger.get(f"/dossiers/{DOSSIER_CODE}")
    assert page.status_code == 200 and 'name="secret"' in page.text
    assert "Cấp đổi giấy phép lái xe" not in page.text


def test_unknown_code_and_wrong_secret_get_the_same_page(client: TestClient, db: Database) -> None:
    make_dossier(db)
    wrong = look_up(client, DOSSIER_CODE, "1234")
    unknown = look_up(client, "H19.22-000000-0000", "1234")
    assert wrong.status_code == unknown.status_code == 404
    # Word for word, but for the code typed and the moment the page was made.
    made = re.compile(r'<meta name="pwa-generated-at" content="[^"]*">')
    assert made.sub("", wrong.text.replace(DOSSIER_CODE, "X")) == made.sub(
        "", unknown.text.replace("H19.22-000000-0000", "X")
    )
    assert "Mã hồ sơ hoặc 4 số cuối điện thoại không đúng." in wrong.text
    assert 'value="1234"' in wrong.text  # what was typed is kept


def test_empty_form_says_what_to_type_in_each_field(client: TestClient) -> None:
    response = look_up(client, "", "12")
    assert response.status_code == 422
    assert 'href="#code"' in response.text and 'href="#secret"' in response.text


def test_hitting_the_limit_shows_when_to_try_again(client: TestClient, db: Database) -> None:
    make_dossier(db)
    for _ in range(5):
        look_up(client, DOSSIER_CODE, "0000")
    response = look_up(client, DOSSIER_CODE, "5678")
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert "Tạm khóa tra cứu" in response.text and "Bạn có thể thử lại từ" in response.text


@pytest.mark.parametrize(
    ("due_in", "words"),
    [(-1, "Quá hẹn 1 ngày"), (0, "Hẹn trả hôm nay"), (7, "Đúng hẹn: còn 7 ngày")],
)
def test_timeline_shows_the_due_state_plainly(client: TestClient, db: Database, due_in: int, words: str) -> None:
    received = f"{(local_today() - timedelta(days=5)).isoformat()}T08:00:00+07:00"
    make_dossier(db, due_date=(local_today() + timedelta(days=due_in)).isoformat(), received_at=received)
    look_up(client, DOSSIER_CODE, "5678")
    assert words in client.get(f"/dossiers/{DOSSIER_CODE}").text


def test_follow_button_adds_it_to_my_dossiers(client: TestClient, db: Database) -> None:
    make_dossier(db)
    look_up(client, DOSSIER_CODE, "5678")
    page = client.get(f"/dossiers/{DOSSIER_CODE}")
    response = client.post(f"/dossiers/{DOSSIER_CODE}/follow", data={"csrf_token": token_in(page.text)})
    assert "Bạn đang theo dõi hồ sơ này" in response.text
    assert "Đang theo dõi" in client.get("/dossiers").text


def test_follow_without_a_lookup_is_refused(client: TestClient, db: Database) -> None:
    make_dossier(db)
    token = token_in(client.get("/dossiers").text)
    assert client.post(f"/dossiers/{DOSSIER_CODE}/follow", data={"csrf_token": token}).status_code == 404


def test_staff_see_overdue_dossiers_first(client: TestClient, db: Database) -> None:
    received = f"{(local_today() - timedelta(days=9)).isoformat()}T08:00:00+07:00"
    make_dossier(db, code="H19-LATER", due_date=(local_today() + timedelta(days=9)).isoformat())
    make_dossier(db, code="H19-LATE", due_date=(local_today() - timedelta(days=1)).isoformat(), received_at=received)
    make_staff(db)
    login_staff(client)
    page = client.get("/staff/dossiers").text
    assert page.index("H19-LATE<") < page.index("H19-LATER<")
    assert "Quá hẹn 1 ngày" in page


def test_staff_record_a_postal_leg_once_even_if_tapped_twice(client: TestClient, db: Database) -> None:
    make_dossier(db)
    make_staff(db)
    login_staff(client)
    page = client.get(f"/staff/dossiers/{DOSSIER_CODE}").text
    form = {"csrf_token": token_in(page), "event_id": "staff-abc", "postal_event": "sent_to_agency"}
    form["tracking_number"] = "RR 12345678 5VN"
    for _ in range(2):
        response = client.post(f"/staff/dossiers/{DOSSIER_CODE}/events", data=form)
    assert response.status_code == 200 and response.text.count("RR123456785VN") == 1
    with db.read() as session:
        entries = audit.recent(session, subject=f"dossier:{DOSSIER_CODE}")
    assert [e.actor for e in entries if e.action == "dossier.event"] == ["staff:lan"]


def test_staff_form_keeps_input_and_explains_a_bad_tracking_number(client: TestClient, db: Database) -> None:
    make_dossier(db)
    make_staff(db)
    login_staff(client)
    token = token_in(client.get(f"/staff/dossiers/{DOSSIER_CODE}").text)
    data = {"csrf_token": token, "event_id": "s1", "postal_event": "sent_to_agency", "tracking_number": "EB123"}
    response = client.post(f"/staff/dossiers/{DOSSIER_CODE}/events", data=data)
    assert response.status_code == 422
    assert "Số hiệu bưu gửi không hợp lệ" in response.text and 'value="EB123"' in response.text


def _csv(*rows: dict[str, object]) -> bytes:
    lines = [CSV_HEADER] + [",".join(f'"{row[name]}"' for name in records.FIELDS) for row in rows]
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def test_staff_import_with_a_bad_row_imports_nothing_and_names_the_line(client: TestClient, db: Database) -> None:
    make_staff(db)
    login_staff(client)
    token = token_in(client.get("/staff/dossiers/import").text)
    data = _csv(dossier_payload(code="H19-A"), dossier_payload(code="H19-B", phone="123"))
    response = client.post(
        "/staff/dossiers/import", data={"csrf_token": token}, files={"file": ("hs.csv", data, "text/csv")}
    )
    assert response.status_code == 422 and "Dòng 3" in response.text and "Chưa nhập gì" in response.text
    with db.read() as session:
        assert records.find(session, code="H19-A") is None


def test_staff_import_of_good_rows_only_when_asked(client: TestClient, db: Database) -> None:
    make_staff(db)
    login_staff(client)
    token = token_in(client.get("/staff/dossiers/import").text)
    data = _csv(dossier_payload(code="H19-A"), dossier_payload(code="H19-B", phone="123"))
    response = client.post(
        "/staff/dossiers/import",
        data={"csrf_token": token, "keep_good": "1"},
        files={"file": ("hs.csv", data, "text/csv")},
    )
    assert response.status_code == 200 and "Đã nhập 1 hồ sơ." in response.text
    with db.read() as session:
        assert records.find(session, code="H19-A") is not None


def _pwa(args: list[str], db: Database, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db.url, "PWA_INSTANCE_DIR": str(tmp_path / "inst")}
    return subprocess.run(
        [sys.executable, "-m", "pwa.cli", *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_cli_import_reports_every_bad_line_and_imports_nothing(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "hs.csv"
    rows = [dossier_payload(code="H19-A"), dossier_payload(code="H19-B", channel=9), dossier_payload(code="H19-A")]
    path.write_bytes(_csv(*rows))
    result = _pwa(["import-dossiers", str(path)], db, tmp_path)
    assert result.returncode == 1
    assert "dòng 3: channel" in result.stderr and "dòng 4: code" in result.stderr
    with db.read() as session:
        assert records.find(session, code="H19-A") is None
    kept = _pwa(["import-dossiers", str(path), "--keep-good"], db, tmp_path)
    assert kept.returncode == 0 and "imported 1 dossiers" in kept.stdout


def test_lookup_of_a_code_with_a_slash_says_how_codes_look(client: TestClient, db: Database) -> None:
    response = look_up(client, "H19/22-251125-0042", "5678")
    assert response.status_code == 422 and "không có gạch chéo (/)" in response.text
    assert 'value="H19/22-251125-0042"' in response.text  # what was typed is kept


def now_panel(html: str) -> str:
    match = re.search(r'<section class="panel dossier-now.*?</section>', html, re.S)
    assert match, "no current-step panel"
    return match.group(0)


def test_current_step_is_the_latest_status_with_a_newer_postal_leg_below(client: TestClient, db: Database) -> None:
    make_dossier(db)
    add_dossier_event(db, id="s9", at="2026-11-20T10:00:00+07:00", status_code=9)
    add_dossier_event(db, id="p1", at="2026-11-21T08:00:00+07:00", postal_event="out_for_delivery")
    add_dossier_event(db, id="p0", at="2026-11-19T08:00:00+07:00", postal_event="sent_to_agency")  # late arrival
    look_up(client, DOSSIER_CODE, "5678")
    panel = now_panel(client.get(f"/dossiers/{DOSSIER_CODE}").text)
    assert re.search(r"<h2[^>]*>Đã có kết quả</h2>", panel)
    assert "Bưu điện:</strong> Đang phát kết quả" in panel and "Đã gửi hồ sơ đến cơ quan" not in panel
    body = client.get(f"/api/v1/dossiers/{DOSSIER_CODE}", params={"secret": "5678"}).json()
    assert body["status_code"] == 9 and body["status_label"] == "Đã có kết quả"
    assert body["postal"]["postal_event"] == "out_for_delivery"


def test_a_postal_leg_older_than_the_status_is_not_in_the_panel(client: TestClient, db: Database) -> None:
    make_dossier(db)
    add_dossier_event(db, id="p1", at="2026-11-19T08:00:00+07:00", postal_event="sent_to_agency")
    add_dossier_event(db, id="s4", at="2026-11-20T10:00:00+07:00", status_code=4)
    look_up(client, DOSSIER_CODE, "5678")
    panel = now_panel(client.get(f"/dossiers/{DOSSIER_CODE}").text)
    assert re.search(r"<h2[^>]*>Đang xử lý</h2>", panel) and "Bưu điện:" not in panel
    body = client.get(f"/api/v1/dossiers/{DOSSIER_CODE}", params={"secret": "5678"}).json()
    assert body["status_label"] == "Đang xử lý" and body["postal"] is None


def test_only_postal_legs_so_far_show_no_agency_step_and_the_leg(client: TestClient, db: Database) -> None:
    make_dossier(db)
    add_dossier_event(db, id="p1", at="2026-11-19T08:00:00+07:00", postal_event="collected")
    look_up(client, DOSSIER_CODE, "5678")
    panel = now_panel(client.get(f"/dossiers/{DOSSIER_CODE}").text)
    assert "Chưa có bước xử lý nào" in panel and "Bưu điện:</strong> Bưu điện đã nhận hồ sơ" in panel

"""Staff search finds Vietnamese text with or without accents, in any case, on both databases."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from pwa.db import Database, alembic_config
from pwa.dossiers import records
from tests.factories import make_dossier

TODAY = date(2026, 11, 25)


@pytest.fixture()
def dossiers(db: Database) -> Database:
    make_dossier(db, code="H19.22-0001", procedure="Đăng ký khai sinh")
    make_dossier(db, code="H19.22-0002", procedure="Cấp đổi giấy phép lái xe")
    make_dossier(db, code="H19.22-0003", procedure="Giảm 50% lệ phí trước bạ")
    make_dossier(db, code="H19_22-0004", procedure="Chứng thực bản sao")
    return db


def found(db: Database, query: str) -> list[str]:
    with db.read() as session:
        return sorted(d.code for d in records.staff_list(session, query=query, today=TODAY))


@pytest.mark.parametrize("query", ["đăng", "ĐĂNG", "Đăng Ký", "dang ky", "DANG KY", "  đăng   ký ", "khai sinh"])
def test_vietnamese_search_ignores_accents_and_case(dossiers: Database, query: str) -> None:
    assert found(dossiers, query) == ["H19.22-0001"]


@pytest.mark.parametrize("query", ["GIẤY PHÉP", "giay phep", "LÁI XE", "h19.22-0002", "H19.22-0002"])
def test_procedure_and_code_are_both_searched(dossiers: Database, query: str) -> None:
    assert found(dossiers, query) == ["H19.22-0002"]


def test_like_wildcards_typed_by_staff_are_literal(dossiers: Database) -> None:
    assert found(dossiers, "%") == ["H19.22-0003"]
    assert found(dossiers, "50%") == ["H19.22-0003"]
    assert found(dossiers, "_") == ["H19_22-0004"]
    assert found(dossiers, "h19_22") == ["H19_22-0004"]
    assert found(dossiers, "\\") == []


def test_migration_fills_the_search_column_of_existing_dossiers(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    config = alembic_config(database)
    command.upgrade(config, "0004_dossiers")
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO dossier (code, procedure, agency, applicant_name, phone, received_at, due_date,"
                " channel, created_at, updated_at) VALUES ('H19-OLD', 'Đăng ký kết hôn', 'UBND', 'An',"
                " '+84912345678', '2026-11-20 02:00:00', '2026-11-30', 1, '2026-11-20 02:00:00',"
                " '2026-11-20 02:00:00')"
            )
        )
    command.upgrade(config, "heads")
    assert found(database, "ĐĂNG KÝ KẾT HÔN") == ["H19-OLD"]
    database.dispose()

"""The `pwa` command, run as an operator would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pwa import accounts
from pwa.db import Database
from pwa.security import hash_api_key


def pwa(args: list[str], db: Database, tmp_path: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db.url, "PWA_INSTANCE_DIR": str(tmp_path / "inst")}
    return subprocess.run(
        [sys.executable, "-m", "pwa.cli", *args], input=stdin, env=env, capture_output=True, text=True, timeout=60
    )


def test_create_api_key_prints_the_key_alone_on_the_last_line_and_stores_its_hash(db: Database, tmp_path: Path) -> None:
    result = pwa(["create-api-key", "--name", "Một cửa", "--scopes", "dossiers,notices"], db, tmp_path)
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip().splitlines()[-1]
    assert key.startswith("pk_") and " " not in key
    with db.read() as session:
        record = accounts.key_for(session, key=key)
        assert record is not None and record.key_hash == hash_api_key(key)
        assert record.scope_set == {"dossiers", "notices"}


def test_create_staff_reads_the_password_from_stdin(db: Database, tmp_path: Path) -> None:
    result = pwa(
        ["create-staff", "--username", "hoa", "--role", "admin", "--password-stdin"], db, tmp_path, "mat-khau-dai-du\n"
    )
    assert result.returncode == 0, result.stderr
    with db.read() as session:
        user = accounts.find_staff(session, username="hoa")
        assert user is not None and user.role == "admin"


def test_bad_input_gives_a_message_not_a_traceback(db: Database, tmp_path: Path) -> None:
    result = pwa(["create-staff", "--username", "hoa", "--password-stdin"], db, tmp_path, "short\n")
    assert result.returncode == 1
    assert "error:" in result.stderr and "Traceback" not in result.stderr


def test_demo_data_loads_twice_without_duplicates(db: Database, tmp_path: Path) -> None:
    assert pwa(["demo"], db, tmp_path).returncode == 0
    second = pwa(["demo"], db, tmp_path)
    assert second.returncode == 0 and "already exists" in second.stdout
    with db.read() as session:
        names = [u.username for u in accounts.list_staff(session)]
    assert names == ["demo-admin", "demo-staff"]


@pytest.mark.parametrize("command", [["migrate"]])
def test_migrate_is_safe_to_repeat(command: list[str], db: Database, tmp_path: Path) -> None:
    assert pwa(command, db, tmp_path).returncode == 0
    assert "up to date" in pwa(command, db, tmp_path).stdout


def test_the_import_help_names_the_columns_the_importer_wants() -> None:
    from pwa import cli
    from pwa.dossiers import records

    assert ",".join(records.FIELDS) == cli.DOSSIER_COLUMNS

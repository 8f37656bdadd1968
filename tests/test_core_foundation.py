"""Core rules of the foundation, without HTTP."""

from __future__ import annotations

import stat
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlmodel import select

from pwa import accounts, admin_units, audit, i18n, ratelimit
from pwa.db import Database, NotMigrated, check_migrated, migrate
from pwa.errors import Conflict, Invalid, RateLimited
from pwa.models import ApiKey, utcnow
from pwa.security import hash_api_key
from pwa.settings import Settings, read_or_create_secret
from routes._web import call
from tests.asyncutil import in_thread
from tests.factories import PASSWORD, make_staff

LIMIT = ratelimit.Limit(count=5, window=60)


def test_instance_folder_and_secret_are_private(tmp_path: Path) -> None:
    settings = Settings(instance_dir=tmp_path / "inst").prepared()
    key_file = tmp_path / "inst" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "inst").stat().st_mode) == 0o700
    assert len(settings.secret_key) >= 40
    assert Settings(instance_dir=tmp_path / "inst").prepared().secret_key == settings.secret_key


def test_processes_starting_together_all_read_the_same_whole_secret(tmp_path: Path) -> None:
    """`pwa serve` starts its web process and its workers at once on a fresh install."""
    for attempt in range(20):
        path = tmp_path / f"secret{attempt}"
        start, seen = threading.Barrier(8), list[str]()

        def first_start(path: Path = path, start: threading.Barrier = start, seen: list[str] = seen) -> None:
            start.wait()
            seen.append(read_or_create_secret(path))

        threads = [threading.Thread(target=first_start) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(seen) == 8 and len(set(seen)) == 1 and len(seen[0]) >= 40
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_default_database_is_a_private_sqlite_file_in_the_instance(tmp_path: Path) -> None:
    settings = Settings.from_env({"PWA_INSTANCE_DIR": str(tmp_path / "i")})
    assert settings.database_url == f"sqlite:///{tmp_path / 'i' / 'pwa.sqlite3'}"
    Database(settings.database_url).ping()
    assert stat.S_IMODE((tmp_path / "i" / "pwa.sqlite3").stat().st_mode) == 0o600


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'x.sqlite3'}", wait=3.5)  # PWA_DB_WAIT_SECONDS
    with database.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 3500


def test_sqlite_write_sessions_take_the_write_lock_at_begin(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    migrate(database)
    other = Database(database.url)
    with database.write() as session:
        session.execute(text("SELECT 1"))
        # A second writer cannot start while the first holds BEGIN IMMEDIATE.
        with other.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA busy_timeout=50")
            with pytest.raises(Exception, match="locked"):
                conn.exec_driver_sql("BEGIN IMMEDIATE")


def test_write_commits_what_the_block_wrote(db: Database) -> None:
    with db.write() as session:
        assert ratelimit.hit(session, "k", LIMIT, now=1000) == 1
    with db.read() as session:
        assert ratelimit.hits(session, "k", LIMIT, now=1000) == 1


def test_write_rolls_back_and_reraises_when_the_block_raises(db: Database) -> None:
    with pytest.raises(RuntimeError, match="half-way"), db.write() as session:
        ratelimit.hit(session, "k", LIMIT, now=1000)
        raise RuntimeError("half-way")
    with db.read() as session:
        assert ratelimit.total(session) == 0


def test_a_use_case_runs_off_the_event_loop_thread(db: Database) -> None:
    def thread_of(database: Database) -> int:
        with database.read():
            return threading.get_ident()

    async def both() -> tuple[int, int]:
        return threading.get_ident(), await call(thread_of, db)

    loop_thread, use_case_thread = in_thread(both())
    assert loop_thread != use_case_thread


def test_unmigrated_database_is_refused_with_a_hint(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with pytest.raises(NotMigrated, match="pwa migrate"):
        check_migrated(database)
    migrate(database)
    check_migrated(database)


def test_times_come_back_aware_in_utc(db: Database) -> None:
    make_staff(db)
    with db.read() as session:
        user = accounts.find_staff(session, username="lan")
        assert user is not None
        assert user.created_at.tzinfo is not None
        assert abs((utcnow() - user.created_at).total_seconds()) < 60


def test_staff_passwords_are_hashed_with_argon2(db: Database) -> None:
    user = make_staff(db)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_new_staff_needs_a_long_password_and_a_plain_username(db: Database) -> None:
    with db.write() as session, pytest.raises(Invalid) as info:
        accounts.create_staff(session, username="Lan Nguyễn", password="short", role="boss")
    assert set(info.value.fields) == {"username", "password", "role"}


def test_usernames_are_unique(db: Database) -> None:
    make_staff(db)
    with db.write() as session, pytest.raises(Conflict):
        accounts.create_staff(session, username="LAN", password=PASSWORD, role="staff")


def test_authentication_checks_the_password_and_audits(db: Database) -> None:
    make_staff(db)
    with db.write() as session:
        assert accounts.authenticate(session, username="lan", password="wrong", client="1.2.3.4") is None
        assert accounts.authenticate(session, username="lan", password=PASSWORD, client="1.2.3.4") is not None
    with db.read() as session:
        actions = [e.action for e in audit.recent(session)]
    assert "staff.login_failed" in actions and "staff.login" in actions


def test_repeated_failed_logins_are_rate_limited(db: Database) -> None:
    make_staff(db)
    for _ in range(accounts.LOGIN_LIMIT.count):
        with db.write() as session:
            accounts.authenticate(session, username="lan", password="nope", client="9.9.9.9")
    with db.write() as session, pytest.raises(RateLimited) as info:
        accounts.authenticate(session, username="lan", password=PASSWORD, client="9.9.9.9")
    assert 0 < info.value.retry_after <= accounts.LOGIN_LIMIT.window


def test_rate_counters_are_per_window_and_expire(db: Database) -> None:
    limit = ratelimit.Limit(count=2, window=60)
    with db.write() as session:
        assert ratelimit.hit(session, "k", limit, now=1000) == 1
        assert ratelimit.hit(session, "k", limit, now=1010) == 2
        assert ratelimit.hit(session, "k", limit, now=1030) == 1  # next window starts at 1020
        with pytest.raises(RateLimited):
            ratelimit.check(session, "k", ratelimit.Limit(count=1, window=60), now=1031)
        # The 1030 hit opened a new window and cleared the expired 960 one; 2000 clears the last.
        assert ratelimit.purge_expired(session, now=2000) == 1


def test_api_keys_are_stored_only_as_hashes(db: Database) -> None:
    with db.write() as session:
        new = accounts.create_api_key(session, name="Một cửa tỉnh", scopes=["dossiers"])
    assert new.key.startswith("pk_")
    with db.read() as session:
        found = accounts.key_for(session, key=new.key)
        assert found is not None and found.key_hash == hash_api_key(new.key)
        assert new.key not in found.key_hash
        assert accounts.key_for(session, key=new.key + "x") is None


def test_using_an_api_key_records_when_and_keeps_the_record_readable(db: Database) -> None:
    with db.write() as session:
        new = accounts.create_api_key(session, name="Một cửa tỉnh", scopes=["dossiers"])
    moment = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)
    with db.write() as session:
        used = accounts.use_key(session, key=new.key, now=moment)
    assert used is not None and used.name == "Một cửa tỉnh" and used.scope_set == {"dossiers"}
    with db.read() as session:
        found = accounts.key_for(session, key=new.key)
        assert found is not None and found.last_used_at == moment


def test_unknown_and_revoked_api_keys_are_not_used(db: Database) -> None:
    with db.write() as session:
        new = accounts.create_api_key(session, name="Một cửa tỉnh", scopes=["dossiers"])
        assert accounts.use_key(session, key=new.key + "x") is None
        new.record.revoked_at = utcnow()
        assert accounts.use_key(session, key=new.key) is None
    with db.read() as session:
        assert session.exec(select(ApiKey.last_used_at)).all() == [None]


def test_api_keys_refuse_unknown_scopes(db: Database) -> None:
    with db.write() as session, pytest.raises(Invalid) as info:
        accounts.create_api_key(session, name="x", scopes=["everything"])
    assert "scopes" in info.value.fields


def test_vnd_amounts_follow_the_locale() -> None:
    assert i18n.money(99_700_000, "vi") == "99.700.000\xa0₫"
    assert i18n.money(99_700_000, "en") == "₫99,700,000"


def test_times_are_shown_in_the_post_office_zone_whatever_the_server_zone() -> None:
    moment = datetime(2026, 11, 25, 17, 5, tzinfo=UTC)  # 00:05 next day in Hà Nội
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    assert i18n.local_datetime(moment, tz, "vi") == "00:05, 26/11/2026"
    assert i18n.local_datetime(moment, tz, "en") == "00:05, 26 Nov 2026"
    assert i18n.local_date(date(2026, 11, 26), "vi") == "26/11/2026"


def test_language_comes_from_the_cookie_then_accept_language() -> None:
    assert i18n.choose(None, "en-US,en;q=0.9") == "en"
    assert i18n.choose(None, "fr-FR") == "vi"
    assert i18n.choose("en", "vi") == "en"
    assert i18n.choose("xx", None) == "vi"


def test_vietnamese_is_the_source_and_english_translates_it() -> None:
    i18n.set_locale("en")
    try:
        assert i18n.gettext("Nhập mật khẩu.") == "Enter your password."
    finally:
        i18n.set_locale("vi")
    assert i18n.gettext("Nhập mật khẩu.") == "Nhập mật khẩu."


def test_communes_come_from_the_package_for_thai_nguyen() -> None:
    communes = admin_units.communes(19)
    assert len(communes) == 92
    assert admin_units.search(19, "cho don")[0].name == "Xã Chợ Đồn"
    assert admin_units.commune(999_999) is None


def test_weekday_dates_start_with_a_capital_and_keep_the_months() -> None:
    assert i18n.weekday_date(date(2026, 11, 26), "vi") == "Thứ Năm, 26/11/2026"
    assert i18n.weekday_date(date(2026, 11, 26), "en") == "Thursday 26 Nov 2026"


def test_expired_rate_counters_are_cleared_as_new_ones_start(db: Database) -> None:
    limit = ratelimit.Limit(count=5, window=60)
    with db.write() as session:
        for i in range(10):
            ratelimit.hit(session, f"client-{i}", limit, now=1000)
        ratelimit.hit(session, "someone-later", limit, now=5000)
        assert ratelimit.total(session) == 1

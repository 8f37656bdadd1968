"""Bookings per second through the core booking function, against a raw driver loop writing the
same rows.

Each run books BENCH_BOOKINGS (default 300) pickups through `book()` below (the one place that
knows the core's booking call), then copies exactly the rows those bookings wrote (pickup,
parcels, event) into a second database with a raw loop: per booking one transaction (SQLite:
`BEGIN IMMEDIATE`, the app's pragmas) that takes the slot's room, advances the S10 counter and
inserts the rows. On SQLite always; on PostgreSQL too when BENCH_DATABASE_URL (or the test
server postgresql://postgres@127.0.0.1:5432/test) answers, in schemas made and dropped here,
against a raw psycopg loop. Figures are medians of BENCH_RUNS runs.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from bench import lib  # noqa: E402
from pwa.db import Database, migrate, normalise_url  # noqa: E402
from pwa.pickups import booking, slots  # noqa: E402
from pwa.settings import Settings  # noqa: E402

N = int(os.environ.get("BENCH_BOOKINGS", "300"))
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
TARGET = 0.3
BODY = lib.BOOKING


def book(database: Database, settings: Settings, body: dict[str, Any], key: str) -> None:
    """The core's booking call (update here if its signature changes)."""
    booking.submit(database, settings, body, device_key=None, idempotency_key=key, client=None)


def open_shifts(database: Database, settings: Settings) -> list[tuple[str, str]]:
    """Every shift of the next two weeks that takes bookings now."""
    today = slots.today(settings)
    with database.read() as session:
        return [
            (day.isoformat(), shift)
            for day in (today + timedelta(days=d) for d in range(settings.pickup_days_ahead + 1))
            for shift in ("morning", "afternoon")
            if slots.why_closed(session, settings, day, shift) is None
        ]


def core_run(database: Database, settings: Settings, shifts: list[tuple[str, str]]) -> float:
    """Book N pickups through the core; bookings per second."""
    prefix = secrets.token_hex(4)
    start = time.perf_counter()
    for i in range(N):
        day, shift = shifts[i % len(shifts)]
        book(database, settings, {**BODY, "date": day, "shift": shift}, f"{prefix}-{i}")
    return N / (time.perf_counter() - start)


# --- the raw loops -------------------------------------------------------------------------

Booked = tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]  # pickup, parcels, events


class Raw:
    """A DB-API connection to one database, with its dialect's placeholders and transaction start."""

    def __init__(self, connection: Any, mark: str, begin: str) -> None:
        self.connection, self.mark, self.begin = connection, mark, begin

    def commit(self) -> None:
        """End the transaction (SQLite in autocommit mode: by hand, as it was begun)."""
        if self.begin:
            self.connection.execute("COMMIT")
        else:
            self.connection.commit()

    def rollback(self) -> None:
        """End a reading transaction."""
        if not self.begin:
            self.connection.rollback()

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        cur = self.connection.cursor()
        cur.execute(sql.replace("?", self.mark), params)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def booked_after(self, last_id: int) -> list[Booked]:
        """What the core wrote for each booking after pickup id `last_id`."""
        found = []
        for pickup in self.rows("SELECT * FROM pickup WHERE id > ? ORDER BY id", (last_id,)):
            parcels = self.rows("SELECT * FROM pickup_parcel WHERE pickup_id = ?", (pickup["id"],))
            events = self.rows("SELECT * FROM pickup_event WHERE pickup_id = ?", (pickup["id"],))
            found.append((pickup, parcels, events))
        self.rollback()
        return found

    def insert(self, cur: Any, table: str, row: dict[str, Any], returning: bool = False) -> Any:
        values = {k: v for k, v in row.items() if k != "id"}
        sql = f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join([self.mark] * len(values))})"
        cur.execute(sql + (" RETURNING id" if returning else ""), tuple(values.values()))
        return cur.fetchone()[0] if returning else None

    def write(self, items: list[Booked]) -> float:
        """One transaction per booking: room in the slot, the S10 serial, the rows. Bookings/second."""
        start = time.perf_counter()
        for pickup, parcels, events in items:
            cur = self.connection.cursor()
            if self.begin:
                cur.execute(self.begin)
            m = self.mark
            cur.execute(f"UPDATE pickup_slot SET booked = booked + 1 WHERE id = {m} AND booked + 1 <= capacity",
                        (pickup["slot_id"],))  # fmt: skip
            cur.execute(f"UPDATE counter SET value = value + {m} WHERE name = {m} RETURNING value",
                        (len(parcels), "s10:raw"))  # fmt: skip
            cur.fetchone()
            new_id = self.insert(cur, "pickup", pickup, returning=True)
            for row in parcels + events:
                self.insert(
                    cur, "pickup_parcel" if "tracking_number" in row else "pickup_event", {**row, "pickup_id": new_id}
                )
            self.commit()
        return len(items) / (time.perf_counter() - start)


def compare(core: Database, settings: Settings, raw: Raw, source: Raw) -> tuple[list[float], list[float]]:
    """Core runs and raw runs in turn; the raw database gets the core's slots and a counter first."""
    shifts = open_shifts(core, settings)
    core_rates, raw_rates, last = [], [], 0
    for _ in range(lib.runs()):
        core_rates.append(core_run(core, settings, shifts))
        items = source.booked_after(last)
        last = max(p["id"] for p, _pa, _e in items)
        copy_slots(source, raw)
        raw_rates.append(raw.write(items))
        written = raw.rows("SELECT count(*) AS n FROM pickup")[0]["n"]
        raw.rollback()
        assert written == N * len(raw_rates), f"the raw loop wrote {written} pickups, not {N * len(raw_rates)}"
    return core_rates, raw_rates


def copy_slots(source: Raw, raw: Raw) -> None:
    """The raw database gets the core's slot rows it lacks (room untouched) and an S10 counter."""
    have = {row["id"] for row in raw.rows("SELECT id FROM pickup_slot")}
    if raw.begin:
        raw.connection.cursor().execute(raw.begin)
    cur = raw.connection.cursor()
    for slot in source.rows("SELECT * FROM pickup_slot"):
        if slot["id"] not in have:
            marks = ", ".join([raw.mark] * len(slot))
            cur.execute(
                f"INSERT INTO pickup_slot ({', '.join(slot)}) VALUES ({marks})", tuple({**slot, "booked": 0}.values())
            )
    if not raw.rows("SELECT name FROM counter WHERE name = 's10:raw'"):
        cur.execute("INSERT INTO counter (name, value) VALUES ('s10:raw', 0)")
    raw.commit()
    source.rollback()


# --- SQLite and PostgreSQL -----------------------------------------------------------------


def sqlite_raw(path: Path) -> Raw:
    """sqlite3 on `path` with the app's pragmas; transactions begun by hand (BEGIN IMMEDIATE)."""
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "busy_timeout=30000", "foreign_keys=ON", "synchronous=NORMAL"):
        connection.execute(f"PRAGMA {pragma}")
    return Raw(connection, "?", "BEGIN IMMEDIATE")


def on_sqlite(folder: Path) -> tuple[list[float], list[float]]:
    core_url, raw_path = f"sqlite:///{folder / 'core.sqlite3'}", folder / "raw.sqlite3"
    settings = Settings(instance_dir=folder / "instance", database_url=core_url, pickup_capacity=10**6).prepared()
    core, raw_db = Database(core_url), Database(f"sqlite:///{raw_path}")
    migrate(core)
    migrate(raw_db)
    raw_db.dispose()
    source = Raw(sqlite3.connect(folder / "core.sqlite3"), "?", "")
    try:
        return compare(core, settings, sqlite_raw(raw_path), source)
    finally:
        core.dispose()


@contextmanager
def pg_schemas(base: str) -> Iterator[tuple[str, str]]:
    """Two fresh schemas (core, raw) on the server at `base`, dropped afterwards."""
    engine = create_engine(normalise_url(base), connect_args={"connect_timeout": 5})
    names = (f"bench_core_{secrets.token_hex(4)}", f"bench_raw_{secrets.token_hex(4)}")
    with engine.begin() as conn:
        for name in names:
            conn.execute(text(f'CREATE SCHEMA "{name}"'))
    try:
        yield names
    finally:
        with engine.begin() as conn:
            for name in names:
                conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        engine.dispose()


def on_postgres(folder: Path, base: str) -> tuple[list[float], list[float]]:
    import psycopg

    def url(schema: str) -> str:
        return f"{normalise_url(base)}?options=-csearch_path%3D{schema}"

    def raw_connection(schema: str) -> Raw:
        plain = base.replace("postgresql+psycopg://", "postgresql://")
        return Raw(psycopg.connect(plain, options=f"-csearch_path={schema}"), "%s", "")

    with pg_schemas(base) as (core_schema, raw_schema):
        settings = Settings(instance_dir=folder / "instance-pg", database_url=url(core_schema), pickup_capacity=10**6)
        settings = settings.prepared()
        core, raw_db = Database(url(core_schema)), Database(url(raw_schema))
        migrate(core)
        migrate(raw_db)
        raw_db.dispose()
        source, raw = raw_connection(core_schema), raw_connection(raw_schema)
        try:
            return compare(core, settings, raw, source)
        finally:
            core.dispose()
            source.connection.close()
            raw.connection.close()


def reachable(url: str) -> bool:
    engine = create_engine(normalise_url(url), connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar() == 1
    except Exception:
        return False
    finally:
        engine.dispose()


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-writes-"))
    rows, notes = [], []
    runs: list[tuple[str, Callable[[], tuple[list[float], list[float]]]]] = [("SQLite", lambda: on_sqlite(folder))]
    if reachable(PG_URL):
        runs.append(("PostgreSQL", lambda: on_postgres(folder, PG_URL)))
    else:
        notes.append(f"PostgreSQL skipped: nothing answers at {PG_URL} (set BENCH_DATABASE_URL).")
    for name, run in runs:
        core_rates, raw_rates = run()
        core, raw = lib.median(core_rates), lib.median(raw_rates)
        ratio = core / raw
        verdict = "met" if ratio >= TARGET else "**missed**"
        rows.append([name, f"{core:,.0f}", f"{raw:,.0f}", f"{ratio:.2f}× (≥ {TARGET}×) {verdict}"])
        print(f"{name}: core {core:,.0f}/s, raw {raw:,.0f}/s -> {ratio:.2f}", flush=True)
    lines = [
        "## Writes: bookings through the core against a raw driver loop",
        "",
        f"{N} bookings per run through `pwa.pickups.booking.submit` (no client address: the demo loader's "
        "call, without the per-client throttle), then the same rows written by a raw loop "
        "(one transaction per booking: slot room, S10 counter, pickup, parcel, event), medians of "
        f"{lib.runs()} runs. The API `POST` figure is in the pages table.",
        "",
        lib.table(["database", "core bookings/s", "raw loop bookings/s", "ratio"], rows),
    ]
    lib.write_section("writes", "\n".join(lines + ([""] + [f"- {n}" for n in notes] if notes else [])))


if __name__ == "__main__":
    main()

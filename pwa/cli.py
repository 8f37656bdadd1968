"""The `pwa` command: serve, migrate, demo data, staff accounts, API keys."""

from __future__ import annotations

import argparse
import getpass
import os
import subprocess
import sys
from collections.abc import Sequence

from pwa.db import Database, migrate
from pwa.errors import AppError
from pwa.models.accounts import ROLES, SCOPES
from pwa.settings import MIGRATED_BY_SERVE, Settings

# Each command imports what it uses when it runs: a delivery worker (`pwa worker`, two beside
# every `pwa serve`) then loads neither the accounts' password hashing nor the dossier rules.
DOSSIER_COLUMNS = "code,procedure,agency,applicant_name,phone,received_at,due_date,channel"


def _database() -> Database:
    return _open(Settings.from_env())


def _open(settings: Settings) -> Database:
    return Database(settings.database_url, wait=settings.db_wait_seconds)


def cmd_serve(args: argparse.Namespace) -> int:
    """Migrate, then serve with uvicorn (several worker processes if asked)."""
    import uvicorn

    from pwa.logs import uvicorn_log_config
    from pwa.ops.multiproc import metrics_folder
    from pwa.push.supervise import WorkerProcesses

    # Migrate in a child process: the server and its workers then never load Alembic (~11 MB each).
    subprocess.run([sys.executable, "-m", "pwa.cli", "migrate"], check=True, stdout=subprocess.DEVNULL)
    os.environ[MIGRATED_BY_SERVE] = "1"
    settings = Settings.from_env()
    # Push delivery runs beside the pages unless turned off (PWA_PUSH_WORKER=0): started here,
    # once, however many web processes uvicorn runs.
    delivery = WorkerProcesses(settings) if settings.push_worker else None
    if delivery:
        delivery.start()
    try:
        with metrics_folder():  # each web process counts into it; /metrics adds them all up
            uvicorn.run(
                "pwa.app:factory",
                factory=True,
                host=args.host,
                port=args.port,
                workers=args.workers,
                # A web process busy with a burst of requests answers uvicorn's check late; 5 s (its default)
                # made it kill and restart healthy processes over and over under load.
                timeout_worker_healthcheck=30,
                # The app reads X-Forwarded-* itself, from PWA_TRUSTED_PROXIES only (uvicorn's would trust
                # loopback), and logs each request itself (pwa.access, one JSON line) instead of uvicorn.
                proxy_headers=False,
                access_log=False,
                log_level="info",
                log_config=uvicorn_log_config(),
            )
    finally:
        if delivery:
            delivery.stop()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """Deliver push notifications until stopped (SIGTERM/SIGINT finish the current round)."""
    from pwa.push import supervise  # imported here: the other commands need none of it

    return supervise.run(once=args.once, nice=args.nice, parent=args.parent)


def cmd_migrate(_args: argparse.Namespace) -> int:
    """Apply every pending migration."""
    migrate(_database())
    print("database is up to date")
    return 0


def cmd_demo(_args: argparse.Namespace) -> int:
    """Load the demo data (safe to run again)."""
    from pwa import demo  # imported here: the workers `pwa serve` starts need none of it

    database = _database()
    migrate(database)
    for line in demo.load(database, Settings.from_env()):
        print(line)
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise SystemExit("passwords do not match")
    return first


def cmd_create_staff(args: argparse.Namespace) -> int:
    """Create a staff account; the password never appears on the command line."""
    from pwa import accounts

    password = _read_password(args.password_stdin)
    database = _database()
    with database.write() as session:
        user = accounts.create_staff(session, username=args.username, password=password, role=args.role)
        print(f"created {user.role} account {user.username}")
    return 0


def cmd_create_api_key(args: argparse.Namespace) -> int:
    """Create an API key and print it once, alone on the last line."""
    from pwa import accounts

    scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]
    database = _database()
    with database.write() as session:
        new = accounts.create_api_key(session, name=args.name, scopes=scopes)
        print(f"API key '{new.record.name}' (scopes: {new.record.scopes}); shown only now, store it safely:")
        print(new.key)
    return 0


def cmd_import_dossiers(args: argparse.Namespace) -> int:
    """Import dossiers from a CSV file: all rows or none (or, with --keep-good, the good ones)."""
    from pwa.dossiers import importer

    settings = Settings.from_env()
    try:
        with open(args.file, "rb") as fh:
            text = importer.decode(fh.read())
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 1
    database = _open(settings)
    with database.write() as session:
        report = importer.run(session, text, settings.tz, actor="cli:import-dossiers", keep_good=args.keep_good)
    for bad in report.bad:
        print(bad.describe(), file=sys.stderr)
    if report.bad and (not args.keep_good or not report.imported):
        print(f"{len(report.bad)} bad rows: nothing imported", file=sys.stderr)
        return 1
    print(f"imported {report.imported} dossiers" + (f", skipped {len(report.bad)} bad rows" if report.bad else ""))
    return 0


def cmd_import_offices(args: argparse.Namespace) -> int:
    """Import places (or, with `days`, payment days) from a CSV file: all rows or none."""
    from pwa import audit
    from pwa.dossiers.importer import decode
    from pwa.offices import importer

    settings = Settings.from_env()
    try:
        with open(args.file, "rb") as fh:
            text = decode(fh.read())
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 1
    use_case = importer.import_payment_days if args.days else importer.import_offices
    actor = audit.actor(system="import-payment-days" if args.days else "import-offices")
    result = use_case(_open(settings), settings, text, actor=actor)
    for bad in result.bad:
        print(bad.describe(), file=sys.stderr)
    if result.bad:
        print(f"{len(result.bad)} bad rows: nothing imported", file=sys.stderr)
        return 1
    print(f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """A consistent copy of the live SQLite database (the app may keep running)."""
    from pathlib import Path

    from pwa.backup import BackupError, backup

    try:
        made = backup(Settings.from_env().database_url, Path(args.dest))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"backed up {made.pages} pages ({made.size} bytes) to {made.path}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Replace the SQLite database with a backup; refused while the app has it open, unless --force."""
    from pathlib import Path

    from pwa.backup import BackupError, restore

    try:
        made = restore(Settings.from_env().database_url, Path(args.src), force=args.force)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"restored {made.pages} pages into {made.path}; `pwa migrate` (or `pwa serve`) brings it up to date")
    return 0


def parser() -> argparse.ArgumentParser:
    """The command-line grammar."""
    root = argparse.ArgumentParser(prog="pwa", description="Bắc Kạn post office web app")
    sub = root.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate the database, then serve the app")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=cmd_serve)
    worker = sub.add_parser("worker", help="deliver push notifications (also runs inside `serve`)")
    worker.add_argument("--once", action="store_true", help="send what is due, then exit")
    worker.add_argument("--nice", type=int, default=0, help="lower this process's CPU priority by N (0-19)")
    worker.add_argument("--parent", type=int, metavar="PID", help="stop when process PID (the parent) has ended")
    worker.set_defaults(func=cmd_worker)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    sub.add_parser("demo", help="load demo data (idempotent)").set_defaults(func=cmd_demo)
    staff = sub.add_parser("create-staff", help="create a staff account")
    staff.add_argument("--username", required=True)
    staff.add_argument("--role", choices=ROLES, default="staff")
    staff.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    staff.set_defaults(func=cmd_create_staff)
    key = sub.add_parser("create-api-key", help="create an API key for a partner system")
    key.add_argument("--name", required=True)
    key.add_argument("--scopes", required=True, help=f"comma-separated: {','.join(SCOPES)}")
    key.set_defaults(func=cmd_create_api_key)
    dossiers = sub.add_parser("import-dossiers", help="import dossiers from a UTF-8 CSV file (all or nothing)")
    dossiers.add_argument("file", help="CSV with a header row: " + DOSSIER_COLUMNS)
    dossiers.add_argument("--keep-good", action="store_true", help="import the good rows even if some are bad")
    dossiers.set_defaults(func=cmd_import_dossiers)
    offices = sub.add_parser("import-offices", help="import places from a UTF-8 CSV file (all or nothing)")
    offices.add_argument("file", help="CSV: code,name,kind,ward_code,address,phone,lat,lon,opening_hours,services")
    offices.set_defaults(func=cmd_import_offices, days=False)
    days = sub.add_parser("import-payment-days", help="import payment days from a UTF-8 CSV file (all or nothing)")
    days.add_argument("file", help="CSV: office_code,kind,date,opens,closes")
    days.set_defaults(func=cmd_import_offices, days=True)
    save = sub.add_parser("backup", help="copy the live SQLite database to DEST (a new file or a folder)")
    save.add_argument("dest")
    save.set_defaults(func=cmd_backup)
    back = sub.add_parser("restore", help="replace the SQLite database with the backup SRC")
    back.add_argument("src")
    back.add_argument("--force", action="store_true", help="restore even though a process has the database open")
    back.set_defaults(func=cmd_restore)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; user errors end with a message and exit status 1."""
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except AppError as exc:
        details = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        print(f"error: {exc.message}" + (f" ({details})" if details else ""), file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())

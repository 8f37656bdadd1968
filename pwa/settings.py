"""Settings read from the environment, and the instance folder they live beside."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT_DIR = Path(__file__).resolve().parent.parent


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


# Set by `pwa serve` for the processes it starts, once it has brought the schema up to date itself.
MIGRATED_BY_SERVE = "PWA_MIGRATED_BY_SERVE"


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to know about where and how it runs."""

    instance_dir: Path = field(default_factory=lambda: Path("instance").resolve())
    database_url: str = ""
    base_url: str = "http://127.0.0.1:8000"
    debug: bool = False
    secret_key: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"
    province_code: int = 19
    office_name: str = ""  # empty: the translated default name is shown
    office_phone: str = ""
    max_body_bytes: int = 1_048_576
    session_max_age: int = 12 * 3600
    run_migrations_check: bool = True
    web_threads: int = 8  # threads for blocking work (database calls) per web process
    # The longest any request waits for the database (a lock held by another process, a connection)
    # before answering 503 "try again in a moment" (pwa/db.py, pwa/outage.py).
    db_wait_seconds: float = 5.0
    # Failed dossier lookups allowed per client address and per dossier code, each per window (seconds).
    dossier_lookups_per_client: int = 10
    dossier_lookup_client_window: int = 600
    dossier_lookups_per_code: int = 5
    dossier_lookup_code_window: int = 3600
    vapid_subject: str = ""  # mailto: or https: contact for push services; see push.vapid.subject()
    vapid_private_key: str = ""  # base64url raw P-256 key; empty: generated into the instance folder
    push_worker: bool = False  # `pwa serve` starts delivery workers beside the web server (from_env: on)
    push_workers: int = 1  # how many; from_env: one per core, at most 4
    push_poll_seconds: float = 1.0  # an idle worker looks this often even if not woken (pwa/push/wake.py)
    push_concurrency: int = 256  # each push waits a round trip (~40 ms): 256 in flight ≈ 6,000/s of headroom
    push_timeout: float = 10.0
    push_lease_seconds: int = 60  # a claimed delivery returns to the queue after this if its worker died
    office_code: str = "BK"  # the office whose pickup slots the app books
    pickup_capacity: int = 20  # pickups per shift when staff have not set a number
    pickup_closed_weekdays: tuple[int, ...] = (6,)  # Monday = 0; Sunday closed
    pickup_cutoff_morning: str = "20:00"  # the day before a morning shift
    pickup_cutoff_afternoon: str = "11:00"  # the day of an afternoon shift
    pickup_days_ahead: int = 14
    availability_seconds: float = (
        0.0  # how long open shifts are kept between reads (from_env: 2; pwa/pickups/availability.py)
    )
    reminder_eve_at: str = "18:00"  # payment day reminders: the evening before, local time
    reminder_day_at: str = "06:30"  # and the morning of the day itself
    tariff_path: Path = field(default_factory=lambda: ROOT_DIR / "data" / "tariff.sample.json")
    # Operations (docs/operations.md): proxies whose X-Forwarded-For/-Proto are believed (IPs or networks;
    # none by default), the bearer token of GET /metrics (empty: no metrics), and how late a due push
    # may wait in the outbox before /readyz says the delivery workers are stuck.
    trusted_proxies: tuple[str, ...] = ()
    metrics_token: str = ""
    ready_outbox_seconds: int = 300

    @property
    def tz(self) -> ZoneInfo:
        """The post office's time zone: 'today' and cut-offs follow it."""
        return ZoneInfo(self.timezone)

    @property
    def https(self) -> bool:
        """True when the public address is https, so cookies get `Secure`."""
        return self.base_url.startswith("https://")

    @property
    def cookie_prefix(self) -> str:
        """`__Host-` over https: the browser then takes the cookie only from this host, Secure, Path=/."""
        return "__Host-" if self.https else ""

    @property
    def root_dir(self) -> Path:
        """The project folder: templates, static files, migrations."""
        return ROOT_DIR

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some fields changed (tests use this)."""
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read settings from environment variables (see README)."""
        env = dict(os.environ if env is None else env)
        instance = Path(env.get("PWA_INSTANCE_DIR", "instance")).resolve()
        settings = cls(
            instance_dir=instance,
            database_url=env.get("DATABASE_URL", ""),
            base_url=env.get("PWA_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            debug=_flag(env.get("PWA_DEBUG")),
            run_migrations_check=not _flag(env.get(MIGRATED_BY_SERVE)),
            secret_key=env.get("PWA_SECRET_KEY", ""),
            timezone=env.get("PWA_TIMEZONE", "Asia/Ho_Chi_Minh"),
            office_phone=env.get("PWA_OFFICE_PHONE", ""),
            office_name=env.get("PWA_OFFICE_NAME", ""),
            max_body_bytes=int(env.get("PWA_MAX_BODY_BYTES", "1048576")),
            web_threads=int(env.get("PWA_WEB_THREADS", "8")),
            db_wait_seconds=float(env.get("PWA_DB_WAIT_SECONDS", "5")),
            dossier_lookups_per_client=int(env.get("PWA_DOSSIER_LOOKUPS_PER_CLIENT", "10")),
            dossier_lookup_client_window=int(env.get("PWA_DOSSIER_LOOKUP_CLIENT_WINDOW", "600")),
            dossier_lookups_per_code=int(env.get("PWA_DOSSIER_LOOKUPS_PER_CODE", "5")),
            dossier_lookup_code_window=int(env.get("PWA_DOSSIER_LOOKUP_CODE_WINDOW", "3600")),
            vapid_subject=env.get("PWA_VAPID_SUBJECT", "").strip(),
            vapid_private_key=env.get("PWA_VAPID_PRIVATE_KEY", "").strip(),
            push_worker=_flag(env.get("PWA_PUSH_WORKER", "1")),
            push_workers=int(env.get("PWA_PUSH_WORKERS", str(default_push_workers()))),
            push_poll_seconds=float(env.get("PWA_PUSH_POLL_SECONDS", "1")),
            push_concurrency=int(env.get("PWA_PUSH_CONCURRENCY", "256")),
            push_timeout=float(env.get("PWA_PUSH_TIMEOUT", "10")),
            push_lease_seconds=int(env.get("PWA_PUSH_LEASE_SECONDS", "60")),
            pickup_capacity=int(env.get("PWA_PICKUP_CAPACITY", "20")),
            availability_seconds=float(env.get("PWA_AVAILABILITY_SECONDS", "2")),
            pickup_closed_weekdays=_weekdays(env.get("PWA_PICKUP_CLOSED_WEEKDAYS", "6")),
            pickup_cutoff_morning=env.get("PWA_PICKUP_CUTOFF_MORNING", "20:00"),
            pickup_cutoff_afternoon=env.get("PWA_PICKUP_CUTOFF_AFTERNOON", "11:00"),
            reminder_eve_at=env.get("PWA_REMINDER_EVE_AT", "18:00"),
            reminder_day_at=env.get("PWA_REMINDER_DAY_AT", "06:30"),
            tariff_path=Path(env.get("PWA_TARIFF_PATH", str(ROOT_DIR / "data" / "tariff.sample.json"))),
            trusted_proxies=trusted_networks(env.get("PWA_TRUSTED_PROXIES", "")),
            metrics_token=env.get("PWA_METRICS_TOKEN", "").strip(),
            ready_outbox_seconds=int(env.get("PWA_READY_OUTBOX_SECONDS", "300")),
        )
        return settings.prepared()

    def prepared(self) -> Settings:
        """Create the instance folder and fill in the database URL and secret key."""
        ensure_private_dir(self.instance_dir)
        url = self.database_url or f"sqlite:///{self.instance_dir / 'pwa.sqlite3'}"
        key = self.secret_key or read_or_create_secret(self.instance_dir / "secret_key")
        return replace(self, database_url=url, secret_key=key)


def default_push_workers() -> int:
    """One delivery worker per core this process may use, at most four: niced, they only take
    what the pages leave."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(4, cores))


def trusted_networks(value: str) -> tuple[str, ...]:
    """`10.0.0.5, 192.168.1.0/24` → each checked as an IP address or network; ValueError names a bad one.

    Strict on purpose: a typo must not silently trust nobody (or, worse, somebody else).
    """
    found = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        try:
            found.append(
                str(ipaddress.ip_network(part, strict=False)) if "/" in part else str(ipaddress.ip_address(part))
            )
        except ValueError:
            raise ValueError(f"PWA_TRUSTED_PROXIES: {part!r} is not an IP address or network") from None
    return tuple(found)


def _weekdays(value: str) -> tuple[int, ...]:
    """`5,6` → (5, 6): weekdays with no pickups (Monday = 0)."""
    parts = (part.strip() for part in value.split(","))
    return tuple(sorted({int(part) for part in parts if part.isascii() and part.isdigit() and int(part) < 7}))


def ensure_private_dir(path: Path) -> None:
    """Create a folder readable by its owner only."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)


def write_private_file(path: Path, content: str) -> None:
    """Create `path` with 0600 permissions (never briefly world-readable), whole or not at all.

    The content goes into a temporary file first, which is then linked in place: processes
    starting together (pwa serve's workers on a fresh install) never read a half-written file.
    Raises FileExistsError if `path` exists, as `open(..., "x")` would.
    """
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.link(temporary, path)
    finally:
        temporary.unlink()


def read_or_create_secret(path: Path) -> str:
    """Return the secret stored at `path`, generating it on first start."""
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            write_private_file(path, secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip()

"""Several processes, one truth: two web processes and two delivery workers over one PostgreSQL.

Each process gets its own instance folder, as if on its own host: what they must share comes
from the environment (secret key, VAPID key) or the database (rate limits, bookings, the
outbox), never from a file or memory of one of them. The database is a fresh schema of its own.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from pwa import accounts
from pwa.db import Database
from pwa.push.vapid import _new_raw_key
from pwa.settings import Settings
from tests.conftest import PG_ENV, migrated_database
from tests.factories import booking_body, delivery_statuses, make_device, open_day, set_capacity, subscribe
from tests.fakepush import FakePushService
from tests.live import LiveServer
from tests.processes import call_json, sent_in, wait_until

pytestmark = pytest.mark.skipif(
    not os.environ.get(PG_ENV),
    reason=f"needs PostgreSQL ({PG_ENV}): several processes and hosts share one database server, not one SQLite file",
)
DEVICES = 1000


@dataclass
class Cluster:
    """Two `pwa serve` processes and two `pwa worker` processes on one database."""

    db: Database
    settings: Settings
    apps: list[LiveServer]
    workers: list[subprocess.Popen[bytes]]
    worker_logs: list[Path]
    push: FakePushService
    start_worker: Callable[[int], None]


def _env(url: str, folder: Path, name: str) -> dict[str, str]:
    return {
        "DATABASE_URL": url,
        "PWA_INSTANCE_DIR": str(folder / name),  # one each, as on separate hosts
        "PWA_SECRET_KEY": "scale-test-" + "s" * 40,
        "PWA_VAPID_PRIVATE_KEY": VAPID_KEY,
        "PWA_VAPID_SUBJECT": "mailto:ops@example.com",
        "PWA_PUSH_WORKER": "0",
        "PWA_DOSSIER_LOOKUPS_PER_CLIENT": "4",
        "PWA_PUSH_LEASE_SECONDS": "4",
        "PWA_PUSH_CONCURRENCY": "16",
        "PWA_PUSH_POLL_SECONDS": "0.2",
    }


VAPID_KEY = _new_raw_key()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp("scale")
    with migrated_database(folder) as url, FakePushService() as push:
        db = Database(url)
        settings = Settings(instance_dir=folder / "tests", database_url=url, secret_key="x" * 40).prepared()
        workers: list[subprocess.Popen[bytes]] = []
        logs: list[Path] = []

        def start_worker(number: int) -> None:
            log = folder / f"worker{number}.log"
            env = {**os.environ, **_env(url, folder, f"worker{number}")}
            with log.open("ab") as sink:
                workers.append(subprocess.Popen([sys.executable, "-m", "pwa.cli", "worker"], env=env, stderr=sink))
            logs.append(log)

        with LiveServer(_env(url, folder, "web1")) as one, LiveServer(_env(url, folder, "web2")) as two:
            for number in (1, 2):
                start_worker(number)
            try:
                yield Cluster(db, settings, [one, two], workers, logs, push, start_worker)
            finally:
                for worker in workers:
                    worker.terminate()
                for worker in workers:
                    worker.wait(10)
                db.dispose()


def test_a_booking_race_across_both_processes_never_overbooks(cluster: Cluster) -> None:
    day = open_day(cluster.settings)
    set_capacity(cluster.db, cluster.settings, day, "morning", 5)
    statuses: list[int] = []
    barrier = threading.Barrier(24)

    def book(i: int) -> None:
        url = f"{cluster.apps[i % 2].url}/api/v1/pickups"
        body = booking_body(cluster.settings, name=f"Khách {i}", date=day.isoformat())
        barrier.wait()
        statuses.append(call_json(url, body)[0])

    threads = [threading.Thread(target=book, args=(i,)) for i in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] * 5 + [409] * 19
    with cluster.db.read() as session:
        booked = session.execute(text("SELECT count(*) FROM pickup WHERE day = :day"), {"day": day}).scalar()
    assert booked == 5


def test_the_lookup_limit_counts_across_both_processes(cluster: Cluster) -> None:
    # Four failed lookups per client are allowed (PWA_DOSSIER_LOOKUPS_PER_CLIENT), wherever they land.
    answers = [call_json(f"{cluster.apps[i % 2].url}/api/v1/dossiers/H19.NOPE-{i}?secret=1234")[0] for i in range(6)]
    assert answers == [404, 404, 404, 404, 429, 429]


def _announce(cluster: Cluster, title: str) -> None:
    with cluster.db.write() as session:
        key = accounts.create_api_key(session, name=f"office {title}", scopes=["notices"]).key
    body = {"title": title, "body": "Chi trả lương hưu ngày mai tại bưu điện xã."}
    assert call_json(f"{cluster.apps[0].url}/api/v1/notices", body, {"Authorization": f"Bearer {key}"})[0] == 201


def _received(push: FakePushService, title: str) -> Counter[str]:
    with push._lock:
        return Counter(r.sub_id for r in push.received if r.payload["notification"]["title"] == title)


@pytest.fixture(scope="module")
def followers(cluster: Cluster) -> list[str]:
    """DEVICES devices following the news, each with a subscription at the fake push service."""
    subs = []
    for i in range(DEVICES):
        sub = cluster.push.subscribe()
        make_device(cluster.db, f"device{i:05d}", topics=("news",))
        subscribe(cluster.db, f"device{i:05d}", sub.as_json())
        subs.append(sub.sub_id)
    return subs


def test_an_announcement_reaches_each_device_exactly_once_with_both_workers(
    cluster: Cluster, followers: list[str]
) -> None:
    cluster.push.delay = 0.01
    _announce(cluster, "Một lần")
    wait_until(lambda: sum(_received(cluster.push, "Một lần").values()) >= DEVICES, 120, "the announcement")
    time.sleep(1)  # anything sent twice would arrive by now
    got = _received(cluster.push, "Một lần")
    assert set(got) == set(followers) and set(got.values()) == {1}
    assert delivery_statuses(cluster.db) == {"sent": DEVICES}
    assert all(sent_in(log.read_text(errors="replace")) > 0 for log in cluster.worker_logs), "both workers took part"


def test_killing_a_worker_mid_run_loses_nothing(cluster: Cluster, followers: list[str]) -> None:
    cluster.push.delay = 0.05  # slow enough that the kill lands mid-run
    _announce(cluster, "Không mất")
    wait_until(lambda: sum(_received(cluster.push, "Không mất").values()) >= DEVICES // 5, 60, "the first pushes")
    victim = cluster.workers[0]
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    wait_until(lambda: set(_received(cluster.push, "Không mất")) == set(followers), 120, "every device")
    wait_until(lambda: delivery_statuses(cluster.db).get("queued", 0) == 0, 30, "the outbox to empty")
    assert delivery_statuses(cluster.db) == {"sent": 2 * DEVICES}
    cluster.start_worker(3)  # the cluster's other tests keep two workers

"""The worker as its own process: killed mid fan-out it loses nothing; two workers never double-send."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pwa import notify
from pwa.db import Database
from pwa.push.supervise import WorkerProcesses
from pwa.settings import Settings
from tests.factories import delivery_statuses, make_device, subscribe
from tests.fakepush import FakePushService, FakeSubscription


@pytest.fixture()
def db(isolated_db: Database) -> Database:
    """Its own database: the live server's push worker (browser tests) must not send these."""
    return isolated_db


def start_worker(settings: Settings, lease: int, *, logs: bool = False) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "PWA_INSTANCE_DIR": str(settings.instance_dir),
        "PWA_PUSH_LEASE_SECONDS": str(lease),
        "PWA_PUSH_CONCURRENCY": "8",
    }
    cmd = [sys.executable, "-m", "pwa.cli", "worker"]
    stderr = subprocess.PIPE if logs else subprocess.DEVNULL
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=stderr)


def fan_out(db: Database, push: FakePushService, n: int) -> list[FakeSubscription]:
    subs = []
    for i in range(n):
        key = make_device(db, f"d{i:04d}", topics=("news",))
        sub = push.subscribe()
        subscribe(db, key, sub.as_json())
        subs.append(sub)
    message = notify.Message(topic="news", kind="notice", tag="n", url="/", text=lambda: ("Tin mới", "Nội dung"))
    with db.write() as session:
        notify.broadcast(session, message)
    return subs


def wait_for(condition: object, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_worker_killed_mid_fan_out_loses_no_message(db: Database, settings: Settings, push: FakePushService) -> None:
    subs = fan_out(db, push, 120)
    push.delay = 0.25  # 120 messages, 8 at a time: a window of seconds to kill it in, even on a busy machine
    first = start_worker(settings, lease=2)
    wait_for(lambda: len(push.received) >= 10)
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert delivery_statuses(db).get("queued", 0) > 0  # it really died half-way
    push.delay = 0
    second = start_worker(settings, lease=2)
    try:
        wait_for(lambda: delivery_statuses(db) == {"sent": 120})
    finally:
        stop(second)
    assert all(push.received_by(sub) for sub in subs)
    assert push.rejected == []


def test_two_workers_never_send_a_message_twice(db: Database, settings: Settings, push: FakePushService) -> None:
    """What `pwa serve` starts on a two-core machine, on either database."""
    subs = fan_out(db, push, 300)
    push.delay = 0.01
    workers = WorkerProcesses(settings.with_overrides(push_concurrency=8), count=2)
    workers.start()
    try:
        wait_for(lambda: delivery_statuses(db) == {"sent": 300})
        assert all(p.poll() is None for p in workers._processes)  # both were running throughout
    finally:
        workers.stop()
    assert sorted(len(push.received_by(sub)) for sub in subs) == [1] * 300
    assert len(push.attempts) == 300 and all(len(a) == 1 for a in push.attempts.values())


def test_a_worker_whose_server_was_killed_stops(settings: Settings, db: Database) -> None:
    """`pwa serve` killed outright (SIGKILL) cannot stop its workers: they notice and stop."""
    env = {**os.environ, "DATABASE_URL": settings.database_url, "PWA_INSTANCE_DIR": str(settings.instance_dir)}
    # A stand-in for `pwa serve`: starts a worker, prints its pid, then waits to be killed.
    parent_code = (
        "import os, subprocess, sys, time\n"
        "cmd = [sys.executable, '-m', 'pwa.cli', 'worker', '--parent', str(os.getpid())]\n"
        "child = subprocess.Popen(cmd)\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", parent_code], env=env, stdout=subprocess.PIPE)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    parent.stdout.close()

    def gone() -> bool:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return True
        with open(f"/proc/{child}/stat") as stat:  # reaped by init, or a zombie waiting to be
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"

    wait_for(gone, timeout=30)


def test_worker_process_stops_cleanly_on_sigterm(settings: Settings, db: Database) -> None:
    worker = start_worker(settings, lease=60, logs=True)
    assert worker.stderr is not None
    while b"push worker" not in (line := worker.stderr.readline()):
        assert line, "the worker exited before it started"
    stop(worker)
    worker.stderr.close()
    assert worker.returncode == 0
    assert Path(settings.instance_dir, "vapid_private_key").stat().st_mode & 0o777 == 0o600


def test_worker_can_run_niced(settings: Settings, db: Database) -> None:
    env = {**os.environ, "DATABASE_URL": settings.database_url, "PWA_INSTANCE_DIR": str(settings.instance_dir)}
    cmd = [sys.executable, "-m", "pwa.cli", "worker", "--once", "--nice", "5"]
    assert subprocess.run(cmd, env=env, capture_output=True, timeout=60).returncode == 0

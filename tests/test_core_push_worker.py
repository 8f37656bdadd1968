"""The worker as its own process: killed mid fan-out it loses nothing; two workers never double-send."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import insert

from pwa import notify
from pwa.db import Database
from pwa.models import Device, DeviceTopic, PushSubscription, utcnow
from pwa.push import subscriptions
from pwa.push.deliveries import BATCH
from pwa.settings import Settings
from tests.factories import delivery_statuses
from tests.fakepush import FakePushService, FakeSubscription
from tests.processes import sent_in


@pytest.fixture()
def db(isolated_db: Database) -> Database:
    """Its own database: the live server's push worker (browser tests) must not send these."""
    return isolated_db


def start_worker(
    settings: Settings, lease: int, *, logs: bool = False, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """A `pwa worker` process; its log piped (`logs`), or written to the file `log`."""
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "PWA_INSTANCE_DIR": str(settings.instance_dir),
        "PWA_PUSH_LEASE_SECONDS": str(lease),
        "PWA_PUSH_CONCURRENCY": "8",
    }
    cmd = [sys.executable, "-m", "pwa.cli", "worker"]
    if log is not None:
        with log.open("ab") as sink:
            return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=sink)
    stderr = subprocess.PIPE if logs else subprocess.DEVNULL
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=stderr)


def fan_out(db: Database, push: FakePushService, n: int) -> list[FakeSubscription]:
    """`n` devices following the news, each with a subscription at `push`, then one message to them all."""
    subs = [push.subscribe() for _ in range(n)]
    now, keys = utcnow(), [f"d{i:05d}" for i in range(n)]
    rows = [subscriptions.parse(sub.as_json(), production=False) for sub in subs]
    with db.write() as session:  # a few statements, however many devices: a thousand in a moment
        session.execute(
            insert(Device), [{"key": k, "lang": "vi", "created_at": now, "last_seen_at": now} for k in keys]
        )
        session.execute(insert(DeviceTopic), [{"device_key": k, "topic": "news"} for k in keys])
        session.execute(
            insert(PushSubscription),
            [
                {"device_key": k, "endpoint": e, "p256dh": p, "auth": a, "created_at": now, "updated_at": now}
                for k, (e, p, a) in zip(keys, rows, strict=True)
            ],
        )
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
    """Every device gets the message; one gets it twice only if the killed worker had sent it without
    living to record it, and then both copies carry the same `Topic`, so the push service keeps one."""
    subs = fan_out(db, push, 300)
    push.delay = 0.25  # 300 messages, 8 at a time: a window of seconds to kill it in, even on a busy machine
    first = start_worker(settings, lease=2)
    wait_for(lambda: len(push.received) >= 10)
    first.send_signal(signal.SIGKILL)
    first.wait()
    time.sleep(4 * push.delay)  # what it had in the push service's hands lands (or not) meanwhile
    assert delivery_statuses(db).get("queued", 0) > 0  # it really died half-way
    before = {r.sub_id for r in push.received}
    push.delay = 0
    second = start_worker(settings, lease=30)  # the dead one's claims end after 2 s; its own need not
    try:
        wait_for(lambda: delivery_statuses(db) == {"sent": 300})
    finally:
        stop(second)
    copies = {sub.sub_id: push.received_by(sub) for sub in subs}
    assert all(copies.values()), "a device got nothing"
    twice = {sub_id for sub_id, got in copies.items() if len(got) > 1}
    assert twice <= before and all(len(got) <= 2 for got in copies.values())
    for sub_id in twice:
        (one, other) = copies[sub_id]
        assert one.headers["topic"] == other.headers["topic"] and one.payload == other.payload
    topics = {got[0].headers["topic"] for got in copies.values()}
    assert len(topics) == 1 and re.fullmatch(r"[A-Za-z0-9_-]{1,32}", topics.pop())  # RFC 8030's Topic
    assert push.rejected == []


def test_two_workers_never_send_a_message_twice(
    db: Database, settings: Settings, push: FakePushService, tmp_path: Path
) -> None:
    """What `pwa serve` starts on a two-core machine, on either database: more messages than one claim
    takes (BATCH), so both workers claim, side by side, and each message goes out once."""
    n = BATCH * 2 + 100
    push.delay = 0.01
    logs = [tmp_path / f"worker{i}.log" for i in range(2)]
    workers = [start_worker(settings, lease=60, log=log) for log in logs]
    try:
        wait_for(lambda: all("started" in log.read_text(errors="replace") for log in logs))  # both waiting
        subs = fan_out(db, push, n)  # rings them both
        wait_for(lambda: delivery_statuses(db) == {"sent": n})
        assert all(p.poll() is None for p in workers)  # both were running throughout
    finally:
        for worker in workers:
            stop(worker)
    sent = [sent_in(log.read_text(errors="replace")) for log in logs]
    assert all(sent) and sum(sent) == n, f"both took part: {sent}"
    assert sorted(len(push.received_by(sub)) for sub in subs) == [1] * n
    assert len(push.attempts) == n and all(len(a) == 1 for a in push.attempts.values())


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

"""Fan one announcement out to 10,000 subscriptions through `pwa serve`'s own worker.

Prints messages/second and its ratio to (a) a pure encrypt-and-sign loop and
(b) a plain sequential `pywebpush.webpush()` loop (sampled, then scaled), and
the latency of `GET /` while the fan-out runs against its idle value.
Both latencies are taken the same way (every 0.1 s a page, then a second one
straight after), because a burst of back-to-back requests keeps the processor
awake and gives an idle figure no visitor of an idle server ever sees: the first
version compared such a burst (0.8 ms) with visits spread over the fan-out.
Targets: ≥ 0.5× the encrypt-and-sign loop, ≥ 10× sequential, latency ≤ 2× idle.

The push service is a separate process that checks the headers and the VAPID
JWT and answers 201 after `BENCH_PUSH_LATENCY_MS` (default 40 ms: a real push
service is a network round trip away). The delay applies to every request, from
the sequential loop and from the worker alike; `BENCH_PUSH_LATENCY_MS=0` gives
the instant service of the first version. The worker runs with
`PWA_PUSH_CONCURRENCY` 256 (the app's default) unless set: at a 40 ms round
trip 64 could have at most 1,600 requests a second in flight.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from pywebpush import WebPusher, webpush  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from pwa import notify  # noqa: E402
from pwa.db import Database, migrate  # noqa: E402
from pwa.models import Device, DeviceTopic, PushDelivery, PushSubscription, utcnow  # noqa: E402
from pwa.push import outbox, vapid  # noqa: E402
from pwa.push.sender import audience  # noqa: E402
from pwa.settings import Settings  # noqa: E402
from tests.live import LiveServer, free_port  # noqa: E402

N = int(os.environ.get("BENCH_SUBSCRIPTIONS", "10000"))
LATENCY_MS = float(os.environ.get("BENCH_PUSH_LATENCY_MS", "40"))
CONCURRENCY = int(os.environ.get("PWA_PUSH_CONCURRENCY", "256"))
SEQUENTIAL_SAMPLE = 200
KEYS = 50  # distinct browser key pairs, cycled (the cost per message does not depend on reuse)


def browser_keys() -> list[tuple[str, str]]:
    pairs = []
    for _ in range(KEYS):
        point = (
            ec.generate_private_key(ec.SECP256R1())
            .public_key()
            .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        )
        pairs.append((vapid.b64url(point), vapid.b64url(os.urandom(16))))
    return pairs


def seed(database: Database, push_origin: str, keys: list[tuple[str, str]]) -> None:
    now = utcnow()
    devices = [{"key": f"bench{i:06d}", "lang": "vi", "created_at": now, "last_seen_at": now} for i in range(N)]
    subs = [
        {
            "device_key": d["key"],
            "endpoint": f"{push_origin}/push/{i}",
            "p256dh": keys[i % KEYS][0],
            "auth": keys[i % KEYS][1],
            "created_at": now,
            "updated_at": now,
        }
        for i, d in enumerate(devices)
    ]
    with database.write() as session:
        session.execute(insert(Device), devices)
        session.execute(insert(PushSubscription), subs)
        session.execute(insert(DeviceTopic), [{"device_key": d["key"], "topic": "news"} for d in devices])


def encrypt_and_sign_rate(identity: vapid.Identity, keys: list[tuple[str, str]], payload: bytes, origin: str) -> float:
    count = 2000
    start = time.perf_counter()
    for i in range(count):
        p256dh, auth = keys[i % KEYS]
        WebPusher({"endpoint": f"{origin}/push/{i}", "keys": {"p256dh": p256dh, "auth": auth}}).encode(payload)
        identity.vapid.sign({"sub": identity.subject, "aud": origin, "exp": int(time.time()) + 43200})
    return count / (time.perf_counter() - start)


def sequential_rate(identity: vapid.Identity, keys: list[tuple[str, str]], payload: bytes, origin: str) -> float:
    start = time.perf_counter()
    for i in range(SEQUENTIAL_SAMPLE):
        p256dh, auth = keys[i % KEYS]
        info = {"endpoint": f"{origin}/push/seq{i}", "keys": {"p256dh": p256dh, "auth": auth}}
        claims: dict[str, str | int] = {"sub": identity.subject, "aud": audience(info["endpoint"])}  # type: ignore[arg-type]
        webpush(info, payload, vapid_private_key=identity.vapid, vapid_claims=claims, ttl=3600, timeout=10)
    return SEQUENTIAL_SAMPLE / (time.perf_counter() - start)


def page_latency(url: str, samples: int) -> list[float]:
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
        times.append(time.perf_counter() - start)
    return times


class Visits:
    """A person opening pages now and then, not a load test: every 0.1 s a first page, then a
    second one straight after. Both are kept apart because they differ even on an idle server:
    the first meets a processor that has dozed off since the last visit, the second a warm one."""

    def __init__(self) -> None:
        self.first: list[float] = []
        self.then: list[float] = []

    def visit(self, url: str) -> None:
        self.first += page_latency(url, 1)
        self.then += page_latency(url, 1)
        time.sleep(0.1)


def remaining(database: Database) -> int:
    from sqlmodel import func, select

    with database.read() as session:
        return int(session.exec(select(func.count()).where(PushDelivery.status == "queued")).one())


def last_finished(database: Database) -> datetime:
    from sqlmodel import func, select

    with database.read() as session:
        last = session.exec(select(func.max(PushDelivery.finished_at))).one()
    assert last is not None, "nothing was delivered"
    return last


def statuses(database: Database) -> dict[str, int]:
    from sqlmodel import func, select

    with database.read() as session:
        query = select(PushDelivery.status, func.count()).group_by(PushDelivery.status)
        return {status: int(n) for status, n in session.exec(query).all()}


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-push-"))
    url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{folder / 'bench.sqlite3'}")
    settings = Settings(instance_dir=folder / "instance", database_url=url, secret_key="bench" * 10).prepared()
    database = Database(url)
    migrate(database)
    port = free_port()
    push = subprocess.Popen([sys.executable, "-m", "tests.fakepush", str(port), str(LATENCY_MS)], cwd=ROOT)
    origin = f"http://127.0.0.1:{port}"
    try:
        time.sleep(1.5)
        keys = browser_keys()
        seed(database, origin, keys)
        identity = vapid.load(settings)
        payload = outbox.absolute(
            outbox.payload(title="Chi trả lương hưu", body="Ngày 2/12 tại bưu điện xã.", url="/", tag="b", lang="vi"),
            settings.base_url,
        )
        crypto = encrypt_and_sign_rate(identity, keys, payload, origin)
        sequential = sequential_rate(identity, keys, payload, origin)
        env = {
            "DATABASE_URL": url,
            "PWA_INSTANCE_DIR": str(settings.instance_dir),
            "PWA_PUSH_WORKER": "1",
            "PWA_PUSH_CONCURRENCY": str(CONCURRENCY),
        }
        with LiveServer(env) as server:
            page_latency(server.url + "/", 10)  # warm up
            idle = Visits()
            for _ in range(30):  # idle, at the same cadence as during the fan-out below
                remaining(database)
                idle.visit(server.url + "/")
            message = notify.Message(
                topic="news", kind="notice", tag="bench", url="/", text=lambda: ("Chi trả lương hưu", "Ngày 2/12.")
            )
            begin = time.perf_counter()
            with database.write() as session:
                notify.broadcast(session, message)
            committed = utcnow()
            enqueued = time.perf_counter() - begin
            busy = Visits()
            while remaining(database):
                busy.visit(server.url + "/")
            # The database's own clock of the last delivery, not this loop's (it looks every 0.1 s).
            elapsed = (last_finished(database) - committed).total_seconds()
        rate = N / elapsed
        outcome = statuses(database)
        print(f"push service latency: {LATENCY_MS:g} ms per request; worker concurrency: {CONCURRENCY}")
        print(f"subscriptions: {N}; enqueue (inbox + outbox rows, one transaction): {enqueued:.2f} s")
        print(f"deliveries: {outcome}")
        print(f"fan-out: {rate:,.0f} messages/s ({elapsed:.1f} s from commit to the last 201)")
        print(f"encrypt-and-sign loop: {crypto:,.0f} /s -> ratio {rate / crypto:.2f} (target >= 0.5)")
        print(f"sequential webpush(): {sequential:,.0f} /s -> ratio {rate / sequential:.1f} (target >= 10)")
        for label, quiet, loaded in (("first page", idle.first, busy.first), ("next page", idle.then, busy.then)):
            before, during = statistics.median(quiet), statistics.median(loaded)
            print(
                f"GET / median, {label}: idle {before * 1000:.1f} ms, during fan-out {during * 1000:.1f} ms "
                f"-> {during / before:.2f}x (target <= 2), {len(loaded)} samples"
            )
        if outcome != {"sent": N}:
            sys.exit("not every delivery was accepted: the figures above do not count")
    finally:
        push.terminate()
        push.wait()
        database.dispose()


if __name__ == "__main__":
    main()

"""The sender's own connection handling: timeouts, connections closed by either side, endpoints that cannot work."""

from __future__ import annotations

import json
from collections.abc import Callable

from pwa.push import vapid
from pwa.push.sender import Job, Outcome, Sender
from pwa.settings import Settings
from tests.asyncutil import in_thread
from tests.fakepush import FakePushService, FakeSubscription, b64url

PAYLOAD = json.dumps({"web_push": 8030, "notification": {"title": "Thử", "body": "Xin chào", "navigate": "/"}})


def job(sub: FakeSubscription, n: int = 1) -> Job:
    return Job(n, n, sub.endpoint, sub.p256dh, b64url(sub.auth), PAYLOAD, 60, "normal", "test")


def send(
    settings: Settings, jobs: list[Job], *, timeout: float = 10.0, after_first: Callable[[], object] | None = None
) -> list[Outcome]:
    """Send the jobs one after the other through one sender; `after_first()` runs once the first is sent."""

    async def run() -> list[Outcome]:
        results = []
        async with Sender(vapid.load(settings), base_url=settings.base_url, concurrency=4, timeout=timeout) as sender:
            for each in jobs:
                results.append(await sender.send(each))
                if after_first is not None and len(results) == 1:
                    after_first()
        return results

    return in_thread(run())


def test_a_push_service_slower_than_the_timeout_is_tried_again_later(settings: Settings, push: FakePushService) -> None:
    sub = push.subscribe()
    push.delay = 1.0
    [late] = send(settings, [job(sub)], timeout=0.2)
    assert late.result == "retry" and late.code is None and "network" in late.error
    push.delay = 0.0
    [sent] = send(settings, [job(sub)])
    assert sent.result == "sent" and len(push.received_by(sub)) == 1


def test_one_sender_sends_several_messages_to_one_push_service_in_turn(
    settings: Settings, push: FakePushService
) -> None:
    subs = [push.subscribe() for _ in range(3)]
    push.answer(subs[1], 429, **{"Retry-After": "120"})
    outcomes = send(settings, [job(sub, n) for n, sub in enumerate(subs, 1)])
    assert [(o.result, o.code, o.retry_after) for o in outcomes] == [
        ("sent", 201, None),
        ("retry", 429, 120.0),
        ("sent", 201, None),
    ]
    assert "429" in outcomes[1].error


def test_a_push_service_that_went_away_between_two_messages_is_a_retry_not_a_crash(settings: Settings) -> None:
    push = FakePushService().__enter__()
    sub = push.subscribe()
    # After the first message the service stops, closing the connection the sender kept.
    first, second = send(settings, [job(sub, 1), job(sub, 2)], after_first=lambda: push.__exit__(None, None, None))
    assert (first.result, second.result) == ("sent", "retry")


def test_keys_that_cannot_work_mean_the_subscription_is_gone(settings: Settings, push: FakePushService) -> None:
    sub = push.subscribe()
    bad = Job(1, 1, sub.endpoint, b64url(b"\x04" + b"\x01" * 64), b64url(sub.auth), PAYLOAD, 60, "normal", "t")
    [outcome] = send(settings, [bad])
    assert outcome.result == "gone" and outcome.error.startswith("bad keys")

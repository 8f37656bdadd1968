"""Mixed traffic at a fixed rate for bench/soak.py: people reading pages, booking, changing their minds.

Open loop, as wrk2 would do it: action k starts at `start + k / rate` whatever the server's
answers are doing, so a slow server meets the same demand instead of being asked less (wrk,
closed-loop, sends the next request only when the last one is answered). Each action is one
request, or two for a flow (the dossier lookup form: its page, then the POST). Requests share
`connections` keep-alive connections (aiohttp), as a proxy in front would; the time of a
request includes its wait for a free connection.

The people are `devices` browsers, each with its own cookies (device, session) and client
address (X-Forwarded-For from the trusted loopback proxy), so the per-client limits hold as in
production: bookings are spread over the devices, never over a weakened limit. The mix is a
fixed, shuffled cycle of the WEIGHTS below (seeded: every run asks the same things in the same
order). Bookings go to the open shifts the load's own slot queries last listed. A device turns
push on, or off if it has it on, so about half the devices stay subscribed and each notice's
fan-out keeps about the same size: the traffic is steady, not just its rate.
"""

from __future__ import annotations

import asyncio
import collections
import json
import random
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.cookies import SimpleCookie
from typing import Any

import aiohttp

from bench import lib

# Actions per 100 (the cycle's proportions).
WEIGHTS = {
    "GET /": 10, "GET /dossiers": 5, "GET /pickups/new": 8, "GET /offices": 6, "GET /pickups (mine)": 3,
    "GET /notifications": 2, "GET static": 16, "GET /healthz": 2, "GET slots": 8, "GET dossier (API)": 6,
    "dossier lookup (form)": 3, "GET dossier timeline": 5, "POST booking (API)": 9, "GET booking (API)": 4,
    "POST cancel (API)": 3, "POST reschedule (API)": 3, "push subscription on/off": 7,
}  # fmt: skip
NEEDS_BOOKING = ("GET booking (API)", "POST cancel (API)", "POST reschedule (API)")


@dataclass
class Device:
    """One browser: its cookies, client address, what it looked up and where it gets pushes."""

    address: str
    cookies: dict[str, str] = field(default_factory=dict)
    dossiers: list[str] = field(default_factory=list)
    endpoints: list[str] = field(default_factory=list)

    def header(self, cookies: bool, jar: dict[str, str] | None = None) -> dict[str, str]:
        cookie = "; ".join(f"{k}={v}" for k, v in (jar or self.cookies).items()) if cookies else ""
        return {"X-Forwarded-For": self.address, **({"Cookie": cookie} if cookie else {})}


@dataclass
class Tally:
    """What the server answered, per kind of request."""

    statuses: dict[str, collections.Counter[int]] = field(
        default_factory=lambda: collections.defaultdict(collections.Counter)
    )
    errors: dict[str, collections.Counter[str]] = field(
        default_factory=lambda: collections.defaultdict(collections.Counter)
    )
    times: dict[str, list[float]] = field(default_factory=lambda: collections.defaultdict(list))
    by_second: collections.Counter[int] = field(default_factory=collections.Counter)  # requests started per second
    server_errors: list[str] = field(default_factory=list)  # every 5xx: when, what, the body's start
    surprises: list[str] = field(default_factory=list)  # the first 4xx of each kind and code
    faults: collections.Counter[str] = field(default_factory=collections.Counter)  # this script's own exceptions

    @property
    def total(self) -> int:
        return sum(sum(c.values()) for c in self.statuses.values()) + sum(sum(c.values()) for c in self.errors.values())

    def classes(self) -> dict[str, int]:
        found: collections.Counter[str] = collections.Counter()
        for counter in self.statuses.values():
            for status, n in counter.items():
                found[f"{status // 100}xx"] += n
        found["errors"] = sum(sum(c.values()) for c in self.errors.values())
        return dict(found)


class Traffic:
    """The load: `rate` actions a second for `seconds` against `url`."""

    def __init__(self, url: str, *, rate: float, seconds: float, connections: int, devices: int, demo: str,
                 push_origin: str, keys: list[tuple[str, str]], shifts: list[tuple[str, str]], static: list[str],
                 notice_key: str, notice_every: float) -> None:  # fmt: skip
        self.url, self.rate, self.seconds, self.connections = url, rate, seconds, connections
        self.rng = random.Random(14)
        cycle = [kind for kind, weight in WEIGHTS.items() for _ in range(weight)]
        self.rng.shuffle(cycle)
        self.cycle = cycle
        self.devices = [Device(f"10.20.{i // 250}.{i % 250 + 1}") for i in range(devices)]
        self.dossiers = re.findall(r"dossier (\S+): look up at /dossiers with secret (\S+)", demo)
        self.push_origin, self.keys, self.static = push_origin, keys, static
        self.shifts = {d: [s for d2, s in shifts if d2 == d] for d, _s in shifts}
        self.booked: collections.deque[str] = collections.deque(maxlen=2000)
        self.notice_key, self.notice_every = notice_key, notice_every
        self.tally = Tally()
        self.started = 0.0
        self.prefix = secrets.token_hex(4)

    # --- one request ------------------------------------------------------------------------

    async def fetch(self, kind: str, method: str, path: str, device: Device | None = None, *,
                    json_body: Any = None, form: dict[str, str] | None = None,
                    headers: dict[str, str] | None = None, fresh: bool = False,
                    jar: dict[str, str] | None = None) -> tuple[int, str]:  # fmt: skip
        """One request, counted under `kind`, from `device` (its address; its cookies, or those of `jar`,
        unless `fresh`, a first visit from a new browser); (status, body text), status 0 on a socket error."""
        sent = {**(device.header(not fresh, jar) if device else {}), **(headers or {})}
        begin = time.monotonic()
        self.tally.by_second[int(begin - self.started)] += 1
        try:
            async with self.session.request(method, self.url + path, json=json_body, data=form, headers=sent,
                                            allow_redirects=False) as response:  # fmt: skip
                text = (await response.read()).decode(errors="replace")
                status = response.status
                if device is not None and not fresh:
                    for line in response.headers.getall("Set-Cookie", []):
                        jar: SimpleCookie = SimpleCookie()
                        jar.load(line)
                        device.cookies.update({name: morsel.value for name, morsel in jar.items()})
        except (aiohttp.ClientError, TimeoutError) as exc:
            self.tally.errors[kind][type(exc).__name__] += 1
            return 0, ""
        self.tally.statuses[kind][status] += 1
        self.tally.times[kind].append(time.monotonic() - begin)
        if status >= 500:
            self.tally.server_errors.append(f"{begin - self.started:.0f} s: {method} {path} → {status}: {text[:200]!r}")
        elif status >= 400 and self.tally.statuses[kind][status] == 1:
            self.tally.surprises.append(f"{kind} → {status}: {text[:200]!r}")
        return status, text

    # --- actions ----------------------------------------------------------------------------

    def booking_body(self) -> dict[str, Any]:
        day = self.rng.choice(sorted(d for d, s in self.shifts.items() if s))
        return {**lib.BOOKING, "date": day, "shift": self.rng.choice(self.shifts[day])}

    async def act(self, k: int) -> None:
        """Action k of the schedule; a fault of this script is counted apart, never as the server's."""
        try:
            await self._act(k)
        except Exception as exc:
            self.tally.faults[repr(exc)[:160]] += 1

    async def _act(self, k: int) -> None:
        kind = self.cycle[k % len(self.cycle)]
        device = self.rng.choice(self.devices)
        plain = {"GET /": "/", "GET /dossiers": "/dossiers", "GET /pickups/new": "/pickups/new",
                 "GET /offices": "/offices", "GET /pickups (mine)": "/pickups", "GET /notifications": "/notifications",
                 "GET /healthz": "/healthz"}  # fmt: skip
        if kind in plain:
            await self.fetch(kind, "GET", plain[kind], device, fresh=self.rng.random() < 0.5)  # half: first visits
        elif kind == "GET static":
            await self.fetch(kind, "GET", self.static[k % len(self.static)])
        elif kind == "GET slots":
            day = (date.today() + timedelta(days=k % 15)).isoformat()
            status, text = await self.fetch(kind, "GET", f"/api/v1/slots?date={day}")
            if status == 200:
                self.shifts[day] = [s["shift"] for s in json.loads(text)["slots"] if s["remaining"] > 0]
        elif kind == "GET dossier (API)":
            code, secret = self.dossiers[k % len(self.dossiers)]
            await self.fetch(kind, "GET", f"/api/v1/dossiers/{code}?secret={secret}", device)
        elif kind == "dossier lookup (form)" or (kind == "GET dossier timeline" and not device.dossiers):
            await self.look_up(device, k)
        elif kind == "GET dossier timeline":
            await self.fetch(kind, "GET", f"/dossiers/{self.rng.choice(device.dossiers)}", device)
        elif kind == "POST booking (API)" or (kind in NEEDS_BOOKING and not self.booked):
            await self.book(device, k)
        elif kind == "GET booking (API)":
            code = self.rng.choice(self.booked)
            await self.fetch(kind, "GET", f"/api/v1/pickups/{code}?phone={lib.BOOKING['phone']}", device)
        elif kind == "POST cancel (API)":
            code = self.booked.popleft()
            await self.fetch(kind, "POST", f"/api/v1/pickups/{code}/cancel", device,
                             json_body={"phone": lib.BOOKING["phone"]})  # fmt: skip
        elif kind == "POST reschedule (API)":
            body = self.booking_body()
            await self.fetch(kind, "POST", f"/api/v1/pickups/{self.rng.choice(self.booked)}/reschedule", device,
                             json_body={"phone": lib.BOOKING["phone"], "date": body["date"], "shift": body["shift"]},
                             headers={"Idempotency-Key": f"{self.prefix}-r{k}"})  # fmt: skip
        elif not device.endpoints:  # push on/off: the number of subscriptions stays about the same
            await self.subscribe(device, k)
        else:
            endpoint = device.endpoints.pop(0)
            await self.fetch("DELETE push subscription", "DELETE", "/api/v1/push/subscriptions", device,
                             json_body={"endpoint": endpoint})  # fmt: skip

    async def book(self, device: Device, k: int) -> None:
        status, text = await self.fetch("POST booking (API)", "POST", "/api/v1/pickups", device,
                                        json_body=self.booking_body(), fresh=self.rng.random() < 0.5,
                                        headers={"Idempotency-Key": f"{self.prefix}-b{k}"})  # fmt: skip
        if status == 201:
            self.booked.append(json.loads(text)["code"])

    async def look_up(self, device: Device, k: int) -> None:
        status, page = await self.fetch("dossier lookup (form)", "GET", "/dossiers", device)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        if status != 200 or token is None:
            return
        # The cookies the form came with: another request of this device meanwhile may have begun a new
        # session (a second tab), whose cookie this form's token does not belong to.
        jar = dict(device.cookies)
        code, secret = self.dossiers[k % len(self.dossiers)]
        form = {"csrf_token": token.group(1), "code": code, "secret": secret}
        status, _text = await self.fetch("dossier lookup (form)", "POST", "/dossiers", device, form=form, jar=jar)
        if status in (302, 303) and code not in device.dossiers:
            device.dossiers.append(code)

    async def subscribe(self, device: Device, k: int) -> None:
        endpoint = f"{self.push_origin}/push/{device.address}-{k}"
        p256dh, auth = self.keys[k % len(self.keys)]
        body = {"subscription": {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}, "topics": ["news"]}
        status, _text = await self.fetch("POST push subscription", "POST", "/api/v1/push/subscriptions", device,
                                         json_body=body)  # fmt: skip
        if status == 201:
            device.endpoints.append(endpoint)

    async def announce(self, n: int) -> None:
        """A staff notice to every device that follows news: the delivery workers fan it out."""
        body = {"title": f"Thông báo số {n}", "body": "Lịch chi trả lương hưu tháng này (thử tải)."}
        await self.fetch("POST notice (API key)", "POST", "/api/v1/notices", json_body=body,
                         headers={"Authorization": f"Bearer {self.notice_key}"})  # fmt: skip

    # --- the schedule -----------------------------------------------------------------------

    async def run(self, every: float, sample: Any) -> None:
        """The actions on their fixed schedule; `sample()` every `every` seconds meanwhile."""
        connector = aiohttp.TCPConnector(limit=self.connections)
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout,
                                         cookie_jar=aiohttp.DummyCookieJar()) as self.session:  # fmt: skip
            self.started = time.monotonic()
            tasks: set[asyncio.Task[None]] = set()

            def launch(coroutine: Any) -> None:
                task = asyncio.ensure_future(coroutine)
                tasks.add(task)
                task.add_done_callback(tasks.discard)

            k, next_sample, next_notice, notices = 0, 0.0, self.notice_every / 2, 0
            while (now := time.monotonic() - self.started) < self.seconds:
                if now >= next_sample:
                    sample(now)
                    next_sample += every
                if now >= next_notice:
                    notices += 1
                    launch(self.announce(notices))
                    next_notice += self.notice_every
                while k / self.rate <= now:
                    launch(self.act(k))
                    k += 1
                await asyncio.sleep(min(k / self.rate, next_sample, next_notice) - now)
            sample(time.monotonic() - self.started)
            if tasks:
                await asyncio.wait(tasks)

"""Pages under `pwa serve` against a bare Starlette twin, and one web process against two.

The app runs as `make run` runs it (demo data, SQLite, default delivery workers) on a free
loopback port; bench/bare.py serves the app's own answers (same size and content type) under
the same uvicorn settings. Every page is loaded with `wrk -t1 -c16 -d5s --latency`, app then
twin, BENCH_RUNS times (default 3); figures are medians. Then the same pages on
`pwa serve --workers 2`, against the one-process figures of the first pass.

The booking POST goes through the API with a key from `pwa create-api-key`; its Lua script
sends a new Idempotency-Key and X-Forwarded-For (one client address per booking: the app trusts
proxy headers from loopback here, PWA_TRUSTED_PROXIES, as behind a proxy on the same host, and each
address may book 60 times in 10 minutes) and cycles through every open shift of the next two
weeks; capacity is raised for the run (PWA_PICKUP_CAPACITY), so no shift fills.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import secrets
import sys
import tempfile
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import lib  # noqa: E402

TARGETS = {  # minimum req/s ratio app/bare, from issue 11
    "/": 0.25,
    "/dossiers": 0.25,
    "timeline": 0.25,
    "/offices": 0.25,
    "/pickups/new": 0.15,
    "slots": 0.35,
    "/healthz": 0.35,
    "static": 0.5,
}
P99_LIMIT = 4.0
TWO_WORKERS = 1.6


@dataclass
class Target:
    """One page to load: its path, the headers a browser would send, or a Lua script."""

    name: str
    path: str
    headers: list[str] = field(default_factory=list)
    post: dict[str, object] | None = None  # JSON booking template, for the API POST

    def script(self, folder: Path, api_key: str, shifts: list[tuple[str, str]]) -> Path | None:
        """A fresh Lua script (new idempotency keys each run) for the POST; None for a GET."""
        if self.post is None:
            return None
        path = folder / f"post-{secrets.token_hex(4)}.lua"
        path.write_text(post_script(self.post, api_key, shifts), encoding="utf-8")
        return path


def booking_lua(template: dict[str, object], api_key: str, shifts: list[tuple[str, str]]) -> str:
    """Lua `booking(n)`: the n-th booking request, with its own Idempotency-Key and client
    address, the open shifts in turn."""
    body = json.dumps({**template, "date": "@DATE@", "shift": "@SHIFT@"}, ensure_ascii=False)
    lua_shifts = ", ".join(f'{{"{d}", "{s}"}}' for d, s in shifts)
    return f"""
local shifts = {{{lua_shifts}}}
local prefix = "{secrets.token_hex(6)}-"
local template = [[{body}]]
local function booking(n)
  local shift = shifts[(n % #shifts) + 1]
  local headers = {{
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer {api_key}",
    ["Idempotency-Key"] = prefix .. n,
    ["X-Forwarded-For"] = string.format("10.%d.%d.%d", math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256),
  }}
  local filled = template:gsub("@DATE@", shift[1]):gsub("@SHIFT@", shift[2])
  return wrk.format("POST", "/api/v1/pickups", headers, filled)
end
"""


def post_script(template: dict[str, object], api_key: str, shifts: list[tuple[str, str]]) -> str:
    """wrk script: one booking per request, each new, statuses counted."""
    return (
        booking_lua(template, api_key, shifts)
        + """
local n = 0
request = function()
  n = n + 1
  return booking(n)
end
"""
        + lib.STATUS_COUNTER
    )


BOOKING = lib.BOOKING


def get(url: str, headers: list[str] = ()) -> tuple[int, str, bytes]:  # type: ignore[assignment]
    """Status, content type and body of a GET (errors included)."""
    request = urllib.request.Request(url, headers=dict(h.split(": ", 1) for h in headers))
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("content-type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("content-type", ""), exc.read()


def timeline_cookie(url: str, demo_output: str) -> tuple[str, str]:
    """Look a demo dossier up through the real form; its path and the browser's Cookie header."""
    code, secret = re.search(r"dossier (\S+): look up at /dossiers with secret (\S+)", demo_output).groups()  # type: ignore[union-attr]
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(url + "/dossiers", timeout=30) as response:
        token = re.search(r'name="csrf_token" value="([^"]+)"', response.read().decode()).group(1)  # type: ignore[union-attr]
    form = urllib.parse.urlencode({"csrf_token": token, "code": code, "secret": secret}).encode()
    with opener.open(url + "/dossiers", data=form, timeout=30) as response:
        path = urllib.parse.urlparse(response.url).path
        body = response.read().decode()
    if "/follow" not in body and "/unfollow" not in body:
        raise RuntimeError(f"the lookup of {code} did not lead to its timeline")
    return path, "Cookie: " + "; ".join(f"{c.name}={c.value}" for c in jar)


def open_shifts(url: str) -> list[tuple[str, str]]:
    """Every shift of the next two weeks with room left, from the slots API."""
    shifts = []
    for offset in range(15):
        day = (date.today() + timedelta(days=offset)).isoformat()
        status, _type, body = get(f"{url}/api/v1/slots?date={day}")
        if status == 200:
            shifts += [(s["date"], s["shift"]) for s in json.loads(body)["slots"] if s["remaining"] > 0]
    if not shifts:
        raise RuntimeError("no open pickup shift in the next two weeks")
    return shifts


def targets(url: str, demo_output: str, shifts: list[tuple[str, str]], notes: list[str]) -> list[Target]:
    """The pages of issue 11 as this code base has them."""
    found = [Target("/", "/"), Target("/dossiers", "/dossiers")]
    path, cookie = timeline_cookie(url, demo_output)
    found.append(Target("timeline", path, [cookie]))
    found.append(Target("/pickups/new", "/pickups/new"))
    if get(url + "/offices")[0] == 200:
        found.append(Target("/offices", "/offices"))
    else:
        notes.append("`/offices` does not exist yet (404): skipped.")
    found.append(Target("slots", f"/api/v1/slots?date={shifts[0][0]}"))
    found.append(Target("/healthz", "/healthz"))
    css = re.search(r'href="(/static/css/app\.css\?v=[^"]+)"', get(url + "/")[2].decode()).group(1)  # type: ignore[union-attr]
    found.append(Target("static", css))
    found.append(Target("POST booking", "/api/v1/pickups", post=BOOKING))
    return found


def probe(url: str, target: Target, api_key: str, shift: tuple[str, str]) -> tuple[int, str, bytes]:
    """The app's answer to one request of this target (a real booking for the POST)."""
    if target.post is None:
        return get(url + target.path, target.headers)
    body = json.dumps({**target.post, "date": shift[0], "shift": shift[1]}, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {api_key}",
        "X-Forwarded-For": "10.255.0.1",
    }
    request = urllib.request.Request(url + target.path, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.headers.get("content-type", ""), response.read()


def bare_spec(folder: Path, url: str, found: list[Target], api_key: str, shifts: list[tuple[str, str]]) -> Path:
    """What the twin answers: the app's own status, content type and body for each path."""
    spec = {}
    for target in found:
        status, content_type, body = probe(url, target, api_key, shifts[0])
        if status not in (200, 201):
            raise RuntimeError(f"{target.name}: the app answered {status}")
        spec[urllib.parse.urlparse(target.path).path] = {
            "status": status,
            "content_type": content_type,
            "body": body.decode("latin-1"),
        }
    path = folder / "bare.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    return path


def load(url: str, target: Target, folder: Path, api_key: str, shifts: list[tuple[str, str]]) -> lib.Wrk:
    """One wrk run of one target."""
    return lib.wrk(url + target.path, script=target.script(folder, api_key, shifts), headers=target.headers)


@dataclass
class Figures:
    """The runs of one target on one server."""

    runs: list[lib.Wrk] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return lib.median([r.rps for r in self.runs])

    @property
    def p99(self) -> float:
        return lib.median([r.p99_ms for r in self.runs])

    def problems(self) -> str:
        """Non-2xx/3xx responses and socket errors over all runs; statuses other than 2xx by code."""
        bad = sum(r.non_2xx for r in self.runs)
        errors = sum(r.errors for r in self.runs)
        codes: dict[int, int] = {}
        for r in self.runs:
            for status, n in r.statuses.items():
                if not 200 <= status < 300:
                    codes[status] = codes.get(status, 0) + n
        detail = ", ".join(f"{n}×{s}" for s, n in sorted(codes.items()))
        return f"{bad} / {errors}" + (f" ({detail})" if detail else "")


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def prepare(folder: Path) -> tuple[dict[str, str], str, str]:
    """A fresh instance with the demo data and an API key: its environment, the demo's output, the key."""
    env = lib.app_env(folder, PWA_PICKUP_CAPACITY="100000", PWA_TRUSTED_PROXIES="127.0.0.1")
    demo_output = lib.pwa(["demo"], env)
    api_key = lib.pwa(["create-api-key", "--name", "bench", "--scopes", "pickups"], env).strip().splitlines()[-1]
    return env, demo_output, api_key


def warm_up(url: str, found: list[Target], folder: Path, api_key: str, shifts: list[tuple[str, str]]) -> None:
    """One second of load on each page first: templates compiled, every process's caches filled."""
    for target in found:
        lib.wrk(url + target.path, duration=1, script=target.script(folder, api_key, shifts), headers=target.headers)


def two_processes(
    env: dict[str, str], folder: Path, found: list[Target], api_key: str, shifts: list[tuple[str, str]]
) -> dict[str, Figures]:
    """The same pages on `pwa serve --workers 2`."""
    two = {}
    with lib.serve(env, folder / "app2.log", workers=2) as server:
        warm_up(server.url, found, folder, api_key, shifts)
        for target in found:
            two[target.name] = Figures([load(server.url, target, folder, api_key, shifts) for _ in range(lib.runs())])
            print(f"{target.name}: two web processes {two[target.name].rps:.0f}/s", flush=True)
    return two


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    env, demo_output, api_key = prepare(folder)
    notes: list[str] = []
    app: dict[str, Figures] = {}
    bare: dict[str, Figures] = {}
    two: dict[str, Figures] = {}
    with lib.serve(env, folder / "app.log") as server:
        shifts = open_shifts(server.url)
        found = targets(server.url, demo_output, shifts, notes)
        spec = bare_spec(folder, server.url, found, api_key, shifts)
        sizes = {t.name: len(json.loads(spec.read_text())[urllib.parse.urlparse(t.path).path]["body"]) for t in found}
        with lib.twin(spec, env, folder / "bare.log") as twin:
            warm_up(server.url, found, folder, api_key, shifts)
            warm_up(twin.url, found, folder, api_key, shifts)
            for target in found:
                app[target.name], bare[target.name] = Figures(), Figures()
                for _ in range(lib.runs()):  # app and twin in turn, so a busy moment hits both
                    app[target.name].runs.append(load(server.url, target, folder, api_key, shifts))
                    bare[target.name].runs.append(load(twin.url, target, folder, api_key, shifts))
                print(
                    f"{target.name}: app {app[target.name].rps:.0f}/s, bare {bare[target.name].rps:.0f}/s", flush=True
                )
    try:
        two = two_processes(env, folder, found, api_key, shifts)
    except RuntimeError as exc:  # the one-process table still counts
        notes.append(f"`pwa serve --workers 2` failed: {str(exc).splitlines()[0]} (log: last lines below)")
        notes.append("```\n" + "\n".join(str(exc).splitlines()[-8:]) + "\n```")
    lib.write_section("pages", report(found, sizes, app, bare, two, notes))


def report(
    found: list[Target],
    sizes: dict[str, int],
    app: dict[str, Figures],
    bare: dict[str, Figures],
    two: dict[str, Figures],
    notes: list[str],
) -> str:
    """The markdown section: ratios beside their targets."""
    rows, rows2 = [], []
    for t in found:
        a, b = app[t.name], bare[t.name]
        ratio, p99_ratio = a.rps / b.rps, a.p99 / b.p99
        goal = TARGETS.get(t.name)
        target_cell = f"≥ {goal}× {verdict(ratio >= goal)}" if goal else "(reported)"
        p99_cell = f"{p99_ratio:.1f}× {verdict(p99_ratio <= P99_LIMIT)}"
        label = {"timeline": f"timeline `{t.path}` (after lookup)", "POST booking": f"`POST {t.path}` (API key)"}.get(
            t.name, f"`{t.path}`"
        )
        rows.append(
            [label, sizes[t.name], f"{a.rps:,.0f}", f"{b.rps:,.0f}", f"{ratio:.3f}×", target_cell,
             f"{a.p99:.1f}", f"{b.p99:.1f}", p99_cell, a.problems(), b.problems()]
        )  # fmt: skip
        if t.name in two:
            r2 = two[t.name].rps / a.rps
            rows2.append([label, f"{a.rps:,.0f}", f"{two[t.name].rps:,.0f}", f"{r2:.2f}× {verdict(r2 >= TWO_WORKERS)}"])
    header = ["page", "bytes", "app req/s", "bare req/s", "ratio", "target", "app p99 ms", "bare p99 ms",
              f"p99 ratio (≤ {P99_LIMIT:g}×)", "app non-2xx / errors", "bare non-2xx / errors"]  # fmt: skip
    lines = [
        "## Pages: `pwa serve` against a bare Starlette twin",
        "",
        f"`wrk -t1 -c{lib.CONNECTIONS} -d{lib.seconds()}s --latency`, medians of {lib.runs()} runs, app and twin "
        "alternating. One web process, default delivery workers, demo data on SQLite. Pages are loaded "
        "without cookies (a first visit), except the timeline, which needs the cookie its lookup set.",
        "",
        lib.table(header, rows),
        "",
        f"Two web processes (`pwa serve --workers 2`) against one, target ≥ {TWO_WORKERS}×:",
        "",
        lib.table(["page", "1 process req/s", "2 processes req/s", "ratio"], rows2),
    ]
    if notes:
        lines += ["", *[f"- {n}" for n in notes]]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

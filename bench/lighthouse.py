"""Lighthouse (mobile, all four categories) on the three main pages of `pwa serve` with demo data.

Lighthouse comes from the npm registry at the version pinned in bench/lighthouse/package-lock.json
(apart from the app's package.json, so the app's `npm ci` never fetches it); it drives Debian's
Chromium (CHROME_PATH=/usr/bin/chromium, headless, no sandbox). Each score is the median of
BENCH_LIGHTHOUSE_RUNS runs, default 1: a pass over the three pages takes one to three minutes
on two cores, and three passes would not fit `make bench` in its 15 minutes. The target is 100
in every category.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import lib  # noqa: E402

PAGES = ("/", "/pickups/new", "/dossiers")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CLI = lib.ROOT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
RUNS = int(os.environ.get("BENCH_LIGHTHOUSE_RUNS", "1"))
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")


def scores(url: str, out: Path) -> dict[str, int]:
    """One Lighthouse run of one page: the four category scores out of 100."""
    cmd = [
        str(CLI), url, "--form-factor=mobile", "--output=json", f"--output-path={out}", "--quiet",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
    ]  # fmt: skip
    for attempt in (1, 2):  # Chromium sometimes fails to start for Lighthouse here: one more try, then say why
        done = subprocess.run(cmd, env={**os.environ, "CHROME_PATH": CHROME}, capture_output=True, timeout=300)
        if done.returncode == 0:
            break
        if attempt == 2:
            tail = done.stderr.decode(errors="replace").strip().splitlines()[-5:]
            raise RuntimeError(f"lighthouse failed on {url}: " + " | ".join(tail))
    report = json.loads(out.read_text())
    return {c: round(100 * (report["categories"][c]["score"] or 0)) for c in CATEGORIES}


def main() -> None:
    if not CLI.exists():
        lib.write_section("lighthouse", "## Lighthouse\n\nNot run: `npm ci` in bench/lighthouse has not been done.")
        return
    folder = Path(tempfile.mkdtemp(prefix="bench-lighthouse-"))
    env = lib.app_env(folder)
    lib.pwa(["demo"], env)
    results: dict[str, list[dict[str, int]]] = {page: [] for page in PAGES}
    with lib.serve(env, folder / "app.log") as server:
        for run in range(RUNS):
            for page in PAGES:
                results[page].append(scores(server.url + page, folder / f"{run}{page.replace('/', '_')}.json"))
                print(f"lighthouse {page}: {results[page][-1]}", flush=True)
    rows = []
    for page in PAGES:
        medians = [lib.median([r[c] for r in results[page]]) for c in CATEGORIES]
        all_runs = " / ".join(",".join(str(r[c]) for c in CATEGORIES) for r in results[page])
        verdict = "met" if all(m == 100 for m in medians) else "**missed**"
        rows.append([f"`{page}`", *[f"{m:.0f}" for m in medians], verdict, all_runs])
    version = json.loads((CLI.parent.parent / "lighthouse" / "package.json").read_text())["version"]
    lines = [
        "## Lighthouse (mobile)",
        "",
        f"Lighthouse {version} (bench/lighthouse/package-lock.json), Chromium headless, default mobile "
        f"emulation and throttling; medians of {RUNS} run(s) (BENCH_LIGHTHOUSE_RUNS; one by default "
        "to keep `make bench` within 15 minutes); target 100 in every category.",
        "",
        lib.table(["page", *CATEGORIES, "target", "each run (perf,a11y,bp,seo)"], rows),
    ]
    lib.write_section("lighthouse", "\n".join(lines))


if __name__ == "__main__":
    main()

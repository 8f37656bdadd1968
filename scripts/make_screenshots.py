"""Serve the app on a free port with demo data and screenshot pages in headless Chromium.

`make screenshots` writes the manifest's narrow and wide screenshots into static/img.
`python scripts/make_screenshots.py --out DIR PATH...` shots any pages at phone size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.live import LiveServer, chromium_args  # noqa: E402


def shoot(base: str, pages: list[str], out: Path, sizes: dict[str, tuple[int, int]], lang: str) -> None:
    """Screenshot each page at each size into `out`."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=chromium_args())
        for label, (width, height) in sizes.items():
            context = browser.new_context(
                viewport={"width": width, "height": height}, locale=lang, extra_http_headers={"Accept-Language": lang}
            )
            page = context.new_page()
            for path in pages:
                page.goto(base + path)
                name = "home" if path == "/" else path.strip("/").replace("/", "-")
                target = out / f"{name}-{label}.png"
                page.screenshot(path=str(target), full_page=label != "narrow" or len(pages) > 1)
                print(f"wrote {target}")
            context.close()
        browser.close()


def main() -> None:
    """Start a throwaway server and take the screenshots asked for."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path)
    parser.add_argument("--lang", default="vi")
    parser.add_argument("pages", nargs="*")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PWA_INSTANCE_DIR": tmp, "DATABASE_URL": f"sqlite:///{tmp}/shots.sqlite3"}
        subprocess.run([sys.executable, "-m", "pwa.cli", "demo"], env=env, check=True, capture_output=True)
        with LiveServer(env) as server:
            if args.pages:
                shoot(server.url, args.pages, args.out or Path(tmp), {"phone": (393, 851)}, args.lang)
            else:
                shoot(
                    server.url, ["/"], ROOT / "static" / "img", {"narrow": (393, 851), "wide": (1280, 800)}, args.lang
                )
                for label in ("narrow", "wide"):
                    (ROOT / "static" / "img" / f"home-{label}.png").rename(
                        ROOT / "static" / "img" / f"screenshot-{label}.png"
                    )


if __name__ == "__main__":
    main()

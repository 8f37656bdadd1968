"""The app meets Chromium's install criteria (manifest, icons, service worker)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Playwright

from tests.browser import wait_for_worker
from tests.live import CHROMIUM, LiveServer, chromium_args

pytestmark = pytest.mark.browser


def test_chromium_reports_no_installability_errors(
    playwright: Playwright, live_server: LiveServer, tmp_path: Path
) -> None:
    # Installability is only evaluated in a persistent (non-incognito) profile.
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=chromium_args(),
        viewport={"width": 393, "height": 851},
    )
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        wait_for_worker(page)
        cdp = context.new_cdp_session(page)
        result = cdp.send("Page.getInstallabilityErrors")
        assert result["installabilityErrors"] == []
        manifest = cdp.send("Page.getAppManifest")
        assert not manifest.get("errors"), manifest.get("errors")
    finally:
        context.close()

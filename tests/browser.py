"""Helpers for browser tests (fixtures are in conftest.py)."""

from __future__ import annotations

import time

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

A11Y_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def assert_accessible(page: Page) -> None:
    """axe-core finds no WCAG 2.2 A/AA violation on the page as it is now."""
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": A11Y_TAGS}})
    assert results.violations_count == 0, results.generate_report()


def wait_until(page: Page, expression: str, timeout: float = 15) -> None:
    """Poll a JS function expression until it is truthy.

    Playwright's `wait_for_function` needs `eval`, which the app's CSP forbids.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"never true: {expression}"
        time.sleep(0.1)


def wait_for_worker(page: Page) -> None:
    """Until the service worker controls the page (not merely `ready`)."""
    wait_until(page, "() => navigator.serviceWorker.controller !== null")

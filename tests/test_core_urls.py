"""Links that must stay on this site: notice links and inbox redirects."""

from __future__ import annotations

import pytest

from pwa.urls import local_path

OFF_SITE = [
    "//evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\x00/evil.example",
    "/\x7f/evil.example",
    "/\x85/evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "\\\\evil.example",
    " /dossiers",
    "dossiers",
    "",
    None,
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_anything_that_can_leave_the_site_is_refused(target: str | None) -> None:
    assert local_path(target) is None


@pytest.mark.parametrize("target", ["/", "/dossiers", "/dossiers?code=H19.22-0001#now", "/notices/12", "/a/b\\c"])
def test_paths_on_this_site_are_kept(target: str) -> None:
    assert local_path(target) == target

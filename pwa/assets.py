"""Static files with content-hashed URLs, and the service worker built from them."""

from __future__ import annotations

import hashlib
import json
from functools import cached_property
from pathlib import Path

from pwa.settings import Settings

# What the worker stores at install: the app shell (pages are added as visited).
SHELL_FILES = (
    "css/app.css",
    "js/common.js",
    "js/app.js",
    "js/queue.js",
    "js/offline-forms.js",
    "css/courier.css",  # the courier's round must open offline even after an update mid-round
    "js/courier.js",
    "vendor/htmx.min.js",
    "icons/icon-192.png",
    "icons/icon-512.png",
)
SHELL_PAGES = ("/offline",)
# Key views cached at install so they open offline even before a second visit.
START_PAGES = ("/", "/pickups/new")


class Assets:
    """Knows every static file's fingerprint and the worker's version."""

    def __init__(self, settings: Settings) -> None:
        self.root = settings.root_dir
        self.static_dir = self.root / "static"
        self.debug = settings.debug
        self._hashes: dict[str, str] = {}
        self._worker: str | None = None

    def fingerprint(self, path: str) -> str:
        """Short hash of a static file's content ('missing' if it does not exist)."""
        if self.debug or path not in self._hashes:
            file = self.static_dir / path
            digest = hashlib.sha256(file.read_bytes()).hexdigest()[:12] if file.is_file() else "missing"
            self._hashes[path] = digest
        return self._hashes[path]

    def url(self, path: str) -> str:
        """`/static/css/app.css?v=1a2b…`: the version changes with the content."""
        return f"/static/{path}?v={self.fingerprint(path)}"

    def _content_files(self) -> list[Path]:
        # Every static file counts, not only the precached ones: a page may name any of them.
        files = [self.root / "service_worker.js"]
        for folder in ("static", "templates", "locales"):
            files += sorted(p for p in (self.root / folder).rglob("*") if p.is_file())
        return files

    @cached_property
    def version(self) -> str:
        """A hash of everything the worker serves: any change ships a new worker."""
        digest = hashlib.sha256()
        for file in self._content_files():
            digest.update(str(file.relative_to(self.root)).encode())
            digest.update(file.read_bytes() if file.is_file() else b"missing")
        return digest.hexdigest()[:16]

    def precache(self) -> dict[str, list[str] | str]:
        """The URLs the worker caches when it installs."""
        return {
            "shell": [self.url(p) for p in SHELL_FILES] + list(SHELL_PAGES),
            "pages": list(START_PAGES),
            "common": self.url("js/common.js"),
            "queue": self.url("js/queue.js"),
        }

    def service_worker(self) -> str:
        """The worker's source with its version and precache list filled in (built once unless debugging)."""
        if self._worker is not None and not self.debug:
            return self._worker
        source = (self.root / "service_worker.js").read_text(encoding="utf-8")
        source = source.replace('"__PWA_VERSION__"', json.dumps(self.version))
        self._worker = source.replace('"__PWA_PRECACHE__"', json.dumps(self.precache()))
        return self._worker

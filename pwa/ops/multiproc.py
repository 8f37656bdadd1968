"""The folder where each web process of `pwa serve` keeps its metrics, so /metrics adds them all up.

prometheus-client's multiprocess mode: PROMETHEUS_MULTIPROC_DIR must be set before the library
is first imported, in every process that counts, and emptied between runs (old files would be
added to the new run's figures). Nothing here imports the library.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def metrics_folder() -> Iterator[Path]:
    """The operator's folder (emptied of old counts first) or a private temporary one, removed at the end."""
    given = os.environ.get(ENV)
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.db"):
            old.unlink(missing_ok=True)
        yield folder
        return
    folder = Path(tempfile.mkdtemp(prefix="pwa-metrics-"))  # 0700: counts are nobody else's business
    os.environ[ENV] = str(folder)
    try:
        yield folder
    finally:
        os.environ.pop(ENV, None)
        shutil.rmtree(folder, ignore_errors=True)

"""The systemd units in deploy/systemd pass `systemd-analyze verify` (where systemd is installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pwa.settings import ROOT_DIR

ANALYZE = shutil.which("systemd-analyze")
UNITS = ROOT_DIR / "deploy" / "systemd"


@pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed: systemd unit check skipped")
def test_the_shipped_units_verify_cleanly(tmp_path: Path) -> None:
    # The units name the documented checkout (/srv/pwa/app); verify checks that ExecStart exists, so
    # they are checked as installed here, from this checkout. Templates are checked as instances.
    instances = {"pwa-web@.service": "pwa-web@8001.service", "pwa-worker@.service": "pwa-worker@1.service"}
    checked = []
    for unit in sorted(UNITS.iterdir()):
        text = unit.read_text().replace("/srv/pwa/app", str(ROOT_DIR))
        for name in {unit.name, instances.get(unit.name, unit.name)}:
            (tmp_path / name).write_text(text)
        checked.append(str(tmp_path / instances.get(unit.name, unit.name)))
    assert len(checked) == 4
    assert ANALYZE is not None
    result = subprocess.run([ANALYZE, "verify", "--man=no", *checked], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_the_units_use_the_documented_paths() -> None:
    for unit in UNITS.glob("*.service"):
        text = unit.read_text()
        assert "EnvironmentFile=/etc/pwa/pwa.env" in text and "User=pwa" in text, unit.name
        assert "ExecStart=/srv/pwa/app/.venv/bin/pwa " in text, unit.name

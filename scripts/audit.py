"""Known vulnerabilities in the pinned dependencies: `pip-audit` (Python) and `npm audit` (htmx).

Fails on any finding not explained in ALLOWED (each explained in the README's "Dependency audit"),
and only on findings: when an advisory service cannot be asked (a registry mirror without the
audit endpoints, no network), nothing was audited, and that is said plainly on a SKIPPED line.
PWA_AUDIT_REQUIRED=1 makes that a failure too (for a release build that must have been audited).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Advisory id → why it does not affect this app (keep the README's list in step). Empty today.
ALLOWED: dict[str, str] = {}


def pip_findings() -> tuple[list[str], str | None]:
    """(findings, why nothing could be audited or None), from pip-audit over the project's virtualenv."""
    cmd = [str(Path(sys.executable).parent / "pip-audit"), "--skip-editable", "--progress-spinner", "off", "-f", "json"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
    try:
        report = json.loads(done.stdout)
    except ValueError:
        return [], f"pip-audit gave no report (exit {done.returncode}): {done.stderr.strip()[-300:]}"
    deps = report["dependencies"]
    audited = [d for d in deps if "skip_reason" not in d]
    if not audited:
        return [], f"the advisory service answered for none of {len(deps)} packages ({deps[0]['skip_reason']})"
    found = [
        f"{d['name']} {d['version']}: {v['id']} (fixed in {', '.join(v['fix_versions']) or 'no release yet'})"
        for d in audited
        for v in d["vulns"]
        if v["id"] not in ALLOWED and not set(v.get("aliases", [])) & set(ALLOWED)
    ]
    return found, None


def npm_findings() -> tuple[list[str], str | None]:
    """(findings, why nothing could be audited or None), from `npm audit` over package-lock.json."""
    done = subprocess.run(["npm", "audit", "--json"], capture_output=True, text=True, cwd=ROOT, check=False)
    try:
        report = json.loads(done.stdout)
    except ValueError:
        return [], f"npm audit gave no report (exit {done.returncode}): {done.stderr.strip()[-300:]}"
    if "error" in report or "message" in report:
        return [], f"npm audit could not ask the registry: {report.get('message') or report['error']}"
    found = []
    for name, entry in report.get("vulnerabilities", {}).items():
        ids = [str(v.get("source", v)) for v in entry.get("via", []) if isinstance(v, dict)]
        if not ids or not set(ids) <= set(ALLOWED):
            found.append(f"{name} ({entry.get('severity')}): {entry.get('range')} {', '.join(ids)}")
    return found, None


def main() -> int:
    """Print what each audit found; the exit status says whether `make test` may go on."""
    failed = False
    for tool, (found, unavailable) in (("pip-audit", pip_findings()), ("npm audit", npm_findings())):
        if unavailable:
            required = os.environ.get("PWA_AUDIT_REQUIRED") == "1"
            print(f"{'FAILED' if required else 'SKIPPED'}: {tool}: nothing audited: {unavailable}")
            failed = failed or required
        elif found:
            print(f"FAILED: {tool}: {len(found)} known vulnerabilities:\n  " + "\n  ".join(found))
            failed = True
        else:
            print(f"{tool}: no known vulnerability")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

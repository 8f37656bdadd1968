"""Exit 0 if the PostgreSQL server in argv[1] answers, 1 otherwise (used by `make test-pg`)."""

from __future__ import annotations

import sys

from sqlalchemy import create_engine, text

from pwa.db import normalise_url


def reachable(url: str) -> bool:
    """True if a trivial query succeeds within a few seconds."""
    engine = create_engine(normalise_url(url), connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar() == 1
    except Exception as exc:  # any failure means "not reachable"; say why
        print(f"PostgreSQL check failed: {type(exc).__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return False
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(0 if reachable(sys.argv[1]) else 1)

"""Secrets: password hashes, API keys, CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
API_KEY_PREFIX = "pk_"


def hash_password(password: str) -> str:
    """An argon2id hash of a password."""
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so both failures take as long. Made on first
    use, not at import: hashing takes 64 MiB, which every process importing this module (the push
    workers too) would otherwise keep as peak memory."""
    return _hasher.hash("not-a-real-password")


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if the password matches; spends the same time when there is no hash."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def new_api_key() -> tuple[str, str]:
    """A fresh API key and its short public prefix (shown in lists)."""
    prefix = secrets.token_hex(4)
    return f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}", prefix


def hash_api_key(key: str) -> str:
    """SHA-256 of a key: the key has 256 random bits, so a slow hash adds nothing."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A random, URL-safe token (CSRF, device ids)."""
    return secrets.token_urlsafe(32)


def same_token(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two tokens; missing never matches."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))

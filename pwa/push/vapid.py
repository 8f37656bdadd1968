"""The server's VAPID identity: a P-256 key pair and a contact address (RFC 8292)."""

from __future__ import annotations

import base64
import contextlib
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid

from pwa.settings import Settings, read_or_create_secret, write_private_file

KEY_FILE = "vapid_private_key"


def b64url(data: bytes) -> str:
    """Unpadded base64url, as Web Push writes keys."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded (or padded) base64url; raises ValueError on garbage."""
    cleaned = text.strip().rstrip("=")
    try:
        return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError("not base64url") from exc


def _new_raw_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def subject(settings: Settings) -> str:
    """The `sub` claim: the configured contact, else one derived from the public address.

    Push services (Apple's in particular) want a real `mailto:` or `https:` contact.
    With an https base URL the site itself is that contact; for local development
    (`http://127.0.0.1:…`) `mailto:admin@<host>` keeps test push services happy.
    Production sets PWA_VAPID_SUBJECT (README).
    """
    if settings.vapid_subject:
        if not settings.vapid_subject.startswith(("mailto:", "https://")):
            raise ValueError("PWA_VAPID_SUBJECT must start with mailto: or https://")
        return settings.vapid_subject
    parts = urlsplit(settings.base_url)
    if parts.scheme == "https":
        return f"https://{parts.netloc}"
    return f"mailto:admin@{parts.hostname or 'localhost'}"


@dataclass(frozen=True)
class Identity:
    """The key pair and contact the sender signs with."""

    raw_private_key: str
    subject: str

    @cached_property
    def vapid(self) -> Vapid:
        """py-vapid's signer, built once (parsing a key per send is wasted work)."""
        return Vapid.from_raw(self.raw_private_key.encode("ascii"))

    @cached_property
    def public_key(self) -> str:
        """The application server key the browser subscribes with (base64url, uncompressed point)."""
        point = self.vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)


def load(settings: Settings) -> Identity:
    """The identity from the environment, or from the instance folder (created 0600 on first start)."""
    raw = settings.vapid_private_key
    if not raw:
        path = settings.instance_dir / KEY_FILE
        if not path.exists():
            with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
                write_private_file(path, _new_raw_key())
        raw = read_or_create_secret(path)
    if len(b64url_decode(raw)) != 32:
        raise ValueError("PWA_VAPID_PRIVATE_KEY must be a base64url raw 32-byte P-256 private key")
    return Identity(raw_private_key=raw, subject=subject(settings))

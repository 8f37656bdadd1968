"""The shapes of what any API key may ask about itself."""

from __future__ import annotations

from typing import Literal

from pwa.api_models.base import Answer


class Key(Answer):
    """An API key as its holder sees it: its name and scopes."""

    name: str
    scopes: list[Literal["pickups", "dossiers", "notices"]]

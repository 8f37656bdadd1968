"""Names shown to people who may not know the person."""

from __future__ import annotations

from pwa import names


def test_names_are_masked_without_telling_lengths() -> None:
    assert names.mask_name("Hoàng Thị Mai") == "Hoàng T*** M**"
    assert names.mask_name("Mai") == "M***" and names.mask_name("  ") == ""

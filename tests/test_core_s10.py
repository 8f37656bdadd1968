"""S10 tracking numbers, checked against the examples in the UPU standard's summary."""

from __future__ import annotations

import pytest

from pwa import s10


def test_check_digit_of_the_standard_example() -> None:
    assert s10.check_digit("47312482") == 9


def test_valid_and_invalid_numbers() -> None:
    assert s10.is_valid("EB123456785VN")
    assert not s10.is_valid("EB123456789VN")
    assert s10.is_valid("eb 1234 5678 5 vn")
    assert not s10.is_valid("E1234567885VN")


@pytest.mark.parametrize("serial", [0, 1, 47312482, 99_999_999, 12345678])
def test_made_numbers_pass_the_check(serial: int) -> None:
    number = s10.make("CP", serial)
    assert s10.is_valid(number) and number.endswith("VN") and len(number) == 13


def test_check_digit_special_cases() -> None:
    def weighted(serial: str) -> int:
        return sum(int(d) * w for d, w in zip(serial, s10.WEIGHTS, strict=True)) % 11

    serials = [f"{n:08d}" for n in range(300)]
    ten = next(x for x in serials if weighted(x) == 1)  # 11 - 1 = 10 → 0
    eleven = next(x for x in serials if weighted(x) == 0)  # 11 - 0 = 11 → 5
    assert s10.check_digit(ten) == 0
    assert s10.check_digit(eleven) == 5

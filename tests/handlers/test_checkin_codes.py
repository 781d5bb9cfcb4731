"""Rotating check-in codes and the distance from the venue (handlers/trainings/codes.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.geo import distance_m
from handlers.trainings.codes import (
    ROTATE_SECONDS,
    code_expired,
    code_for,
    code_matches,
    current_code,
    new_secret,
    normalise_code,
    slot_of,
    valid_until,
)

SECRET = "00112233445566778899aabbccddeeff00112233"
START = datetime(2026, 12, 8, 0, 30, tzinfo=UTC)  # 07.30 WIB, the start of a slot
STEP = timedelta(seconds=ROTATE_SECONDS)


def test_a_code_is_six_digits_and_depends_on_the_secret_and_the_slot() -> None:
    code = current_code(SECRET, START)
    assert len(code) == 6 and code.isdigit()
    assert current_code(SECRET, START + STEP - timedelta(seconds=1)) == code
    assert current_code("ff" * 20, START) != code  # another training, another code
    assert len(new_secret()) == 40 and new_secret() != new_secret()
    codes = {code_for(SECRET, slot_of(START) + n) for n in range(20)}
    assert len(codes) >= 19  # changes every slot (a repeat is a one-in-a-million chance)
    assert code_for(SECRET, 12345) == code_for(SECRET, 12345)


def test_the_current_and_the_previous_code_are_accepted() -> None:
    now = START + timedelta(minutes=7)
    current = current_code(SECRET, now)
    previous = current_code(SECRET, now - STEP)
    older = current_code(SECRET, now - 2 * STEP)
    assert code_matches(SECRET, current, now)
    assert code_matches(SECRET, previous, now)
    assert not code_matches(SECRET, older, now)
    day_starts = START - timedelta(hours=7, minutes=30)  # 00.00 WIB
    assert code_expired(SECRET, older, now, since=day_starts)
    assert not code_expired(SECRET, current, now, since=day_starts)
    assert not code_expired(SECRET, previous, now, since=day_starts)
    shown_long_ago = current_code(SECRET, now - timedelta(minutes=85))  # 06.12 WIB
    assert code_expired(SECRET, shown_long_ago, now, since=day_starts)
    assert not code_expired(SECRET, shown_long_ago, now, since=now - timedelta(hours=1))
    wrong = next(
        f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in (current, previous, older)
    )
    assert not code_matches(SECRET, wrong, now)
    assert not code_matches(SECRET, current, now + 2 * STEP)  # rotated out


def test_a_code_is_valid_until_the_end_of_its_slot() -> None:
    assert valid_until(START + timedelta(seconds=10)) == START + STEP


@pytest.mark.parametrize(
    ("typed", "code"),
    [("123456", "123456"), ("123 456", "123456"), ("123-456", "123456"), (" 123.456", "123456"),
     ("12345", None), ("1234567", None), ("abcdef", None), ("", None)],
)  # fmt: skip
def test_typed_codes(typed: str, code: str | None) -> None:
    assert normalise_code(typed) == code


def test_distance() -> None:
    assert distance_m(-6.9755, 108.4836, -6.9755, 108.4836) == 0
    one_degree = distance_m(0, 0, 1, 0)
    assert 111_100 < one_degree < 111_300
    near = distance_m(-6.9755, 108.4836, -6.9757, 108.4836)  # 0.0002 degrees south
    assert 21 < near < 23
    assert distance_m(-6.9755, 108.4836, -6.9657, 108.4836) == pytest.approx(
        distance_m(-6.9657, 108.4836, -6.9755, 108.4836)
    )
    assert 1_080 < distance_m(-6.9755, 108.4836, -6.9657, 108.4836) < 1_100

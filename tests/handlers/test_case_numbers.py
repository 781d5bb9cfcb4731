"""A case number as typed or pasted, read as the bot issued it: any case, the serial's
leading zeros optional, WhatsApp's bold or a full stop around it; inside a sentence only
by `case_numbers_in`. Cases kept as data."""

from __future__ import annotations

import pytest

from handlers.case_numbers import case_number, case_numbers_in

ALONE = [
    ("KNG-2026-000101", "KNG-2026-000101"),
    ("kng-2026-101", "KNG-2026-000101"),
    ("Kng-2026-0000101", "KNG-2026-000101"),
    (" *KNG-2026-000101* ", "KNG-2026-000101"),  # pasted from WhatsApp in bold
    ("KNG-2026-000101.", "KNG-2026-000101"),
    ("KNG\u20132026\u2013101", "KNG-2026-000101"),  # an en dash for a hyphen
    ("TBN-2027-1", "TBN-2027-000001"),
    ("KNG-2026-1234567", None),  # a serial of 7 digits
    ("KNG-26-000101", None),  # a year of 2 digits
    ("K-2026-000101", None),
    ("KNG 2026 000101", None),
    ("tolong cek KNG-2026-000101", None),  # a sentence: only case_numbers_in
    ("3208014506230001", None),
    ("", None),
]
WITHIN = [
    ("tolong cek KNG-2026-000101 ya", ["KNG-2026-000101"]),
    ("KNG-2026-101 dan kng-2026-000101", ["KNG-2026-000101"]),  # one number, twice
    ("KNG-2026-000101, KNG-2026-000102", ["KNG-2026-000101", "KNG-2026-000102"]),
    ("KNG-2026-1234567 atau KNG-2026-000101x", []),
    ("RT 02 RW 05, 2026-000101", []),
    ("jadwal posyandu", []),
]


@pytest.mark.parametrize(("typed", "number"), ALONE)
def test_a_case_number_typed_alone(typed: str, number: str | None) -> None:
    assert case_number(typed) == number


@pytest.mark.parametrize(("typed", "numbers"), WITHIN)
def test_the_case_numbers_within_a_message(typed: str, numbers: list[str]) -> None:
    assert case_numbers_in(typed) == numbers

"""How a NIK, KK or phone number shows up in text: compacted, compared, found however it was
typed, masked. Tables of cases, one per function."""

from __future__ import annotations

import pytest

from storage.identifiers import (
    compact_number,
    identifier_pattern,
    mask_identifier,
    same_number,
)

NIK = "3208014506230001"

COMPACT_CASES = [
    pytest.param(NIK, NIK, id="already-compact"),
    pytest.param("3208 0145 0623 0001", NIK, id="spaces"),
    pytest.param("32.08.01.450623.0001", NIK, id="dots"),
    pytest.param("3208-0145-0623-0001", NIK, id="dashes"),
    pytest.param(" 32 08.01-45\t06\n23 ", "320801450623", id="mixed-and-whitespace"),
    pytest.param("3208\u00a00145\u20030623 0001", NIK, id="unicode-spaces"),
    pytest.param("a b.c-d", "abcd", id="letters-kept"),
    pytest.param("(0812) 3456", "(0812)3456", id="parentheses-kept"),
    pytest.param("", "", id="empty"),
]


@pytest.mark.parametrize(("text", "expected"), COMPACT_CASES)
def test_compact_number(text, expected):
    assert compact_number(text) == expected


@pytest.mark.parametrize(
    ("value", "same"),
    [
        pytest.param(NIK, True, id="as-is"),
        pytest.param("3208 0145.0623-0001", True, id="typed-with-separators"),
        pytest.param("3208014506230002", False, id="another-number"),
        pytest.param(int(NIK), False, id="not-text"),
        pytest.param(None, False, id="missing"),
    ],
)
def test_same_number(value, same):
    assert same_number(value, NIK) is same


@pytest.mark.parametrize(
    ("text", "found"),
    [
        pytest.param(f"NIK {NIK}.", NIK, id="as-is"),
        pytest.param("NIK 32.08.01 4506-230001 ok", "32.08.01 4506-230001", id="separators"),
        pytest.param("NIK 32080145062300012", NIK, id="inside-a-longer-run"),
        pytest.param("NIK 3208/0145/0623/0001", None, id="slashes-not-a-separator"),
    ],
)
def test_identifier_pattern(text, found):
    match = identifier_pattern(NIK).search(text)
    assert (match.group(0) if match else None) == found


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        pytest.param("3208010101900001", "320801******0001", id="nik"),
        pytest.param("1271016912990005", "127101******0005", id="medan"),
    ],
)
def test_mask_identifier(digits, expected):
    assert mask_identifier(digits) == expected

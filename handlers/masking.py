"""The last filter on everything sent: no full NIK or KK ever leaves the bot.

A NIK or KK is 16 digits, often written with spaces, dots or dashes. Separators are ignored,
and any run of digit groups within a line that adds up to exactly 16 digits (not inside a
longer unbroken run of digits) is shown as `320801******0001`; across a line break only a
number shaped like a NIK or KK is (`looks_like_identifier`), so a GPS position and the next
line's number stay readable. A message holding what is masked is deleted from chats
(`holds_identifier`), and so is a mistyped attempt at a NIK or KK (`holds_long_number`); a
free-text answer holding a number shaped like a NIK or KK is refused (`holds_nik_or_kk`).
"""

from __future__ import annotations

import re

from storage.identifiers import mask_identifier

# Digit groups joined by separators: "3208 0101 0190 0001", "32.08.01-0101900001",
# "3208 - 0101", no-break spaces, tabs, line breaks: those the NIK parser ignores, and more
# (slashes, underscores, commas, invisible joiners) so that no way of writing a number slips
# through.
_MASK_SEPARATORS = r"[\s.\-/_,\u200b\u200c\u200d\u2060\ufeff]"
_DIGIT_RUN = re.compile(rf"\d+(?:{_MASK_SEPARATORS}+\d+)*")
_GROUP = re.compile(r"\d+")
_MASKED_NUMBER = re.compile(r"\d\s*\*{2,}[\s*]*\d")
_LINE_BREAK = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
IDENTIFIER_LENGTH = 16
# At least 16 digits somewhere: what any masking needs. A cheap first look, since nearly every
# text (a name, an address, most messages) has fewer and so is returned as it is.
_ENOUGH_DIGITS = re.compile(rf"(?:\d\D*+){{{IDENTIFIER_LENGTH}}}")


# The provinces' two-digit codes a NIK or KK begins with (Kepmendagri; 92-97 Papua's newer).
_PROVINCES = frozenset(
    (
        *range(11, 20),  # Sumatra
        21,  # Riau Islands
        *range(31, 37),  # Java
        *range(51, 54),  # Bali, Nusa Tenggara
        *range(61, 66),  # Kalimantan
        *range(71, 77),  # Sulawesi
        81,  # Maluku
        82,  # North Maluku
        *range(91, 98),  # Papua
    )
)


def looks_like_identifier(digits: str) -> bool:
    """16 digits shaped like a NIK or KK: a province code first, then a day (a woman's NIK
    adds 40) and a month where they stand, and a serial other than 0000. Two phone numbers,
    or a GPS position and the number on the next line, are not."""
    day, month = int(digits[6:8]), int(digits[8:10])
    return (
        int(digits[:2]) in _PROVINCES
        and (1 <= day <= 31 or 41 <= day <= 71)
        and 1 <= month <= 12
        and digits[12:] != "0000"
    )


def _identifiers(run: str, *, all_in_a_line: bool) -> list[tuple[int, int, str]]:
    """(start, end, digits) of the 16-digit numbers in a run of digit groups, left to right.
    Within a line any 16 digits count (`all_in_a_line`) or only those shaped like an
    identifier; across a line break only those shaped like one (the last number of a line
    and the first of the next are usually two numbers)."""
    groups = [(m.start(), m.end()) for m in _GROUP.finditer(run)]
    found: list[tuple[int, int, str]] = []
    i = 0
    while i < len(groups):
        total = 0
        j = i
        while j < len(groups) and total < IDENTIFIER_LENGTH:
            total += groups[j][1] - groups[j][0]
            j += 1
        if total == IDENTIFIER_LENGTH:
            start, end = groups[i][0], groups[j - 1][1]
            digits = "".join(ch for ch in run[start:end] if ch.isdigit())
            one_line = _LINE_BREAK.search(run, start, end) is None
            if (one_line and all_in_a_line) or looks_like_identifier(digits):
                found.append((start, end, digits))
                i = j
                continue
        i += 1
    return found


def _mask_run(run: str) -> str:
    pieces: list[str] = []
    cursor = 0
    for start, end, digits in _identifiers(run, all_in_a_line=True):
        pieces += [run[cursor:start], mask_identifier(digits)]
        cursor = end
    pieces.append(run[cursor:])
    return "".join(pieces)


def mask_identifiers(text: str) -> str:
    """Mask every NIK/KK-like number in a text: any 16 digits written within a line, and
    those shaped like a NIK or KK across a line break."""
    if not text or _ENOUGH_DIGITS.search(text) is None:
        return text
    return _DIGIT_RUN.sub(lambda match: _mask_run(match.group(0)), text)


def holds_identifier(text: str | None) -> bool:
    """Whether `mask_identifiers` would change the text: what is deleted from a chat."""
    return bool(text) and mask_identifiers(text) != text


def holds_long_number(text: str | None, digits: int) -> bool:
    """Whether a text holds at least `digits` digits in a row, separators allowed between
    them: most of a NIK or KK, mistyped (a digit short, a letter for a digit)."""
    if not text or digits < 1:
        return False
    return re.search(rf"\d(?:{_MASK_SEPARATORS}*\d){{{digits - 1},}}", text) is not None


def holds_masked_number(text: str | None) -> bool:
    """Whether a text holds a number masked as the bot shows a NIK or KK ("320801******0001",
    `mask_identifier`): digits, then two stars or more, then digits (WhatsApp's bold is one
    star)."""
    return bool(text) and _MASKED_NUMBER.search(text) is not None


def holds_nik_or_kk(text: str | None) -> bool:
    """Whether a text holds a number shaped like a NIK or KK, however it is written: what a
    free-text answer may not hold (two phone numbers, or a position, may)."""
    if not text or _ENOUGH_DIGITS.search(text) is None:
        return False
    return any(
        _identifiers(match.group(0), all_in_a_line=False) for match in _DIGIT_RUN.finditer(text)
    )

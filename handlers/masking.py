"""The last filter on everything sent: no full NIK or KK ever leaves the bot.

A NIK or KK is 16 digits, often written with spaces, dots or dashes. Separators are ignored,
and any run of digit groups within a line that adds up to exactly 16 digits (not inside a
longer unbroken run of digits) is shown as `320801******0001`; so is, among the digits left,
any run of 14 to 18 within a line (a NIK or KK typed a digit or two short or long, as in a
coordinator's note), though not a GPS position (`-6.97120, 108.48210`). Across a line break
only a number shaped like a NIK or KK is masked (`looks_like_identifier`), so a GPS position
and the next line's number stay readable. A message holding what is masked is deleted from chats
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
# A NIK or KK mistyped is still one: 14 to 18 digits within a line are masked too. Phone
# numbers (10 to 13 digits) stay readable.
NEAR_IDENTIFIER_LENGTHS = range(14, 19)
# At least 14 digits somewhere: what any masking needs. A cheap first look, since nearly every
# text (a name, an address, most messages) has fewer and so is returned as it is.
_ENOUGH_DIGITS = re.compile(rf"(?:\d\D*+){{{NEAR_IDENTIFIER_LENGTHS.start}}}")
# A GPS position, degrees with decimals and a comma between (14 or 15 digits as the bot
# writes one): a place to read, not a number to hide.
# How a phone number begins (08..., or 628... written internationally, up to 14 digits): no
# NIK or KK does (no province code starts with 0; Central Kalimantan's 62 has no kabupaten 8x).
_PHONE_STARTS = ("0", "628")
_POSITION = re.compile(r"(?<![\d.])\d{1,2}\.\d+\s*,\s*-?\d{1,3}\.\d+(?![\d.])")


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


def _identifiers(
    run: str, *, all_in_a_line: bool, near_misses: bool = False
) -> list[tuple[int, int, str]]:
    """(start, end, digits) of the numbers to mask in a run of digit groups, left to right.
    First every 16 digits: within a line any (`all_in_a_line`) or only those shaped like an
    identifier; across a line break only those shaped like one (the last number of a line
    and the first of the next are usually two numbers). Then, with `near_misses`, any 14 to 18
    digits within a line among the groups left, a GPS position's and a phone number's aside."""
    groups = [(m.start(), m.end()) for m in _GROUP.finditer(run)]
    found = _sixteen_digits(run, groups, all_in_a_line=all_in_a_line)
    if not near_misses:
        return found
    spans = [(start, end) for start, end, _ in found]
    spans += [(m.start(), m.end()) for m in _POSITION.finditer(run)]
    free = [
        (start, end)
        for start, end in groups
        if not any(s_start <= start and end <= s_end for s_start, s_end in spans)
    ]
    return sorted(found + _near_identifiers(run, free, spans))


def _sixteen_digits(
    run: str, groups: list[tuple[int, int]], *, all_in_a_line: bool
) -> list[tuple[int, int, str]]:
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
            digits = _digits(run[start:end])
            one_line = _LINE_BREAK.search(run, start, end) is None
            if (one_line and all_in_a_line) or looks_like_identifier(digits):
                found.append((start, end, digits))
                i = j
                continue
        i += 1
    return found


def _near_identifiers(
    run: str, groups: list[tuple[int, int]], taken: list[tuple[int, int]]
) -> list[tuple[int, int, str]]:
    """14 to 18 digits of consecutive groups, left to right, never across a line break nor
    across what is `taken` (a 16-digit number masked, a GPS position)."""

    def joined(left: tuple[int, int], right: tuple[int, int]) -> bool:
        return _LINE_BREAK.search(run, left[1], right[0]) is None and not any(
            left[1] <= t_start and t_end <= right[0] for t_start, t_end in taken
        )

    found: list[tuple[int, int, str]] = []
    i = 0
    while i < len(groups):
        total = groups[i][1] - groups[i][0]
        j = i + 1
        while j < len(groups) and total < NEAR_IDENTIFIER_LENGTHS.start:
            if not joined(groups[j - 1], groups[j]):
                break
            total += groups[j][1] - groups[j][0]
            j += 1
        start, end = groups[i][0], groups[j - 1][1]
        digits = _digits(run[start:end])
        if total in NEAR_IDENTIFIER_LENGTHS and not digits.startswith(_PHONE_STARTS):
            found.append((start, end, digits))
            i = j
            continue
        i += 1
    return found


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _mask_run(run: str, *, near_misses: bool) -> str:
    pieces: list[str] = []
    cursor = 0
    for start, end, digits in _identifiers(run, all_in_a_line=True, near_misses=near_misses):
        pieces += [run[cursor:start], mask_identifier(digits)]
        cursor = end
    pieces.append(run[cursor:])
    return "".join(pieces)


def mask_identifiers(text: str, *, near_misses: bool = True) -> str:
    """Mask every NIK/KK-like number in a text: any 16 digits written within a line, and
    those shaped like a NIK or KK across a line break; with `near_misses` (what the bot
    shows) also any other 14 to 18 digits within a line but a GPS position or a phone
    number."""
    if not text or _ENOUGH_DIGITS.search(text) is None:
        return text
    return _DIGIT_RUN.sub(lambda match: _mask_run(match.group(0), near_misses=near_misses), text)


def holds_identifier(text: str | None) -> bool:
    """Whether the text holds a full NIK or KK as `mask_identifiers` finds one (16 digits;
    a near miss is no full one): what is deleted from a chat."""
    return bool(text) and mask_identifiers(text, near_misses=False) != text


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

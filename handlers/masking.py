"""The last filter on everything sent: no full NIK or KK ever leaves the bot.

A NIK or KK is 16 digits, often written with spaces, dots or dashes. Separators are ignored,
and any run of digit groups within a line that adds up to exactly 16 digits is shown as
`320801******0001`; so is any 16 digits or more left in a line (a NIK typed together with a
KK, after a 0 or before more digits: no phone number is that long), and, among the digits
left, any run of 14 or 15 within a line (a NIK or KK typed a digit short, as in a
coordinator's note) but a phone number's. Numbers written as no NIK or KK is are read alone,
never joined to the digits beside them: a GPS position (`-6.97120, 108.48210`), a date
(`2024-05-12`), a time span (`08.30-10.00`), an amount (`1.500.000`), and the numbers of a
list (after a comma and a space). Across a line break, or in a GPS position, only a number
shaped like a NIK or KK is masked (`looks_like_identifier`), so a GPS position and the next
line's number stay readable. A message holding what is masked is deleted from chats
(`holds_identifier`), and so is a mistyped attempt at a NIK or KK (`holds_long_number`); a
free-text answer holding a number shaped like a NIK or KK, alone or within longer digits, is
refused (`holds_nik_or_kk`).
"""

from __future__ import annotations

import re

from storage.identifiers import mask_identifier

# Digit groups joined by separators: "3208 0101 0190 0001", "32.08.01-0101900001",
# "3208 - 0101", no-break spaces, tabs, line breaks: those the NIK parser ignores, and more
# (slashes, underscores, commas, invisible joiners; the dashes a copy from Word or a PDF
# brings, "3208–0117"; colons, brackets "(3208) 0117", "+", "·", "|") so that no way of
# writing a number slips through. A star alone too ("3208*0117"), but never two or more: a
# NIK the bot masked ("320801******0001") is no separator's, and stays as it is.
_DASHES = "\u2010-\u2015\u2212"  # hyphen, non-breaking hyphen, figure/en/em dash, minus
_MASK_SEPARATORS = (
    rf"(?:[\s.\-/_,:()\[\]+\u00b7|{_DASHES}\u200b\u200c\u200d\u2060\ufeff]|(?<!\*)\*(?!\*))"
)
_DIGIT_RUN = re.compile(rf"\d+(?:{_MASK_SEPARATORS}+\d+)*")
_GROUP = re.compile(r"\d+")
_MASKED_NUMBER = re.compile(r"\d\s*\*{2,}[\s*]*\d")
_LINE_BREAK = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")
IDENTIFIER_LENGTH = 16
# A NIK or KK mistyped is still one: 14 or 15 digits within a line are masked too (16 or more
# always are). Phone numbers (10 to 13 digits) stay readable.
NEAR_IDENTIFIER_LENGTHS = range(14, IDENTIFIER_LENGTH)
# At least 14 digits somewhere: what any masking needs. A cheap first look, since nearly every
# text (a name, an address, most messages) has fewer and so is returned as it is.
_ENOUGH_DIGITS = re.compile(rf"(?:\d\D*+){{{NEAR_IDENTIFIER_LENGTHS.start}}}")
# How a phone number begins (08..., or 628... written internationally, up to 14 digits): no
# NIK or KK does (no province code starts with 0; Central Kalimantan's 62 has no kabupaten 8x).
_PHONE_STARTS = ("0", "628")
# Numbers written as no NIK or KK is, each read whole, never joined to the digits beside it.
# A GPS position, degrees with decimals and a comma between (14 or 15 digits as the bot writes
# one): a place to read, not a number to hide. Then, each a whole chain of digits and
# separators (never a piece of a longer one, so no NIK written with dots or dashes is cut):
# a date, day or year first ("17-08-1990", "2024/05/12"), a time span ("08.30-10.00") and an
# amount in thousands ("1.500.000", "2.500.000,50").
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:19|20)\d\d"
_CLOCK = r"(?:[01]?\d|2[0-3])[.:][0-5]\d"
_READ_WHOLE = re.compile(
    r"(?<![\d.])(?P<position>\d{1,2}\.\d+\s*,\s*-?\d{1,3}\.\d+)(?![\d.])"
    rf"|(?<!\d)(?<!\d[-./:,{_DASHES}])(?:"
    rf"{_DAY}(?P<day_first>[-./{_DASHES}]){_MONTH}(?P=day_first){_YEAR}"
    rf"|{_YEAR}(?P<year_first>[-./{_DASHES}]){_MONTH}(?P=year_first){_DAY}"
    rf"|{_CLOCK}\s*[-{_DASHES}]\s*{_CLOCK}"
    r"|\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?"
    rf")(?!\d|[-./:,{_DASHES}]\d)"
)
# A comma and a space between numbers: a list ("1.500.000, 2.000.000"), never one number.
_LIST_BREAK = re.compile(r",\s")

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
    """(start, end, digits) of the numbers to mask in a run of digit groups, left to right,
    each part of it that may be one number (`_parts`) read alone. First every 16 digits:
    within a line any (`all_in_a_line`) or only those shaped like an identifier; across a
    line break, or in a GPS position, only those shaped like one. Then the groups left,
    joined within a line: 16 digits or more in one group (a NIK glued to a KK, or to more
    digits) all of them with `all_in_a_line` (no phone number is that long), else when 16 of
    them in a row are shaped like an identifier; with `near_misses`, 14 or 15 digits but a
    phone number's (and nothing of a GPS position's)."""
    found: list[tuple[int, int, str]] = []
    for groups, position in _parts(run):
        any_digits = all_in_a_line and not position
        taken = _sixteen_digits(run, groups, all_in_a_line=any_digits)
        for stretch in _stretches(run, groups, taken):
            start, end = stretch[0][0], stretch[-1][1]
            digits = _digits(run[start:end])
            if len(digits) >= IDENTIFIER_LENGTH:
                # Unbroken, no phone is that long; in groups it may be two phone numbers
                # ("0812 3456 789 / 0857 1234 5678"): masked only when shaped like one.
                if (any_digits and len(stretch) == 1) or _holds_shaped(digits):
                    taken.append((start, end, digits))
            elif near_misses and not position:
                taken += _near_identifiers(run, stretch)
        found += taken
    return sorted(found)


def _parts(run: str) -> list[tuple[list[tuple[int, int]], bool]]:
    """The digit groups of a run, as the parts that may each be one number, with whether
    the part is a GPS position: a date, a time span, an amount or a position alone
    (`_READ_WHOLE`), and the groups between them, split where a comma and a space stand
    (a list: "1.500.000, 2.000.000")."""
    wholes = [(*m.span(), m.group("position") is not None) for m in _READ_WHOLE.finditer(run)]
    parts: list[tuple[list[tuple[int, int]], bool]] = []
    previous: tuple[int, int, bool] | None = None
    for match in _GROUP.finditer(run):
        start, end = match.span()
        whole = next((w for w in wholes if w[0] <= start and end <= w[1]), None)
        if parts and whole == previous:
            gap = run[parts[-1][0][-1][1] : start]
            if whole is not None or _LIST_BREAK.search(gap) is None:
                parts[-1][0].append((start, end))
                continue
        parts.append(([(start, end)], whole is not None and whole[2]))
        previous = whole
    return parts


def _stretches(
    run: str, groups: list[tuple[int, int]], taken: list[tuple[int, int, str]]
) -> list[list[tuple[int, int]]]:
    """The groups not `taken`, as stretches of groups next to each other within a line: a
    line break or a number taken ends a stretch."""
    stretches: list[list[tuple[int, int]]] = []
    previous: tuple[int, int] | None = None
    for group in groups:
        if any(t_start <= group[0] and group[1] <= t_end for t_start, t_end, _ in taken):
            previous = None
            continue
        if previous is None or _LINE_BREAK.search(run, previous[1], group[0]) is not None:
            stretches.append([])
        stretches[-1].append(group)
        previous = group
    return stretches


def _holds_shaped(digits: str) -> bool:
    """Whether 16 digits in a row within these are shaped like a NIK or KK."""
    return any(
        looks_like_identifier(digits[i : i + IDENTIFIER_LENGTH])
        for i in range(len(digits) - IDENTIFIER_LENGTH + 1)
    )


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


def _near_identifiers(run: str, stretch: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """14 or 15 digits of consecutive groups of a stretch (fewer than 16 digits), left to
    right, but a phone number's."""
    found: list[tuple[int, int, str]] = []
    i = 0
    while i < len(stretch):
        total = 0
        j = i
        while j < len(stretch) and total < NEAR_IDENTIFIER_LENGTHS.start:
            total += stretch[j][1] - stretch[j][0]
            j += 1
        start, end = stretch[i][0], stretch[j - 1][1]
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
    """Mask every NIK/KK-like number in a text: any 16 digits or more written within a line
    (a date, a time span, an amount, a GPS position and a list's numbers each read alone),
    and those shaped like a NIK or KK across a line break; with `near_misses` (what the bot
    shows) also any other 14 or 15 digits within a line but a phone number."""
    if not text or _ENOUGH_DIGITS.search(text) is None:
        return text
    return _DIGIT_RUN.sub(lambda match: _mask_run(match.group(0), near_misses=near_misses), text)


def holds_identifier(text: str | None) -> bool:
    """Whether the text holds a full NIK or KK as `mask_identifiers` finds one (16 digits or
    more; a near miss is no full one): what is deleted from a chat."""
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
    """Whether a text holds a number shaped like a NIK or KK, however it is written, alone or
    within longer digits (a NIK typed together with a KK): what a free-text answer may not
    hold (two phone numbers, or a position, may)."""
    if not text or _ENOUGH_DIGITS.search(text) is None:
        return False
    return any(
        _identifiers(match.group(0), all_in_a_line=False) for match in _DIGIT_RUN.finditer(text)
    )

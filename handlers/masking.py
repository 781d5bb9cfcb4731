"""The last filter on everything sent: no full NIK or KK ever leaves the bot.

A NIK or KK is 16 digits, often written with spaces, dots or dashes. Separators are ignored,
and any run of digit groups that adds up to exactly 16 digits (not inside a longer unbroken
run of digits) is shown as `320801******0001`.
"""

from __future__ import annotations

import re

# Digit groups joined by separators: "3208 0101 0190 0001", "32.08.01-0101900001",
# "3208 - 0101", no-break spaces, tabs: those the NIK parser ignores, and more (slashes,
# underscores, commas, invisible joiners) so that no way of writing a number slips through.
# Not line breaks: a number ending one line and the next line's ("-6.97120, 108.48210" then
# "10. Kategori" in a summary) are two numbers, and masking them as one garbled both lines.
_SPACE_IN_A_LINE = r"[^\S\n\r\v\f\x1c-\x1e\x85\u2028\u2029]"
_MASK_SEPARATORS = rf"(?:{_SPACE_IN_A_LINE}|[.\-/_,\u200b\u200c\u200d\u2060\ufeff])"
_DIGIT_RUN = re.compile(rf"\d+(?:{_MASK_SEPARATORS}+\d+)*")
_GROUP = re.compile(r"\d+")
IDENTIFIER_LENGTH = 16
# At least 16 digits somewhere: what any masking needs. A cheap first look, since nearly every
# text (a name, an address, most messages) has fewer and so is returned as it is.
_ENOUGH_DIGITS = re.compile(rf"(?:\d\D*+){{{IDENTIFIER_LENGTH}}}")


def mask_identifier(digits: str) -> str:
    """`3208010101900001` -> `320801******0001`."""
    return f"{digits[:6]}{'*' * 6}{digits[-4:]}"


def _mask_run(run: str) -> str:
    groups = [(m.start(), m.end()) for m in _GROUP.finditer(run)]
    pieces: list[str] = []
    cursor = 0
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
            pieces.append(run[cursor:start])
            pieces.append(mask_identifier(digits))
            cursor = end
            i = j
        else:
            i += 1
    pieces.append(run[cursor:])
    return "".join(pieces)


def mask_identifiers(text: str) -> str:
    """Mask every NIK/KK-like number in a text."""
    if not text or _ENOUGH_DIGITS.search(text) is None:
        return text
    return _DIGIT_RUN.sub(lambda match: _mask_run(match.group(0)), text)


def holds_identifier(text: str | None) -> bool:
    """Whether a text holds a NIK/KK-like number (`mask_identifiers` would change it)."""
    return bool(text) and mask_identifiers(text) != text

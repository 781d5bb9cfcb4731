"""A case number as people type or paste it: "KNG-2026-000101", "kng-2026-101", pasted from a
WhatsApp group in bold ("*KNG-2026-000101*") or inside a sentence ("tolong cek
KNG-2026-000101"), read as the number the bot gave (`storage.cases.CASE_NUMBER`):
the prefix in capitals, the serial padded to six digits."""

from __future__ import annotations

import re

# Prefix, local year and serial; leading zeros of the serial optional (the short form
# "KNG-2026-101"), an en dash read as a hyphen (phones turn "--" into one). Not a part of a
# longer word or number: "KNG-2026-0001011" is no case number.
_TYPED = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{2,5})[-\u2013](\d{4})[-\u2013]0*(\d{1,6})(?![A-Za-z0-9])"
)
# What may stand around a number typed alone: spaces, WhatsApp's markup, quotes, a full stop.
_AROUND = " *_~`'\"“”‘’.,:;!?()[]"


def _as_issued(match: re.Match[str]) -> str:
    prefix, year, serial = match.groups()
    return f"{prefix.upper()}-{year}-{int(serial):06d}"


def case_number(text: str) -> str | None:
    """The case number that is all of `text` (its markup and punctuation around aside), as
    the bot issued it; None for anything else."""
    match = _TYPED.fullmatch(text.strip(_AROUND))
    return _as_issued(match) if match else None


def case_numbers_in(text: str) -> list[str]:
    """Every distinct case number within `text`, as issued, in the order typed."""
    return list(dict.fromkeys(_as_issued(match) for match in _TYPED.finditer(text)))


def without_case_numbers(text: str) -> str:
    """`text` with its case numbers blanked: their digits are no attempt at a NIK or KK."""
    return _TYPED.sub(" ", text)

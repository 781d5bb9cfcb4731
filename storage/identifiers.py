"""NIK, KK and phone numbers as text: typed with separators, compacted, or masked as the bot
shows them in chat. The one place for this, shared by storage (correction, erasure) and the
conversations (parsing, the outbound mask)."""

from __future__ import annotations

import re
from typing import Any

# Spaces (of any kind), dots and dashes people put inside long numbers.
_SEPARATOR = r"[\s.\-]"
_SEPARATORS = re.compile(_SEPARATOR)


def compact_number(text: str) -> str:
    """The number without its spaces, dots and dashes: `32.08 01-45` -> `32080145`."""
    return _SEPARATORS.sub("", text)


def same_number(value: Any, digits: str) -> bool:
    """Whether a stored answer is this number however it was typed (never for non-text)."""
    return isinstance(value, str) and compact_number(value) == digits


def identifier_pattern(digits: str) -> re.Pattern[str]:
    """The number however it was typed: separators allowed between any two digits."""
    return re.compile(f"{_SEPARATOR}*".join(re.escape(d) for d in digits))


def mask_identifier(digits: str) -> str:
    """How the bot shows a NIK or KK in chat: `3208010101900001` -> `320801******0001`."""
    return f"{digits[:6]}{'*' * 6}{digits[-4:]}"

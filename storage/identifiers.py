"""How a NIK or KK number shows up in stored text: typed with separators, or masked as the
bot showed it in chat (shared by correction and erasure)."""

from __future__ import annotations

import re
from typing import Any

_SEPARATOR = r"[\s.\-]*"


def identifier_pattern(digits: str) -> re.Pattern[str]:
    """The number however it was typed: separators allowed between any two digits."""
    return re.compile(_SEPARATOR.join(re.escape(d) for d in digits))


def compact_number(value: Any) -> str | None:
    """A typed number without its separators (None for what is not text)."""
    return re.sub(_SEPARATOR, "", value) if isinstance(value, str) else None


def masked_number(digits: str) -> str:
    """How the bot showed the number in chat: 320801******0001."""
    return f"{digits[:6]}{'*' * 6}{digits[-4:]}"

"""A case as one row of a list of cases (/cari's results, /antrian): its number first (a
WhatsApp list row's title), then what tells it from the others listed: the head of household
(as on the case page), the desa and the state, "KNG-2026-000001 · Slamet · Babatan ·
Diajukan". Always longer than a row's title, so every row on WhatsApp has the same shape:
the number as title, the rest as description."""

from __future__ import annotations

from handlers.context import Turn
from storage.models import FoundCase

# What follows a row's number (a WhatsApp list row's description, the tightest of our
# channels) holds 72 characters: the head's name is cut to leave room for the desa and state.
_AFTER_NUMBER = 72
SEPARATOR = " · "


def case_row_label(turn: Turn, case: FoundCase, mark: str = "") -> str:
    """The row's label: `mark` (an emoji and a space: urgent, waiting for the viewer...) before
    the number, then the head of household, the desa and the state."""
    state = turn.t(f"case_states.{case.state}")
    rest = SEPARATOR + case.desa_name + SEPARATOR + state
    room = _AFTER_NUMBER - len(rest)
    head = case.head_name.strip()
    if len(head) > room:
        head = head[: room - 1].rstrip() + "…"
    parts = [mark + case.number, head] if head and room > 1 else [mark + case.number]
    return SEPARATOR.join(parts) + rest

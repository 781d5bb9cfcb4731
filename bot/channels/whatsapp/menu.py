"""The options last printed to a WhatsApp chat as numbered text, and a typed reply read
against them.

When options go out as numbered text (outbound.py), the adapter remembers, for the chat,
number -> button data and the outbox id of the message they were printed in (channel.py,
schedule state `menu:<chat>`). The webhook reads a typed reply against them before storing
it (bot/webhook.py), and inbound.py turns what it found into the neutral event:

- a number (or word) that was printed: that button, as if tapped (`menu_data`);
- a list of numbers ("1, 8", "1 8", "1 dan 8"), or one number that was not printed: each
  number with the button printed next to it, or none (`menu_picks`, `menu_message`). Only
  this channel knows what it printed, so a number is never read as anything else; the
  conversation decides what a list means (`Inbound.picks`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

MENU_KEY = "menu:"
# At most this many numbers in a list; a number has at most 3 digits (a 6-digit check-in
# code typed at the venue is not a pick).
MAX_PICKS = 40
_NUMBER = re.compile(r"[0-9]{1,3}")
_SEPARATOR = re.compile(r"\s*(?:[,;]|\bdan\b)\s*|\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Menu:
    """What the chat's last numbered text offered: "3" -> button data (or a word -> data
    for a location request's "Lewati"), and the outbox id of that message."""

    options: dict[str, str] = field(default_factory=dict)
    message: int | None = None

    def stored(self) -> str:
        """The schedule state's value; "{}" for no options."""
        if not self.options:
            return "{}"
        return json.dumps({"options": self.options, "message": self.message})

    @classmethod
    def parse(cls, stored: str | None) -> Menu:
        """The stored menu; options stored before the message id was kept are a flat map."""
        try:
            value = json.loads(stored or "{}")
        except ValueError:
            return cls()
        if not isinstance(value, dict):
            return cls()
        if isinstance(value.get("options"), dict):
            message = value.get("message")
            return cls(_strings(value["options"]), message if isinstance(message, int) else None)
        return cls(_strings(value))

    @property
    def numbered(self) -> bool:
        """The options were printed with numbers (not only words)."""
        return any(key.isdigit() for key in self.options)


def _strings(value: dict[Any, Any]) -> dict[str, str]:
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


def typed_numbers(text: str) -> list[str] | None:
    """The numbers of a typed list ("1, 8", "1 8", "1;8", "1 dan 8", "8."), each once, in
    order and without leading zeros; None when the text is anything else."""
    stripped = text.strip().rstrip(".").strip()
    parts = [part for part in _SEPARATOR.split(stripped) if part]
    if not parts or len(parts) > MAX_PICKS or not all(_NUMBER.fullmatch(p) for p in parts):
        return None
    numbers: list[str] = []
    for part in parts:
        number = str(int(part))
        if number not in numbers:
            numbers.append(number)
    return numbers


def read_reply(menu: Menu, text: str) -> dict[str, Any]:
    """The inbox payload's fields for a typed reply to `menu`: {} when it picks nothing."""
    typed = text.strip().lower().rstrip(".")
    if typed in menu.options:
        return {"menu_data": menu.options[typed]}
    numbers = typed_numbers(text) if menu.numbered else None
    if numbers is None:
        return {}
    if len(numbers) == 1 and numbers[0] in menu.options:  # "08", "8 ."
        return {"menu_data": menu.options[numbers[0]]}
    return {
        "menu_picks": [[number, menu.options.get(number)] for number in numbers],
        "menu_message": menu.message,
    }

"""A list of buttons just shown that also takes a typed reply: a region or PSM picker outside
forms (handlers/region_pickers.py), /pengingat's hours (handlers/reminder_settings.py).

One note per person (`channel_state` "list_reply", key: the person's id): which list, what
reading a reply needs, and when it was shown. The latest list shown replaces an earlier
one; the person's next button or command forgets it (the router: a word typed later must
not act on an old list); after `TTL` it lapses (the person moved on).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from handlers.context import Turn

STATE_CHANNEL = "list_reply"
TTL = timedelta(minutes=30)


async def expect(turn: Turn, kind: str, details: dict[str, Any] | None = None) -> None:
    """Note that a text typed next answers the list of `kind` shown in this turn."""
    assert turn.user is not None
    value = {"kind": kind, "details": details or {}, "at": turn.now.isoformat()}
    await turn.repos.schedule.set_state(STATE_CHANNEL, str(turn.user.id), json.dumps(value))


async def forget(turn: Turn) -> None:
    """No list waits for a typed reply any more (a button or command came meanwhile)."""
    if turn.user is not None:
        await turn.repos.schedule.drop_state(STATE_CHANNEL, str(turn.user.id))


async def waiting(turn: Turn) -> tuple[str, dict[str, Any]] | None:
    """(the kind, the details) of the list a text answers now: shown last, within `TTL`;
    read once per message (the router sends the text on by its kind)."""
    if turn.user is None:
        return None
    stored = await turn.repos.schedule.get_state(STATE_CHANNEL, str(turn.user.id))
    try:
        value = json.loads(stored or "{}")
        at = datetime.fromisoformat(value["at"])
        kind, details = value["kind"], value["details"]
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(kind, str) or not isinstance(details, dict):
        return None
    if not timedelta(0) <= turn.now - at <= TTL:
        return None
    return kind, details

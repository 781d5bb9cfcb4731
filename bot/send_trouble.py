"""Sends that fail and are tried again, said once in the log: one WARNING when a channel's
sends begin to fail (the Graph API or Telegram unreachable, or unwell), one INFO when they
work again. Each failed try was silent before: five tries in 30 s while Meta was unreachable
left nothing at INFO for an admin to see; one line per try would drown the log instead."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.channels.base import SendOutcome

log = logging.getLogger(__name__)

# A chat that has not failed for this long is no longer failing: its messages were expired,
# given up or deleted outside the sender (storage/outbox_housekeeping.py, a number taken),
# so no send of it will say so. Longer than any back-off (5 min; Meta's 131000 up to 30).
FORGET_AFTER = timedelta(hours=1)


class SendTrouble:
    """The chats of one channel whose last send was a failed try (`SendOutcome.failed_try`,
    to be tried again). The first of them starts an outage, warned of; the outage ends,
    said at INFO, when every one of them has sent or given up, or has not failed for
    `FORGET_AFTER` (its messages ended elsewhere)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._failing: dict[str, datetime] = {}  # chat -> when its last try failed
        self._tries = 0  # failed tries during this outage

    def note(self, chat: str, item_id: int, outcome: SendOutcome, now: datetime) -> None:
        """Record what one send to `chat` (outbox item `item_id`) came to at `now` (the
        sender's clock)."""
        self._forget_quiet(now)
        if outcome.status == "retry" and outcome.failed_try:
            self._tries += 1
            if not self._failing:
                log.warning(
                    "%s: sending fails (outbox %s: %s); messages are kept and tried again,"
                    " said again here once sending works",
                    self.channel,
                    item_id,
                    outcome.error or "no reason given",
                )
            else:
                log.debug("%s: outbox %s failed again: %s", self.channel, item_id, outcome.error)
            self._failing[chat] = now
            return
        if outcome.status == "retry" or chat not in self._failing:
            return  # a flood limit says when, not a failure; a chat that never failed
        del self._failing[chat]
        if not self._failing:
            self._over("all tried again or given up")

    def _forget_quiet(self, now: datetime) -> None:
        """Forget the chats that have not failed for `FORGET_AFTER`; the outage is over
        when none is left (a later one is warned of again)."""
        quiet = [chat for chat, failed in self._failing.items() if now - failed >= FORGET_AFTER]
        if not quiet:
            return
        for chat in quiet:
            del self._failing[chat]
        if not self._failing:
            self._over(f"no failure for {int(FORGET_AFTER.total_seconds() // 60)} min")

    def _over(self, why: str) -> None:
        log.info("%s: sending works again (%s failed tries, %s)", self.channel, self._tries, why)
        self._tries = 0

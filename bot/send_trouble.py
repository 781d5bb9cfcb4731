"""Sends that fail and are tried again, said once in the log: one WARNING when a channel's
sends begin to fail (the Graph API or Telegram unreachable, or unwell), one INFO when they
work again. Each failed try was silent before: five tries in 30 s while Meta was unreachable
left nothing at INFO for an admin to see; one line per try would drown the log instead."""

from __future__ import annotations

import logging

from bot.channels.base import SendOutcome

log = logging.getLogger(__name__)


class SendTrouble:
    """The chats of one channel whose last send was a failed try (`SendOutcome.failed_try`,
    to be tried again). The first of them starts an outage, warned of; the outage ends,
    said at INFO, when every one of them has sent or given up."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self._failing: dict[str, int] = {}  # chat -> failed tries since its last send
        self._tries = 0  # failed tries during this outage

    def note(self, chat: str, item_id: int, outcome: SendOutcome) -> None:
        """Record what one send to `chat` (outbox item `item_id`) came to."""
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
            self._failing[chat] = self._failing.get(chat, 0) + 1
            return
        if outcome.status == "retry" or chat not in self._failing:
            return  # a flood limit says when, not a failure; a chat that never failed
        del self._failing[chat]
        if not self._failing:
            log.info(
                "%s: sending works again (%s failed tries, all tried again or given up)",
                self.channel,
                self._tries,
            )
            self._tries = 0

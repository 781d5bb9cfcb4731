"""How fast a channel may send: overall and per chat, each a rate with a burst.

Each channel adapter declares its own `pacing` (from its settings and the channel's bursts:
`bot/channels/telegram/channel.py`, `bot/channels/whatsapp/channel.py`); the outbox sender
(`bot/outbox_sender.py`) keeps to it with token buckets.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pacing:
    """One channel's token buckets: the rates in API calls per second, the bursts in calls."""

    overall_rate: float = 30.0
    chat_rate: float = 1.0
    chat_burst: float = 3.0
    # 0: a sixth of a second's worth (at least 1), so a channel that counts per second never
    # sees much above `overall_rate`.
    overall_burst: float = 0.0

    @property
    def overall_bucket(self) -> float:
        """The overall burst in use."""
        return self.overall_burst or max(1.0, self.overall_rate / 6)


# No limits: the terminal demo and tests that drive the sender by hand.
UNPACED = Pacing(overall_rate=1e6, chat_rate=1e6, chat_burst=1e6)

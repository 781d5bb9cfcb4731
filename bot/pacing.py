"""How fast each channel may send: overall and per chat, each a rate with a burst.

The channels' limits differ. Telegram: about 30 messages a second in all and one a second
per chat, with short bursts (a 429 with `retry_after` beyond them). WhatsApp Cloud API: 80
messages a second per business number (error 130429; inbound messages count too) and a
*pair rate* of one message every 6 seconds to the same person, with bursts of up to 45
(error 131056). Rates are settings (`SEND_RATE_*` for Telegram, `WHATSAPP_SEND_RATE_*`); the bursts
are the channels' own and live here.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings


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


TELEGRAM_CHAT_BURST = 3.0
# Meta's pair rate is one message per 6 s to the same person, with bursts of up to 45 in 6 s
# that borrow from the following minutes (as Meta's throughput page is summarised by several
# providers). A person walking a form quickly must never wait 6 s for each answer, so the
# bucket allows nearly all of it: 40, a margin for clock skew between us and Meta.
WHATSAPP_CHAT_BURST = 40.0


def channel_pacing(settings: Settings, channel: str) -> Pacing:
    """The pacing of `channel` (by name); an unknown channel gets Telegram's settings."""
    if channel == "whatsapp":
        return Pacing(
            overall_rate=settings.whatsapp_send_rate_overall,
            chat_rate=settings.whatsapp_send_rate_per_chat,
            chat_burst=WHATSAPP_CHAT_BURST,
        )
    return Pacing(
        overall_rate=settings.send_rate_overall,
        chat_rate=settings.send_rate_per_chat,
        chat_burst=TELEGRAM_CHAT_BURST,
    )

"""What a channel adapter reports after trying to send one outbox message.

`held` means the channel cannot deliver it now but will once the person writes again
(WhatsApp's 24-hour window): the message waits, like a notice to someone who never started.
`deferred` means not before `retry_after` seconds, without counting as a failed attempt
(WhatsApp's messaging limit).
A `retry` that is `chat_wide` holds that chat until `retry_after` (Telegram's 429, WhatsApp's
pair rate 131056); one that is `channel_wide` holds the channel's overall pace instead
(WhatsApp's throughput 130429), never other chats' own pace nor another channel.
Only a failed try uses up one of a message's attempts (`failed_try`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MAX_ATTEMPTS = 8  # failed tries of a message before it fails for good


@dataclass(frozen=True)
class SendOutcome:
    """The channel's verdict on one message."""

    status: Literal["sent", "retry", "unreachable", "failed", "held", "deferred"]
    message_id: str | None = None  # the channel's id of it (held: of the template announcing it)
    retry_after: float = 0.0  # seconds, for "retry" and "deferred"
    error: str = ""
    chat_wide: bool = False  # the retry applies to the whole chat (a flood limit)
    channel_wide: bool = False  # ... to every send of the channel (its overall throughput)
    template: str | None = None  # a template sent to announce a held message (WhatsApp)
    operator_alert: str | None = None  # something the admins must fix (token, templates)

    @property
    def failed_try(self) -> bool:
        """Whether this outcome uses up one of the message's attempts: the channel tried and
        failed. A flood limit or an expired token (the channel saying when: `chat_wide`,
        `channel_wide`), a hold or a deferral (not now) and a success are none."""
        if self.status in ("failed", "unreachable"):
            return True
        return self.status == "retry" and not (self.chat_wide or self.channel_wide)

    @classmethod
    def sent(cls, message_id: str | None = None) -> SendOutcome:
        return cls("sent", message_id=message_id)

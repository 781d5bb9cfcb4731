"""What a channel adapter reports after trying to send one outbox message.

`held` means the channel cannot deliver it now but will once the person writes again
(WhatsApp's 24-hour window): the message waits, like a notice to someone who never started.
`deferred` means not before `retry_after` seconds, without counting as a failed attempt
(WhatsApp's messaging limit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class SendOutcome:
    """The channel's verdict on one message."""

    status: Literal["sent", "retry", "unreachable", "failed", "held", "deferred"]
    message_id: str | None = None
    retry_after: float = 0.0  # seconds, for "retry" and "deferred"
    error: str = ""
    chat_wide: bool = False  # the retry applies to the whole chat (a flood limit)
    template: str | None = None  # a template sent to announce a held message (WhatsApp)
    operator_alert: str | None = None  # something the admins must fix (token, templates)

    @classmethod
    def sent(cls, message_id: str | None = None) -> SendOutcome:
        return cls("sent", message_id=message_id)

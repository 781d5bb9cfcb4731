"""What a channel adapter reports after trying to send one outbox message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class SendOutcome:
    """The channel's verdict on one message."""

    status: Literal["sent", "retry", "unreachable", "failed"]
    message_id: str | None = None
    retry_after: float = 0.0  # seconds, for "retry"
    error: str = ""
    chat_wide: bool = False  # the retry applies to the whole chat (a flood limit)

    @classmethod
    def sent(cls, message_id: str | None = None) -> SendOutcome:
        return cls("sent", message_id=message_id)

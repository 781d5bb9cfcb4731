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

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal, TypeVar

Call = TypeVar("Call")

MAX_ATTEMPTS = 8  # failed tries of a message before it fails for good
# The most a received file may weigh unless less is asked (`Channel.download`'s max_bytes):
# Telegram's download limit for bots. A photo (bot/media.py); a picture sent as a file and
# a spreadsheet ask for less (bot/inbox_fetches.py, bot/documents.py).
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024


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
    # Held with nothing announcing it (WhatsApp: a template Meta refuses): a darurat alert
    # then reaches nobody until the person writes, and its coordinators are told.
    unannounced: bool = False
    # A message sent in several parts: the channel ids of the parts accepted, in order, also
    # when a later one failed (storage/outbox_parts.py): a retry resumes after them.
    parts: tuple[str, ...] = ()

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


class PartsSent:
    """The parts of one message the channel accepted: in an earlier attempt
    (`OutboxItem.sent_parts`) and in this one. A message of several API calls (a long text in
    pieces, a keyboard removal before a question, WhatsApp's text before its buttons) is
    resumed after the parts that went, so nobody reads a part twice; the last part, which
    carries the buttons, always goes."""

    def __init__(self, earlier: Sequence[str], *, keep_ids: bool) -> None:
        self.accepted = list(earlier)
        self.resumed = bool(earlier)
        self.keep_ids = keep_ids  # the channel reports on each part later (WhatsApp statuses)
        self.count = 1

    def still_to_send(self, calls: Sequence[Call]) -> Sequence[Call]:
        """The calls of the message not made yet (all of `calls` but those accepted)."""
        self.count = len(calls)
        del self.accepted[max(0, self.count - 1) :]
        return calls[len(self.accepted) :]

    def accept(self, ext_message_id: str) -> None:
        """One more part went out."""
        self.accepted.append(ext_message_id)

    @property
    def last(self) -> str | None:
        """The id of the last part accepted (the message's, once all went)."""
        return self.accepted[-1] if self.accepted else None

    def outcome(self, outcome: SendOutcome) -> SendOutcome:
        """`outcome` with the parts accepted, for a message of several: always when some
        went before a failure (the error then says which part failed), and once it went
        whole when the channel reports on each part or an earlier attempt left some."""
        if self.count < 2:
            return outcome
        if outcome.status == "sent":
            if not (self.keep_ids or self.resumed):
                return outcome
            return replace(outcome, parts=tuple(self.accepted))
        if not self.accepted:
            return outcome
        error = f"part {len(self.accepted) + 1} of {self.count}: {outcome.error}"
        return replace(outcome, parts=tuple(self.accepted), error=error)

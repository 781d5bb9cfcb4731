"""A message in which someone typed a full NIK or KK leaves the chat (UU PDP).

Whatever the message answered (the NIK question, a name, an address, a description, a
/cari search) and whether or not it was accepted, it is deleted once the turn is done, on
channels that can delete messages (Telegram, within 48 hours; WhatsApp cannot). The answer
itself is judged by its question as usual; the texts the bot sends are masked anyway
(handlers/delivery.py).
"""

from __future__ import annotations

from handlers.channel_traits import ChannelTraits
from handlers.events import Inbound, InboundKind, Outbound
from handlers.masking import holds_identifier


def identifier_deletion(event: Inbound, traits: ChannelTraits) -> Outbound | None:
    """The deletion of the person's message if it holds a NIK/KK-like number and their
    channel can delete it; otherwise None."""
    if event.kind not in (InboundKind.TEXT, InboundKind.COMMAND) or not event.message_id:
        return None
    if traits.deletes_sent_within is None:
        return None
    if not holds_identifier(event.text or event.command_args):
        return None
    return Outbound(type="delete", target_message_id=event.message_id)

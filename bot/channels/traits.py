"""The channel traits table conversations see (`AppContext.channels`), built from what each
adapter declares (`traits` next to its `name`; handlers/channel_traits.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.whatsapp.channel import WhatsAppChannel
from handlers.channel_traits import ChannelTraits

ADAPTERS = (TelegramChannel, WhatsAppChannel)


class DeclaresTraits(Protocol):
    """An adapter (class or instance) that says what its channel can do."""

    name: str
    traits: ChannelTraits


def channel_traits(running: Iterable[DeclaresTraits] = ()) -> dict[str, ChannelTraits]:
    """Traits by channel name: every adapter this code has, enabled here or not (people's
    identities and districts' choices outlive a configuration), and those of the `running`
    channels (the terminal demo, a test's channel), which win for a name in both."""
    table = {adapter.name: adapter.traits for adapter in ADAPTERS}
    table.update({channel.name: channel.traits for channel in running})
    return table

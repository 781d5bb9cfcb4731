"""Builds the bot for the configured channels."""

from __future__ import annotations

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.inbound import CHANNEL as TELEGRAM
from bot.channels.telegram.inbound import to_inbound as telegram_inbound
from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.channels.whatsapp.inbound import CHANNEL as WHATSAPP
from bot.channels.whatsapp.inbound import to_inbound as whatsapp_inbound
from bot.clock import Clock
from bot.config import Settings
from bot.runtime import Channel, Runtime
from handlers.i18n import Catalog


def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    """A runtime with every configured channel."""
    channels: list[Channel] = []
    parsers = {}
    catalog = Catalog.load()
    if settings.telegram_enabled:
        channels.append(TelegramChannel(settings, catalog))
        parsers[TELEGRAM] = telegram_inbound
    if settings.whatsapp_enabled:
        channels.append(WhatsAppChannel(settings, catalog))
        parsers[WHATSAPP] = whatsapp_inbound
    return Runtime(settings, channels, parsers, clock)


async def run_bot(settings: Settings) -> None:
    """Run until SIGTERM/SIGINT."""
    await build_runtime(settings).run_until_signal()

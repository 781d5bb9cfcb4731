"""Builds the bot for the configured channels."""

from __future__ import annotations

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.inbound import CHANNEL as TELEGRAM
from bot.channels.telegram.inbound import to_inbound as telegram_inbound
from bot.clock import Clock
from bot.config import Settings
from bot.runtime import Channel, Runtime
from handlers.i18n import Catalog


def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    """A runtime with every configured channel."""
    channels: list[Channel] = []
    parsers = {}
    if settings.telegram_enabled:
        channels.append(TelegramChannel(settings, Catalog.load()))
        parsers[TELEGRAM] = telegram_inbound
    return Runtime(settings, channels, parsers, clock)


async def run_bot(settings: Settings) -> None:
    """Run until SIGTERM/SIGINT."""
    await build_runtime(settings).run_until_signal()

"""The Telegram channel: PTB Application for the Bot API, our poller, our sender."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

from telegram import BotCommand
from telegram.ext import Application, ExtBot

from bot.channels.base import MAX_DOWNLOAD_BYTES, SendOutcome
from bot.channels.telegram import outbound
from bot.channels.telegram.inbound import CHANNEL
from bot.channels.telegram.polling import ALLOWED_UPDATES, TelegramPoller
from bot.clock import Clock
from bot.config import Settings
from bot.pacing import Pacing
from handlers.channel_traits import ChannelTraits, PhoneProof, PhotoAsFile, SeveralChoices
from handlers.command_menu import VISITOR_COMMANDS
from handlers.events import Outbound
from handlers.i18n import Catalog
from storage.db import Database
from storage.models import OutboxItem

log = logging.getLogger(__name__)

TRAITS = ChannelTraits(
    deletes_sent_within=timedelta(hours=48),  # the Bot API's deleteMessage limit
    reports_delivery_status=False,  # the Bot API reports no delivery or read status
    charges_for_templates=False,
    phone_proof=PhoneProof.SHARED_CONTACT,  # a contact whose user_id is the sender's
    several_choices=SeveralChoices.TAP,  # inline buttons stay; each tap ticks one
    photo_as_file=PhotoAsFile.UNCOMPRESSED,  # "Kirim tanpa kompresi" sends a document
    has_command_menu=True,  # setMyCommands with a chat scope
    chat_link_format="https://t.me/{address}?start={payload}",  # a deep link: /start <payload>
)
# Telegram allows about 30 messages a second in all and one a second per chat, with short
# bursts (beyond them a 429 with `retry_after`); the rates are settings (`SEND_RATE_*`).
CHAT_BURST = 3.0


class TelegramChannel:
    """Starts and stops everything Telegram needs."""

    name = CHANNEL
    traits = TRAITS

    def __init__(self, settings: Settings, catalog: Catalog) -> None:
        assert settings.telegram_bot_token is not None
        self.settings, self.catalog = settings, catalog
        self.pacing = Pacing(
            overall_rate=settings.send_rate_overall,
            chat_rate=settings.send_rate_per_chat,
            chat_burst=CHAT_BURST,
        )
        self.application = (
            Application.builder()
            .token(settings.telegram_bot_token.get_secret_value())
            .base_url(settings.telegram_api_base_url)
            .base_file_url(settings.telegram_file_base_url)
            .updater(None)
            .build()
        )
        self.poller: TelegramPoller | None = None
        self.username = ""  # from getMe once started: t.me deep links
        self._task: asyncio.Task[None] | None = None

    @property
    def bot(self) -> ExtBot:
        """PTB's bot, talking HTTP to TELEGRAM_API_BASE_URL."""
        return self.application.bot

    async def start(self, db: Database, clock: Clock, on_stored: Callable[[], None]) -> None:
        """getMe, publish the commands, then either register the webhook (updates arrive
        at bot/webhook.py) or start polling into the inbox."""
        await self.application.initialize()
        self.username = self.bot.username
        await self._publish_commands()
        secret = self.settings.telegram_webhook_secret
        if self.settings.telegram_webhook_url and secret is not None:
            # Telegram keeps undelivered updates for a day and sends them on to the new URL.
            await self.bot.set_webhook(
                self.settings.telegram_webhook_url,
                secret_token=secret.get_secret_value(),
                allowed_updates=ALLOWED_UPDATES,
            )
            return
        # Back to polling after webhook mode: getUpdates is refused while a webhook is set.
        # The updates waiting at Telegram are kept (and fetched by the poller).
        await self.bot.delete_webhook(drop_pending_updates=False)
        self.poller = TelegramPoller(
            self.bot, db, clock, on_stored, timeout=self.settings.telegram_poll_timeout
        )
        self._task = asyncio.create_task(self.poller.run(), name="telegram-poller")

    async def _publish_commands(self) -> None:
        """The menu of people the bot does not know yet; each known person's chat gets the menu
        of their role (handlers/command_menu.py)."""
        for language in ("id", "en"):
            commands = [
                BotCommand(name, self.catalog.text(language, f"commands.{name}"))
                for name in VISITOR_COMMANDS
            ]
            code = None if language == "id" else language
            try:
                await self.bot.set_my_commands(commands, language_code=code)
            except Exception:
                log.warning("could not publish the command list", exc_info=True)

    def intake(self) -> asyncio.Task[None] | None:
        """The poller (None in webhook mode): it ends only when Telegram refuses the token."""
        return self._task

    async def stop_polling(self) -> None:
        """Stop fetching new updates."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            except Exception:
                log.warning("poller ended with an error", exc_info=True)
            self._task = None

    async def confirm(self) -> None:
        """Tell Telegram which updates are stored (shutdown)."""
        if self.poller is not None:
            await self.poller.confirm()

    async def shutdown(self) -> None:
        await self.application.shutdown()

    async def download(self, ref: str, max_bytes: int = MAX_DOWNLOAD_BYTES) -> bytes:
        """A received file's bytes by file id (getFile, then the file URL). Refused past
        `max_bytes` (ValueError) by the size getFile tells, before it is fetched: a failed
        download, as any other (bot/inbox_fetches.py: the form asks a picture file again as a
        photo; bot/documents.py: the import says the file could not be read)."""
        telegram_file = await self.bot.get_file(ref)
        if (telegram_file.file_size or 0) > max_bytes:
            raise ValueError(f"file of {telegram_file.file_size} bytes: too large")
        data = bytes(await telegram_file.download_as_bytearray())
        if len(data) > max_bytes:  # (getFile did not tell its size)
            raise ValueError(f"file of {len(data)} bytes: too large")
        return data

    def api_calls(self, message: Outbound) -> int:
        """Rate-limited API calls `message` takes: what the sender's pacing charges."""
        return outbound.api_calls(message)

    async def send(self, item: OutboxItem, message: Outbound) -> SendOutcome:
        return await outbound.send(
            self.bot, item.chat_id or "", message, item.attempts, item.sent_parts
        )

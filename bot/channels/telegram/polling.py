"""Our own getUpdates loop: an update is stored before Telegram is told it was received.

PTB's stock Updater advances the offset as soon as it has queued an update, so a crash
would lose it. Here each batch is committed to the inbox first; only the next getUpdates
(with a higher offset) confirms it to Telegram.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from telegram import Bot
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.channels.telegram import raw_api
from bot.channels.telegram.inbound import CHANNEL, sender_key
from bot.channels.telegram.outbound import seconds_of
from bot.clock import Clock
from storage.db import Database

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
OFFSET_KEY = "confirmed_offset"
CONFIRM_EVERY = 100  # updates: while they keep coming, confirmations are written this seldom


class TelegramPoller:
    """Fetches updates into the inbox."""

    def __init__(
        self,
        bot: Bot,
        db: Database,
        clock: Clock,
        on_stored: Callable[[], None],
        *,
        timeout: int = 30,
    ) -> None:
        self.bot, self.db, self.clock, self.on_stored = bot, db, clock, on_stored
        self.timeout = timeout
        self.offset: int | None = None
        self._confirmed: int | None = None  # the offset last written as confirmed
        self.first_poll = asyncio.Event()

    async def run(self) -> None:
        """Poll until cancelled; network trouble backs off and retries."""
        backoff = 1.0
        while True:
            try:
                await self.poll_once(self.timeout)
                backoff = 1.0
            except RetryAfter as exc:
                await asyncio.sleep(seconds_of(exc.retry_after) or 5.0)
            except InvalidToken:
                log.error("Telegram refused the bot token; check TELEGRAM_BOT_TOKEN")
                raise
            except (TimedOut, NetworkError, Conflict) as exc:
                log.warning("getUpdates failed (%s); retrying in %.0f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60.0)

    async def poll_once(self, long_poll_seconds: int) -> int:
        """One getUpdates call; stores what arrived; returns how many were new."""
        asked_offset = self.offset
        self.first_poll.set()
        updates = await self._get_updates(asked_offset, long_poll_seconds)
        new = 0
        confirm = self._confirm_now(asked_offset, arrived=bool(updates))
        if not updates and not confirm:
            return 0
        async with self.db.transaction() as repos:
            if confirm:
                # Telegram has now forgotten everything below the offset we sent.
                await repos.inbox.confirm_below(CHANNEL, asked_offset)
                await repos.schedule.set_state(CHANNEL, OFFSET_KEY, str(asked_offset))
            for payload in updates:
                stored = await repos.inbox.add(
                    channel=CHANNEL,
                    ext_id=str(payload["update_id"]),
                    payload=payload,
                    sender_key=sender_key(payload),
                    now=self.clock.now(),
                )
                new += int(stored)
        if confirm:
            self._confirmed = asked_offset
        if updates:
            self.offset = max(int(payload["update_id"]) for payload in updates) + 1
        if new:
            self.on_stored()
        return new

    def _confirm_now(self, asked_offset: int | None, *, arrived: bool) -> bool:
        """Whether to write what Telegram confirmed (it only lets old dedup keys be purged,
        so it may lag): when the updates stop coming, else every CONFIRM_EVERY updates."""
        if asked_offset is None or asked_offset == self._confirmed:
            return False
        return (
            not arrived
            or self._confirmed is None
            or (asked_offset - self._confirmed >= CONFIRM_EVERY)
        )

    async def _get_updates(
        self, offset: int | None, long_poll_seconds: int
    ) -> list[dict[str, Any]]:
        """getUpdates as the JSON Telegram sent: stored as it is, and parsed once, by the
        inbox worker (PTB's `get_updates` would build `Update` objects only for us to turn
        them back into JSON: a third of the CPU of storing a step)."""
        updates = await raw_api.call(
            self.bot,
            "getUpdates",
            read_timeout=long_poll_seconds + 10,
            offset=offset,
            timeout=long_poll_seconds,
            allowed_updates=ALLOWED_UPDATES,
        )
        return list(updates)

    async def confirm(self) -> None:
        """Tell Telegram which updates were handled (used at shutdown)."""
        if self.offset is None:
            return
        try:
            await self.poll_once(0)
        except (TimedOut, NetworkError) as exc:
            log.warning("could not confirm updates at shutdown: %s", exc)

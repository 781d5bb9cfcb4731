"""Processes stored inbound updates, one at a time, in arrival order.

Each update is handled in one write transaction that stores the answer, writes the reply
to the outbox and marks the inbox row done: kill the process at any moment and the update
is either wholly applied (and its reply will be sent) or not at all (and will be again).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from bot.clock import Clock
from handlers import router
from handlers.context import AppContext, Turn
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Inbound, Outbound
from storage.db import Database
from storage.models import InboxItem

log = logging.getLogger(__name__)

Parser = Callable[[dict[str, Any]], Inbound | None]
MAX_ATTEMPTS = 3


class InboxWorker:
    """The single consumer of the inbox."""

    def __init__(
        self,
        db: Database,
        app: AppContext,
        parsers: dict[str, Parser],
        clock: Clock,
        on_outbox: Callable[[str], None],
    ) -> None:
        self.db, self.app, self.parsers, self.clock = db, app, parsers, clock
        self.on_outbox = on_outbox
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """New rows were stored."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the current update, then return from `run`."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Process until stopped."""
        while not self._stopping:
            self._wake.clear()
            processed = await self.process_pending()
            if processed or self._stopping:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=1.0)

    async def process_pending(self) -> int:
        """Process every pending row (or until stopped); returns how many."""
        async with self.db.reading() as repos:
            items = await repos.inbox.pending()
        count = 0
        for item in items:
            if self._stopping:
                break
            # Shielded: a cancellation (SIGTERM) lets the current step finish.
            await asyncio.shield(self.process(item))
            count += 1
        return count

    async def process(self, item: InboxItem) -> None:
        """Handle one stored update."""
        parser = self.parsers.get(item.channel)
        event: Inbound | None = None
        try:
            event = parser(item.payload or {}) if parser else None
            async with self.db.transaction() as repos:
                if event is not None:
                    await self._handle(repos, event)
                await repos.inbox.mark_done(item.id, now=self.clock.now())
        except Exception:
            # Log the context without the payload: it may hold a NIK.
            log.exception("inbox %s (%s, sender %s) failed", item.id, item.channel, item.sender_key)
            await self._record_failure(item, event)
        if event is not None:
            self.on_outbox(event.channel)

    async def _handle(self, repos: Any, event: Inbound) -> None:
        now = self.clock.now()
        turn = Turn(app=self.app, repos=repos, event=event, now=now)
        await router.handle(turn)
        for message in turn.replies:
            kind = DeliveryKind.TRANSIENT if message.best_effort else DeliveryKind.REPLY
            await deliver(
                repos,
                user_id=turn.user.id if turn.user else None,
                message=message,
                kind=kind,
                now=now,
                channel=event.channel,
                chat_id=event.chat_id,
            )

    async def _record_failure(self, item: InboxItem, event: Inbound | None) -> None:
        give_up = item.attempts + 1 >= MAX_ATTEMPTS
        async with self.db.transaction() as repos:
            await repos.inbox.record_failure(item.id, now=self.clock.now(), give_up=give_up)
            if give_up and event is not None and event.is_private:
                apology = self.app.catalog.text(self.app.default_language, "errors.internal")
                await deliver(
                    repos,
                    user_id=None,
                    message=Outbound.say(apology),
                    kind=DeliveryKind.REPLY,
                    now=self.clock.now(),
                    channel=event.channel,
                    chat_id=event.chat_id,
                )

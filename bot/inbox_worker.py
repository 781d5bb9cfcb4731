"""Processes stored inbound updates, one at a time, in arrival order.

Each update is handled in one write transaction that stores the answer, writes the reply
to the outbox and marks the inbox row done: kill the process at any moment and the update
is either wholly applied (and its reply will be sent) or not at all (and will be again).
Heavy work a turn hands off (`Turn.later`: statistics, exports) runs afterwards in a
background task on the read-only connection; its result is queued like any reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.clock import Clock
from bot.media import store_photo
from handlers import router
from handlers.context import AppContext, BackgroundJob, Turn
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Inbound, InboundKind, Outbound
from storage.db import Database
from storage.models import InboxItem

log = logging.getLogger(__name__)

Parser = Callable[[dict[str, Any]], Inbound | None]
Downloader = Callable[[str], Awaitable[bytes]]
MAX_ATTEMPTS = 3
BACKGROUND_AT_ONCE = 2  # statistics/exports produced at the same time


class InboxWorker:
    """The single consumer of the inbox."""

    def __init__(
        self,
        db: Database,
        app: AppContext,
        parsers: dict[str, Parser],
        clock: Clock,
        on_outbox: Callable[[str], None],
        *,
        downloaders: dict[str, Downloader] | None = None,
        media_dir: Path | None = None,
    ) -> None:
        self.db, self.app, self.parsers, self.clock = db, app, parsers, clock
        self.on_outbox = on_outbox
        self.downloaders = downloaders or {}
        self.media_dir = media_dir or Path("data/media")
        self._wake = asyncio.Event()
        self._stopping = False
        self._background: set[asyncio.Task[None]] = set()
        self._background_slots = asyncio.Semaphore(BACKGROUND_AT_ONCE)

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
        await self.finish_background()

    async def process_pending(self) -> int:
        """Process every pending row (or until stopped); returns how many."""
        async with self.db.reading() as repos:
            items = await repos.inbox.pending()
        count = 0
        for index, item in enumerate(items):
            if self._stopping:
                break
            follower = items[index + 1] if index + 1 < len(items) else None
            # Shielded: a cancellation (SIGTERM) lets the current step finish.
            await asyncio.shield(
                self.process(item, album_continues=self._same_album(item, follower))
            )
            count += 1
        return count

    def _parse(self, item: InboxItem) -> Inbound | None:
        parser = self.parsers.get(item.channel)
        return parser(item.payload or {}) if parser else None

    def _same_album(self, item: InboxItem, follower: InboxItem | None) -> bool:
        """An album arrives as several updates; all but the last are answered silently."""
        if follower is None or follower.sender_key != item.sender_key:
            return False
        try:
            first, second = self._parse(item), self._parse(follower)
        except Exception:
            return False
        return bool(
            first
            and second
            and first.media_group_id
            and first.media_group_id == second.media_group_id
        )

    async def _fetch_photo(self, event: Inbound) -> Inbound:
        """Download a photo at once (channel links expire) and keep a clean copy."""
        download = self.downloaders.get(event.channel)
        if download is None or not event.photo_ref:
            return event
        try:
            path = await store_photo(await download(event.photo_ref), self.media_dir)
        except Exception:
            log.warning("could not fetch a photo from %s", event.channel, exc_info=True)
            return event.model_copy(update={"photo_ref": None})
        return event.model_copy(update={"photo_ref": path})

    async def process(self, item: InboxItem, *, album_continues: bool = False) -> None:
        """Handle one stored update."""
        event: Inbound | None = None
        try:
            event = self._parse(item)
            if event is not None and event.kind == InboundKind.PHOTO:
                event = await self._fetch_photo(event)
                event = event.model_copy(update={"album_continues": album_continues})
            turn = None
            async with self.db.transaction() as repos:
                if event is not None:
                    turn = await self._handle(repos, event)
                await repos.inbox.mark_done(item.id, now=self.clock.now())
            if turn is not None:
                self._start_background(turn)
        except Exception:
            # Log the context without the payload: it may hold a NIK.
            log.exception("inbox %s (%s, sender %s) failed", item.id, item.channel, item.sender_key)
            await self._record_failure(item, event)
        if event is not None:
            self.on_outbox(event.channel)

    async def _handle(self, repos: Any, event: Inbound) -> Turn:
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
        return turn

    def _start_background(self, turn: Turn) -> None:
        for job in turn.background:
            task = asyncio.create_task(self._run_background(job, turn))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def finish_background(self) -> None:
        """Wait for the background jobs still running (before closing the database)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def _run_background(self, job: BackgroundJob, turn: Turn) -> None:
        """Heavy work a turn handed off: read from the read-only connection (CPU-bound parts
        in threads), then its messages go out through the outbox like any reply."""
        event, record = turn.event, job.record
        async with self._background_slots:
            try:
                async with self.db.reading() as reader:
                    messages = await job.produce(reader)
            except Exception:
                log.exception("a background job for %s (%s) failed", event.chat_id, event.channel)
                messages = [Outbound.say(turn.t("errors.internal"))]
                record = None
        async with self.db.transaction() as repos:
            if record is not None:
                await record(repos)
            for message in messages:
                await deliver(
                    repos,
                    user_id=turn.user.id if turn.user else None,
                    message=message,
                    kind=DeliveryKind.REPLY,
                    now=self.clock.now(),
                    channel=event.channel,
                    chat_id=event.chat_id,
                )
        self.on_outbox(event.channel)

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

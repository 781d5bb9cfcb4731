"""Processes stored inbound updates in arrival order, several per write transaction.

Each update is handled in its own savepoint inside a group transaction that stores the
answers, writes the replies to the outbox and marks the inbox rows done (group commit: one
fsync for the group). Kill the process at any moment and each update is either wholly
applied (and its reply will be sent) or not at all (and will be again); no reply is sent
before the commit that makes its answer durable; one failing update is rolled back to its
savepoint and recorded as failed without undoing the others.
Heavy work a turn hands off (`Turn.later`: statistics, exports) runs afterwards in a
background task on the read-only connection; its result is queued like any reply
(bot/inbox_background.py). An album's updates are answered once (bot/inbox_albums.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.clock import Clock
from bot.inbox_albums import AlbumPlace, InboxAlbums, _in_album
from bot.inbox_background import BackgroundWork
from bot.inbox_fetches import Downloader, InboxFetches, Prepared
from handlers import router
from handlers.context import AppContext, Turn
from handlers.delivery import DeliveryKind, deliver, deliver_to_chat
from handlers.events import Inbound, Outbound
from storage.db import Database
from storage.models import InboxItem

log = logging.getLogger(__name__)

Parser = Callable[[dict[str, Any]], Inbound | None]
MAX_ATTEMPTS = 3
GROUP_MAX = 64  # updates committed together at most ...
GROUP_SECONDS = 0.015  # ... and no new one joins a group open this long
BACKGROUND_AT_ONCE = 2  # statistics/exports produced at the same time
IDLE_POLL_SECONDS = 1.0  # an idle worker looks at the inbox this often, woken or not


class InboxWorker(InboxAlbums, BackgroundWork):
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
        # Photos and spreadsheets are fetched off the inbox's path: a slow download holds
        # only its sender's later updates, never anyone else's.
        self.fetches = InboxFetches(
            downloaders or {},
            media_dir or Path("data/media"),
            clock,
            self.wake,
            app.photos_in_flight,
        )
        self._wake = asyncio.Event()
        self._finishing = False
        self._stop_at = float("inf")
        self._background: set[asyncio.Task[None]] = set()
        self._background_slots = asyncio.Semaphore(BACKGROUND_AT_ONCE)

    def wake(self) -> None:
        """New rows were stored."""
        self._wake.set()

    def stop(self, *, finish_within: float = 0.0) -> None:
        """Return from `run` once the inbox is empty or `finish_within` seconds have passed,
        whichever comes first; the current group is always finished. Stop the channels
        first: then nothing new arrives, and whoever was answered before the stop hears
        back now rather than at the next start."""
        self._stop_at = min(self._stop_at, time.monotonic() + finish_within)
        self._finishing = True
        self._wake.set()

    @property
    def _stopping(self) -> bool:
        return self._finishing and time.monotonic() >= self._stop_at

    async def run(self) -> None:
        """Process until stopped."""
        while not self._stopping:
            self._wake.clear()
            processed = await self.process_pending(wait_for_fetches=False)
            if processed:
                continue
            if self._finishing and not self.fetches.running():
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=IDLE_POLL_SECONDS)
        await self.fetches.drop()
        await self.finish_background()

    async def process_pending(self, *, wait_for_fetches: bool = True) -> int:
        """Process every pending row (or until stopped); returns how many. The worker's own
        loop does not wait for the photos and spreadsheets being fetched: everyone else's
        updates go on, and the fetched one (then its sender's next) at a later call, once
        its fetch wakes the worker; a caller driving the worker by hand waits for them."""
        count = await self._process_ready()
        while wait_for_fetches and self.fetches.running() and not self._stopping:
            await self.fetches.wait()
            count += await self._process_ready()
        return count

    async def _process_ready(self) -> int:
        """Process the pending rows that may go now (none of a sender after their update
        still being fetched); returns how many."""
        async with self.db.reading() as repos:
            items = await repos.inbox.pending()
        # Each update is parsed once and prepared once, however many groups it waits through
        # (parsing a Telegram update is the costliest part of a step's CPU).
        parsed = {item.id: self._parse_logged(item) for item in items}
        places = self._album_places(parsed, items)
        ready, prepared = self.fetches.ready(items, parsed)
        queue = [(item, places[item.id]) for item in items if item.id in ready]
        count = 0
        while queue and not self._stopping:
            batch, queue = queue[:GROUP_MAX], queue[GROUP_MAX:]
            # Shielded: a cancellation (SIGTERM) lets the current batch finish.
            handled = await asyncio.shield(self.process_group(batch, parsed, prepared))
            count += handled
            for item, _ in batch[:handled]:
                self.fetches.forget(item.id)  # a failed one is fetched again next time
            queue = batch[handled:] + queue
        return count

    async def process_group(
        self,
        batch: list[tuple[InboxItem, AlbumPlace]],
        parsed: dict[int, Prepared] | None = None,
        prepared: dict[int, Prepared] | None = None,
    ) -> int:
        """Handle several updates in one write transaction (group commit): one fsync for
        all of them. Each runs in its own savepoint, so a failing one is rolled back alone;
        replies are committed with their answers and sent only after the commit. Returns
        how many of the batch were handled (the rest, past the time budget, stay pending).
        `parsed` and `prepared` remember, by inbox id, the work done for earlier groups."""
        parsed = {} if parsed is None else parsed
        prepared = {} if prepared is None else prepared
        for item, _ in batch:
            if item.id not in prepared:
                parse = parsed.get(item.id) or self._parse_logged(item)
                prepared[item.id] = await self.fetches.prepare(item, parse)
        group = [(item, *_in_album(prepared[item.id], album)) for item, album in batch]
        turns: list[tuple[Turn, list[int]]] = []
        handled = 0
        try:
            async with self.db.transaction() as repos:
                started, done = time.monotonic(), []
                # First of what waits for the commit: the turns' removals see them handled.
                self.app.photos_in_flight.handled_once_committed(repos, done)
                for item, event, broken in group:
                    if handled and time.monotonic() - started > GROUP_SECONDS:
                        break
                    handled += 1
                    if not broken:
                        try:
                            turn = await self._apply(repos, item, event)
                        except Exception:
                            broken = True
                            self._log_failure(item)
                    if broken:
                        await self._record_failure_in(repos, item, event)
                        continue
                    done.append(item.id)
                    if turn is not None:
                        turns.append((turn, await self._note_background(repos, turn)))
                await repos.inbox.mark_done_many(done, now=self.clock.now())
        except Exception:
            if len(batch) > 1:
                log.exception("a group of %s updates failed to commit; one at a time", len(batch))
                for one in batch:
                    await self.process_group([one], parsed, prepared)
            else:
                self._log_failure(batch[0][0])
                await self._record_failure(batch[0][0], group[0][1])
                self.on_outbox(batch[0][0].channel)
            return len(batch)
        for turn, requests in turns:
            self._start_background(turn, requests)
        for channel in {item.channel for item, _, _ in group[:handled]}:
            self.on_outbox(channel)
        return handled

    async def process(self, item: InboxItem, *, album_continues: bool = False) -> None:
        """Handle one stored update (a group of one)."""
        await self.process_group([(item, AlbumPlace(album_continues))])

    async def _apply(self, repos: Any, item: InboxItem, event: Inbound | None) -> Turn | None:
        """One update inside the group's transaction, in its own savepoint: on an error
        everything it did is rolled back and the error raised."""
        async with repos.savepoint():
            if event is None:
                return None
            turn = await self._handle(repos, event)
            await self.fetches.let_go_unless_kept(repos, turn)
            return turn

    def _parse_logged(self, item: InboxItem) -> Prepared:
        """The update's event; (None, True) if it cannot be parsed (logged)."""
        try:
            return self._parse(item), False
        except Exception:
            self._log_failure(item)
            return None, True

    def _log_failure(self, item: InboxItem) -> None:
        # The context without the payload: it may hold a NIK.
        log.exception("inbox %s (%s, sender %s) failed", item.id, item.channel, item.sender_key)

    def _parse(self, item: InboxItem) -> Inbound | None:
        parser = self.parsers.get(item.channel)
        return parser(item.payload or {}) if parser else None

    async def _handle(self, repos: Any, event: Inbound) -> Turn:
        now = self.clock.now()
        turn = Turn(app=self.app, repos=repos, event=event, now=now)
        await router.handle(turn)
        await deliver_to_chat(
            repos,
            user_id=turn.user.id if turn.user else None,
            messages=turn.replies,
            kind=DeliveryKind.REPLY,
            now=now,
            channel=event.channel,
            chat_id=event.chat_id,
        )
        return turn

    async def _record_failure(self, item: InboxItem, event: Inbound | None) -> None:
        async with self.db.transaction() as repos:
            await self._record_failure_in(repos, item, event)

    async def _record_failure_in(self, repos: Any, item: InboxItem, event: Inbound | None) -> None:
        give_up = item.attempts + 1 >= MAX_ATTEMPTS
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

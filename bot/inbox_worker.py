"""Processes stored inbound updates in arrival order, several per write transaction.

Each update is handled in its own savepoint inside a group transaction that stores the
answers, writes the replies to the outbox and marks the inbox rows done (group commit: one
fsync for the group). Kill the process at any moment and each update is either wholly
applied (and its reply will be sent) or not at all (and will be again); no reply is sent
before the commit that makes its answer durable; one failing update is rolled back to its
savepoint and recorded as failed without undoing the others.
Heavy work a turn hands off (`Turn.later`: statistics, exports) runs afterwards in a
background task on the read-only connection; its result is queued like any reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from bot.clock import Clock
from bot.inbox_fetches import Downloader, InboxFetches, Prepared
from handlers import router
from handlers.context import AppContext, BackgroundJob, Turn
from handlers.delivery import DeliveryKind, deliver, deliver_to_chat
from handlers.events import Inbound, InboundKind, Outbound
from handlers.forms.held_question import question_below_result
from storage.db import Database
from storage.models import InboxItem

log = logging.getLogger(__name__)

Parser = Callable[[dict[str, Any]], Inbound | None]
MAX_ATTEMPTS = 3
GROUP_MAX = 64  # updates committed together at most ...
GROUP_SECONDS = 0.015  # ... and no new one joins a group open this long
BACKGROUND_AT_ONCE = 2  # statistics/exports produced at the same time
IDLE_POLL_SECONDS = 1.0  # an idle worker looks at the inbox this often, woken or not


class AlbumPlace(NamedTuple):
    """Where an update stands in its album, as far as the updates waiting tell."""

    continues: bool = False  # more of its album wait behind it
    pictures_behind: int = 0  # how many of those are pictures (photos, pictures as files)


def _in_album(prepared: Prepared, place: AlbumPlace) -> Prepared:
    """A piece of an album (a photo, a picture sent as a file, a video) told that more of its
    album follow, and how many pictures (known from the updates after it, which may arrive
    while it is fetched)."""
    event, broken = prepared
    if event is not None and place.continues:
        update = {"album_continues": True, "album_rest": place.pictures_behind}
        event = event.model_copy(update=update)
    return event, broken


def _album_piece(event: Inbound) -> str | None:
    """What an update is as a piece of an album: "photo", "picture_file" (a picture sent as a
    file), "video"; None for anything else (a spreadsheet, a text: answered on its own)."""
    if event.kind == InboundKind.PHOTO:
        return "photo"
    if event.image_document:
        return "picture_file"
    if event.kind == InboundKind.OTHER and event.other_type == "video":
        return "video"
    return None


def _next_of_sender(items: list[InboxItem]) -> dict[int, InboxItem]:
    """Each update's sender's next one among `items` (in order), by inbox id: another
    person's update between two photos of an album does not split it."""
    following: dict[int, InboxItem] = {}
    latest: dict[str, InboxItem] = {}
    for item in reversed(items):
        if item.sender_key is None:
            continue  # nobody's: no album
        if (after := latest.get(item.sender_key)) is not None:
            following[item.id] = after
        latest[item.sender_key] = item
    return following


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

    def _album_places(
        self, parsed: dict[int, Prepared], items: list[InboxItem]
    ) -> dict[int, AlbumPlace]:
        """Each update's place in its album (`_same_album`), by inbox id: whether more of it
        wait behind, and how many pictures, counted from the album's end."""
        followers = _next_of_sender(items)
        places: dict[int, AlbumPlace] = {}
        for item in reversed(items):
            follower = followers.get(item.id)
            if follower is None or not self._same_album(parsed, item, follower):
                places[item.id] = AlbumPlace()
                continue
            event = parsed[follower.id][0]
            picture = event is not None and _album_piece(event) in ("photo", "picture_file")
            behind = places[follower.id].pictures_behind + (1 if picture else 0)
            places[item.id] = AlbumPlace(True, behind)
        return places

    def _same_album(
        self, parsed: dict[int, Prepared], item: InboxItem, follower: InboxItem | None
    ) -> bool:
        """An album arrives as several updates; all but the last are answered silently.
        `follower`: the sender's next update waiting. Telegram names an album (its pieces'
        `media_group_id`: photos, videos, files together); WhatsApp sends each picture of one
        as a message of its own with nothing tying them, so photos of a sender waiting one
        behind the other, neither naming an album, count as one (a burst), and so do
        pictures sent as files (five files got five "send it as a photo")."""
        if follower is None:
            return False
        (first, _), (second, _) = parsed[item.id], parsed[follower.id]
        if not first or not second or first.chat_id != second.chat_id:
            return False  # (not a private photo, then one in a group)
        piece = _album_piece(first)
        if piece is None or _album_piece(second) is None:
            return False
        if first.media_group_id or second.media_group_id:
            return first.media_group_id == second.media_group_id
        return piece == _album_piece(second) != "video"

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

    async def _note_background(self, repos: Any, turn: Turn) -> list[int]:
        """Write down each job the turn handed off, with the turn (removed with its answer;
        one left at a restart is answered "ask again", and the form's question it held,
        bot/interrupted.py)."""
        event = turn.event
        return [
            await repos.background.add(
                user_id=turn.user.id if turn.user else None,
                channel=event.channel,
                chat_id=event.chat_id,
                language=turn.language,
                now=self.clock.now(),
                resume_session=job.resume.session_id if job.resume else None,
                resume_rev=job.resume.rev if job.resume else None,
            )
            for job in turn.background
        ]

    def _start_background(self, turn: Turn, requests: list[int]) -> None:
        for job, request in zip(turn.background, requests, strict=True):
            task = asyncio.create_task(self._run_background(job, turn, request))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def finish_background(self) -> None:
        """Wait for the background jobs still running (before closing the database)."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def _run_background(self, job: BackgroundJob, turn: Turn, request: int) -> None:
        """Heavy work a turn handed off: read from a read-only connection of its own (charts
        and workbooks drawn by `AppContext.render`, in the render process), then its
        messages go out through the outbox like any reply."""
        event, record = turn.event, job.record
        async with self._background_slots:
            try:
                async with self.db.reading_apart() as reader:
                    messages = await job.produce(reader)
            except Exception:
                log.exception("a background job for %s (%s) failed", event.chat_id, event.channel)
                messages = [Outbound.say(turn.t("errors.internal"))]
                record = None
        async with self.db.transaction() as repos:
            if record is not None:
                await record(repos)
            # The form's question, below the result: drawn now, not when the turn ran (the
            # person may have answered it meanwhile).
            messages += await question_below_result(
                self.app,
                repos,
                event,
                user_id=turn.user.id if turn.user else None,
                resume=job.resume,
                now=self.clock.now(),
            )
            await repos.background.answered(request)
            await deliver_to_chat(
                repos,
                user_id=turn.user.id if turn.user else None,
                messages=messages,
                kind=DeliveryKind.REPLY,
                now=self.clock.now(),
                channel=event.channel,
                chat_id=event.chat_id,
            )
        self.on_outbox(event.channel)

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

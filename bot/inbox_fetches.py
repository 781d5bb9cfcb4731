"""The photos and spreadsheets of stored updates, fetched off the inbox's path.

A received photo is fetched at once (channel links expire), cleaned and stored before its
turn is handled; on WhatsApp that is two calls of up to 20 s each. Each fetch runs in a task
of its own (a few at a time, each given up after MEDIA_FETCH_SECONDS), so the inbox worker
handles everyone else's updates meanwhile: only the sender's later updates wait for it (each
person's updates are handled in order). The cleaning of a picture (decoding it: a core and
up to ~100 MB) goes two at a time, whatever the downloads do. A photo that could not be had
in time is handled without it (`photo_ref` None: the question asks for it again,
`answer.photo_failed`), a spreadsheet likewise (`file_ref` None); the update itself is never
lost. A picture sent as a file (📎 → Dokumen, "Kirim tanpa kompresi") is fetched and stored
as a photo is, and its turn sees a photo: on patchy data, sending it again costs the
volunteer. One too large (PICTURE_FILE_MAX_BYTES: refused while downloading), unreadable, of
too many pixels (bot/media.py) or not had stays the document it was (the form asks for it
as a photo). A photo its turn did not keep is removed again once the turn is committed
(`let_go_unless_kept`). What each update brings is told to `PhotosInFlight`
(handlers/photos_in_flight.py), which no removal of a photo passes by, until the commit that
handles it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.channels.base import MAX_DOWNLOAD_BYTES
from bot.clock import Clock
from bot.documents import fetch_spreadsheet, is_spreadsheet
from bot.media import PhotoRejected, store_photo
from handlers.context import Turn
from handlers.events import Inbound, InboundKind
from handlers.photos_in_flight import PhotosInFlight
from storage.models import InboxItem
from storage.photos import is_stored_photo, photos_held
from storage.repos import Repos

log = logging.getLogger(__name__)

Downloader = Callable[..., Awaitable[bytes]]  # (ref, max_bytes=...): the file's bytes
Prepared = tuple[Inbound | None, bool]  # the event (None: nothing to act on), broken
# WhatsApp: the media's URL, then its bytes, 20 s each at most (client.py), and the cleaning.
MEDIA_FETCH_SECONDS = 45.0
MEDIA_FETCHES_AT_ONCE = 8
# Pictures cleaned (decoded, shrunk, encoded: bot/media.py) at the same time, apart from the
# fetches: each takes a core and up to ~100 MB; eight at once could take a small server's
# memory (review 11a).
CLEANINGS_AT_ONCE = 2
# A picture sent as a file is a photo up to this size (a phone camera's is 2-8 MB); beyond
# it, sent as a photo it would be a fraction of that.
PICTURE_FILE_MAX_BYTES = 10 * 1024 * 1024


def _within_time(download: Downloader) -> Downloader:
    """`download`, given up after MEDIA_FETCH_SECONDS (TimeoutError)."""

    async def bounded(ref: str, max_bytes: int = MAX_DOWNLOAD_BYTES) -> bytes:
        return await asyncio.wait_for(download(ref, max_bytes=max_bytes), MEDIA_FETCH_SECONDS)

    return bounded


class InboxFetches:
    """The fetches of the updates waiting in the inbox, by inbox id."""

    def __init__(
        self,
        downloaders: dict[str, Downloader],
        media_dir: Path,
        clock: Clock,
        on_fetched: Callable[[], None],
        in_flight: PhotosInFlight,
    ) -> None:
        self.downloaders = {channel: _within_time(fn) for channel, fn in downloaders.items()}
        self.media_dir, self.clock = media_dir, clock
        self.in_flight = in_flight  # the photos fetched for updates not handled yet
        self._on_fetched = on_fetched  # wakes the worker: the sender's updates may go on
        self._tasks: dict[int, asyncio.Task[Prepared]] = {}
        self._slots = asyncio.Semaphore(MEDIA_FETCHES_AT_ONCE)
        self._cleanings = asyncio.Semaphore(CLEANINGS_AT_ONCE)

    def ready(
        self, items: list[InboxItem], parsed: dict[int, Prepared]
    ) -> tuple[set[int], dict[int, Prepared]]:
        """Start fetching what the updates hold that is not being fetched yet; return the
        updates that may be handled now (in `items`' order, a sender's stop at their first
        one still fetching) and the fetched ones' events, by inbox id."""
        ready: set[int] = set()
        fetched: dict[int, Prepared] = {}
        waiting: set[str | None] = set()  # senders with an update still being fetched
        for item in items:
            task = self._tasks.get(item.id)
            if task is None and self._downloads(parsed[item.id][0]):
                task = self._tasks[item.id] = asyncio.create_task(
                    self._fetch_in_turn(item, parsed[item.id]), name=f"inbox-fetch-{item.id}"
                )
                task.add_done_callback(lambda _: self._on_fetched())
            if task is not None and not task.done():
                waiting.add(item.sender_key)
            if item.sender_key in waiting:
                continue
            if task is not None:
                fetched[item.id] = task.result()
            ready.add(item.id)
        return ready, fetched

    def running(self) -> bool:
        """Whether some fetch is not done yet."""
        return any(not task.done() for task in self._tasks.values())

    async def wait(self) -> None:
        """Until the fetches running now are done."""
        running = [task for task in self._tasks.values() if not task.done()]
        await asyncio.gather(*running, return_exceptions=True)

    async def let_go_unless_kept(self, repos: Repos, turn: Turn) -> None:
        """A photo the turn did not keep goes from disk once the turn is committed: its
        sender may not report (unknown, waiting, suspended, rejected), no form asked for
        it, it was past the limit. Unless a case or draft shows it then (files are shared
        by content hash); one an update still waiting may bring waits for it
        (`PhotosInFlight`); never on a rollback (the update is fetched again when tried
        again)."""
        path = turn.event.photo_ref if turn.event.kind == InboundKind.PHOTO else None
        if path is None or not is_stored_photo(path):
            return  # nothing stored (not fetched, or the channel's own file id)
        if turn.user is not None:
            session = await repos.forms.active(turn.user.id)
            if session is not None and path in photos_held(session.state):
                return  # the usual case, kept by the sender's report: no wider look
        self.in_flight.let_go(repos, self.media_dir, {path})

    def forget(self, item_id: int) -> None:
        """The update was handled (or failed: fetched again when it is tried again)."""
        self._tasks.pop(item_id, None)
        self.in_flight.handled([item_id])

    async def drop(self) -> None:
        """Stop the fetches still running (at shutdown): their updates stay pending and are
        fetched again at the next start."""
        tasks, self._tasks = list(self._tasks.values()), {}
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def prepare(self, item: InboxItem, parsed: Prepared) -> Prepared:
        """Fetch the photo or spreadsheet of a parsed update, before any transaction."""
        event, broken = parsed
        if broken:
            return parsed
        try:
            if event is not None and event.kind == InboundKind.PHOTO:
                event = await self._fetch_photo(item.id, event)
            if event is not None and event.image_document and event.file_ref:
                event = await self._fetch_picture_file(item.id, event)
            if event is not None and is_spreadsheet(event):
                event = await fetch_spreadsheet(event, self.downloaders, self.media_dir, self.clock)
        except Exception:
            # The context without the payload: it may hold a NIK.
            log.exception("inbox %s (%s, sender %s) failed", item.id, item.channel, item.sender_key)
            return None, True
        return event, False

    async def _fetch_in_turn(self, item: InboxItem, parsed: Prepared) -> Prepared:
        async with self._slots:
            return await self.prepare(item, parsed)

    def _downloads(self, event: Inbound | None) -> bool:
        """Whether preparing the event fetches something from its channel."""
        if event is None or event.channel not in self.downloaders:
            return False
        if event.kind == InboundKind.PHOTO:
            return bool(event.photo_ref)
        return (event.image_document and bool(event.file_ref)) or is_spreadsheet(event)

    async def _fetch_photo(self, item_id: int, event: Inbound) -> Inbound:
        """Download a photo at once (channel links expire) and keep a clean copy; told to
        `in_flight` before it is stored, so no removal takes it before its turn."""
        if event.channel not in self.downloaders or not event.photo_ref:
            return event
        path: str | None = None
        try:
            path = await self._store_picture(item_id, event.channel, event.photo_ref)
        except Exception:
            log.warning("could not fetch a photo from %s", event.channel, exc_info=True)
        return event.model_copy(update={"photo_ref": path})

    async def _fetch_picture_file(self, item_id: int, event: Inbound) -> Inbound:
        """A picture sent as a file, fetched and stored as a photo: the event a photo of it
        (its caption and album kept). The document it was when it could not be had, was
        too large or is no picture we read: the form asks for it as a photo."""
        if event.channel not in self.downloaders or not event.file_ref:
            return event
        try:
            path = await self._store_picture(
                item_id, event.channel, event.file_ref, PICTURE_FILE_MAX_BYTES
            )
        except Exception:
            log.warning("could not take a picture file from %s", event.channel, exc_info=True)
            return event
        update = {
            "kind": InboundKind.PHOTO,
            "photo_ref": path,
            "other_type": None,
            "file_ref": None,
            "file_name": None,
            "file_mime": None,
        }
        return event.model_copy(update=update)

    async def _store_picture(
        self, item_id: int, channel: str, ref: str, max_bytes: int = MAX_DOWNLOAD_BYTES
    ) -> str:
        """Download a picture (refused past `max_bytes` while it comes) and keep a clean
        copy (bot/media.py), a few at a time; its path. Told to `in_flight` before it is
        stored, so no removal takes it before its turn."""
        data = await self.downloaders[channel](ref, max_bytes=max_bytes)
        if len(data) > max_bytes:  # (a channel that could not tell while downloading)
            raise PhotoRejected(f"picture of {len(data)} bytes: too large")
        self.in_flight.storing(item_id)
        path: str | None = None
        try:
            async with self._cleanings:
                path = await store_photo(data, self.media_dir)
        finally:
            self.in_flight.fetched(item_id, path)
        return path

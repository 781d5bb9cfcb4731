"""The running bot: storage, conversations, channels, workers and the scheduler together."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import time, timedelta
from pathlib import Path
from typing import Protocol

from bot.audit_key import load_audit_key
from bot.channels.base import SendOutcome
from bot.channels.traits import DeclaresTraits, channel_traits
from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings
from bot.inbox_worker import InboxWorker, Parser
from bot.interrupted import tell_interrupted
from bot.outbox_sender import OutboxSender
from bot.pacing import Pacing
from bot.region_files import load_regions
from bot.render_pool import RenderPool
from bot.scheduler import Scheduler, default_work
from bot.statistics_zone import follow_time_zone
from bot.webhook import WebhookApp, WebServer
from handlers.channel_traits import ChannelTraits
from handlers.context import AppContext
from handlers.events import Outbound
from handlers.forms.loading import load_forms
from handlers.i18n import Catalog
from storage.db import Database
from storage.models import OutboxItem
from storage.repos import Repos

log = logging.getLogger(__name__)
# On SIGTERM the updates already stored are handled for at most this long (the rest wait
# for the next start); with the senders' drains it fits the systemd unit's TimeoutStopSec.
FINISH_INBOX_SECONDS = 10.0


class Channel(Protocol):
    """What the runtime needs from a channel adapter."""

    name: str
    traits: ChannelTraits  # what conversations may assume about it (AppContext.channels)
    pacing: Pacing  # how fast its sender may go, overall and per chat

    async def start(self, db: Database, clock: Clock, on_stored: Callable[[], None]) -> None: ...
    async def stop_polling(self) -> None: ...
    def intake(self) -> asyncio.Task[None] | None: ...
    async def confirm(self) -> None: ...
    async def shutdown(self) -> None: ...
    async def send(self, item: OutboxItem, message: Outbound) -> SendOutcome: ...
    async def download(self, ref: str, max_bytes: int = ...) -> bytes: ...


def matplotlib_dir(settings: Settings) -> Path:
    """Where the chart worker keeps matplotlib's font cache when MPLCONFIGDIR is unset: a
    folder of the bot's own user beside the database (never in a backup)."""
    return settings.database_path.parent / ".matplotlib"


def keep_startup_objects() -> None:
    """Keep what is alive once the bot has started (modules, PTB's classes, texts, forms,
    regions: some 80,000 objects) out of the garbage collector's full passes for good.

    A full pass walks every tracked object while the event loop waits: 25-80 ms with those
    objects, measured in the middle of the step-latency benchmark (bench/steps.py), one such
    pause every 20 s or so at 100 steps/s; afterwards only what was made since. Objects that
    die later are still freed by their reference counts; only cycles among them wait for a
    restart. Not in `Runtime.start`: tests start many runtimes in one process."""
    gc.collect()
    gc.freeze()


async def prepare_database(
    settings: Settings,
    running: Iterable[DeclaresTraits] = (),
    clock: Clock | None = None,
    *,
    follow_zone: bool = False,
) -> tuple[Database, AppContext]:
    """Open (and migrate) the database, load regions, texts and forms; check them all; read
    the audit key (moved out of the database where an earlier version kept it there).
    `running`: the channels this process runs; their traits join the built-in adapters'
    (bot/channels/traits.py) in `AppContext.channels`.
    `follow_zone`: also make the statistics count the local days of TIMEZONE
    (`follow_time_zone`). Only the bot and `migrate` do: a tool run from a shell with another
    TIMEZONE would refill the rollups (a long write beside the running bot) for nothing, as the
    statistics are exact in any offset."""
    catalog = Catalog.load()
    forms = load_forms()
    regions = load_regions()
    known = {region.code for region in regions}
    missing = [d.code for d in settings.district_list if d.code not in known]
    if missing:
        raise ConfigError([f"DISTRICTS: no region list in regions/ for {', '.join(missing)}"])
    db = Database(settings.database_path)
    await db.open()
    try:
        audit_key = await load_audit_key(settings, db)
        async with db.transaction() as repos:
            await repos.regions.sync(regions)
            for form in forms.values():
                definition = form.model_dump(mode="json")
                await repos.forms.save_definition(form.id, form.version, definition)
        if follow_zone:
            await follow_time_zone(db, settings.zone, (clock or SystemClock()).now())
    except BaseException:
        await db.close()  # its threads would keep the process alive
        raise
    app = AppContext(
        catalog=catalog,
        forms=forms,
        districts=settings.district_list,
        timezone=settings.zone,
        admin_ids={
            "telegram": settings.admin_telegram_id_set,
            "whatsapp": settings.admin_whatsapp_phone_set,
        },
        default_language=settings.default_language,
        draft_ttl_days=settings.draft_ttl_days,
        retention_days=settings.retention_days,
        rejected_retention_days=settings.rejected_retention_days,
        export_message_ttl=timedelta(hours=settings.export_message_ttl_hours),
        transcript_ttl=timedelta(hours=settings.transcript_ttl_hours),
        media_dir=settings.media_path,
        reminder_time=time.fromisoformat(settings.reminder_time),
        digest_time=time.fromisoformat(settings.digest_time),
        weekly_digest_day=settings.weekly_digest_day,
        quiet_start=settings.quiet_start,
        quiet_end=settings.quiet_end,
        form_versions={(f.id, f.version): f for f in forms.values()},
        bot_addresses={"whatsapp": settings.whatsapp_display_number},
        channels=channel_traits(running),
        audit_key=audit_key,
    )
    return db, app


@contextlib.asynccontextmanager
async def one_transaction(settings: Settings) -> AsyncIterator[tuple[Repos, AppContext]]:
    """For a command-line tool: the database prepared (`prepare_database`), one transaction
    on it, and the database closed again however the tool's work ends."""
    db, app = await prepare_database(settings)
    try:
        async with db.transaction() as repos:
            yield repos, app
    finally:
        await db.close()


class Runtime:
    """Start, run and stop the bot."""

    def __init__(
        self,
        settings: Settings,
        channels: list[Channel],
        parsers: dict[str, Parser],
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self.channels = channels
        self.parsers = parsers
        self.clock = clock or SystemClock()
        self.db: Database | None = None
        self.app: AppContext | None = None
        self.worker: InboxWorker | None = None
        self.senders: dict[str, OutboxSender] = {}
        self.scheduler: Scheduler | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._worker_task: asyncio.Task[None] | None = None
        self.web: WebServer | None = None
        self.render_pool: RenderPool | None = None
        self._started = False  # every channel started: `stop` may send what is due

    def _wake_sender(self, channel: str) -> None:
        sender = self.senders.get(channel)
        if sender is not None:
            sender.wake()

    def _wake_all(self) -> None:
        for sender in self.senders.values():
            sender.wake()

    async def start(self, *, senders: bool = True, background: bool = True) -> None:
        """Open everything and start the loops.

        `senders=False` leaves the outbox unsent (a crash between commit and send, in tests);
        `background=False` starts no loops at all: the caller drives the worker and senders.
        """
        self.db, self.app = await prepare_database(
            self.settings, self.channels, self.clock, follow_zone=True
        )
        # No worker process until the first chart; matplotlib's font cache beside the
        # database unless MPLCONFIGDIR says where.
        self.render_pool = RenderPool(matplotlib_dir=matplotlib_dir(self.settings))
        self.app.render = self.render_pool.render
        async with self.db.transaction() as repos:
            expired = await repos.outbox.expire_transient()
            interrupted = await tell_interrupted(repos, self.app, self.clock.now())
        if expired:
            log.info("dropped %s unsent callback answers/edits from before the restart", expired)
        if interrupted:
            log.info("told %s people their statistics or export was interrupted", interrupted)
        self.worker = InboxWorker(
            self.db,
            self.app,
            self.parsers,
            self.clock,
            self._wake_sender,
            downloaders={channel.name: channel.download for channel in self.channels},
            media_dir=self.settings.media_path,
        )
        for channel in self.channels:
            self.senders[channel.name] = OutboxSender(
                self.db,
                channel.name,
                channel.send,
                self.clock,
                pacing=channel.pacing,
                # A channel whose messages may take several API calls says how many.
                api_calls=getattr(channel, "api_calls", None),
                zone=self.app.timezone,
                catalog=self.app.catalog,
                ids_written=getattr(channel, "ids_written", None),
            )
        if not background:
            self._started = True
            return
        # The webhook server before the channels: Telegram's webhook mode registers its URL
        # when its channel starts, and posts to it at once (what arrives waits in the inbox).
        if self.settings.webhook_needed:
            routes = WebhookApp(
                self.settings,
                self._database,
                self.clock,
                on_stored=self.worker.wake,
                on_status=self._wake_all,
                catalog=self.app.catalog,
            )
            self.web = WebServer(
                routes.app(), self.settings.webhook_host, self.settings.webhook_port
            )
            await self.web.start()
        # Channels before the senders: a sender may send at once (replies a crash left
        # unsent), and an adapter sends only once started (WhatsApp's needs the database).
        for channel in self.channels:
            await channel.start(self.db, self.clock, self.worker.wake)
            username = getattr(channel, "username", None)  # Telegram's, for deep links
            if isinstance(username, str) and username:
                self.app.bot_addresses[channel.name] = username
        if senders:
            for name, sender in self.senders.items():
                self._tasks.append(asyncio.create_task(sender.run(), name=f"sender-{name}"))
        self._worker_task = asyncio.create_task(self.worker.run(), name="inbox-worker")
        self.scheduler = Scheduler(
            self.db, self.app, self.clock, default_work(), on_outbox=self._wake_all
        )
        await self.scheduler.tick()
        self.scheduler.start()
        self._started = True
        log.info("psm-bot started (%s)", ", ".join(c.name for c in self.channels) or "no channel")

    def _database(self) -> Database:
        assert self.db is not None, "the bot is not running"
        return self.db

    async def stop(self) -> None:
        """Handle what the inbox holds (for `FINISH_INBOX_SECONDS` at most), confirm handled
        updates, send what is due, close.
        After a failed `start`, closes what it opened (and sends nothing: a channel that
        did not start would only use up the messages' attempts)."""
        if self.web is not None:
            await self.web.stop()  # no new inbound first
            self.web = None
        for channel in self.channels:
            await channel.stop_polling()
        if self.worker is not None and self._worker_task is not None:
            self.worker.stop(finish_within=FINISH_INBOX_SECONDS)
            await self._worker_task
        for channel in self.channels:
            await channel.confirm()
        if self.worker is not None:
            await self.worker.fetches.drop()  # the worker's loop did, if it ran one
            await self.worker.finish_background()
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.render_pool is not None:
            await self.render_pool.shutdown()  # after the background jobs that draw
            self.render_pool = None
        for sender in self.senders.values():
            sender.stop()
        for task in self._tasks:
            with contextlib.suppress(Exception):
                await task
        self._tasks.clear()
        started, self._started = self._started, False
        if started:
            for name, sender in self.senders.items():
                try:
                    await asyncio.wait_for(sender.drain(), timeout=5)
                except Exception:
                    log.warning("could not send everything due from %s before stopping", name)
        for channel in self.channels:
            await channel.shutdown()
        if self.db is not None:
            await self.db.close()
            self.db = None
        if started:
            log.info("psm-bot stopped")

    async def _until_stopped_or_deaf(self, stop: asyncio.Event) -> None:
        """Wait for a signal, or for a channel's intake to end with an error (a token revoked
        while running: the bot would hear nobody), which then ends the run with that error."""
        stopped = asyncio.create_task(stop.wait(), name="stop-signal")
        intakes = [task for channel in self.channels if (task := channel.intake()) is not None]
        try:
            done, _ = await asyncio.wait([stopped, *intakes], return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
        for task in done:
            if task is not stopped and not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]

    async def run_until_signal(self) -> None:
        """Run until SIGTERM or SIGINT, then stop cleanly."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        try:
            await self.start()  # a failed start (token refused, no network) closes too
            keep_startup_objects()
            await self._until_stopped_or_deaf(stop)
        finally:
            await self.stop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)

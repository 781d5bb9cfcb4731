"""The one scheduler: a database-driven tick every minute.

Nothing is kept only in memory: each kind of scheduled work looks at the database to see
what is due at `now` and records what it did (scheduled_runs keys), so a restart or a
missed tick never loses or repeats a day. Features register work with `register`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from handlers.context import AppContext
from handlers.draft_expiry import expire_drafts
from handlers.export_expiry import delete_expired_exports
from handlers.limit_report import report_held_back
from handlers.reminders import broadcast_reports, coordinator_digest, daily_reminders
from handlers.retention import purge_closed_cases
from handlers.run_keys import forget_old_run_keys
from handlers.temp_files import sweep_temp_files
from handlers.trainings.schedule import eve_reminders, morning_reminders
from handlers.transcripts import clear_transcripts
from handlers.weekly_digest import tksk_weekly_digest
from storage.db import Database
from storage.repos import Repos

log = logging.getLogger(__name__)

# Each kind of work runs in a write transaction of its own: it reads what is due and records
# it (long kinds commit between people, `Repos.let_others_write`).
DueWork = Callable[[Repos, AppContext, datetime], Awaitable[None]]
TICK_SECONDS = 60
WHATSAPP_REDELIVERY_WINDOW = timedelta(days=8)
# Telegram keeps an update 24 hours; a day's margin. Polling confirms sooner; in webhook mode
# nothing confirms, and update ids restart at random after a quiet week: keys must go by then.
TELEGRAM_REDELIVERY_WINDOW = timedelta(days=2)
# A status report whose message's id was not written within this never will be (ids are
# written within ~50 ms of the send; a write that failed is tried again within seconds).
EARLY_STATUS_KEPT = timedelta(hours=1)


@dataclass
class Scheduler:
    """Runs every registered kind of work on each tick."""

    db: Database
    app: AppContext
    clock: Clock
    work: dict[str, DueWork]
    on_outbox: Callable[[], None] = lambda: None

    def __post_init__(self) -> None:
        self._apscheduler: AsyncIOScheduler | None = None

    def register(self, name: str, work: DueWork) -> None:
        """Add a kind of scheduled work."""
        self.work[name] = work

    async def tick(self) -> None:
        """Ask every feature what is due now; one failing kind does not stop the others."""
        now = self.clock.now()
        for name, work in self.work.items():
            try:
                # In aiosqlite's thread: a kind may delete or queue thousands of rows, and
                # answers go on meanwhile (storage/db.py WriterConnection).
                async with self.db.transaction(in_place=False) as repos:
                    await work(repos, self.app, now)
            except Exception:
                log.exception("scheduled work %s failed", name)
        self.on_outbox()

    def start(self) -> None:
        """Tick every minute from now (the runtime ticks once itself before, to catch up
        after downtime). No `next_run_time=None` here: APScheduler adds such a job paused."""
        scheduler = AsyncIOScheduler(timezone=self.app.timezone)
        scheduler.add_job(
            self.tick,
            "interval",
            seconds=TICK_SECONDS,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=TICK_SECONDS,
        )
        scheduler.start()
        self._apscheduler = scheduler

    def stop(self) -> None:
        if self._apscheduler is not None:
            self._apscheduler.shutdown(wait=False)
            self._apscheduler = None


async def housekeeping(repos: Repos, app: AppContext, now: datetime) -> None:
    """Expire stale routine messages; forget dedup keys channels can no longer redeliver,
    scheduler keys nothing asks for any more and status reports whose message never came;
    remove charts and chat exports (MEDIA_PATH/tmp) older than a day."""
    await repos.outbox.expire_due(now)
    await repos.inbox.purge_confirmed("telegram")
    await repos.inbox.purge_older_than("telegram", now - TELEGRAM_REDELIVERY_WINDOW)
    await repos.inbox.purge_older_than("whatsapp", now - WHATSAPP_REDELIVERY_WINDOW)
    await forget_old_run_keys(repos, now)
    await repos.early_statuses.forget_before(now - EARLY_STATUS_KEPT)
    sweep_temp_files(app.media_dir)


async def move_statistics_windows(repos: Repos, app: AppContext, now: datetime) -> None:
    """From the first tick of a local day, /statistik's rolling windows end on that day."""
    await repos.stats_windows.advance(now)


def default_work() -> dict[str, DueWork]:
    """Every kind of scheduled work, by name."""
    return {
        "housekeeping": housekeeping,
        "statistics_windows": move_statistics_windows,
        "draft_expiry": expire_drafts,
        "retention": purge_closed_cases,
        "daily_reminders": daily_reminders,
        "coordinator_digest": coordinator_digest,
        "broadcast_reports": broadcast_reports,
        "training_reminders": morning_reminders,
        "training_eve": eve_reminders,
        "weekly_digest": tksk_weekly_digest,
        "export_deletion": delete_expired_exports,
        "transcripts": clear_transcripts,
        "limit_report": report_held_back,
    }

"""Retention (UU PDP Ps. 42-44): closed cases are deleted RETENTION_DAYS after their last
change, with what hangs off them, the people no other case names, their photos, every form
session about them (a verification or a correction left unfinished, and the photos it held),
and the finished form sessions of that age; numbers from a training's phone list that nobody claimed
go 30 days after the training ended (or when it was cancelled); people whose registration
was rejected are forgotten REJECTED_RETENTION_DAYS after the decision; photo files nothing
uses go (handlers/photo_files.py). A daily scheduler kind; a
backlog (the first run on an old database) is worked off in batches, one per tick, before the
day is marked done.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.context import AppContext
from handlers.photo_files import (
    old_photo_files,
    remove_stray_photos,
    sweep_stray_photos,
)
from handlers.temp_files import remove_photos_once_unused
from storage.photos import photos_held
from storage.repos import Repos

KIND = "retention"
BATCH = 500  # cases per tick: keeps each transaction short
UNCLAIMED_INVITES_DAYS = 30  # phone-list numbers nobody claimed, after the training ended


async def purge_closed_cases(repos: Repos, app: AppContext, now: datetime) -> None:
    """Purge resolved/rejected cases untouched for `app.retention_days` (once a local day)."""
    day = app.local_date(now).isoformat()
    if await repos.schedule.ran_at(KIND, day) is not None:
        return
    # The photo files are listed before anything is written, with the writer given up.
    old_files = await old_photo_files(repos, app, now)
    before = now - timedelta(days=app.retention_days)
    case_ids = await repos.retention.closed_cases(before, BATCH)
    about_them = await repos.retention.delete_case_sessions(case_ids)
    unused_photos = await repos.retention.delete_cases(case_ids)
    sessions = len(about_them) + await repos.retention.delete_finished_sessions(before)
    invites = await repos.training_invites.forget_unclaimed(
        now - timedelta(days=UNCLAIMED_INVITES_DAYS)
    )
    rejected = await repos.people.forget_rejected(
        now - timedelta(days=app.rejected_retention_days), now=now, limit=BATCH
    )
    finished = len(case_ids) < BATCH and rejected < BATCH
    # The day's last tick sweeps the photo files nothing names that no change let go of.
    stray = await sweep_stray_photos(repos, old_files, going=unused_photos) if finished else []
    if case_ids or sessions or invites or rejected or stray:
        await repos.audit.record(
            now=now,
            actor_id=None,
            action="retention.purged",
            detail={
                "cases": len(case_ids),
                "sessions": sessions,
                "photos": len(unused_photos),
                "stray_photos": len(stray),
                "unclaimed_invitations": invites,
                "rejected_people": rejected,
                "closed_before": before.isoformat(),
            },
        )
    if finished:
        await repos.schedule.claim(KIND, day, now=now)
    remove_photos_once_unused(repos, app, set(unused_photos) | photos_held(about_them))
    await remove_stray_photos(repos, old_files, stray)  # committed first, the writer given up

"""The end of stored photos (MEDIA_PATH/photos, named by content hash): a photo no case and
no unfinished form shows goes from disk (UU PDP: pictures of families and children).

- Once a change that let go of photos is committed (a revision replaced them, the
  retention purge deleted their case, a form holding them was dropped, a photo was not kept
  by the turn it came in), those nothing shows then are deleted
  (`handlers.temp_files.remove_photos_once_unused`); one an update not handled yet brings,
  or may bring, waits for it (`handlers/photos_in_flight.py`, the rule every removal follows).
- Once a day (the `retention` kind) the files nothing names and untouched for longer than
  a draft lives are swept: what no change let go of (a crash between the commit and the
  removal, an update that failed for good, a photo still waiting for an update when the bot
  stopped, a version before this one). The writer is held only to read the names in use
  (`sweep_stray_photos`); the folder is listed before (`old_photo_files`) and the files
  removed after the commit (`remove_stray_photos`) with the writer given up, in a thread.

A photo is fetched before its turn is handled, so a file may be in nobody's hands for the
moment between; storing a photo already on disk touches it (`bot/media.py`), under
`PHOTO_FILES_LOCK` with the sweep's check, so the sweep never takes a photo in flight.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from handlers.context import AppContext
from handlers.temp_files import remove_media
from storage.photos import PHOTOS_FOLDER
from storage.repos import Repos

# Storing a photo (bot/media.py) and the sweep's last look at a file hold it, so a photo
# stored again (touched) in that moment is never removed.
PHOTO_FILES_LOCK = threading.Lock()
# A file nothing names is swept once untouched this much longer than a draft may live.
SWEEP_MARGIN_DAYS = 2


@dataclass(frozen=True)
class OldPhotoFiles:
    """The files under MEDIA_PATH/photos untouched since `before` (a timestamp), as listed
    for the day's sweep (paths relative to `media_dir`)."""

    media_dir: Path
    before: float
    paths: list[str]


async def old_photo_files(repos: Repos, app: AppContext, now: datetime) -> OldPhotoFiles:
    """The files under MEDIA_PATH/photos (a half-written `.part` too) last stored more than a
    draft's life (`draft_ttl_days`) plus a margin ago. Listed in a thread with the writer
    given up (what the transaction did so far is committed first, `Repos.writer_released`):
    a stat of every file of a big old folder takes long, and every answer waits for the
    writer."""
    before = (now - timedelta(days=app.draft_ttl_days + SWEEP_MARGIN_DAYS)).timestamp()
    async with repos.writer_released():
        paths = await asyncio.to_thread(_untouched, app.media_dir, before)
    return OldPhotoFiles(app.media_dir, before, paths)


async def sweep_stray_photos(
    repos: Repos, old: OldPhotoFiles, *, going: Collection[str] = ()
) -> list[str]:
    """Of the old files, those nothing uses now; `going`: files this transaction already
    lets go of (removed and counted apart). The files in use are read in one go, never one
    query a file; they go with `remove_stray_photos`, once committed."""
    in_use = await repos.photos.in_use_under(PHOTOS_FOLDER) | set(going)
    return [path for path in old.paths if path not in in_use]


async def remove_stray_photos(repos: Repos, old: OldPhotoFiles, stray: list[str]) -> None:
    """Commit what the transaction did, then remove these files in a thread with the writer
    given up, each unless stored again since it was listed (its time moved on: a turn in
    flight holds it). The last step of the work that swept them: nothing is rolled back
    after it."""
    if stray:
        async with repos.writer_released():
            await asyncio.to_thread(_remove_if_untouched, old.media_dir, stray, old.before)


def _untouched(media_dir: Path, before: float) -> list[str]:
    """Files under MEDIA_PATH/photos untouched since `before` (a timestamp), as paths
    relative to MEDIA_PATH."""
    old = []
    for folder, _, files in os.walk(media_dir / PHOTOS_FOLDER):
        for name in files:
            path = Path(folder) / name
            if _untouched_since(path, before):
                old.append(path.relative_to(media_dir).as_posix())
    return sorted(old)


def _remove_if_untouched(media_dir: Path, relative_paths: list[str], before: float) -> None:
    """Remove these files, each unless stored again meanwhile (its time moved on)."""
    for relative in relative_paths:
        with PHOTO_FILES_LOCK:
            if _untouched_since(media_dir / relative, before):
                remove_media(media_dir, [relative])


def _untouched_since(path: Path, before: float) -> bool:
    try:
        return path.stat().st_mtime < before
    except FileNotFoundError:
        return False

"""Files made for one message (charts, chat exports) under MEDIA_PATH/tmp, and their end;
and the end of stored photos no case or draft shows any more.

The outbox sends temporary files shortly after; they are kept a day (a send may be retried),
then removed by the retention job. They never hold a full NIK or KK.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from storage.repos import Repos

if TYPE_CHECKING:
    from handlers.context import AppContext

TEMP_FOLDER = "tmp"
KEEP_SECONDS = 24 * 3600


def temp_path(media_dir: Path, stem: str, suffix: str, now: datetime) -> Path:
    """A new, unguessable file name under MEDIA_PATH/tmp (the folder is created)."""
    folder = media_dir / TEMP_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{stem}-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(6)}{suffix}"


def sweep_temp_files(media_dir: Path, *, older_than: float = KEEP_SECONDS) -> int:
    """Remove files under MEDIA_PATH/tmp older than `older_than` seconds; returns how many."""
    folder = media_dir / TEMP_FOLDER
    if not folder.is_dir():
        return 0
    limit = time.time() - older_than
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def stored_media(media_dir: Path, relative_paths: list[str]) -> list[str]:
    """Those of these media files (paths relative to MEDIA_PATH, never outside it) that are
    on disk: one deleted before (an earlier version's photo) is not there to remove."""
    root = media_dir.resolve()
    stored = []
    for relative in relative_paths:
        path = (root / relative).resolve()
        if path.is_relative_to(root) and path.is_file():
            stored.append(relative)
    return stored


def remove_media(media_dir: Path, relative_paths: list[str]) -> int:
    """Delete stored media files (paths relative to MEDIA_PATH, never outside it); returns
    how many were there to delete."""
    stored = stored_media(media_dir, relative_paths)
    for relative in stored:
        (media_dir.resolve() / relative).resolve().unlink()
    return len(stored)


def remove_photos_once_unused(repos: Repos, app: AppContext, paths: set[str]) -> None:
    """Once the change in hand is committed, delete those of these photo files (shared by
    content hash) that no case and no draft shows then; nothing if it is rolled back. One
    that an update not handled yet may bring waits for it (handlers/photos_in_flight.py).
    Which photos go when: handlers/photo_files.py."""
    app.photos_in_flight.let_go(repos, app.media_dir, paths)

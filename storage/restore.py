"""Putting a backup back (the bot stopped): `psm-bot restore`.

Nothing is touched before the backup passed its checks (integrity, a schema this code
knows). The backup's database and media are copied beside the live ones; the database copy
is brought to this code's schema (the runner of `psm-bot migrate`: a backup of before 0028
has no id sequences yet to carry into), then up to what the live database has given and
done (`storage/restore_carry.py`), and forced to disk before any live file is touched: a
copy or migration that fails (a full disk) leaves everything as it was. The database and
media replaced are kept beside them, `<name>.before-restore-<UTC time>`, readable by the
bot's user only, until the operator deletes them.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from storage.backup import folders_below, fsync_path, integrity_problems
from storage.db import Database
from storage.migrate import MigrationFailed, latest_version
from storage.restore_carry import CarriedForward, carry_forward

KEPT = ".before-restore-"


class BackupTooNew(RuntimeError):
    """The backup was made by a newer psm-bot (a schema this code cannot run)."""


@dataclass(frozen=True)
class RestoreReport:
    """Where the replaced database and media were kept (None: there were none) and what
    was carried forward from the database."""

    kept_database: Path | None
    kept_media: Path | None
    carried: CarriedForward


def restore(
    backup: Path,
    target: Path,
    *,
    media: Path | None = None,
    media_target: Path | None = None,
    now: datetime | None = None,
) -> RestoreReport:
    """Replace the database `target` with a checked backup, and with `media` the media
    folder `media_target` with the backup's, keeping the replaced ones beside them."""
    problems = integrity_problems(backup)
    if problems:
        raise RuntimeError(f"{backup} failed its integrity check: {problems[:3]}")
    refuse_newer(backup)
    database = _staged_database(backup, target)
    try:
        _migrate(backup, database)
        carried = carry_forward(database, target)
        _folded(database)
        fsync_path(database)
        incoming = _staged_media(media, media_target) if media and media_target else None
    except BaseException:
        _remove_database(database)
        raise
    stamp = _free_stamp(target, media_target, now or datetime.now(UTC))
    try:
        kept_database = _keep_database(target, stamp)
    except BaseException:
        _remove_database(database)
        if incoming:
            shutil.rmtree(incoming, ignore_errors=True)
        raise
    database.replace(target)
    fsync_path(target.parent)
    kept_media = None
    if incoming and media_target:
        if media_target.exists():
            kept_media = media_target.with_name(media_target.name + stamp)
            media_target.rename(kept_media)
            kept_media.chmod(0o700)  # personal data, whatever the folder's mode was
        incoming.rename(media_target)
        fsync_path(media_target.parent)
    return RestoreReport(kept_database, kept_media, carried)


def refuse_newer(backup: Path) -> None:
    """Refuse a backup whose schema is newer than this code's: swapped in, neither
    `migrate` nor `run` could use it."""
    connection = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        (version,) = connection.execute("PRAGMA user_version").fetchone()
    finally:
        connection.close()
    latest = latest_version()
    if version > latest:
        raise BackupTooNew(
            f"{backup} is at schema version {version}, newer than this psm-bot ({latest}):"
            " upgrade psm-bot first; nothing was changed"
        )


def _migrate(backup: Path, staged: Path) -> None:
    """Bring the staged copy to this code's schema, as `psm-bot migrate` would after the
    swap (its WAL folded in on close). A migration that fails leaves the live files as they
    were: said so. (A CLI step: the caller runs no event loop.)"""

    async def migrate() -> None:
        database = Database(staged)
        await database.open()
        await database.close()

    try:
        asyncio.run(migrate())
    except MigrationFailed as exc:
        raise MigrationFailed(
            f"{backup} could not be brought to this psm-bot's schema ({exc}); nothing was changed"
        ) from exc


def _folded(staged: Path) -> None:
    """Refuse a staged copy whose WAL is left beside it: the swap moves the file alone."""
    if Path(f"{staged}-wal").exists():
        raise RuntimeError(f"{staged}: its WAL was not folded in on close; nothing was changed")


def _remove_database(path: Path) -> None:
    """Remove a staged database and the WAL and shared memory SQLite kept beside it."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _free_stamp(target: Path, media_target: Path | None, now: datetime) -> str:
    """`.before-restore-<UTC time>`, with `-2`, `-3`... when a restore of the same second
    kept files under it."""
    base = KEPT + now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    stamp, extra = base, 1
    while any(
        path.with_name(path.name + stamp).exists() for path in (target, media_target) if path
    ):
        extra += 1
        stamp = f"{base}-{extra}"
    return stamp


def _keep_database(target: Path, stamp: str) -> Path | None:
    """Keep the live database and its WAL (commits not yet in the file) under the kept
    name, then remove the WAL: it would be replayed onto the restored database. Hard links,
    so the live database stays in place until the swap."""
    if not target.exists():
        return None
    kept = target.with_name(target.name + stamp)
    made: list[Path] = []
    try:
        for suffix in ("", "-wal"):
            live = Path(f"{target}{suffix}")
            if live.exists():
                os.link(live, f"{kept}{suffix}")
                made.append(Path(f"{kept}{suffix}"))
                Path(f"{kept}{suffix}").chmod(0o600)
        fsync_path(target.parent)
    except BaseException:
        for path in made:
            path.unlink(missing_ok=True)
        raise
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    return kept


def _staged_database(backup: Path, target: Path) -> Path:
    """A copy of `backup` beside `target`, on disk."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(target.name + ".restoring")
    _remove_database(staged)  # a WAL left by a restore interrupted would be replayed onto it
    try:
        shutil.copyfile(backup, staged)
        fsync_path(staged)
    except BaseException:
        _remove_database(staged)
        raise
    return staged


def _staged_media(backup: Path, target: Path) -> Path:
    """A copy of the `backup` folder beside `target`, every file and folder on disk."""
    staged = target.with_name(target.name + ".restoring")
    shutil.rmtree(staged, ignore_errors=True)  # left by a restore interrupted
    try:
        shutil.copytree(backup, staged)
        for folder, _, files in os.walk(staged):
            for name in files:
                fsync_path(Path(folder) / name)
        for path in folders_below(staged):
            fsync_path(path)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return staged

"""`psm-bot backup` and `psm-bot restore`: copy the database and media while the bot runs,
and put a copy back (the bot stopped)."""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.cli_signals import ended_like_ctrl_c
from bot.config import load_settings
from bot.lock import BACKUP_LOCK, ProcessLock

if TYPE_CHECKING:
    from storage.restore import RestoreReport

BACKUP_BUSY = "a backup or an erasure is running on {database}; try again when it has ended"
KEY_NOT_THERE = (
    "the audit key is not in the backups: put its file (kept safe apart from them) at {path}"
    " before `psm-bot migrate`"
)


def cmd_backup(args: argparse.Namespace) -> int:
    from bot.priority import lower_priority
    from handlers.temp_files import TEMP_FOLDER
    from storage.backup import backup

    settings = load_settings()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder = Path(args.directory) / f"psm-backup-{stamp}"
    extra = 1
    while folder.exists():  # two backups within one second get their own folders
        extra += 1
        folder = Path(args.directory) / f"psm-backup-{stamp}-{extra}"
    lower_priority()  # the running bot's turns first
    with (
        ended_like_ctrl_c(),
        ProcessLock(settings.database_path, suffix=BACKUP_LOCK, busy=BACKUP_BUSY),
    ):
        vanished = backup(
            settings.database_path,
            folder,
            media=settings.media_path,
            leave_out=(TEMP_FOLDER,),  # charts and chat exports of the last day
            rate=args.rate * 2**20 or None,
        )
    print(f"backup written to {folder}")
    if vanished:
        print(f"{vanished} media file(s) were removed by the bot while the backup ran")
    return 0


BACKUP_NAME = re.compile(r"psm-backup-(\d{8}-\d{6})(?:-(\d+))?")
LISTED = 10  # the newest backups named when a restore is pointed at their folder


def backups_in(folder: Path) -> list[tuple[Path, datetime]]:
    """The backups `psm-bot backup` made in `folder`, newest first, with when (UTC)."""
    found = []
    for path in folder.iterdir() if folder.is_dir() else ():
        name = BACKUP_NAME.fullmatch(path.name)
        if name and (path / "psm.db").is_file():
            made = datetime.strptime(name[1], "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
            found.append((made, int(name[2] or 1), path))
    return [(path, made) for made, _, path in sorted(found, reverse=True)]


def _no_backup(database: Path, backups: list[tuple[Path, datetime]], zone: ZoneInfo) -> str:
    """What a restore pointed at no backup says: where it looked, and the backups found
    in that folder (a backup's parent), newest first, with how to pick one."""
    if not backups:
        return f"no backup at {database}"
    lines = [f"no backup at {database}; the backups in {database.parent}, newest first:"]
    for path, made in backups[:LISTED]:
        lines.append(f"    {path}   (made {made.astimezone(zone):%Y-%m-%d %H:%M %Z})")
    if len(backups) > LISTED:
        lines.append(f"    ... and {len(backups) - LISTED} older")
    lines.append(f"restore one by naming its folder, e.g. psm-bot restore {backups[0][0]}")
    return "\n".join(lines)


def cmd_restore(args: argparse.Namespace) -> int:
    from storage.restore import restore

    settings = load_settings()
    source = Path(args.backup)
    database = source / "psm.db" if source.is_dir() else source
    if not database.is_file():  # a mistyped path, not a backup failing its check
        # (before any lock file is made); the folder `psm-bot backup` was given: its backups
        raise RuntimeError(_no_backup(database, backups_in(source), settings.zone))
    media = database.parent / "media"
    # The bot stopped, and no backup or erasure reading the database while it is replaced.
    with (
        ProcessLock(settings.database_path),
        ProcessLock(settings.database_path, suffix=BACKUP_LOCK, busy=BACKUP_BUSY),
    ):
        report = restore(
            database,
            settings.database_path,
            media=media if media.is_dir() else None,
            media_target=settings.media_path,
        )
    print(f"restored {database} into {settings.database_path}; run `psm-bot migrate` next")
    if settings.audit_key is None and not settings.audit_key_path.exists():
        # Not in the backups: the bot does not start without it (bot/audit_key.py).
        print(KEY_NOT_THERE.format(path=settings.audit_key_path))
    _tell_restored(report)
    return 0


def _tell_restored(report: RestoreReport) -> None:
    """What the operator must know after a restore: where the replaced data is kept, what
    was carried forward from it, and the erasures to run again."""
    for kept, what in ((report.kept_database, "database"), (report.kept_media, "media folder")):
        if kept:
            print(f"the replaced {what} is kept at {kept}: delete it once the restore is checked")
    carried = report.carried
    if carried.unread:
        print(
            f"{carried.unread}: nothing carried forward from it (case numbers, ids and"
            " reminders given since the backup are not known)",
            file=sys.stderr,
        )
    else:
        print(
            f"carried forward from the replaced database: {carried.counters} case number"
            f" counter(s) and {carried.sequences} id sequence(s) raised, {carried.run_keys}"
            " scheduler key(s) added (nothing given or sent twice)"
        )
    if carried.expired:
        print(
            f"{carried.expired} reminder(s), digest(s) or broadcast message(s) waiting in the"
            " backup expired: they may have been sent since"
        )
    if carried.erased_since:
        print(
            f"warning: {len(carried.erased_since)} person(s) were erased after this backup was"
            " made: the restored database may hold them again (their erasures are copied"
            " into its audit log, so a later restore names them too). After `psm-bot migrate` and"
            " before starting the bot, erase each again by the audit subject of the erasure"
            " (one added after the backup is not in it: the command says so, nothing to do):\n"
            + "\n".join(
                f"    psm-bot subject erase {e.subject} --yes   # erased {e.at}"
                for e in carried.erased_since
            ),
            file=sys.stderr,
        )

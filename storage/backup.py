"""Online backup and restore of the SQLite database.

The backup runs SQLite's backup API on a second connection, in a thread, so it is safe while
the bot writes (WAL) and never blocks the bot's own connections.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path


def integrity_problems(path: Path) -> list[str]:
    """What is wrong with a psm-bot database file; empty when it is sound."""
    if not path.is_file():
        return [f"{path} does not exist"]
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = connection.execute("PRAGMA integrity_check").fetchall()
            (version,) = connection.execute("PRAGMA user_version").fetchone()
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        return [f"{path} is not a readable SQLite database ({exc})"]
    problems = [row[0] for row in rows if row[0] != "ok"]
    if not problems and (version < 1 or "users" not in tables):
        problems.append(f"{path} is not a psm-bot database (no schema)")
    return problems


def _copy_database(source: Path, target: Path) -> None:
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.execute("PRAGMA busy_timeout=5000")
        with dst:
            # One step, inside one read transaction: with WAL the writers go on meanwhile, and
            # the copy is the database as of that moment. (Copying in steps restarts whenever
            # another process writes between two steps, which a busy bot can do forever.)
            src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


async def backup_database(source: Path, target: Path) -> None:
    """Copy a live database to `target` (which must not exist) and check the copy."""
    await asyncio.to_thread(_copy_database, source, target)
    problems = await asyncio.to_thread(integrity_problems, target)
    if problems:
        raise RuntimeError(f"the backup {target} failed its integrity check: {problems[:3]}")


def restore_database(backup: Path, target: Path) -> None:
    """Replace the database with a checked backup (the bot must be stopped)."""
    problems = integrity_problems(backup)
    if problems:
        raise RuntimeError(f"{backup} failed its integrity check: {problems[:3]}")
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    temporary = target.with_name(target.name + ".restoring")
    shutil.copyfile(backup, temporary)
    temporary.replace(target)

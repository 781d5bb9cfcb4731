"""Online backup and restore of the SQLite database (and the media files).

The backup runs SQLite's backup API on a second connection, in a thread, so it is safe while
the bot writes (WAL) and never blocks the bot's own connections. It reads one snapshot (a
read transaction held from the first page to the last) and writes at a steady pace
(`BACKUP_RATE`), forcing each few MiB to disk as it goes: the whole copy left in the page
cache and flushed at the end made every commit of the running bot wait behind it (replies
p99 1.4 s during the backup of a 1.9 GB database; bench/stalls.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sqlite3
import time
from pathlib import Path

BACKUP_RATE = 32 * 2**20  # bytes/s written by a backup
FLUSH_BYTES = 4 * 2**20  # forced to disk this often
COPY_CHUNK = 2**20


class Pace:
    """At most `rate` bytes a second (None: no limit), forced to disk every `FLUSH_BYTES`."""

    def __init__(self, rate: float | None = BACKUP_RATE) -> None:
        self.rate = rate
        self.written = 0
        self._unflushed = 0
        self._started = time.monotonic()

    def wrote(self, size: int, fd: int) -> None:
        """`size` bytes were written to the file `fd`: flush it when due, then wait as long
        as the pace asks."""
        self.written += size
        self._unflushed += size
        if self._unflushed >= FLUSH_BYTES:
            _flush(fd)
            self._unflushed = 0
        if self.rate:
            ahead = self.written / self.rate - (time.monotonic() - self._started)
            if ahead > 0:
                time.sleep(ahead)


def _flush(fd: int) -> None:
    """Force a file's written pages to disk and out of the page cache (a backup is not read
    again soon)."""
    os.fdatasync(fd)
    with contextlib.suppress(AttributeError, OSError):  # not on every platform
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)


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


def _copy_database(source: Path, target: Path, pace: Pace) -> None:
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, isolation_level=None)
    dst = sqlite3.connect(target)
    fd: int | None = None
    try:
        src.execute("PRAGMA busy_timeout=5000")
        # One read transaction from the first step to the last: with WAL the writers go on
        # meanwhile and the copy is the database as of that moment. (Without it, each step
        # reads anew and the copy restarts whenever the bot wrote in between, for ever.)
        src.execute("BEGIN")
        src.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        (page_size,) = src.execute("PRAGMA page_size").fetchone()
        dst.execute("PRAGMA synchronous=OFF")  # forced to disk by the pace, then at the end
        pages = max(1, FLUSH_BYTES // page_size)

        def step_done(_status: int, _remaining: int, _total: int) -> None:
            nonlocal fd
            if fd is None:
                fd = os.open(target, os.O_RDONLY)
            pace.wrote(pages * page_size, fd)

        with dst:
            src.backup(dst, pages=pages, progress=step_done)
        dst.execute("PRAGMA journal_mode=DELETE")
        src.execute("COMMIT")
    finally:
        dst.close()
        src.close()
        if fd is not None:
            os.close(fd)
    _sync(target)


def _sync(path: Path) -> None:
    """The file, and its name in its folder, on disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    with contextlib.suppress(OSError):  # folders cannot be opened everywhere
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


def _copy_media(source: Path, target: Path, pace: Pace) -> None:
    """Copy the media folder (if there is one) file by file at the pace, each file forced to
    disk."""
    if not source.is_dir():
        return

    def copy(src: str, dst: str) -> str:
        with open(src, "rb") as reading, open(dst, "wb") as writing:
            while chunk := reading.read(COPY_CHUNK):
                writing.write(chunk)
                writing.flush()
                pace.wrote(len(chunk), writing.fileno())
            writing.flush()
            os.fdatasync(writing.fileno())
        shutil.copystat(src, dst)
        return dst

    shutil.copytree(source, target, copy_function=copy)


async def backup_database(
    source: Path, target: Path, *, media: Path | None = None, rate: float | None = BACKUP_RATE
) -> None:
    """Copy a live database to `target` (which must not exist) and check the copy; with
    `media`, copy that folder beside it (`media/`). At most `rate` bytes a second."""
    pace = Pace(rate)
    await asyncio.to_thread(_copy_database, source, target, pace)
    problems = await asyncio.to_thread(integrity_problems, target)
    if problems:
        raise RuntimeError(f"the backup {target} failed its integrity check: {problems[:3]}")
    if media is not None:
        await asyncio.to_thread(_copy_media, media, target.parent / "media", pace)


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

"""Online backup of the SQLite database (and the media files); restoring one is
`storage/restore.py`.

`backup` runs SQLite's backup API on a connection of its own, so it is safe while the bot
writes (WAL) and never blocks the bot's connections. It reads one snapshot (a read
transaction held from the first page to the last) and writes at a steady pace
(`BACKUP_RATE`), forcing each few MiB to disk as it goes: the whole copy left in the page
cache and flushed at the end made every commit of the running bot wait behind it (replies
p99 1.4 s during the backup of a 1.9 GB database; bench/stalls.py). It runs in the calling
thread, so Ctrl-C (or SIGTERM, turned into it by the CLI) stops it between two steps; a
backup that did not finish leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

BACKUP_RATE = 32 * 2**20  # bytes/s written by a backup
FLUSH_BYTES = 4 * 2**20  # forced to disk this often
COPY_CHUNK = 2**20


class Pace:
    """At most `rate` bytes a second (None: no limit), forced to disk every `FLUSH_BYTES`.

    Time spent on other things (the integrity check between the database and the media)
    gives no credit beyond one flush's worth: the rate holds for every stretch of writing."""

    def __init__(self, rate: float | None = BACKUP_RATE) -> None:
        self.rate = rate
        self.written = 0
        self._unflushed = 0
        self._started = time.monotonic()

    def wrote(self, size: int, fd: int) -> None:
        """`size` bytes were written to the file `fd`: flush it when due, then wait as long
        as the pace asks."""
        if self.rate:
            earliest = time.monotonic() - (self.written + FLUSH_BYTES) / self.rate
            self._started = max(self._started, earliest)
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


def backup(
    source: Path,
    folder: Path,
    *,
    media: Path | None = None,
    leave_out: Iterable[str] = (),
    rate: float | None = BACKUP_RATE,
) -> int:
    """Copy a live database into `folder/psm.db` and check the copy; with `media`, copy that
    folder (but its top-level folders named in `leave_out`) into `folder/media`. At most
    `rate` bytes a second; everything on disk (files and folders) when it returns. `folder`
    must not exist; on any failure, or an interruption, it is removed (with the folders made
    for it). Returns how many media files vanished before they were copied (the bot removes
    temporary files and erased photos meanwhile)."""
    if not source.is_file():  # SQLite would make an empty one (or fail, read-only)
        raise FileNotFoundError(f"no database at {source.absolute()}")
    if folder.exists():
        raise FileExistsError(f"{folder} already exists")
    created = [parent for parent in (folder, *folder.parents) if not parent.exists()]
    folder.mkdir(parents=True)
    folder.chmod(0o700)  # personal data: the bot's user's alone, whatever the umask
    try:
        pace = Pace(rate)
        _copy_database(source, folder / "psm.db", pace)
        problems = integrity_problems(folder / "psm.db")
        if problems:
            raise RuntimeError(f"the backup {folder} failed its integrity check: {problems[:3]}")
        vanished = _copy_media(media, folder / "media", pace, set(leave_out)) if media else 0
        for path in folders_below(folder):
            fsync_path(path)
        for path in [*created[1:], created[-1].parent]:  # the new names in their folders
            fsync_path(path)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        for parent in created[1:]:  # the folders made for it, deepest first, if still empty
            with contextlib.suppress(OSError):
                parent.rmdir()
        raise
    return vanished


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
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, isolation_level=None)
    dst = sqlite3.connect(target)
    fd: int | None = None
    copied = 0  # pages
    try:
        src.execute("PRAGMA busy_timeout=5000")
        # One read transaction from the first step to the last: with WAL the writers go on
        # meanwhile and the copy is the database as of that moment. (Without it, each step
        # reads anew and the copy restarts whenever the bot wrote in between, for ever.)
        src.execute("BEGIN")
        src.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        (page_size,) = src.execute("PRAGMA page_size").fetchone()
        dst.execute("PRAGMA synchronous=OFF")  # forced to disk by the pace, then at the end

        def step_done(_status: int, remaining: int, total: int) -> None:
            nonlocal fd, copied
            if fd is None:
                fd = os.open(target, os.O_RDONLY)
            done = max(total - remaining, copied)
            pace.wrote((done - copied) * page_size, fd)
            copied = done

        with dst:
            src.backup(dst, pages=max(1, FLUSH_BYTES // page_size), progress=step_done)
        dst.execute("PRAGMA journal_mode=DELETE")
        src.execute("COMMIT")
    finally:
        dst.close()
        src.close()
        if fd is not None:
            os.close(fd)
    fsync_path(target)


def _copy_media(source: Path, target: Path, pace: Pace, leave_out: set[str]) -> int:
    """Copy the media folder (if there is one) file by file at the pace, each file forced
    to disk; returns how many files vanished before they were copied."""
    vanished = 0
    if not source.is_dir():
        return vanished
    for folder, subfolders, files in os.walk(source):  # a folder gone meanwhile is skipped
        here = Path(folder)
        if here == source:
            subfolders[:] = [name for name in subfolders if name not in leave_out]
        there = target / here.relative_to(source)
        there.mkdir(parents=True, exist_ok=True)
        for name in files:
            try:
                _copy_file(here / name, there / name, pace)
            except FileNotFoundError:
                vanished += 1
    return vanished


def _copy_file(src: Path, dst: Path, pace: Pace) -> None:
    with open(src, "rb") as reading, open(dst, "wb") as writing:
        while chunk := reading.read(COPY_CHUNK):
            writing.write(chunk)
            writing.flush()
            pace.wrote(len(chunk), writing.fileno())
        writing.flush()
        os.fdatasync(writing.fileno())
    with contextlib.suppress(FileNotFoundError):  # removed since it was read
        shutil.copystat(src, dst)


def folders_below(folder: Path) -> list[Path]:
    """`folder` and every folder in it, deepest first."""
    return [Path(path) for path, _, _ in os.walk(folder, topdown=False)]


def fsync_path(path: Path) -> None:
    """A file's content, or a folder's names, on disk (folders: where the platform can)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        if path.is_dir():
            return  # folders cannot be opened everywhere
        raise
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

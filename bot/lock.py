"""One bot process per database: an exclusive lock file beside it (`<db>.lock`); and one
backup or erasure at a time (`<db>.backup.lock`): an erasure cannot clean the WAL while a
backup holds its snapshot."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType


class DatabaseLocked(RuntimeError):
    """Another psm-bot process holds the database."""


BOT_LOCK = ".lock"
BACKUP_LOCK = ".backup.lock"
BOT_BUSY = (
    "another psm-bot process is using {database}; stop it first (only one bot may run per database)"
)


class ProcessLock:
    """`with ProcessLock(db_path):` holds `<db>.lock` for the life of the block (or another
    `suffix`; `busy` says what to do when someone else holds it, with `{database}`)."""

    def __init__(
        self, database_path: Path, *, suffix: str = BOT_LOCK, busy: str = BOT_BUSY
    ) -> None:
        self.database = Path(database_path)
        self.path = Path(f"{database_path}{suffix}")
        self.busy = busy
        self._fd: int | None = None

    def __enter__(self) -> ProcessLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DatabaseLocked(self.busy.format(database=self.database)) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

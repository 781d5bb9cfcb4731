"""Where the server export keeps XlsxWriter's temporary files: in memory when they fit.

XlsxWriter (constant-memory mode) writes the rows' XML to temporary files, then the sheet
once more, then zips it: some 2.5 KB a row, 250 MB for 100,000 rows. On the disk of the
database those writes made the bot's commits (fsync) wait: replies p99 250-340 ms during an
export, 31 ms with the files on tmpfs (bench/stalls.py). So the files go to the memory
filesystem when it is there and the export is small enough to leave plenty of memory to the
rest; otherwise to the system's temporary folder, as before (slower for the bot, never
failing for want of memory).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path

MEMORY_FOLDER = Path("/dev/shm")  # tmpfs on Linux
BYTES_PER_ROW = 3_000  # measured 2,450 (standard layout, 100,000 rows), with room
MEMORY_SHARE = 4  # use at most a quarter of the memory still available
FREE_SHARE = 2  # and at most half of the memory filesystem's free space
PREFIX = "psm-export-"
_OWNED = re.compile(rf"{PREFIX}(\d+)-")


def make_scratch(root: Path | None) -> Path:
    """A new private folder (0700) under `root` (None: the system's temporary folder), named
    after this process. Folders left by exports that were killed (their process is gone) are
    removed first: in memory they would hold it until the next boot."""
    base = Path(root or tempfile.gettempdir())
    with contextlib.suppress(OSError):
        for folder in base.glob(f"{PREFIX}*"):
            owner = _OWNED.match(folder.name)
            if owner and folder.is_dir() and not _alive(int(owner.group(1))):
                shutil.rmtree(folder, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=base))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: alive
        return True
    return True


def scratch_root(rows: int, *, memory_folder: Path | None = None) -> Path | None:
    """The folder for an export of `rows` rows' temporary files: the memory folder when they
    fit, None for the system's temporary folder."""
    memory_folder = memory_folder or MEMORY_FOLDER
    need = max(rows, 1) * BYTES_PER_ROW
    available = available_memory()
    if available is None or need * MEMORY_SHARE > available:
        return None
    try:
        if not memory_folder.is_dir() or not os.access(memory_folder, os.W_OK | os.X_OK):
            return None
        usage = os.statvfs(memory_folder)
    except OSError:
        return None
    if need * FREE_SHARE > usage.f_bavail * usage.f_frsize:
        return None
    return memory_folder


def available_memory(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """Bytes of memory available without swapping (Linux's MemAvailable), None if unknown."""
    with contextlib.suppress(OSError, ValueError):
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024  # kB
    return None

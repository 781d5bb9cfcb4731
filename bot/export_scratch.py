"""Where the server export keeps XlsxWriter's temporary files: in memory when they fit.

XlsxWriter (constant-memory mode) writes the rows' XML to temporary files, then the sheet
once more, then zips it: some 2.5 KB a row, 250 MB for 100,000 rows. On the disk of the
database those writes made the bot's commits (fsync) wait: replies p99 250-340 ms during an
export, 31 ms with the files on tmpfs (bench/stalls.py). So the files go to the memory
filesystem when it is there and the export is small enough to leave plenty of memory to the
rest (the memory available to this process: the machine's, or its cgroup's limit when lower,
as in a container or a systemd unit with MemoryMax); otherwise beside the output file, on
disk (bot/export_file.py).
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
PREFIX = ".psm-export-"
_OWNED = re.compile(rf"{re.escape(PREFIX)}(\d+)-")
CGROUP_ROOT = Path("/sys/fs/cgroup")


def make_scratch(root: Path | None) -> Path:
    """A new private folder (0700) under `root` (None: the system's temporary folder), named
    after this process; what killed exports left there is swept first."""
    base = Path(root or tempfile.gettempdir())
    sweep(base)
    return Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=base))


def partial_file(out: Path) -> Path:
    """Where the workbook for OUT is written until complete: hidden, beside OUT (the rename
    stays on one file system), named after this process so that `sweep` can tell when it was
    left by an export that was killed."""
    return out.with_name(f"{PREFIX}{os.getpid()}-{out.name}.part")


def sweep(base: Path) -> None:
    """Remove the temporary folders and partial files in `base` of exports that were killed
    (their process is gone): they may hold unmasked NIKs, and in memory they would hold it
    until the next boot."""
    with contextlib.suppress(OSError):
        for left in base.glob(f"{PREFIX}*"):
            owner = _OWNED.match(left.name)
            if owner is None or _alive(int(owner.group(1))):
                continue
            if left.is_dir() and not left.is_symlink():
                shutil.rmtree(left, ignore_errors=True)
            else:
                left.unlink(missing_ok=True)


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


def available_memory(
    meminfo: Path = Path("/proc/meminfo"),
    cgroups: Path = Path("/proc/self/cgroup"),
    cgroup_root: Path = CGROUP_ROOT,
) -> int | None:
    """Bytes of memory this process may still use without swapping: Linux's MemAvailable,
    or what its cgroup's limit leaves when that is lower; None if unknown."""
    available = None
    with contextlib.suppress(OSError, ValueError):
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                available = int(line.split()[1]) * 1024  # kB
    left = _cgroup_left(cgroups, cgroup_root)
    if available is None or left is None:
        return available
    return min(available, left)


def _cgroup_left(cgroups: Path, root: Path) -> int | None:
    """Limit minus usage of this process's memory cgroup (v2 or v1), None if it has none."""
    try:
        lines = cgroups.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        number, controllers, path = line.split(":", 2)
        if number == "0" and controllers == "":  # v2: memory.max, memory.current
            left = _left(root / path.lstrip("/"), root, "memory.max", "memory.current")
        elif "memory" in controllers.split(","):  # v1
            left = _left(
                root / "memory" / path.lstrip("/"),
                root / "memory",
                "memory.limit_in_bytes",
                "memory.usage_in_bytes",
            )
        else:
            continue
        if left is not None:
            return left
    return None


def _left(folder: Path, fallback: Path, limit_file: str, usage_file: str) -> int | None:
    """Inside a container the cgroup's own folder is often the root of the mount."""
    for where in (folder, fallback):
        try:
            limit = (where / limit_file).read_text().strip()
            usage = int((where / usage_file).read_text().strip())
        except (OSError, ValueError):
            continue
        if limit == "max" or int(limit) >= 2**60:  # no limit
            return None
        return max(0, int(limit) - usage)
    return None

"""The memory a command really takes: every process of its tree at once, and its files in
memory (tmpfs), sampled while it runs.

`ru_maxrss` tells one process's peak (or its largest child's), not the sum of a process and
the child that writes beside it; and temporary files on /dev/shm are memory no RSS shows.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

MEMORY_FOLDER = Path("/dev/shm")
PAGE = os.sysconf("SC_PAGE_SIZE")


class TreeMemory:
    """Samples a process tree's summed RSS and the memory folder's use, every `every` s."""

    def __init__(self, pid: int, *, every: float = 0.05) -> None:
        self.pid, self.every = pid, every
        self.peak_rss = 0  # bytes, all processes of the tree together
        self.peak_files = 0  # bytes used in the memory folder beyond what was used at start
        self._base = _folder_used()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-memory", daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_rss = max(self.peak_rss, sum(_rss(pid) for pid in _tree(self.pid)))
            self.peak_files = max(self.peak_files, _folder_used() - self._base)
            self._stop.wait(self.every)


def _tree(root: int) -> list[int]:
    """The root and its descendants (by each process's parent in /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # ended meanwhile
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return tree


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _folder_used() -> int:
    try:
        usage = os.statvfs(MEMORY_FOLDER)
    except OSError:
        return 0
    return (usage.f_blocks - usage.f_bfree) * usage.f_frsize

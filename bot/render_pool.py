"""Heavy drawing (statistics and digest charts, chat exports' workbooks) in a worker process.

matplotlib and XlsxWriter hold the GIL while they work; in a thread of the bot's process that
stalls the event loop, and with it every other conversation. Here they run in one worker
process:

- started on first use (no worker at start: idle RSS stays low) with the "spawn" start
  method (never fork a process that has threads: aiosqlite's, PTB's);
- one worker: the box has 2 cores, the other one is the bot's;
- stopped after IDLE_SECONDS without work: with matplotlib loaded it holds ~90 MB, for a
  chart or two a day (the next one waits ~3 s for a new worker, never the event loop);
- a crashed worker (BrokenProcessPool) is replaced once and the call retried; a second
  failure is raised, and the caller answers without the picture;
- shut down when the bot stops (`Runtime.stop`), after the background jobs finished.

Arguments and results travel by pickle: pass module-level functions (or a `partial` of one)
and plain data (a `Chart`, export rows, a `Path`), get plain data back.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

from bot.priority import lower_priority

log = logging.getLogger(__name__)

T = TypeVar("T")
WORKERS = 1
IDLE_SECONDS = 600.0


def _start_worker(matplotlib_dir: str | None = None) -> None:
    """Ctrl-C in a terminal reaches the whole process group: the bot stops cleanly and
    shuts the worker down itself, so the worker must not die of it mid-drawing. And the
    worker's drawing gives way to the bot's turns (bot/priority.py).

    `matplotlib_dir`: matplotlib's font cache when MPLCONFIGDIR is not set. A service user
    without a writable home (the README's `useradd --system`) made matplotlib build its
    cache anew in a temporary folder at every worker's start, with a warning each time."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    lower_priority()
    if matplotlib_dir is not None and not os.environ.get("MPLCONFIGDIR"):
        os.environ["MPLCONFIGDIR"] = matplotlib_dir


class RenderPool:
    """`await pool.render(fn, *args)`: `fn(*args)` in the worker process."""

    def __init__(
        self,
        workers: int = WORKERS,
        idle_seconds: float = IDLE_SECONDS,
        *,
        matplotlib_dir: Path | None = None,
    ) -> None:
        self._workers = workers
        self._matplotlib_dir = None if matplotlib_dir is None else str(matplotlib_dir.absolute())
        self._idle_seconds = idle_seconds
        self._executor: ProcessPoolExecutor | None = None
        self._closed = False
        self._busy = 0  # calls in flight
        self._idle_timer: asyncio.TimerHandle | None = None

    @property
    def started(self) -> bool:
        """Whether a worker process may be running (none before the first `render`)."""
        return self._executor is not None

    def _pool(self) -> ProcessPoolExecutor:
        if self._closed:
            raise RuntimeError("the render pool is shut down")
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self._workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self._matplotlib_dir,),
            )
        return self._executor

    def _discard(self, broken: ProcessPoolExecutor) -> None:
        if self._executor is broken:
            self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)

    async def render(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in the worker; a broken pool is replaced and the call retried once."""
        try:
            return await self._run(fn, *args)
        except BrokenProcessPool:
            log.warning("the render worker died; starting a new one and trying again")
            return await self._run(fn, *args)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        executor = self._pool()
        loop = asyncio.get_running_loop()
        self._busy += 1
        self._stop_idle_timer()
        try:
            return await loop.run_in_executor(executor, fn, *args)
        except BrokenProcessPool:
            self._discard(executor)
            raise
        finally:
            self._busy -= 1
            if self._busy == 0 and self._executor is not None:
                self._idle_timer = loop.call_later(self._idle_seconds, self._retire)

    def _stop_idle_timer(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None

    def _retire(self) -> None:
        """Idle long enough: let the worker go (it exits at once: nothing is queued)."""
        self._idle_timer = None
        if self._busy == 0 and self._executor is not None:
            self._discard(self._executor)

    async def shutdown(self) -> None:
        """Let the worker finish what it draws, then stop it; later calls fail (the bot is
        stopping: whoever still asks answers without the picture)."""
        self._closed = True
        self._stop_idle_timer()
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)

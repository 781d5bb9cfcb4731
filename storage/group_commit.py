"""Writes of concurrent callers committed together: one fsync for all of them.

Each webhook request must answer 200 only once what it carried is on disk. Committed one by
one, a burst of requests costs one fsync each, and on a slow disk the webhook becomes the
bottleneck. Here a request hands its write to `GroupCommit.run` and waits: the first one
starts a transaction at once (no added delay), and the requests that arrive while it is
being written go together into the next one. Each write runs in its own savepoint, so one
that fails is rolled back alone and only its caller gets the error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from storage.db import Database
from storage.repos import Repos

T = TypeVar("T")
Write = Callable[[Repos], Awaitable[Any]]


class GroupCommit:
    """Runs the writes handed to it in shared transactions, in arrival order."""

    def __init__(self, db: Callable[[], Database]) -> None:
        self._db = db
        self._waiting: list[tuple[Write, asyncio.Future[Any]]] = []
        self._writing: asyncio.Task[None] | None = None
        self.transactions = 0  # how many commits served the writes so far

    async def run(self, write: Callable[[Repos], Awaitable[T]]) -> T:
        """`write` done and committed (with whatever else was waiting); its result."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_seen)  # its error is the caller's, if it still waits
        self._waiting.append((write, future))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write_all(), name="group-commit")
        # A caller that goes away (the client hung up) does not stop the others' commit.
        return await asyncio.shield(future)

    async def _write_all(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                await self._commit(batch)
        finally:  # cancelled (the bot stops): nobody is left waiting for ever
            for _, future in self._waiting:
                if not future.done():
                    future.set_exception(RuntimeError("stopped before the write was made"))
            self._waiting = []

    async def _commit(self, batch: list[tuple[Write, asyncio.Future[Any]]]) -> None:
        outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []
        try:
            async with self._db().transaction() as repos:
                for write, future in batch:
                    try:
                        async with repos.savepoint("grouped"):
                            outcomes.append((future, await write(repos), None))
                    except Exception as exc:
                        outcomes.append((future, None, exc))
            self.transactions += 1
        except BaseException as exc:  # the COMMIT failed, or the bot stops: nothing is stored
            failure = exc if isinstance(exc, Exception) else RuntimeError("stopped")
            outcomes = [(future, None, failure) for _, future in batch]
            _settle(outcomes)
            if not isinstance(exc, Exception):
                raise
            return
        _settle(outcomes)


def _seen(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def _settle(outcomes: list[tuple[asyncio.Future[Any], Any, BaseException | None]]) -> None:
    """Tell each waiting caller how its write went (one that stopped waiting is skipped)."""
    for future, value, error in outcomes:
        if future.done():
            continue
        if error is None:
            future.set_result(value)
        else:
            future.set_exception(error)

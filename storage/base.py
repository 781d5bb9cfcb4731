"""Shared helpers for repositories.

A call to aiosqlite is a round trip to its thread and back (a queue put, a wake-up of the
event loop), except most of the writer's, which run in place (storage/db.py
`WriterConnection`); either way reads go in one call (`execute_fetchall`), not three
(execute, fetch, close).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite


def like_escape(text: str) -> str:
    """`text` for a LIKE pattern with `ESCAPE '\\'`: its `%` and `_` are not wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def placeholders(values: Iterable[Any]) -> str:
    """As many `?` placeholders as values: `IN (?, ?, ?)`."""
    return ", ".join("?" for _ in values)


class Repo:
    """A repository: a thin, typed layer over one connection."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def _one(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        """The first row (queries that may match many say `LIMIT 1`)."""
        rows = await self.conn.execute_fetchall(sql, tuple(params))
        return next(iter(rows), None)

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        return list(await self.conn.execute_fetchall(sql, tuple(params)))

    async def _run(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Cursor:
        """A statement whose rows are not read (its cursor gives rowcount and lastrowid)."""
        return await self.conn.execute(sql, tuple(params))

    @asynccontextmanager
    async def _secure_delete(self) -> AsyncIterator[None]:
        """Zero the freed bytes of what is deleted inside, and leave the connection as it was
        (personal data must not survive in free pages)."""
        previous = (await self._one("PRAGMA secure_delete"))[0]
        await self._one("PRAGMA secure_delete = ON")
        try:
            yield
        finally:
            await self._one(f"PRAGMA secure_delete = {int(previous)}")

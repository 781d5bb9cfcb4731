"""Writing to the bot's database from a test while the bot runs.

A synchronous sqlite3 write from the test's coroutine blocks the event loop; if the bot's
writer holds a transaction that waits on that loop (a download, an HTTP call), neither can go
on and the test's write fails with "database is locked". Writing from a thread keeps the loop
turning, so the bot commits and the test's write follows.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any


def _write(path: Path, sql: str, params: tuple[Any, ...]) -> int:
    with closing(sqlite3.connect(path, timeout=30)) as db, db:
        return db.execute(sql, params).rowcount


async def write_db(path: Path | str, sql: str, *params: Any) -> int:
    """Run one writing statement on the database file in a thread; returns the rows changed."""
    return await asyncio.to_thread(_write, Path(path), sql, params)

"""The SQL statements a piece of work runs on the writer, to count a turn's round trips."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from storage.db import Database


@asynccontextmanager
async def statements_run(db: Database) -> AsyncIterator[list[str]]:
    """Every statement the writer runs inside the block (a turn's own transaction included),
    in order."""
    statements: list[str] = []
    await db.writer.set_trace_callback(statements.append)
    try:
        yield statements
    finally:
        await db.writer.set_trace_callback(None)


def touching(statements: list[str], table: str) -> list[str]:
    """The statements that read or write `table`."""
    return [statement for statement in statements if table in statement]

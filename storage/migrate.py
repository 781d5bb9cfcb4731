"""Numbered migrations tracked with PRAGMA user_version.

Files are `storage/migrations/NNNN_description.sql`; each one is applied in its own
transaction that also bumps user_version, so a crash leaves the schema at a whole version.
A migration that adds values SQL cannot compute (a person key) has a `Fill`, run in that
same transaction. One that rebuilds a table others refer to is in `REBUILDS`: foreign keys
are off while it runs, checked before it commits. A migration is never edited once
published: its SQL means what it meant at its schema version (the rollups' fill of
0015/0016 has a runtime twin in `storage/rollup_fills.py`, free to change with the schema).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import aiosqlite

from storage.person_names import person_key

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class Fill(NamedTuple):
    """What a migration adds to the rows already there when SQL cannot compute it: `sql`,
    run right after the migration's file, calls `functions` (Python, one argument each),
    which are registered on the migrating connection only."""

    sql: str
    functions: dict[str, Callable[[str], str]]


FILLS: dict[int, Fill] = {
    18: Fill("UPDATE households SET head_key = person_key(head_name);", {"person_key": person_key}),
}

# Migrations that rebuild a table other tables refer to (SQLite's way to change what ALTER
# TABLE cannot: a new table, the rows copied, the old one dropped, the new one renamed). The
# drop would check every reference to the old rows, so foreign keys are off while they run
# (a pragma SQLite ignores inside a transaction: set before it begins), and the rebuilt
# table's references, to it and from it, are checked before the migration commits.
REBUILDS: dict[int, str] = {28: "cases"}


def available_migrations() -> list[tuple[int, Path]]:
    """All migration files, ordered by number; refuses gaps and duplicates."""
    found: list[tuple[int, Path]] = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise RuntimeError(f"{path}: migration files are named NNNN_description.sql")
        found.append((int(match.group(1)), path))
    numbers = [number for number, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"{MIGRATIONS_DIR}: migrations must be numbered 1..n, got {numbers}")
    return found


def latest_version() -> int:
    """The schema version this code expects."""
    return len(available_migrations())


async def current_version(conn: aiosqlite.Connection) -> int:
    """The schema version of the open database."""
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0])


async def apply_migrations(conn: aiosqlite.Connection) -> list[int]:
    """Apply every migration newer than the database; returns the numbers applied."""
    version = await current_version(conn)
    latest = latest_version()
    if version > latest:
        raise RuntimeError(
            f"the database is at schema version {version}, newer than this code ({latest}); "
            "upgrade psm-bot before using it"
        )
    applied: list[int] = []
    for number, path in available_migrations():
        if number <= version:
            continue
        script = path.read_text(encoding="utf-8")
        fill = FILLS.get(number)
        if fill is not None:
            for name, function in fill.functions.items():
                await conn.create_function(name, 1, function, deterministic=True)
            script = f"{script}\n{fill.sql}"
        rebuilt = REBUILDS.get(number)
        if rebuilt is None:
            script = f"{script}\nPRAGMA user_version = {number};\nCOMMIT;"
        else:
            keys_on = await _foreign_keys(conn)
            await conn.execute("PRAGMA foreign_keys = OFF")
        try:
            await conn.executescript(f"BEGIN IMMEDIATE;\n{script}")
            if rebuilt is not None:  # executescript would commit first: one statement each
                await _check_references(conn, rebuilt)
                await conn.execute(f"PRAGMA user_version = {number}")
                await conn.execute("COMMIT")
        except Exception:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise
        finally:
            if rebuilt is not None:  # as they were, also after a failed rebuild
                await conn.execute("PRAGMA legacy_alter_table = OFF")
                await conn.execute(f"PRAGMA foreign_keys = {'ON' if keys_on else 'OFF'}")
        applied.append(number)
    return applied


async def _foreign_keys(conn: aiosqlite.Connection) -> bool:
    async with conn.execute("PRAGMA foreign_keys") as cursor:
        row = await cursor.fetchone()
    return bool(row and row[0])


async def _check_references(conn: aiosqlite.Connection, table: str) -> None:
    """Refuse a rebuild that left a reference broken: the table's own, and every table's
    referring to it (nothing else changed: the whole database, at a million cases, would
    take long to check)."""
    async with conn.execute(
        "SELECT DISTINCT m.name FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) p"
        " WHERE m.type = 'table' AND p.\"table\" = ?",
        (table,),
    ) as cursor:
        tables = [table, *[row[0] for row in await cursor.fetchall()]]
    for name in dict.fromkeys(tables):
        async with conn.execute(f'PRAGMA foreign_key_check("{name}")') as cursor:
            broken = await cursor.fetchall()
        if broken:
            raise RuntimeError(f"rebuilding {table} broke references of {name}: {broken[:3]}")

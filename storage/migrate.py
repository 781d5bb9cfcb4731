"""Numbered migrations tracked with PRAGMA user_version.

Files are `storage/migrations/NNNN_description.sql`; each one is applied in its own
transaction that also bumps user_version, so a crash leaves the schema at a whole version.
A migration that adds values SQL cannot compute (a person key) has a `Fill`, run in that
same transaction. One that rebuilds a table others refer to is in `REBUILDS`: foreign keys
are off while it runs, and a reference it broke is refused before it commits. A migration
is never edited once published: its SQL means what it meant at its schema version (the
rollups' fill of 0015/0016 has a runtime twin in `storage/rollup_fills.py`, free to change
with the schema).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import aiosqlite

from storage.case_references import references_to
from storage.person_names import person_key

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class MigrationFailed(RuntimeError):
    """The database could not be brought to this code's schema (a migration refused or
    failed, rolled back whole; a database newer than the code): trying again changes
    nothing until someone looks, so the bot's service must not restart on it."""


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

# Migrations that rebuild a table other tables refer to, or that refers to others (SQLite's way
# to change what ALTER TABLE cannot: a new table, the rows copied, the old one dropped, the new
# one renamed). The
# drop would check every reference to the old rows, so foreign keys are off while they run
# (a pragma SQLite ignores inside a transaction: set before it begins), and the rebuilt
# table's references, to it and from it, are checked before the migration commits: against
# those already broken before it began (a row deleted in the sqlite3 shell, where foreign
# keys are off), which are not the rebuild's doing and must not stop the upgrade.
REBUILDS: dict[int, str] = {28: "cases", 31: "form_sessions"}


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
        raise MigrationFailed(
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
            if rebuilt is not None:
                # Outside the transaction (executescript would commit it), so another writer
                # could come between: none that breaks references, as they keep keys on.
                broken_before = await _broken_references(conn, rebuilt)
                _warn_of_broken(broken_before, number)
            await conn.executescript(f"BEGIN IMMEDIATE;\n{script}")
            if rebuilt is not None:  # executescript would commit first: one statement each
                await _refuse_new_breaks(conn, rebuilt, broken_before)
                await conn.execute(f"PRAGMA user_version = {number}")
                await conn.execute("COMMIT")
        except Exception as exc:
            if conn.in_transaction:
                await conn.execute("ROLLBACK")
            raise MigrationFailed(f"migration {number:04d} failed, rolled back: {exc}") from exc
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


async def _broken_references(conn: aiosqlite.Connection, table: str) -> Counter[tuple]:
    """The broken references, (table, rowid, parent) each, of `table` and of every table
    referring to it (not the whole database: at a million cases that would take long)."""
    tables = [table, *[name for name, _ in await references_to(conn, table)]]
    broken: Counter[tuple] = Counter()
    for name in dict.fromkeys(tables):
        async with conn.execute(f'PRAGMA foreign_key_check("{name}")') as cursor:
            # Not the foreign key's number: a rebuilt table may number its keys otherwise.
            broken.update((row[0], row[1], row[2]) for row in await cursor.fetchall())
    return broken


def _warn_of_broken(broken: Counter[tuple], number: int) -> None:
    """Tell the operator of the rows whose references were broken before the migration,
    per table: the upgrade goes on (they are not its doing), but someone should look."""
    for name, count in sorted(_rows_per_table(broken).items()):
        log.warning(
            "%d row(s) of %s refer to rows that are not there, from before migration %04d"
            " (deleted with foreign keys off, as in the sqlite3 shell?): upgrading anyway;"
            ' see PRAGMA foreign_key_check("%s")',
            count,
            name,
            number,
            name,
        )


async def _refuse_new_breaks(
    conn: aiosqlite.Connection, table: str, broken_before: Counter[tuple]
) -> None:
    """Refuse a rebuild that broke a reference not broken before it (the rebuild keeps
    every row's id, so a row broken before is the same row after)."""
    new = await _broken_references(conn, table) - broken_before
    if new:
        rows = _rows_per_table(new)
        names = ", ".join(f"{name} ({count} rows)" for name, count in sorted(rows.items()))
        raise RuntimeError(f"rebuilding {table} broke references of {names}: {list(new)[:3]}")


def _rows_per_table(broken: Counter[tuple]) -> Counter[str]:
    """How many rows of each table have a broken reference (a row may have two)."""
    return Counter(name for name, _ in {(row[0], row[1]) for row in broken})

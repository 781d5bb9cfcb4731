"""Where the schema refers to cases (or another table), found from its foreign keys: tables
added by later features are followed too (retention deletes and erasure rewrite through
them; the migration runner checks them after rebuilding a table)."""

from __future__ import annotations

import aiosqlite


async def references_to(conn: aiosqlite.Connection, table: str) -> list[tuple[str, str]]:
    """(table, column) of every column referring to `table`, found from the schema."""
    rows = await conn.execute_fetchall(
        'SELECT m.name, p."from" FROM sqlite_master m'
        " JOIN pragma_foreign_key_list(m.name) p"
        " WHERE m.type = 'table' AND p.\"table\" = ?",
        (table,),
    )
    return [(r[0], r[1]) for r in rows]


async def case_references(conn: aiosqlite.Connection) -> list[tuple[str, str]]:
    """(table, column) of every column referring to a case, found from the schema."""
    return await references_to(conn, "cases")

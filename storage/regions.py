"""Kemendagri region codes (kabupaten, kecamatan, desa/kelurahan)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from storage.base import Repo
from storage.models import Region


def name_key(name: str) -> str:
    """How typed names are matched: case and spaces ignored."""
    return "".join(name.split()).casefold()


class RegionRepo(Repo):
    """Region lookups; the list itself comes from CSV files loaded at start."""

    async def sync(self, regions: Iterable[Region]) -> int:
        """Insert or update the given regions; returns how many were written."""
        rows = [(r.code, r.name, r.level, r.parent_code, name_key(r.name)) for r in regions]
        await self.conn.executemany(
            "INSERT INTO regions (code, name, level, parent_code, name_key)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET name = excluded.name,"
            " level = excluded.level, parent_code = excluded.parent_code,"
            " name_key = excluded.name_key",
            rows,
        )
        return len(rows)

    async def get(self, code: str) -> Region | None:
        """One region by code."""
        row = await self._one(
            "SELECT code, name, level, parent_code FROM regions WHERE code = ?", (code,)
        )
        return Region(**dict(row)) if row else None

    async def name_of(self, code: str) -> str:
        """A region's name; the code itself when it is not in our lists."""
        region = await self.get(code)
        return region.name if region else code

    async def names_of(self, codes: Iterable[str]) -> dict[str, str]:
        """Many regions' names in one query, by code (codes not in our lists are missing)."""
        wanted = sorted(set(codes))
        if not wanted:
            return {}
        rows = await self._all(
            "SELECT code, name FROM regions WHERE code IN (SELECT value FROM json_each(?))",
            (json.dumps(wanted),),
        )
        return {row[0]: row[1] for row in rows}

    async def children(self, parent_code: str) -> list[Region]:
        """The kecamatan of a kabupaten or the desa of a kecamatan, by name."""
        rows = await self._all(
            "SELECT code, name, level, parent_code FROM regions WHERE parent_code = ?"
            " ORDER BY name",
            (parent_code,),
        )
        return [Region(**dict(row)) for row in rows]

    async def named(self, name: str, *, level: str, within: str) -> list[Region]:
        """The regions of a level with this name (as `name_key` matches typed names) whose
        code starts with `within` (a kabupaten's: its own regions only), by code."""
        return await self.named_any([name], levels=[level], within=[within])

    async def named_any(
        self, names: Iterable[str], *, levels: Iterable[str], within: Iterable[str]
    ) -> list[Region]:
        """`named` for several names, levels and regions to look within at once, in one
        query: the regions of any of these levels named any of these names, under any of
        `within`, by code."""
        keys = sorted({name_key(name) for name in names})
        rows = await self._all(
            "SELECT code, name, level, parent_code FROM regions"
            " WHERE name_key IN (SELECT value FROM json_each(?))"
            " AND level IN (SELECT value FROM json_each(?)) AND EXISTS (SELECT 1 FROM"
            " json_each(?) w WHERE regions.code LIKE w.value || '.%') ORDER BY code",
            (json.dumps(keys), json.dumps(sorted(set(levels))), json.dumps(sorted(set(within)))),
        )
        return [Region(**dict(row)) for row in rows]

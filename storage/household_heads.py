"""Which households a person (their member rows, one per household) heads: the relation they
were reported with says so ("kepala_keluarga"); else their name key matching the head's does,
unless another member with that key is the one reported as head ("Moch. Rizki", the son, and
"Muhammad Rizki", the father, share one). Where it cannot be told, they are taken for the head:
an erasure then removes the head's name rather than leave a name that may be theirs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from storage.base import Repo

HEAD_RELATION = "kepala_keluarga"


class HouseholdHeads(Repo):
    async def headed_by(self, members: Iterable[dict[str, Any]]) -> set[int]:
        """The ids of the households these member rows (`id`, `household_id`, `name_key`,
        `relation`) head; asked before the rows are changed."""
        headed: set[int] = set()
        for member in members:
            if member["relation"] == HEAD_RELATION:
                headed.add(member["household_id"])
                continue
            if not member["name_key"]:
                continue
            row = await self._one(
                "SELECT h.head_key = ?, EXISTS (SELECT 1 FROM household_members m"
                " WHERE m.household_id = h.id AND m.name_key = ? AND m.id != ?"
                " AND m.relation = ?) FROM households h WHERE h.id = ?",
                (
                    member["name_key"],
                    member["name_key"],
                    member["id"],
                    HEAD_RELATION,
                    member["household_id"],
                ),
            )
            if row is not None and row[0] and not row[1]:
                headed.add(member["household_id"])
        return headed

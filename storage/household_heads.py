"""Which households a person (their member rows, one per household) heads, as its head's
name (`households.head_name`, `head_key`) stands now:
- reported as head (`relation` "kepala_keluarga"): yes when the head's name is theirs (a
  namesake son beside them or not), else unless it is another member's (a later report
  named a new head: the husband died, the wife heads it now);
- reported as someone else of the family (a son "Moch. Rizki" of "Muhammad Rizki"): no;
- relation unknown: when their name key is the head's, unless a member with that key is the
  one reported as head."""

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
            relation = member["relation"]
            if relation not in (None, HEAD_RELATION):
                continue
            row = await self._one(
                "SELECT h.head_key, EXISTS (SELECT 1 FROM household_members m"
                " WHERE m.household_id = h.id AND m.id != ? AND m.name_key = h.head_key"
                " AND m.name_key != '' AND (? OR m.relation = ?))"
                " FROM households h WHERE h.id = ?",
                (member["id"], relation == HEAD_RELATION, HEAD_RELATION, member["household_id"]),
            )
            if row is None or not row["head_key"]:
                continue  # no head name left
            own_name = row["head_key"] == member["name_key"]
            taken = bool(row[1])  # another member bears it (one reported as head, for them)
            reported_head = relation == HEAD_RELATION
            if (own_name and not taken) or (reported_head and (own_name or not taken)):
                headed.add(member["household_id"])
        return headed

"""Who may verify or approve a case: never its authors (four eyes: who wrote it, and who
answers for it now, after a handover), who decide nothing on it (`NOT_ON_OWN`: nor send it
back or reject it). Verifying falls to the
TKSK of its kecamatan, else the coordinators of its kabupaten; approving to the coordinators.
Where four eyes leaves nobody in the region (a single coordinator reporting, or a region with
nobody else), the admins stand in, so no case waits for ever."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from handlers.permissions import allowed
from storage.models import Role, User
from storage.repos import Repos

DECIDING = frozenset({"verify", "approve"})  # who may: `deciders`, never an author
# Every decision on a report, none of them its authors' (the page says so: "Ini laporan
# Bapak/Ibu sendiri"); QA walk 8 saw a coordinator offered send-back and reject on her own.
NOT_ON_OWN = DECIDING | {"send_back", "reject"}
STAND_IN = "case.stand_in"


@dataclass(frozen=True)
class Deciders:
    people: list[User]
    standing_in: bool  # the admins, because nobody in the region may

    def includes(self, user: User | None) -> bool:
        return user is not None and any(person.id == user.id for person in self.people)


async def deciders(
    repos: Repos,
    action: str,
    *,
    kecamatan_code: str,
    kabupaten_code: str,
    authors: Collection[int],
) -> Deciders:
    """Who may take `action` (verify or approve) on a case of this region, none of its
    `authors` (`CaseSummary.authors`: who wrote it, who answers for it now)."""
    assert action in DECIDING, action
    levels = [(Role.COORDINATOR, {"kabupaten_code": kabupaten_code})]
    if action == "verify":
        levels.insert(0, (Role.TKSK, {"kecamatan_code": kecamatan_code}))
    for role, region in levels:
        found = await repos.users.active_with_role(role, **region)
        people = [p for p in found if p.id not in authors and allowed(p, f"case.{action}")]
        if people:
            return Deciders(people, standing_in=False)
    admins = await repos.users.active_with_role(Role.ADMIN)
    people = [p for p in admins if p.id not in authors and allowed(p, STAND_IN)]
    return Deciders(people, standing_in=True)

"""Regions in conversations: form choices (the districts served, their kecamatan and desa)
and a region's name in a message."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handlers.context import Turn
from handlers.forms.choices import ChoiceOption
from handlers.forms.model import ChoicesFrom
from storage.repos import Repos

# Words typed before a region's name, by its level ("Kec. Kadugede", "Kelurahan Babatan"):
# read without them in every region question (registration, a report, a training's area).
LEAD_WORDS = {
    "kabupaten": ("Kabupaten", "Kab"),
    "kecamatan": ("Kecamatan", "Kec"),
    "desa": ("Desa", "Ds", "Kelurahan", "Kel"),
}


async def region_name(turn: Turn, code: str | None) -> str:
    """A region's name for a message: "-" when there is none, its code when it is unknown."""
    return await turn.repos.regions.name_of(code) if code else "-"


class RegionChoices:
    """A `ChoiceSource` over the region table."""

    def __init__(self, repos: Repos, districts: Sequence[Any]) -> None:
        self.repos = repos
        self.districts = districts

    async def options(
        self, spec: ChoicesFrom, parent: str | None, language: str
    ) -> list[ChoiceOption]:
        if spec.source == "districts":
            options = []
            for district in self.districts:
                region = await self.repos.regions.get(district.code)
                name = region.name.removeprefix("Kabupaten ") if region else district.code
                options.append(
                    ChoiceOption(district.code, name, lead_words=LEAD_WORDS["kabupaten"])
                )
            return options
        if not parent:
            return []
        return [
            ChoiceOption(r.code, r.name, lead_words=LEAD_WORDS.get(r.level, ()))
            for r in await self.repos.regions.children(parent)
        ]

    async def region_known(self, code: str) -> bool:
        """Whether a region code (e.g. a NIK's PP.KK.CC) is in our region lists."""
        return await self.repos.regions.get(code) is not None

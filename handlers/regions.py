"""Regions in conversations: form choices (the districts served, their kecamatan and desa)
and a region's name in a message."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from handlers.context import Turn
from handlers.forms.choices import ChoiceOption, after_lead_word
from handlers.forms.option_model import ChoicesFrom
from handlers.i18n import Catalog, Markup
from storage.repos import Repos

# Words typed before a region's name, by its level ("Kec. Kadugede", "Kelurahan Babatan"):
# read without them in every region question (registration, a report, a training's area).
LEAD_WORDS = {
    "kabupaten": ("Kabupaten", "Kab"),
    "kecamatan": ("Kecamatan", "Kec"),
    "desa": ("Desa", "Ds", "Kelurahan", "Kel"),
}
# The level of the regions a region holds, where a name typed at the wrong one is told where
# it is: a desa of another kecamatan of the kabupaten.
_HELD_LEVEL = {"kecamatan": "desa"}


async def region_name(turn: Turn, code: str | None, language: str | None = None) -> str:
    """A region's name for a message in `language` (the turn's by default): "-" when there is
    none, its code when it is unknown, a kabupaten as that language says it
    (`district_said`)."""
    if not code:
        return "-"
    name = await turn.repos.regions.name_of(code)
    return district_said(turn.app.catalog, language or turn.language, name)


def district_said(catalog: Catalog, language: str, name: str) -> str:
    """A region's name as a message in `language` says it: a kabupaten with its level word in
    that language ("Kabupaten Kuningan"; in English "District Kuningan", as its sub-districts
    are "sub-district Kadugede"), any other name ("Kota Cirebon", a kecamatan) as it is.
    Escaped either way (a `Markup`), to go into another text as it is."""
    bare = _without_level_word(name, "kabupaten")
    if bare == name:
        return Markup(html.escape(name, quote=False))
    return Markup(catalog.text(language, "regions.kabupaten_named", name=bare))


def _without_level_word(name: str, *levels: str) -> str:
    """A region's name without the level word the region list starts it with ("Kabupaten
    Kuningan": "Kuningan"), of these levels (all by default); any other name as it is."""
    for level in levels or tuple(LEAD_WORDS):
        full_word = LEAD_WORDS[level][0] + " "
        if name.startswith(full_word) and len(name) > len(full_word):
            return name[len(full_word) :]
    return name


async def region_name_after_level(turn: Turn, code: str | None) -> str:
    """A region's name where the message already says its level ("District: Kuningan",
    "Kabupaten: Kuningan"): without the level word the region list starts it with, so the
    word is not said twice. Another prefix ("Kota Cirebon") says something and is kept."""
    return _without_level_word(await turn.repos.regions.name_of(code) if code else "-")


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
        place = await self.repos.regions.get(parent)
        return [
            ChoiceOption(
                r.code,
                r.name,
                lead_words=LEAD_WORDS.get(r.level, ()),
                place=place.name if place else None,
                place_words=LEAD_WORDS.get(place.level, ()) if place else (),
            )
            for r in await self.repos.regions.children(parent)
        ]

    async def region_known(self, code: str) -> bool:
        """Whether a region code (e.g. a NIK's PP.KK.CC) is in our region lists."""
        return await self.repos.regions.get(code) is not None

    async def named_elsewhere(
        self, spec: ChoicesFrom, parent: str, typed: str
    ) -> list[tuple[str, str]]:
        """The regions named `typed` (its level word or not) under another region of
        `parent`'s kabupaten, as (name, the region it is in): "Kel. Cigugur" typed at
        Kadugede's desa question is in Kec. Cigugur. Empty for other questions."""
        place = await self.repos.regions.get(parent) if spec.source == "regions" else None
        level = _HELD_LEVEL.get(place.level) if place else None
        if place is None or level is None:
            return []
        names = {typed.strip(), after_lead_word(typed, LEAD_WORDS[level]) or ""} - {""}
        found = []
        for name in sorted(names):
            for region in await self.repos.regions.named(
                name, level=level, within=place.parent_code
            ):
                if region.parent_code != parent:
                    found.append(
                        (region.name, await self.repos.regions.name_of(region.parent_code))
                    )
        return sorted(set(found))

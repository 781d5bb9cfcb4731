"""What /cari's words seek, read as people type them: the word they put before what they look
for is dropped ("NIK 3208…", "no KNG-2026-000001", "nama Slamet"), a number copied masked
from a case page ("320801******0001") is told apart (it cannot be sought), and a name may end
with the desa or kecamatan it is in ("slamet riyadi babatan", "Slamet desa Babatan")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.context import Turn
from handlers.forms.choices import after_lead_word
from handlers.regions import LEAD_WORDS
from storage.models import Region
from storage.regions import name_key

# Words typed before what is looked for, any number of them ("nomor laporan KNG-…", "no. KK
# 3208…"), each a whole word: "Nikmah" and "Novi" are names.
_LEAD = re.compile(
    r"^(?:(?:nomor|no|nik|kk|laporan|kasus|nama|kepala\s+keluarga)(?![^\W\d_])[\s:.,#]*)+",
    re.IGNORECASE,
)
_NAMES_IDENTIFIER = re.compile(r"^\s*(?:(?:nomor|no)\W*)?(?:nik|kk)(?![^\W\d_])", re.IGNORECASE)
_PLACE_WORDS = 3  # the longest desa or kecamatan name, in words, after its level word
_LEVEL_WORDS = tuple(word for level in ("kecamatan", "desa") for word in LEAD_WORDS[level])


def without_lead_words(words: str) -> str:
    """/cari's words without the words put before what is sought; empty when there was
    nothing else."""
    return _LEAD.sub("", words.strip(), count=1).strip()


def names_identifier(words: str) -> bool:
    """Whether the words start by saying a NIK or KK follows ("NIK 3208…", "no. KK …"): the
    digits after them are one, however few ("KK 3208" is no case's serial)."""
    return _NAMES_IDENTIFIER.match(words) is not None


@dataclass(frozen=True)
class NameInPlace:
    """A name to look for within one desa or kecamatan."""

    name: str
    place: Region


async def name_in_place(turn: Turn, words: str) -> NameInPlace | None:
    """The name and the region when the words end with the name of one desa or kecamatan of
    the person's district (their level word before it or not) and a name is left before it;
    None otherwise, or when that name is a region's in several places (but a kecamatan's and
    one of its desa's: the kecamatan)."""
    assert turn.user is not None
    parts = words.replace(",", " ").split()
    districts = (
        [turn.user.kabupaten_code]
        if turn.user.kabupaten_code
        else [district.code for district in turn.app.districts]
    )
    # The last one to four words as a place (its level word or not), the longest first.
    endings = []
    for count in range(min(_PLACE_WORDS + 1, len(parts) - 1), 0, -1):
        typed = " ".join(parts[-count:])
        endings.append((" ".join(parts[:-count]), after_lead_word(typed, _LEVEL_WORDS) or typed))
    if not endings:
        return None
    # Every ending's regions, in every district and at both levels, in one query.
    regions = await turn.repos.regions.named_any(
        [place for _, place in endings], levels=("desa", "kecamatan"), within=districts
    )
    for name, place in endings:
        found = [region for region in regions if name_key(region.name) == name_key(place)]
        # A kecamatan and its desa of the same name (Kadugede): the kecamatan, all of it.
        widest = [r for r in found if not any(r.code.startswith(o.code + ".") for o in found)]
        if len(widest) == 1:
            return NameInPlace(name, widest[0])
        if found:
            return None
    return None

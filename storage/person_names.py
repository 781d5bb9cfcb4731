"""People's names as the bot compares them: case, punctuation and the spellings of Muhammad
(Moch., Muh.) ignored. It is stored beside every name searched by (`household_members.name_key`,
`households.head_key`) and written with the name."""

from __future__ import annotations

import re

MUHAMMAD_SPELLINGS = frozenset(
    {
        "muhammad",
        "muhamad",
        "muhamat",
        "mochammad",
        "mochamad",
        "mohammad",
        "mohamad",
        "mohamed",
        "moch",
        "moh",
        "muh",
        "mhd",
        "mochamat",
        "mukhammad",
    }
)
_PUNCTUATION = re.compile(r"[^\w\s]")


def person_key(name: str) -> str:
    """Names compared ignoring case, punctuation and the spellings of Muhammad (Moch., Muh.)."""
    words = _PUNCTUATION.sub(" ", name.casefold()).split()
    return " ".join("muhammad" if word in MUHAMMAD_SPELLINGS else word for word in words)

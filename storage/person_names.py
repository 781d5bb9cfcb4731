"""People's names as the bot compares them: case, punctuation and the spellings of Muhammad
(Moch., Muh.) ignored. Household members store this key (`household_members.name_key`); a
household's head does not, so SQL computes it with the same Python function, registered on
every connection (`storage.db.connect`)."""

from __future__ import annotations

import re

from storage.base import like_escape

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
SQL_FUNCTION = "person_key"  # the name `person_key` has in SQL
_ANCHORS = 5  # words of a searched key checked in SQL before the Python function runs


def person_key(name: str) -> str:
    """Names compared ignoring case, punctuation and the spellings of Muhammad (Moch., Muh.)."""
    words = _PUNCTUATION.sub(" ", name.casefold()).split()
    return " ".join("muhammad" if word in MUHAMMAD_SPELLINGS else word for word in words)


def name_contains(column: str, key: str) -> tuple[str, tuple[str, ...]]:
    """A SQL condition (and its parameters): the person key of the name in `column` contains
    `key` (itself a person key), LIKE's wildcards taken literally.

    Calling Python for every row of a scan costs several times the scan, so it is called only
    where a match is possible. A name of plain ASCII (the usual case: cheap to check in SQL)
    must contain each word of the key, ignoring case, or, for a piece of "muhammad", a
    spelling of it (each has an "m" and later an "h"); any other name goes to Python."""
    words = sorted(key.split(), key=len, reverse=True)[:_ANCHORS]
    checks, params = ["1"], []
    for word in words:
        check = f"{column} LIKE ? ESCAPE '\\'"
        checks.append(f"({check} OR {column} LIKE '%m%h%')" if word in "muhammad" else check)
        params.append(f"%{like_escape(word)}%")
    return (
        f"CASE WHEN length(CAST({column} AS BLOB)) <> length({column}) OR ({' AND '.join(checks)})"
        f" THEN {SQL_FUNCTION}({column}) LIKE ? ESCAPE '\\' ELSE 0 END",
        (*params, f"%{like_escape(key)}%"),
    )

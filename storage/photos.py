"""Photo files (named by their content hash, shared by the cases and drafts that show the
same picture): which of them nothing uses any more, so they can be removed from disk.

A photo is in use while a case shows it (`case_photos`), a later report added to a case
holds it (`case_updates.answers`) or an unfinished form (a draft, a correction) holds it in
its state. Completed and cancelled sessions hold nothing: what a form made lives on in the
case, and a cancelled form's answers are never used. A stored photo is named in answers
and states as `{"ref": "photos/..."}` (`photos_held` finds them, `without_photos` lets go).
"""

from __future__ import annotations

import re
from typing import Any

from storage.base import Repo, placeholders

PHOTOS_FOLDER = "photos"
UNFINISHED = "status IN ('active', 'paused')"
CASES_AT_ONCE = 500  # paths per `IN (...)` (SQLite allows 32766 parameters; kept modest)
TEXTS_AT_ONCE = 20  # paths per scan of the JSON texts: one `instr` each, per row


def is_stored_photo(ref: str | None) -> bool:
    """Whether a photo's ref names a file we stored (not a channel's file id, not None)."""
    return ref is not None and ref.startswith(PHOTOS_FOLDER + "/")


def photos_held(state: Any) -> set[str]:
    """The stored photos a form session's state holds (`{"ref": path}` answers and photos
    being picked, at any depth); refs outside MEDIA_PATH/photos are no stored photo."""
    found: set[str] = set()
    if isinstance(state, dict):
        ref = state.get("ref")
        if isinstance(ref, str) and is_stored_photo(ref):
            found.add(ref)
        for value in state.values():
            found |= photos_held(value)
    elif isinstance(state, list):
        for value in state:
            found |= photos_held(value)
    return found


def _a_photo(node: Any) -> bool:
    return (
        isinstance(node, dict) and isinstance(node.get("ref"), str) and is_stored_photo(node["ref"])
    )


def without_photos(node: Any) -> Any:
    """Form answers (or a state) with the stored photos they hold let go (what
    `photos_held` finds): a photo in a list leaves it, one on its own becomes None."""
    if _a_photo(node):
        return None
    if isinstance(node, dict):
        return {key: without_photos(value) for key, value in node.items()}
    if isinstance(node, list):
        return [without_photos(item) for item in node if not _a_photo(item)]
    return node


def _chunks(paths: list[str], size: int) -> list[list[str]]:
    return [paths[start : start + size] for start in range(0, len(paths), size)]


class PhotoRepo(Repo):
    """Which stored photo files are still in use."""

    async def unused(self, paths: set[str]) -> list[str]:
        """Of these photo files (named by their content hash), those no case shows, no later
        report added to a case holds and no unfinished form holds (the same photo sent again
        for another report). A few queries for any number of paths, not one per path."""
        left = set(paths)
        for chunk in _chunks(sorted(left), CASES_AT_ONCE):
            rows = await self._all(
                f"SELECT DISTINCT path FROM case_photos WHERE path IN ({placeholders(chunk)})",
                chunk,
            )
            left -= {row[0] for row in rows}
        for chunk in _chunks(sorted(left), TEXTS_AT_ONCE):
            holding = " OR ".join(["instr(text, ?) > 0"] * len(chunk))
            rows = await self._all(
                f"SELECT text FROM (SELECT state AS text FROM form_sessions WHERE {UNFINISHED}"
                " UNION ALL SELECT answers FROM case_updates)"
                f" WHERE {holding}",
                chunk,
            )
            left -= {path for path in chunk if any(path in row[0] for row in rows)}
        return sorted(left)

    async def in_use_under(self, folder: str) -> set[str]:
        """Every photo file under `folder` (relative to MEDIA_PATH, as cases name them) that
        is in use: one read of the cases' photos, one of the texts naming such a file, for
        the daily sweep of the files nothing names (however many there are)."""
        prefix = folder.rstrip("/") + "/"
        rows = await self._all("SELECT DISTINCT path FROM case_photos")
        used = {row[0] for row in rows}
        # A name in a JSON text ends at its closing quote (names hold no quote or backslash).
        name = re.compile(re.escape(prefix) + r'[^"\\]+')
        rows = await self._all(
            f"SELECT state FROM form_sessions WHERE {UNFINISHED} AND instr(state, ?) > 0"
            " UNION ALL SELECT answers FROM case_updates WHERE instr(answers, ?) > 0",
            (prefix, prefix),
        )
        for row in rows:
            used.update(name.findall(row[0]))
        return used

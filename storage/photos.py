"""Photo files (named by their content hash, shared by the cases and drafts that show the
same picture): which of them nothing uses any more, so they can be removed from disk."""

from __future__ import annotations

from storage.base import Repo


class PhotoRepo(Repo):
    """Which stored photo files are still in use."""

    async def unused(self, paths: set[str]) -> list[str]:
        """Of these photo files (named by their content hash), those no case shows and no
        unfinished form holds (the same photo sent again for another report)."""
        unused = []
        for path in sorted(paths):
            if await self._one("SELECT 1 FROM case_photos WHERE path = ? LIMIT 1", (path,)):
                continue
            if await self._one(
                "SELECT 1 FROM form_sessions WHERE status IN ('active', 'paused')"
                " AND instr(state, ?) > 0 LIMIT 1",
                (path,),
            ):
                continue
            unused.append(path)
        return unused

"""Stored photos on their way to a turn, and the one rule every removal of a photo follows.

A received photo is fetched and stored before its turn is handled (bot/inbox_fetches.py),
and files are named by content hash: a file no case and no unfinished form shows now may be
named a moment later by an update still waiting (the same picture sent again, forwarded from
the same WhatsApp group). So no removal takes a photo that such an update brings, or may
bring (one being stored at that moment: which picture it is, nobody knows yet); those
wait and are looked at again once the updates that held them back are handled
(`handled_once_committed`, at each of the inbox worker's commits), so one not kept still leaves
the disk within moments, not at the daily sweep. A photo still downloading holds nothing
back: it has touched no file yet, and storing a picture removed meanwhile writes it anew.
Every removal goes through `let_go` (a cancelled or expired form, a revision's replaced
photos, the retention purge, a photo its turn did not keep), whoever asks: one rule, one
place.

The daily sweep of files nothing names (handlers/photo_files.py) needs no look here: storing
a photo touches its file, and the sweep takes only files untouched for days.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from handlers.temp_files import remove_media
from storage.repos import Repos


class PhotosInFlight:
    """The stored photos updates not handled yet bring (by inbox id), and the photos let go
    meanwhile that wait for them."""

    def __init__(self) -> None:
        self._storing: set[int] = set()  # updates whose photo is being written to disk
        self._fetched: dict[int, str] = {}  # update -> the stored photo it brings to its turn
        self._waiting: dict[str, Path] = {}  # photo let go while held back -> its MEDIA_PATH

    def storing(self, update: int) -> None:
        """The update's photo is downloaded and about to be stored (told before the store
        starts, on the event loop, so a removal looking now sees it)."""
        self._storing.add(update)

    def fetched(self, update: int, path: str | None) -> None:
        """The update's photo is stored at `path` (None: none was had)."""
        self._storing.discard(update)
        if path is None:
            self._fetched.pop(update, None)
        else:
            self._fetched[update] = path

    def handled(self, updates: Iterable[int]) -> None:
        """These updates' turns are committed (or they will be fetched again): what they
        brought is in their turns' hands now."""
        for update in updates:
            self._storing.discard(update)
            self._fetched.pop(update, None)

    def handled_once_committed(self, repos: Repos, updates: list[int]) -> None:
        """Once the transaction in hand is committed, these updates (filled while it runs)
        are `handled`, and the photos let go while an update might bring them are looked at
        again: those none may bring any more go, if nothing shows them. Asked before the
        turns' own removals, which then see their updates handled."""

        async def handled() -> None:
            self.handled(updates)
            await self._let_go_waiting(repos)

        repos.after_commit(handled)

    def may_bring(self, path: str) -> bool:
        """Whether an update not handled yet brings this photo, or may (one being stored)."""
        return bool(self._storing) or path in self._fetched.values()

    def let_go(self, repos: Repos, media_dir: Path, paths: Iterable[str]) -> None:
        """Once the change in hand is committed, delete those of these photo files (paths
        relative to `media_dir`, shared by content hash) that no case, no report added to a
        case and no unfinished form shows then; one an update not handled yet may bring
        waits for it (`handled_once_committed`). Nothing if the change is rolled back."""
        asked = set(paths)
        if not asked:
            return

        async def remove() -> None:
            await self._remove_unused(repos, media_dir, asked)

        repos.after_commit(remove)

    async def _let_go_waiting(self, repos: Repos) -> None:
        free = [path for path in self._waiting if not self.may_bring(path)]
        by_folder: dict[Path, set[str]] = {}
        for path in free:
            by_folder.setdefault(self._waiting.pop(path), set()).add(path)
        for media_dir, paths in by_folder.items():
            await self._remove_unused(repos, media_dir, paths)

    async def _remove_unused(self, repos: Repos, media_dir: Path, paths: set[str]) -> None:
        unused = await repos.photos.unused(paths)
        # No await from the look at the updates in flight to the removal: a store that
        # starts later finds the file gone and writes it anew.
        held = [path for path in unused if self.may_bring(path)]
        self._waiting.update((path, media_dir) for path in held)
        remove_media(media_dir, [path for path in unused if path not in held])

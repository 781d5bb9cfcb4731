"""Albums in the inbox: several updates that are one album (Telegram's `media_group_id`; on
WhatsApp, pictures of one sender waiting one behind the other, a burst) are answered once,
all but the last silently, each told how many pictures of its album follow.

`InboxAlbums` is mixed into `InboxWorker` (bot/inbox_worker.py).
"""

from __future__ import annotations

from typing import NamedTuple

from bot.inbox_fetches import Prepared
from handlers.events import Inbound, InboundKind
from storage.models import InboxItem


class AlbumPlace(NamedTuple):
    """Where an update stands in its album, as far as the updates waiting tell."""

    continues: bool = False  # more of its album wait behind it
    pictures_behind: int = 0  # how many of those are pictures (photos, pictures as files)


def _in_album(prepared: Prepared, place: AlbumPlace) -> Prepared:
    """A piece of an album (a photo, a picture sent as a file, a video) told that more of its
    album follow, and how many pictures (known from the updates after it, which may arrive
    while it is fetched)."""
    event, broken = prepared
    if event is not None and place.continues:
        update = {"album_continues": True, "album_rest": place.pictures_behind}
        event = event.model_copy(update=update)
    return event, broken


def _album_piece(event: Inbound) -> str | None:
    """What an update is as a piece of an album: "photo", "picture_file" (a picture sent as a
    file), "video"; None for anything else (a spreadsheet, a text: answered on its own)."""
    if event.kind == InboundKind.PHOTO:
        return "photo"
    if event.image_document:
        return "picture_file"
    if event.kind == InboundKind.OTHER and event.other_type == "video":
        return "video"
    return None


def _next_of_sender(items: list[InboxItem]) -> dict[int, InboxItem]:
    """Each update's sender's next one among `items` (in order), by inbox id: another
    person's update between two photos of an album does not split it."""
    following: dict[int, InboxItem] = {}
    latest: dict[str, InboxItem] = {}
    for item in reversed(items):
        if item.sender_key is None:
            continue  # nobody's: no album
        if (after := latest.get(item.sender_key)) is not None:
            following[item.id] = after
        latest[item.sender_key] = item
    return following


class InboxAlbums:
    """The album places of `InboxWorker`'s pending updates."""

    def _album_places(
        self, parsed: dict[int, Prepared], items: list[InboxItem]
    ) -> dict[int, AlbumPlace]:
        """Each update's place in its album (`_same_album`), by inbox id: whether more of it
        wait behind, and how many pictures, counted from the album's end."""
        followers = _next_of_sender(items)
        places: dict[int, AlbumPlace] = {}
        for item in reversed(items):
            follower = followers.get(item.id)
            if follower is None or not self._same_album(parsed, item, follower):
                places[item.id] = AlbumPlace()
                continue
            event = parsed[follower.id][0]
            picture = event is not None and _album_piece(event) in ("photo", "picture_file")
            behind = places[follower.id].pictures_behind + (1 if picture else 0)
            places[item.id] = AlbumPlace(True, behind)
        return places

    def _same_album(
        self, parsed: dict[int, Prepared], item: InboxItem, follower: InboxItem | None
    ) -> bool:
        """An album arrives as several updates; all but the last are answered silently.
        `follower`: the sender's next update waiting. Telegram names an album (its pieces'
        `media_group_id`: photos, videos, files together); WhatsApp sends each picture of one
        as a message of its own with nothing tying them, so photos of a sender waiting one
        behind the other, neither naming an album, count as one (a burst), and so do
        pictures sent as files (five files got five "send it as a photo")."""
        if follower is None:
            return False
        (first, _), (second, _) = parsed[item.id], parsed[follower.id]
        if not first or not second or first.chat_id != second.chat_id:
            return False  # (not a private photo, then one in a group)
        piece = _album_piece(first)
        if piece is None or _album_piece(second) is None:
            return False
        if first.media_group_id or second.media_group_id:
            return first.media_group_id == second.media_group_id
        return piece == _album_piece(second) != "video"

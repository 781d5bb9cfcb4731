"""Which waiting updates the inbox worker answers as one album (`InboxWorker._same_album`):
Telegram's named albums, WhatsApp's photos of one sender one behind the other; never a
person's private photo and their next one in a group chat (each is answered where it was
sent)."""

from __future__ import annotations

from bot.inbox_worker import InboxWorker
from handlers.events import Inbound, InboundKind
from storage.models import InboxItem


def _item(number: int, channel: str) -> InboxItem:
    return InboxItem(
        id=number, channel=channel, ext_id=str(number), sender_key="7", payload={},
        status="pending", attempts=0,
    )  # fmt: skip


def _photo(channel: str, chat: str, album: str | None = None, kind=InboundKind.PHOTO) -> Inbound:
    return Inbound(
        channel=channel, external_user_id="7", chat_id=chat, message_id="m", kind=kind,
        photo_ref="p" if kind == InboundKind.PHOTO else None, media_group_id=album,
        text=None if kind == InboundKind.PHOTO else "halo",
    )  # fmt: skip


def _same(channel: str, first: Inbound, second: Inbound) -> bool:
    parsed = {1: (first, False), 2: (second, False)}
    return InboxWorker._same_album(None, parsed, _item(1, channel), _item(2, channel))  # type: ignore[arg-type]


def test_whatsapp_photos_one_behind_the_other_are_one_album() -> None:
    assert _same("whatsapp", _photo("whatsapp", "628"), _photo("whatsapp", "628"))


def test_a_telegram_album_is_one_and_two_albums_are_two() -> None:
    assert _same("telegram", _photo("telegram", "7", "a1"), _photo("telegram", "7", "a1"))
    assert not _same("telegram", _photo("telegram", "7", "a1"), _photo("telegram", "7", "a2"))


def test_a_private_photo_and_one_in_a_group_are_not_one_album() -> None:
    """Found by review 9: the private photo went unanswered (marked "more coming")."""
    assert not _same("telegram", _photo("telegram", "7"), _photo("telegram", "-100123"))


def test_a_photo_then_a_text_are_not_one_album() -> None:
    text = _photo("whatsapp", "628", kind=InboundKind.TEXT)
    assert not _same("whatsapp", _photo("whatsapp", "628"), text)


def _file(channel: str, chat: str, mime: str = "image/jpeg", album: str | None = None) -> Inbound:
    return Inbound(
        channel=channel, external_user_id="7", chat_id=chat, message_id="m",
        kind=InboundKind.OTHER, other_type="document", file_ref="f", file_mime=mime,
        media_group_id=album,
    )  # fmt: skip


def test_pictures_sent_as_files_one_behind_the_other_are_one_album() -> None:
    """Review 9: five pictures sent as files got five "send it as a photo"."""
    for channel, chat in (("whatsapp", "628"), ("telegram", "7")):
        assert _same(channel, _file(channel, chat), _file(channel, chat))
    telegram = _file("telegram", "7", album="a1")
    assert _same("telegram", telegram, _file("telegram", "7", album="a1"))


def test_spreadsheets_and_a_photo_then_a_file_are_not_one_album() -> None:
    sheet = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert not _same("whatsapp", _file("whatsapp", "628", sheet), _file("whatsapp", "628", sheet))
    assert not _same("whatsapp", _photo("whatsapp", "628"), _file("whatsapp", "628"))


def test_a_telegram_album_of_photos_and_videos_is_one() -> None:
    """Review 9: a Telegram album mixing photos and videos got two answers."""
    video = Inbound(
        channel="telegram", external_user_id="7", chat_id="7", message_id="m",
        kind=InboundKind.OTHER, other_type="video", media_group_id="a1",
    )  # fmt: skip
    assert _same("telegram", _photo("telegram", "7", "a1"), video)
    assert _same("telegram", video, _photo("telegram", "7", "a1"))
    unnamed = video.model_copy(update={"media_group_id": None})
    assert not _same("whatsapp", unnamed, unnamed)  # videos on their own: each answered


def test_each_piece_knows_how_many_pictures_of_its_album_wait_behind_it() -> None:
    """QA walk 8: the answer past the limit says how many were not kept ("2 foto lainnya"):
    counted from the album's end, its videos not counted, a text after it not of it."""
    video = Inbound(
        channel="telegram", external_user_id="7", chat_id="7", message_id="m",
        kind=InboundKind.OTHER, other_type="video", media_group_id="a1",
    )  # fmt: skip
    events = [
        _photo("telegram", "7", "a1"),
        _file("telegram", "7", album="a1"),
        video,
        _photo("telegram", "7", "a1"),
        _photo("telegram", "7", kind=InboundKind.TEXT),
    ]
    items = [_item(number, "telegram") for number in range(1, len(events) + 1)]
    parsed = {item.id: (event, False) for item, event in zip(items, events, strict=True)}
    worker = InboxWorker.__new__(InboxWorker)  # the places read no state of the worker
    places = worker._album_places(parsed, items)
    assert [tuple(places[item.id]) for item in items] == [
        (True, 2),
        (True, 1),
        (True, 1),
        (False, 0),
        (False, 0),
    ]

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

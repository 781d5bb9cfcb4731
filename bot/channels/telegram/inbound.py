"""Telegram updates (raw JSON as stored in the inbox) to neutral `Inbound` events."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ChatType, MessageEntityType

from handlers.events import Inbound, InboundKind

CHANNEL = "telegram"
# Kinds of messages we answer with "please send text/photo" rather than ignore.
_OTHER_TYPES = (
    "sticker",
    "voice",
    "audio",
    "document",
    "video",
    "video_note",
    "animation",
    "poll",
    "dice",
    "venue",
    "game",
)


def sender_key(payload: dict[str, Any]) -> str | None:
    """The Telegram user id behind an update, if any (for ordering and logs)."""
    for field in ("message", "edited_message", "callback_query", "my_chat_member"):
        node = payload.get(field)
        if isinstance(node, dict) and isinstance(node.get("from"), dict):
            return str(node["from"].get("id"))
    return None


def to_inbound(payload: dict[str, Any]) -> Inbound | None:
    """The neutral event for an update, or None for updates we do not act on."""
    update = Update.de_json(payload, None)
    if update.callback_query is not None:
        query = update.callback_query
        message = query.message
        chat_id = message.chat.id if message is not None else query.from_user.id
        return Inbound(
            channel=CHANNEL,
            external_user_id=str(query.from_user.id),
            chat_id=str(chat_id),
            is_private=message is None or message.chat.type == ChatType.PRIVATE,
            kind=InboundKind.BUTTON,
            message_id=str(message.message_id) if message is not None else None,
            display_name=query.from_user.full_name,
            data=query.data,
            callback_id=query.id,
        )
    message = update.message  # edited messages (and live locations) are ignored
    if message is None or message.from_user is None:
        return None
    base: dict[str, Any] = {
        "channel": CHANNEL,
        "external_user_id": str(message.from_user.id),
        "chat_id": str(message.chat.id),
        "is_private": message.chat.type == ChatType.PRIVATE,
        "message_id": str(message.message_id),
        "display_name": message.from_user.full_name,
        "forwarded": message.forward_origin is not None,
    }
    if message.text is not None:
        entity = message.entities[0] if message.entities else None
        if entity and entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0:
            word = message.text[1 : entity.length].split("@", 1)[0].lower()
            args = message.text[entity.length :].strip()
            return Inbound(
                **base, kind=InboundKind.COMMAND, command=word, command_args=args, text=message.text
            )
        return Inbound(**base, kind=InboundKind.TEXT, text=message.text)
    if message.contact is not None:
        return Inbound(
            **base,
            kind=InboundKind.CONTACT,
            contact_phone=message.contact.phone_number,
            contact_is_sender=message.contact.user_id == message.from_user.id,
        )
    if message.location is not None:
        return Inbound(
            **base,
            kind=InboundKind.LOCATION,
            latitude=message.location.latitude,
            longitude=message.location.longitude,
        )
    if message.photo:
        return Inbound(
            **base,
            kind=InboundKind.PHOTO,
            photo_ref=message.photo[-1].file_id,
            text=message.caption,
            media_group_id=message.media_group_id,
        )
    if message.document is not None:
        return Inbound(
            **base,
            kind=InboundKind.OTHER,
            other_type="document",
            text=message.caption,
            file_ref=message.document.file_id,
            file_name=message.document.file_name,
        )
    other = next((name for name in _OTHER_TYPES if getattr(message, name, None)), "unknown")
    return Inbound(**base, kind=InboundKind.OTHER, other_type=other, text=message.caption)

"""Telegram updates (raw JSON as stored in the inbox) to neutral `Inbound` events."""

from __future__ import annotations

from typing import Any

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


def _full_name(user: dict[str, Any]) -> str:
    """First and last name, as Telegram clients (and PTB's `User.full_name`) show them."""
    last = user.get("last_name")
    return f"{user['first_name']} {last}" if last else user["first_name"]


def to_inbound(payload: dict[str, Any]) -> Inbound | None:
    """The neutral event for an update, or None for updates we do not act on.

    Read from the JSON as Telegram sent it (the Bot API's `Update` object): building PTB's
    objects for the few fields we read cost more than the rest of the parsing. A payload
    without a field Telegram always sends raises, as `Update.de_json` would.
    """
    query = payload.get("callback_query")
    if query is not None:
        message = query.get("message")  # absent when the message is too old
        sender = query["from"]
        chat = message["chat"] if message is not None else None
        return Inbound(
            channel=CHANNEL,
            external_user_id=str(sender["id"]),
            chat_id=str(chat["id"] if chat is not None else sender["id"]),
            is_private=chat is None or chat["type"] == ChatType.PRIVATE,
            kind=InboundKind.BUTTON,
            message_id=str(message["message_id"]) if message is not None else None,
            display_name=_full_name(sender),
            data=query.get("data"),
            callback_id=query["id"],
        )
    message = payload.get("message")  # edited messages (and live locations) are ignored
    if message is None or message.get("from") is None:
        return None
    sender = message["from"]
    base: dict[str, Any] = {
        "channel": CHANNEL,
        "external_user_id": str(sender["id"]),
        "chat_id": str(message["chat"]["id"]),
        "is_private": message["chat"]["type"] == ChatType.PRIVATE,
        "message_id": str(message["message_id"]),
        "display_name": _full_name(sender),
        "forwarded": message.get("forward_origin") is not None,
    }
    text = message.get("text")
    if text is not None:
        entities = message.get("entities")
        entity = entities[0] if entities else None
        if entity and entity["type"] == MessageEntityType.BOT_COMMAND and entity["offset"] == 0:
            word = text[1 : entity["length"]].split("@", 1)[0].lower()
            args = text[entity["length"] :].strip()
            return Inbound(
                **base, kind=InboundKind.COMMAND, command=word, command_args=args, text=text
            )
        return Inbound(**base, kind=InboundKind.TEXT, text=text)
    caption = message.get("caption")
    contact = message.get("contact")
    if contact is not None:
        return Inbound(
            **base,
            kind=InboundKind.CONTACT,
            contact_phone=contact["phone_number"],
            contact_is_sender=contact.get("user_id") == sender["id"],
        )
    location = message.get("location")
    if location is not None:
        return Inbound(
            **base,
            kind=InboundKind.LOCATION,
            latitude=location["latitude"],
            longitude=location["longitude"],
        )
    photo = message.get("photo")
    if photo:
        return Inbound(
            **base,
            kind=InboundKind.PHOTO,
            photo_ref=photo[-1]["file_id"],
            text=caption,
            media_group_id=message.get("media_group_id"),
        )
    document = message.get("document")
    if document is not None:
        return Inbound(
            **base,
            kind=InboundKind.OTHER,
            other_type="document",
            text=caption,
            file_ref=document["file_id"],
            file_name=document.get("file_name"),
            file_mime=document.get("mime_type"),
            media_group_id=message.get("media_group_id"),
        )
    other = next((name for name in _OTHER_TYPES if message.get(name)), "unknown")
    return Inbound(
        **base,
        kind=InboundKind.OTHER,
        other_type=other,
        text=caption,
        media_group_id=message.get("media_group_id"),  # a video of an album with photos
    )

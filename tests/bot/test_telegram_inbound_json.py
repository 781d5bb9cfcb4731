"""The inbound parser reads Telegram's JSON directly; PTB's `Update` objects are the oracle.

`to_inbound` used to build `Update.de_json` and read its attributes (half a millisecond a
button press). It now reads the JSON; these tests generate updates of every kind we act on
and check that both readings give the same event, field for field.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from telegram import Update
from telegram.constants import ChatType, MessageEntityType

from bot.channels.telegram.inbound import _OTHER_TYPES, CHANNEL, to_inbound
from handlers.events import Inbound, InboundKind


def through_ptb(payload: dict[str, Any]) -> Inbound | None:
    """The event as read through PTB's objects (the parser before it read the JSON)."""
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
    message = update.message
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
            media_group_id=message.media_group_id,
        )
    other = next((name for name in _OTHER_TYPES if getattr(message, name, None)), "unknown")
    return Inbound(
        **base,
        kind=InboundKind.OTHER,
        other_type=other,
        text=message.caption,
        media_group_id=message.media_group_id,
    )


ids = st.integers(min_value=1, max_value=2**40)
names = st.text(min_size=1, max_size=20)
texts = st.text(max_size=60)


@st.composite
def users(draw: st.DrawFn) -> dict[str, Any]:
    user = {"id": draw(ids), "is_bot": False, "first_name": draw(names)}
    if draw(st.booleans()):
        user["last_name"] = draw(names)
    return user


@st.composite
def chats(draw: st.DrawFn, user: dict[str, Any]) -> dict[str, Any]:
    kind = draw(st.sampled_from(["private", "group", "supergroup"]))
    if kind == "private":
        return {"id": user["id"], "type": kind, "first_name": user["first_name"]}
    return {"id": -draw(ids), "type": kind, "title": draw(names)}


def _file(draw: st.DrawFn) -> dict[str, Any]:
    return {"file_id": draw(st.text(min_size=1, max_size=12)), "file_unique_id": "u"}


@st.composite
def contents(draw: st.DrawFn, sender: dict[str, Any]) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(["text", "command", "contact", "location", "photo", "document", "other"])
    )
    if kind == "text":
        return {"text": draw(texts)}
    if kind == "command":
        word = "/" + draw(st.sampled_from(["start", "lapor", "Batal", "cari@psm_bot"]))
        text = word + draw(st.sampled_from(["", " ", " 3201 abc"]))
        offset = draw(st.sampled_from([0, 0, 1]))
        return {
            "text": text,
            "entities": [{"type": "bot_command", "offset": offset, "length": len(word)}],
        }
    if kind == "contact":
        contact: dict[str, Any] = {
            "phone_number": draw(st.from_regex(r"\+?62[0-9]{8,11}", fullmatch=True)),
            "first_name": draw(names),
        }
        owner = draw(st.sampled_from(["sender", "other", "none"]))
        if owner != "none":
            contact["user_id"] = sender["id"] if owner == "sender" else sender["id"] + 1
        return {"contact": contact}
    if kind == "location":
        lat = draw(st.floats(min_value=-90, max_value=90))
        lon = draw(st.floats(min_value=-180, max_value=180))
        return {"location": {"latitude": lat, "longitude": lon}}
    caption = {"caption": draw(texts)} if draw(st.booleans()) else {}
    # An album's pieces (photos, videos, files) name it.
    album = {"media_group_id": draw(st.text(min_size=1, max_size=8))} if draw(st.booleans()) else {}
    if kind == "photo":
        sizes = [
            {**_file(draw), "width": 90 * n, "height": 90 * n}
            for n in range(1, draw(st.integers(1, 3)) + 1)
        ]
        return {"photo": sizes, **caption, **album}
    if kind == "document":
        document = _file(draw)
        if draw(st.booleans()):
            document["file_name"] = draw(names)
        return {"document": document, **caption, **album}
    other = draw(st.sampled_from(["sticker", "voice", "video", "dice", "poll", "new_chat_title"]))
    shapes: dict[str, Any] = {
        "sticker": {
            **_file(draw),
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        },
        "voice": {**_file(draw), "duration": 3},
        "video": {**_file(draw), "width": 1, "height": 1, "duration": 3},
        "dice": {"emoji": "🎲", "value": 3},
        "poll": {
            "id": "p",
            "question": "?",
            "options": [],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": False,
            "members_only": False,
        },
        "new_chat_title": "Grup PSM",
    }
    return {other: shapes[other], **caption, **(album if other == "video" else {})}


@st.composite
def updates(draw: st.DrawFn) -> dict[str, Any]:
    sender = draw(users())
    chat = draw(chats(sender))
    message: dict[str, Any] = {"message_id": draw(ids), "date": 1_700_000_000, "chat": chat}
    if draw(st.integers(0, 4)) == 0:  # a button press
        query: dict[str, Any] = {"id": str(draw(ids)), "from": sender, "chat_instance": "c"}
        if draw(st.booleans()):
            query["data"] = draw(st.text(min_size=1, max_size=20))
        if draw(st.booleans()):  # too old: Telegram leaves the message out
            query["message"] = {
                **message,
                "from": {"id": 1, "is_bot": True, "first_name": "bot"},
                "text": "?",
            }
        return {"update_id": 1, "callback_query": query}
    if draw(st.integers(0, 5)):  # channel posts come without a sender
        message["from"] = sender
    if draw(st.booleans()):
        message["forward_origin"] = {"type": "hidden_user", "date": 1, "sender_user_name": "x"}
    message.update(draw(contents(sender)))
    field = "message" if draw(st.integers(0, 5)) else "edited_message"
    return {"update_id": 1, field: message}


@settings(max_examples=400, deadline=None)
@given(updates())
def test_json_reading_agrees_with_ptb(payload: dict[str, Any]) -> None:
    assert to_inbound(payload) == through_ptb(payload)


# Kinds no Telegram update is: Meta's word that a WhatsApp user changed number.
NOT_ON_TELEGRAM = {InboundKind.ACCOUNT_CHANGED}


@pytest.mark.parametrize("kind", [None, *(k for k in InboundKind if k not in NOT_ON_TELEGRAM)])
def test_the_generated_updates_reach_every_kind(kind: InboundKind | None) -> None:
    """The strategy above reaches each kind of event Telegram has (else the agreement proves
    little)."""

    def of_kind(payload: dict[str, Any]) -> bool:
        event = through_ptb(payload)
        return (event.kind if event is not None else None) == kind

    assert of_kind(find(updates(), of_kind, settings=settings(max_examples=2000)))


@pytest.mark.parametrize(
    "payload",
    [
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 1,
                "from": {"id": 5, "first_name": "A", "is_bot": False},
            },
        },
        {"update_id": 1, "callback_query": {"id": "1", "chat_instance": "c"}},
    ],
    ids=["message-without-chat", "button-without-sender"],
)
def test_an_update_missing_what_telegram_always_sends_is_refused(payload: dict[str, Any]) -> None:
    """The worker logs an update that raises and marks it failed; none is half read."""
    with pytest.raises((KeyError, TypeError, AttributeError)):
        to_inbound(payload)

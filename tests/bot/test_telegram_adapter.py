"""The Telegram adapter: updates in, limits out."""

from __future__ import annotations

import pytest

from bot.channels.telegram.inbound import sender_key, to_inbound
from bot.channels.telegram.outbound import (
    TelegramLimitError,
    api_calls,
    inline_keyboard,
    render,
    request_keyboard,
    split_text,
)
from handlers.events import Button, InboundKind, Outbound

USER = {"id": 77, "is_bot": False, "first_name": "Sri", "last_name": "Wahyuni"}
PRIVATE = {"id": 77, "type": "private", "first_name": "Sri"}


def _message(**content: object) -> dict:
    return {
        "update_id": 5,
        "message": {"message_id": 9, "date": 1, "chat": PRIVATE, "from": USER, **content},
    }


UPDATES = [
    pytest.param(_message(text="halo"), InboundKind.TEXT, {"text": "halo"}, id="text"),
    pytest.param(
        _message(
            text="/Start@psm_bot abc", entities=[{"type": "bot_command", "offset": 0, "length": 14}]
        ),
        InboundKind.COMMAND,
        {"command": "start", "command_args": "abc"},
        id="command-with-bot",
    ),
    pytest.param(
        _message(contact={"phone_number": "+6281234567890", "first_name": "Sri", "user_id": 77}),
        InboundKind.CONTACT,
        {"contact_is_sender": True},
        id="own-contact",
    ),
    pytest.param(
        _message(contact={"phone_number": "+6281234567890", "first_name": "X", "user_id": 78}),
        InboundKind.CONTACT,
        {"contact_is_sender": False},
        id="someone-elses-contact",
    ),
    pytest.param(
        _message(contact={"phone_number": "+6281234567890", "first_name": "X"}),
        InboundKind.CONTACT,
        {"contact_is_sender": False},
        id="contact-without-user-id",
    ),
    pytest.param(
        _message(location={"latitude": -6.97, "longitude": 108.48}),
        InboundKind.LOCATION,
        {"latitude": -6.97, "forwarded": False},
        id="location",
    ),
    pytest.param(
        _message(
            location={"latitude": -6.97, "longitude": 108.48},
            forward_origin={"type": "hidden_user", "date": 1, "sender_user_name": "Budi"},
        ),
        InboundKind.LOCATION,
        {"latitude": -6.97, "forwarded": True},
        id="forwarded-location",
    ),
    pytest.param(
        _message(
            location={"latitude": -6.97, "longitude": 108.48},
            venue={
                "location": {"latitude": -6.97, "longitude": 108.48},
                "title": "Aula",
                "address": "Jl. Siliwangi 88",
            },
        ),
        InboundKind.LOCATION,
        {"latitude": -6.97, "forwarded": False},
        id="venue-picked-on-the-map",
    ),
    pytest.param(
        _message(
            photo=[
                {"file_id": "small", "file_unique_id": "s", "width": 1, "height": 1},
                {"file_id": "big", "file_unique_id": "b", "width": 9, "height": 9},
            ],
            media_group_id="album1",
            caption="rumah",
        ),
        InboundKind.PHOTO,
        {"photo_ref": "big", "media_group_id": "album1", "text": "rumah"},
        id="photo-largest-size",
    ),
    pytest.param(
        _message(
            sticker={
                "file_id": "s",
                "file_unique_id": "s",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
        ),
        InboundKind.OTHER,
        {"other_type": "sticker"},
        id="sticker",
    ),
    pytest.param(
        {
            "update_id": 6,
            "callback_query": {
                "id": "cb1",
                "from": USER,
                "chat_instance": "c",
                "data": "f3:o1",
                "message": {"message_id": 12, "date": 1, "chat": PRIVATE, "text": "?"},
            },
        },
        InboundKind.BUTTON,
        {"data": "f3:o1", "callback_id": "cb1", "message_id": "12"},
        id="button",
    ),
]


@pytest.mark.parametrize(("payload", "kind", "fields"), UPDATES)
def test_updates_become_neutral_events(payload: dict, kind: InboundKind, fields: dict) -> None:
    event = to_inbound(payload)
    assert event is not None
    assert event.kind == kind
    assert event.channel == "telegram"
    assert event.external_user_id == "77"
    assert event.display_name == "Sri Wahyuni"
    for name, value in fields.items():
        assert getattr(event, name) == value
    assert sender_key(payload) == "77"


def test_edited_messages_and_live_locations_are_ignored() -> None:
    edited = {
        "update_id": 7,
        "edited_message": {
            "message_id": 9,
            "date": 1,
            "edit_date": 2,
            "chat": PRIVATE,
            "from": USER,
            "location": {"latitude": 1.0, "longitude": 2.0},
        },
    }
    assert to_inbound(edited) is None


def test_group_messages_are_marked_not_private() -> None:
    payload = _message(text="halo")
    payload["message"]["chat"] = {"id": -100, "type": "supergroup", "title": "PSM"}
    event = to_inbound(payload)
    assert event is not None and event.is_private is False and event.chat_id == "-100"


def test_callback_data_over_64_bytes_is_refused_before_sending() -> None:
    ok = [[Button(label="ok", data="x" * 64)]]
    assert inline_keyboard(ok) is not None
    with pytest.raises(TelegramLimitError):
        inline_keyboard([[Button(label="é", data="é" * 33)]])  # 66 bytes in UTF-8


def test_request_keyboard_offers_other_options_as_keys() -> None:
    message = Outbound(
        text="?",
        request="location",
        request_label="Kirim lokasi",
        buttons=[[Button(label="Lewati", data="f1:s")]],
    )
    markup = request_keyboard(message)
    assert markup["keyboard"][0][0]["request_location"] is True
    assert markup["keyboard"][1][0]["text"] == "Lewati"
    assert markup["one_time_keyboard"] is True


@pytest.mark.parametrize("length", [10, 4096, 4097, 9000, 20_000])
def test_long_texts_are_split_within_the_limit(length: int) -> None:
    text = "\n".join(f"baris {i:05d} " + "x" * 40 for i in range(length // 52 + 1))[:length]
    pieces = split_text(text)
    assert all(0 < len(piece) <= 4096 for piece in pieces)
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


def test_one_enormous_line_is_cut() -> None:
    pieces = split_text("y" * 10_000)
    assert [len(p) for p in pieces] == [4096, 4096, 1808]


class _CountingBot:
    """Stands in for PTB's Bot: counts the messages it is asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, object]] = []

    async def do_api_request(self, endpoint: str, api_kwargs: dict[str, object]) -> object:
        assert endpoint == "sendMessage"
        self.sent.append((str(api_kwargs["text"]), api_kwargs.get("reply_markup")))
        return {"message_id": len(self.sent)}


QUESTION = [[Button(label="Ya", data="f:y")]]
SHAPES = [
    pytest.param(Outbound.say("halo"), 1, id="plain"),
    pytest.param(Outbound.say("Tersimpan.\n\nLanjut?", QUESTION), 1, id="question"),
    pytest.param(
        Outbound(text="Tersimpan.\n\nLanjut?", buttons=QUESTION, remove_keyboard=True),
        2,
        id="keyboard-removal-then-question",
    ),
    pytest.param(
        Outbound(text="Lanjut?", buttons=QUESTION, remove_keyboard=True), 1, id="nothing-before"
    ),
    pytest.param(Outbound(text="Lanjut?", remove_keyboard=True), 1, id="removal-only"),
    pytest.param(
        Outbound(text="Lokasi?", request="location", request_label="Kirim"), 1, id="request"
    ),
    pytest.param(Outbound.say("\n".join(["x" * 100] * 90)), 3, id="long-text"),
    pytest.param(
        Outbound(
            text="a\n\n" + "\n".join(["x" * 100] * 50), buttons=QUESTION, remove_keyboard=True
        ),
        3,
        id="removal-and-long-question",
    ),
]


@pytest.mark.parametrize(("message", "calls"), SHAPES)
async def test_the_api_calls_counted_before_sending_are_the_calls_made(
    message: Outbound, calls: int
) -> None:
    bot = _CountingBot()
    await render(bot, 77, message)  # type: ignore[arg-type]
    assert len(bot.sent) == calls
    assert api_calls(message) == calls

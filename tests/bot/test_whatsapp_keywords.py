"""WhatsApp has no slash commands: a typed /command is a command; typed words are text, which
the router reads as commands by every channel's rule (tests/handlers/test_typed_keywords.py)."""

from __future__ import annotations

import pytest

from bot.channels.whatsapp.inbound import to_inbound
from handlers.events import InboundKind
from tests.fakes.whatsapp_api import contact, text_message


def _event(text: str):
    message = text_message("wamid.1", "6281234500001", text)
    return to_inbound(
        {"message": message, "contact": contact(user_id="ID.1", wa_id="6281234500001")}
    )


@pytest.mark.parametrize(
    ("text", "command", "args"),
    [
        ("/cari Ayu", "cari", "Ayu"),
        (" /Batal ", "batal", ""),
        ("/hadir 389 262", "hadir", "389 262"),
    ],
)
def test_a_slash_makes_a_command(text: str, command: str, args: str) -> None:
    event = _event(text)
    assert event is not None and event.kind == InboundKind.COMMAND
    assert (event.command, event.command_args) == (command, args)


@pytest.mark.parametrize("text", ["batal", "Balita kurus", "cari Ayu Lestari", "Menu 2", "/"])
def test_words_are_text_for_the_router(text: str) -> None:
    event = _event(text)
    assert event is not None and event.kind == InboundKind.TEXT and event.text == text

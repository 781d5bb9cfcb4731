"""WhatsApp has no slash commands: typed keywords are commands. Words holding more than the
keyword alone are marked loose, so that inside a form they are the answer."""

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
    ("text", "command", "loose"),
    [
        ("batal", "batal", False),
        ("Batal.", "batal", False),
        ("  menu ", "menu", False),
        ("/cari Ayu", "cari", False),  # a slash says it is a command
        ("cari Ayu Lestari", "cari", True),
        ("Pengguna narkoba di rumah", "pengguna", True),
        ("Menu 2", "menu", True),
        ("Nomor 3", "nomor", True),
        ("hadir", "hadir", False),  # keywords that take words, alone
        ("cari", "cari", False),
        ("Laporan saya", "laporan_saya", False),
        ("Kontak", "kontak", False),  # a district office's contact line (/kontak)
        ("bimtek baru", "bimtek_baru", False),
        ("hadir 389262", "hadir", False),  # a check-in with its code, even inside a form
        ("Hadir 389-262", "hadir", False),
        ("Hadir Budi", "hadir", True),  # a name is no code
        ("Hadir semua keluarga", "hadir", True),
    ],
)
def test_keywords_and_loose_ones(text: str, command: str, loose: bool) -> None:
    event = _event(text)
    assert event is not None and event.kind == InboundKind.COMMAND
    assert (event.command, event.loose_command) == (command, loose)


def test_other_words_are_text() -> None:
    event = _event("Balita kurus")
    assert event is not None and event.kind == InboundKind.TEXT

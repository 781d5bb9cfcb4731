"""A command typed as a word ("batal", "menu") is the command on every channel, as on
WhatsApp: on Telegram "batal" at a question was stored as the answer, and "menu" outside a
form was not understood."""

from __future__ import annotations

import re

import pytest

from bot.channels.whatsapp.outbound import render
from handlers import router
from handlers.context import AppContext, Turn
from handlers.events import Inbound, InboundKind
from handlers.keywords import TypedCommand, alone_keyword, typed_command
from storage.db import Database
from storage.models import Role, User, UserStatus
from tests.e2e.whatsapp import body_of
from tests.handlers.chat_turns import app_context
from tests.handlers.routed_turns import person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, make_user, open_database


async def _say(
    db: Database, app: AppContext, user: User, text: str, channel: str = "telegram"
) -> Turn:
    event = Inbound(
        channel=channel,
        external_user_id=str(user.id),
        chat_id=str(user.id),
        kind=InboundKind.TEXT,
        text=text,
    )
    async with db.transaction() as repos:
        turn = Turn(app=app, repos=repos, event=event, now=NOW, user=user)
        await router.handle(turn)
    return turn


def _text(turn: Turn) -> str:
    return "\n".join(reply.text for reply in turn.replies if reply.type == "text")


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("batal", "batal"),
        (" Batal! ", "batal"),
        ("Laporan saya", "laporan_saya"),
        ("MENU", "menu"),
        ("kontak", "kontak"),
        ("Menu 2", None),
        ("Saya sakit", None),
        ("Pak Menu", None),
        ("batal.", "batal"),
        ("", None),
        ("cari", "cari"),  # a keyword that takes words, alone
        ("Hadir", "hadir"),
    ],
)
def test_a_keyword_alone_is_its_command(typed: str, command: str | None) -> None:
    assert alone_keyword(typed) == command


@pytest.mark.parametrize(
    ("typed", "command"),
    [
        ("batal", TypedCommand("batal", in_form=True)),
        ("Batal.", TypedCommand("batal", in_form=True)),
        ("  menu ", TypedCommand("menu", in_form=True)),
        ("Laporan saya", TypedCommand("laporan_saya")),
        ("laporan_saya", TypedCommand("laporan_saya", printed=True)),
        ("bimtek_baru", TypedCommand("bimtek_baru", printed=True)),
        ("bimtek baru", TypedCommand("bimtek_baru")),
        ("Bimtek", TypedCommand("bimtek")),
        ("cari", TypedCommand("cari")),
        ("Daftar", TypedCommand("daftar", in_form=True)),  # "Ketik daftar untuk melanjutkan"
        ("cari Ayu Lestari", TypedCommand("cari", "Ayu Lestari")),
        ("Cari: Ayu", TypedCommand("cari", "Ayu")),
        ("Pengguna narkoba di rumah", TypedCommand("pengguna", "narkoba di rumah")),
        # A check-in with its code, and a join as the invitation's link writes it, count
        # even inside a form; a name is no code, a title is no link.
        ("hadir 389262", TypedCommand("hadir", "389262", in_form=True)),
        ("Hadir 389-262", TypedCommand("hadir", "389-262", in_form=True)),
        ("Hadir Budi", TypedCommand("hadir", "Budi")),
        ("bimtek K7Q2XM4PRA", TypedCommand("bimtek", "K7Q2XM4PRA", join=True)),
        ("BIMTEK PENYULUHAN", TypedCommand("bimtek", "PENYULUHAN", join=True)),
        # Inside a form only the escape words as typed: their other spellings may be answers.
        ("Halo", TypedCommand("start")),
        ("start", TypedCommand("start", in_form=True)),
        ("Laporan", TypedCommand("lapor")),
        ("Hadir", TypedCommand("hadir")),
        ("Menu 2", None),
        ("Nomor 3", None),
        ("Balita kurus", None),
        ("Cari kerja", TypedCommand("cari", "kerja")),
    ],
)
def test_typed_words_and_their_command(typed: str, command: TypedCommand | None) -> None:
    assert typed_command(typed) == command


@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
async def test_typed_words_are_commands_on_every_channel(tmp_path, channel: str) -> None:
    db = await open_database(tmp_path / "psm.db")
    app = app_context(tmp_path)
    try:
        async with db.transaction() as repos:
            ani = await make_user(
                repos, "Bu Ani", Role.PSM, kecamatan="32.08.01", desa="32.08.01.2006"
            )
            await repos.users.add_identity(
                user_id=ani.id, channel=channel, external_id=str(ani.id), chat_id="1", now=NOW
            )
        menu = await _say(db, app, ani, "menu", channel)
        assert app.catalog.text("id", "errors.not_understood") not in _text(menu)
        assert any(b.data == "menu:lapor" for r in menu.replies for row in r.buttons for b in row)

        assert "kepala keluarga" in _text(await _say(db, app, ani, "lapor", channel))
        dropped = await _say(db, app, ani, "Batal", channel)  # nothing answered: at once
        assert "Baik, laporan baru dibatalkan." in _text(dropped)
        async with db.reading() as repos:
            assert await repos.forms.active(ani.id) is None
        assert "kepala keluarga" in _text(await _say(db, app, ani, "lapor", channel))

        # Inside a form only the words that leave, explain or reopen one count: "Bimtek"
        # (WhatsApp's adapter took it for /bimtek), "Mulai", a title in capitals that is no
        # training's code are answers. A word alone at free text is asked about first
        # (handlers/command_or_answer.py): "tidak", it is the answer. ("Halo" is a greeting,
        # no name: tests/handlers/test_greeting_as_name.py.)
        for typed in ("Bimtek", "tidak", "3208011210190005", "Mulai", "tidak"):
            await _say(db, app, ani, typed, channel)
        async with db.reading() as repos:
            session = await repos.forms.active(ani.id)
        assert session is not None
        answers = session.state["answers"]
        assert answers["head_name"] == "Bimtek" and answers["members"][0]["member_name"] == "Mulai"
        await _say(db, app, ani, "batal", channel)
        await _say(db, app, ani, "ya", channel)
        await _say(db, app, ani, "lapor", channel)
        await _say(db, app, ani, "BIMTEK PENYULUHAN", channel)
        async with db.reading() as repos:
            session = await repos.forms.active(ani.id)
        assert session is not None
        assert session.state["answers"]["head_name"] == "BIMTEK PENYULUHAN"
    finally:
        await db.close()


# (role, status) of a person, and so the help they see: each role's, and the help of someone
# still registering, rejected or suspended.
HELP_READERS = [
    *[(role, UserStatus.ACTIVE) for role in Role],
    (None, UserStatus.REGISTERING),
    (Role.PSM, UserStatus.REJECTED),
    (Role.PSM, UserStatus.SUSPENDED),
]


@pytest.mark.parametrize(("role", "status"), HELP_READERS)
async def test_every_word_the_help_shows_is_understood_on_whatsapp(
    world, role: Role | None, status: UserStatus
) -> None:
    """The help on WhatsApp shows "*laporan_saya* - laporan saya dan statusnya"; typed as
    shown, it was "not understood". Each word is typed by someone fresh (a word that opens a
    form would make the next one its answer)."""
    db, app = world
    region = {"kecamatan": KADUGEDE, "desa": BABATAN}
    reader = await person(db, "Bu Ani", role, "whatsapp", status=status, **region)
    helped = await send(db, app, reader, "whatsapp", text="bantuan")
    shown = "\n".join(
        body_of(body)
        for reply in helped.replies
        for body in render(reply, app.catalog, "id").bodies
    )
    words = re.findall(r"^\*([a-z_]+)\* - ", shown, re.MULTILINE)
    assert "bantuan" in words, shown
    not_understood = app.catalog.text("id", "errors.not_understood")
    for word in words:
        typist = await person(db, f"Bu {word}", role, "whatsapp", status=status, **region)
        turn = await send(db, app, typist, "whatsapp", text=word)
        assert turn.event.kind == InboundKind.COMMAND and turn.event.command == word, word
        assert not_understood not in said(turn), word

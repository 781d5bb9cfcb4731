"""A choice asked beside a form's question ("cancel this form?", "which draft?") takes typed
words, not the question: "iya" typed after /batal was stored as the answer to the question
before it, and "😀😀" typed at the draft choice became the answer of the report left open.
A mistyped command inside a form asks the question again."""

from __future__ import annotations

import pytest

from handlers import router
from handlers.context import AppContext
from handlers.events import Inbound, InboundKind
from storage.db import Database
from storage.models import FormSession, Role, User
from tests.handlers.chat_turns import app_context, command, tap
from tests.storage.seed_cases import NOW, make_user, open_database

KADUGEDE, BABATAN = "32.08.01", "32.08.01.2006"
pytestmark = pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
CONFIRM = "Yakin ingin membatalkan laporan <b>Slamet Riyadi</b>? Jawaban yang sudah diisi"


class Chat:
    def __init__(self, db: Database, app: AppContext, user: User, channel: str) -> None:
        self.db, self.app, self.user, self.channel = db, app, user, channel

    async def _run(self, turn) -> str:
        await router.handle(turn)
        return "\n".join(reply.text for reply in turn.replies if reply.type == "text")

    async def say(self, text: str) -> str:
        async with self.db.transaction() as repos:
            turn = command(self.app, repos, self.user, "", channel=self.channel)
            turn.event = Inbound(
                channel=self.channel,
                external_user_id=str(self.user.id),
                chat_id=str(self.user.id),
                kind=InboundKind.TEXT,
                text=text,
            )
            return await self._run(turn)

    async def command(self, name: str) -> str:
        async with self.db.transaction() as repos:
            return await self._run(command(self.app, repos, self.user, name, channel=self.channel))

    async def tap(self, data: str) -> str:
        async with self.db.transaction() as repos:
            return await self._run(tap(self.app, repos, self.user, data, channel=self.channel))

    async def sessions(self) -> list[FormSession]:
        async with self.db.reading() as repos:
            return await repos.forms.of_user(self.user.id, ("active", "paused", "cancelled"))

    async def active(self) -> FormSession:
        async with self.db.reading() as repos:
            session = await repos.forms.active(self.user.id)
        assert session is not None
        return session


async def _chat(tmp_path, channel: str) -> Chat:
    db = await open_database(tmp_path / "psm.db")
    async with db.transaction() as repos:
        ani = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
        await repos.users.add_identity(
            user_id=ani.id, channel=channel, external_id=str(ani.id), chat_id=str(ani.id), now=NOW
        )
    return Chat(db, app_context(tmp_path), ani, channel)


def _t(chat: Chat, key: str) -> str:
    return chat.app.catalog.text("id", key)


async def test_typed_yes_after_batal_cancels(tmp_path, channel: str) -> None:
    chat = await _chat(tmp_path, channel)
    try:
        await chat.command("lapor")
        await chat.say("Slamet Riyadi")
        assert CONFIRM in await chat.command("batal")
        assert (
            "Baik, laporan <b>Slamet Riyadi</b> dibatalkan dan jawabannya sudah dihapus."
            in await chat.say("Iya")
        )
        (session,) = await chat.sessions()
        assert session.status == "cancelled"
        assert set(session.state["answers"]) == {"head_name"}  # "Iya" is no answer
    finally:
        await chat.db.close()


async def test_typed_no_goes_on_and_anything_else_asks_again(tmp_path, channel: str) -> None:
    chat = await _chat(tmp_path, channel)
    try:
        await chat.command("lapor")
        await chat.say("Slamet Riyadi")
        rev = (await chat.active()).rev
        await chat.command("batal")
        again = await chat.say("😀😀")
        assert _t(chat, "cancel.need_yes_no") in again and CONFIRM in again
        assert set((await chat.active()).state["answers"]) == {"head_name"}
        kept = await chat.say("tidak")  # the question, asked again
        assert _t(chat, "cancel.kept") in kept and "Kartu Keluarga" in kept
        session = await chat.active()
        assert set(session.state["answers"]) == {"head_name"} and "held" not in session.state
        assert session.rev == rev + 1  # asking "cancel?" left the question's buttons valid
        await chat.say("3208011210190005")  # and the form goes on
        assert "no_kk" in (await chat.active()).state["answers"]
    finally:
        await chat.db.close()


async def test_typed_words_at_the_draft_choice_ask_it_again(tmp_path, channel: str) -> None:
    chat = await _chat(tmp_path, channel)
    try:
        await chat.command("lapor")
        await chat.say("Slamet Riyadi")
        draft = await chat.active()
        offer = await chat.command("lapor")
        assert "1 laporan yang belum selesai" in offer
        again = await chat.say("😀😀")
        assert _t(chat, "case.pick_a_draft") in again
        assert (await chat.active()).state["answers"] == draft.state["answers"]
        resumed = await chat.tap(f"dr:{draft.id}")
        assert "Kartu Keluarga" in resumed
        await chat.say("3208011210190005")
        session = await chat.active()
        assert session.id == draft.id and "no_kk" in session.state["answers"]
    finally:
        await chat.db.close()


async def test_a_mistyped_command_asks_the_question_again(tmp_path, channel: str) -> None:
    chat = await _chat(tmp_path, channel)
    try:
        await chat.command("lapor")
        await chat.say("Slamet Riyadi")
        reply = await chat.command("lapr")
        assert _t(chat, "errors.unknown_command") in reply
        assert _t(chat, "form.continue_hint") in reply and "Kartu Keluarga" in reply
    finally:
        await chat.db.close()


async def test_batal_at_the_draft_choice_keeps_the_draft(tmp_path, channel: str) -> None:
    """ "batal" at "continue a draft or start a new one?" asked "cancel this form?" of the
    report left open and deleted it, without naming it: it only closes the choice."""
    chat = await _chat(tmp_path, channel)
    try:
        await chat.command("lapor")
        for answer in ("Slamet Riyadi", "3208011210190005", "Ayu Lestari"):
            await chat.say(answer)
        draft = await chat.active()
        assert "1 laporan yang belum selesai" in await chat.command("lapor")
        closed = await chat.say("batal")
        assert "Yakin" not in closed
        assert "Draf laporan <b>Slamet Riyadi</b> (1 anggota) tetap tersimpan" in closed
        assert "/draf" in closed
        (session,) = await chat.sessions()
        assert session.id == draft.id and session.status == "paused"
        assert session.state["answers"] == draft.state["answers"] and "held" not in session.state
        resumed = await chat.tap(f"dr:{draft.id}")  # from /draf's list, as told
        assert "NIK" in resumed
    finally:
        await chat.db.close()


async def test_cancelling_names_the_report_and_says_what_next(tmp_path, channel: str) -> None:
    chat = await _chat(tmp_path, channel)
    try:
        await chat.command("lapor")
        for answer in ("Slamet Riyadi", "3208011210190005", "Ayu Lestari"):
            await chat.say(answer)
        asked = await chat.say("batal")
        assert "Yakin ingin membatalkan laporan <b>Slamet Riyadi</b> (1 anggota)?" in asked
        done = await chat.say("ya")
        assert "laporan <b>Slamet Riyadi</b> (1 anggota) dibatalkan dan jawabannya sudah" in done
        assert "/menu" in done
    finally:
        await chat.db.close()

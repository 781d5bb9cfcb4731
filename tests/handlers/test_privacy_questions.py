"""Which typed messages are questions about one's own data (review 8): a sentence that only
mentions one's data ("data saya sudah dikirim") is no question; a newcomer's question is
answered and then welcomed, their registration begun as by any first message; /privasi tells
each status only what it can do itself; a case number in a request to delete ("tolong hapus
data KNG-2026-000001") opens the case's page, with whom to ask. On Telegram and WhatsApp."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.context import Turn
from handlers.privacy import asks_about_data
from storage.models import Role, UserStatus
from tests.handlers.review_turns import review_world
from tests.handlers.routed_turns import CHANNELS, active_session, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

TITLE = "Data pribadi Bapak/Ibu"
WELCOME = "Selamat datang di <b>psm-bot</b>"
FIRST_QUESTION = "Siapa nama lengkap Bapak/Ibu (sesuai KTP)?"
NOT_UNDERSTOOD = "belum mengerti"
NO_SELF_SERVICE = "tidak bisa dilakukan sendiri lewat bot"
NUMBER = "KNG-2026-000001"
PAGE = f"<b>{NUMBER}</b> · Diajukan"
CASE_DATA = "Data keluarga dalam laporan tidak bisa dihapus sendiri lewat bot"
CASE_DATA_STAFF = "Permintaan menghapus data keluarga dalam laporan"


def _texts(turn: Turn) -> list[str]:
    """The texts the turn answered, one message each, in order."""
    return [reply.text or "" for reply in turn.replies if reply.type == "text"]


# (typed text, whether it asks about the sender's own data)
PHRASES = [
    ("privasi", True),
    ("UU PDP itu apa?", True),
    ("data saya", True),
    ("Data pribadi?", True),
    ("hapus data", True),
    ("tolong hapus semua data saya ya", True),
    ("hapus akun", True),
    ("tolong akun saya dihapus", True),
    ("saya mau minta data saya dihapus", True),
    ("minta salinan data saya", True),
    ("bisa lihat data saya?", True),
    ("data saya dipakai untuk apa?", True),
    ("apa saja data pribadi saya yang disimpan?", True),
    ("untuk apa data saya", True),
    ("delete my data", True),
    ("what do you do with my data?", True),
    ("Selamat pagi, saya mau daftar jadi PSM, data saya sudah siap", False),
    ("data saya sudah dikirim", False),
    ("Pak, data diri saya sudah benar?", False),
    ("data pribadi keluarga sudah saya isi", False),
    ("tolong hapus data KNG-2026-000101", False),  # a case's data: its page (below)
    ("hapus data laporan yang salah", False),
    ("I already sent my data", False),
]


@pytest.mark.parametrize(("typed", "asks"), PHRASES)
def test_which_sentences_ask_about_ones_data(typed: str, asks: bool) -> None:
    assert asks_about_data(typed) is asks


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_sentence_only_mentioning_ones_data_is_no_question(world, channel) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    read = said(await send(db, app, ani, channel, text="data saya sudah dikirim"))
    assert TITLE not in read and NOT_UNDERSTOOD in read
    rina = await person(db, "Rina", None, channel, status=UserStatus.PENDING)
    read = said(await send(db, app, rina, channel, text="saya sudah daftar, data saya sudah siap"))
    assert TITLE not in read and "sedang menunggu persetujuan" in read  # her status


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_newcomer_writing_about_registering_is_welcomed(world, channel) -> None:
    db, app = world
    newcomer = await person(db, "", None, channel, kabupaten=None, status=UserStatus.REGISTERING)
    typed = "Selamat pagi, saya mau daftar jadi PSM, data saya sudah siap"
    read = said(await send(db, app, newcomer, channel, text=typed))
    assert TITLE not in read
    assert WELCOME in read and FIRST_QUESTION in read
    session = await active_session(db, newcomer)
    assert session is not None and session.form_id == "registration"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_newcomers_question_about_data_is_answered_then_welcomed(world, channel) -> None:
    db, app = world
    newcomer = await person(db, "", None, channel, kabupaten=None, status=UserStatus.REGISTERING)
    turn = await send(
        db, app, newcomer, channel, text="saya mau tanya, data saya dipakai untuk apa?"
    )
    answer, welcome = _texts(turn)
    assert TITLE in answer and NO_SELF_SERVICE in answer
    # Only what someone registering can do: the summary and /batal, not /saya nor /nomor.
    assert "ringkasan sebelum dikirim" in answer and "/batal" in answer
    assert "/saya" not in answer and "/nomor" not in answer
    assert WELCOME in welcome and welcome.endswith(f"<b>{FIRST_QUESTION}</b>")
    session = await active_session(db, newcomer)
    assert session is not None and session.form_id == "registration"
    # Inside the registration the same words are the answer to its question, as in any form.
    again = said(await send(db, app, newcomer, channel, text="data saya dipakai untuk apa?"))
    assert TITLE not in again


@pytest.mark.parametrize("channel", CHANNELS)
async def test_privasi_says_only_what_each_status_can_do(world, channel) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    active = said(await send(db, app, ani, channel, command="privasi"))
    assert "/saya" in active and "/nomor" in active
    for status in (UserStatus.PENDING, UserStatus.SUSPENDED, UserStatus.REJECTED):
        who = await person(db, f"Orang {status}", Role.PSM, channel, status=status)
        read = said(await send(db, app, who, channel, command="privasi"))
        assert TITLE in read and NO_SELF_SERVICE in read, status
        assert "koordinator Dinas Sosial kabupaten Bapak/Ibu" in read, status
        assert "/saya" not in read and "/nomor" not in read and "/batal" not in read, status
    async with db.transaction() as repos:
        await repos.users.update(ani.id, now=NOW, status=UserStatus.SUSPENDED, language="en")
    english = said(await send(db, app, ani, channel, command="privasi"))
    assert "cannot be done yourself in the bot" in english and "/saya" not in english


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_case_number_in_a_request_to_delete_opens_its_page(world, channel) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    for who, typed in (
        (people.psm, f"tolong hapus data {NUMBER}"),
        (people.tksk, f"hapus data saya di {NUMBER}"),  # a data question too: the number wins
    ):
        turn = await send(db, app, who, channel, text=typed)
        read = said(turn)
        assert read.startswith(PAGE) and TITLE not in read, who.full_name
        assert CASE_DATA in _texts(turn)[-1]  # after the page
        assert "hubungi koordinator Dinas Sosial kabupaten Bapak/Ibu" in read
    turn = await send(db, app, people.coordinator, channel, text=f"hapus data {NUMBER}")
    read = said(turn)
    assert read.startswith(PAGE) and CASE_DATA_STAFF in read and "psm-bot" not in read
    assert "minta admin sistem (yang mengelola server) menghapus data itu" in read
    # A case number without a request to delete: the page alone, as before.
    assert CASE_DATA not in said(await send(db, app, people.psm, channel, text=NUMBER))

"""A command word typed amid a form ("jadwal" at the KK question) is a side trip: the
command's answer, then the form's question again, the form kept and nothing stored as its
answer. Before, on both channels, it was taken as the answer and refused with an unrelated
error ("Nomor harus berisi angka saja ... KK"), and the only way out, "batal", deleted the
report (QA WhatsApp finding 3). A word that reads as the answer stays the answer (free text:
a broadcast "jadwal posyandu")."""

from __future__ import annotations

import pytest

from handlers.context import AppContext
from storage.db import Database
from storage.models import FormSession, Role, User
from tests.handlers.routed_turns import CHANNELS, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
KK_QUESTION = "Berapa nomor Kartu Keluarga"
KK_ERROR = "Nomor harus berisi angka"
# What each command word answers to a PSM with no report sent and no training ahead.
ANSWERS = {
    "jadwal": "training.schedule_empty",
    "laporan saya": "case.none_yet",
    "Laporan saya": "case.none_yet",
}
SNIPPETS: dict[str, str] = {
    "pengingat": "Pengingat harian saat ini",
    "saya": "Profil saya",
    # A coordinator's form to set the office's contact: a PSM is refused it (or shown the
    # contact), then the report comes back.
    "kontak": "",
}


async def _active(db: Database, user: User) -> FormSession | None:
    async with db.reading() as repos:
        return await repos.forms.active(user.id)


async def _report_at_the_kk_question(
    db: Database, app: AppContext, channel: str
) -> tuple[User, FormSession]:
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await send(db, app, ani, channel, text="lapor")
    asked = await send(db, app, ani, channel, text="Slamet Riyadi")
    assert KK_QUESTION in said(asked)
    session = await _active(db, ani)
    assert session is not None
    return ani, session


def _come_back(app: AppContext, title: str) -> str:
    return app.catalog.text("id", "form.come_back_hint", title=title)


@pytest.mark.parametrize("typed", [*ANSWERS, *SNIPPETS])
async def test_a_command_word_at_the_kk_question_is_a_side_trip(world, channel, typed):
    db, app = world
    ani, session = await _report_at_the_kk_question(db, app, channel)
    reply = said(await send(db, app, ani, channel, text=typed))
    expected = app.catalog.text("id", ANSWERS[typed]) if typed in ANSWERS else SNIPPETS[typed]
    assert KK_ERROR not in reply
    hint = _come_back(app, "Laporan kasus")
    # The command's answer first, then the report again.
    assert hint in reply and reply.index(expected) < reply.index(hint)
    assert KK_QUESTION in reply[reply.index(hint) :]
    kept = await _active(db, ani)
    assert kept is not None and kept.id == session.id
    assert kept.state["answers"] == session.state["answers"] == {"head_name": "Slamet Riyadi"}
    await send(db, app, ani, channel, text="3208011210190005")  # and the report goes on
    kept = await _active(db, ani)
    assert kept is not None and "no_kk" in kept.state["answers"]


async def test_a_side_trip_at_the_cancel_question_keeps_the_form(world, channel):
    """ "batal" asked "cancel this form?": "jadwal" instead answers no choice (the report is
    not deleted), and the report's question comes back."""
    db, app = world
    ani, session = await _report_at_the_kk_question(db, app, channel)
    await send(db, app, ani, channel, text="batal")
    reply = said(await send(db, app, ani, channel, text="jadwal"))
    assert app.catalog.text("id", "training.schedule_empty") in reply
    assert KK_QUESTION in reply and "Yakin ingin membatalkan" not in reply
    kept = await _active(db, ani)
    assert kept is not None and kept.id == session.id and "held" not in kept.state


async def test_a_command_with_its_own_question_brings_the_form_back_after(world, channel):
    """ "nomor" amid a report asks the new number (the report paused meanwhile); once that
    question ends (here cancelled) the report is active again, its question asked."""
    db, app = world
    ani, session = await _report_at_the_kk_question(db, app, channel)
    asked = said(await send(db, app, ani, channel, text="nomor"))
    assert "Nomor HP baru" in asked and KK_QUESTION not in asked
    phone = await _active(db, ani)
    assert phone is not None and phone.form_id == "phone_change"
    await send(db, app, ani, channel, text="batal")
    reply = said(await send(db, app, ani, channel, text="ya"))
    assert "Isian dibatalkan" in reply and "/menu untuk kembali" not in reply
    assert KK_QUESTION in reply[reply.index("Isian dibatalkan") :]
    kept = await _active(db, ani)
    assert kept is not None and kept.id == session.id
    assert kept.state["answers"] == {"head_name": "Slamet Riyadi"}


@pytest.mark.parametrize("message", ["Jadwal posyandu besok pukul 08.00", "jadwal", "cari donatur"])
async def test_a_word_that_reads_as_the_answer_stays_the_answer(world, channel, message):
    """A broadcast's message is free text: "jadwal posyandu", "jadwal" alone, "cari ..."
    are the message. At the next question, a choice of audiences, "jadwal" is no option: a
    side trip, the audience asked again."""
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    assert "Tulis pesan siaran" in said(await send(db, app, sari, channel, text="siaran"))
    reply = said(await send(db, app, sari, channel, text=message))
    assert "Untuk siapa?" in reply and _come_back(app, "Siaran") not in reply
    session = await _active(db, sari)
    assert session is not None and session.state["answers"] == {"message": message}
    reply = said(await send(db, app, sari, channel, text="jadwal"))
    assert "Untuk siapa?" in reply[reply.index(_come_back(app, "Siaran")) :]
    kept = await _active(db, sari)
    assert kept is not None and kept.id == session.id
    assert kept.state["answers"] == {"message": message}

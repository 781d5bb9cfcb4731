"""A command word typed amid a form ("jadwal" at the KK question) is a side trip: the
command's answer, then the form's question again, the form kept and nothing stored as its
answer. Before, on both channels, it was taken as the answer and refused with an unrelated
error ("Nomor harus berisi angka saja ... KK"), and the only way out, "batal", deleted the
report (QA WhatsApp finding 3). A word that reads as the answer stays the answer (free text:
a broadcast "jadwal posyandu")."""

from __future__ import annotations

import pytest

from handlers.context import AppContext, Turn
from storage.db import Database
from storage.models import FormSession, Role, User
from tests.handlers.chat_turns import run_background
from tests.handlers.routed_turns import CHANNELS, active_session, button, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
KK_QUESTION = "Berapa nomor Kartu Keluarga"
CANCELLED = "dibatalkan dan jawabannya sudah dihapus"
# A side trip's question with nothing typed at it yet: dropped at once by "batal", unasked.
DROPPED = "</b> dibatalkan."
KK_ERROR = "Nomor harus berisi angka"
# What each command word answers to a PSM with no report sent and no training ahead.
ANSWERS = {"jadwal": "training.schedule_empty"}
SNIPPETS: dict[str, str] = {
    # No report sent, the one being filled is a draft: pointed to.
    "laporan saya": "1 laporan yang belum selesai (draf)",
    "Laporan saya": "1 laporan yang belum selesai (draf)",
    "pengingat": "Pengingat harian saat ini",
    "saya": "Profil saya",
    # A coordinator's form to set the office's contact: a PSM is refused it (or shown the
    # contact), then the report comes back.
    "kontak": "",
}


async def _report_at_the_kk_question(
    db: Database, app: AppContext, channel: str
) -> tuple[User, FormSession]:
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await send(db, app, ani, channel, text="lapor")
    asked = await send(db, app, ani, channel, text="Slamet Riyadi")
    assert KK_QUESTION in said(asked)
    session = await active_session(db, ani)
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
    kept = await active_session(db, ani)
    assert kept is not None and kept.id == session.id
    assert kept.state["answers"] == session.state["answers"] == {"head_name": "Slamet Riyadi"}
    await send(db, app, ani, channel, text="3208011210190005")  # and the report goes on
    kept = await active_session(db, ani)
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
    kept = await active_session(db, ani)
    assert kept is not None and kept.id == session.id and "held" not in kept.state


async def test_a_command_with_its_own_question_brings_the_form_back_after(world, channel):
    """ "nomor" amid a report asks the new number (the report paused meanwhile); once that
    question ends (here cancelled) the report is active again, its question asked."""
    db, app = world
    ani, session = await _report_at_the_kk_question(db, app, channel)
    asked = said(await send(db, app, ani, channel, text="nomor"))
    assert "Nomor HP baru" in asked and KK_QUESTION not in asked
    phone = await active_session(db, ani)
    assert phone is not None and phone.form_id == "phone_change"
    reply = said(await send(db, app, ani, channel, text="batal"))
    assert DROPPED in reply and "/menu untuk kembali" not in reply
    assert KK_QUESTION in reply[reply.index(DROPPED) :]
    kept = await active_session(db, ani)
    assert kept is not None and kept.id == session.id
    assert kept.state["answers"] == {"head_name": "Slamet Riyadi"}


@pytest.mark.parametrize("message", ["Jadwal posyandu besok pukul 08.00", "jadwal", "cari donatur"])
async def test_a_word_that_reads_as_the_answer_stays_the_answer(world, channel, message):
    """A broadcast's message is free text: "jadwal posyandu", "cari ..." are the message;
    "jadwal" alone is asked about first (handlers/command_or_answer.py), then is the message.
    At the next question, a choice of audiences, "jadwal" is no option: a side trip, the
    audience asked again."""
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    assert "Tulis pesan siaran" in said(await send(db, app, sari, channel, text="siaran"))
    reply = said(await send(db, app, sari, channel, text=message))
    if message == "jadwal":
        assert "Untuk siapa?" not in reply and "atau itu jawabannya?" in reply
        reply = said(await send(db, app, sari, channel, text="Itu jawabannya"))
    assert "Untuk siapa?" in reply and _come_back(app, "Siaran") not in reply
    session = await active_session(db, sari)
    assert session is not None and session.state["answers"] == {"message": message}
    reply = said(await send(db, app, sari, channel, text="jadwal"))
    assert "Untuk siapa?" in reply[reply.index(_come_back(app, "Siaran")) :]
    kept = await active_session(db, sari)
    assert kept is not None and kept.id == session.id
    assert kept.state["answers"] == {"message": message}


async def broadcast_at_its_final_go(
    db: Database, app: AppContext, tono: User, channel: str
) -> Turn:
    """ "siaran" typed amid the report, written to its final "send to 1 person?"."""
    asked = said(await send(db, app, tono, channel, text="siaran"))
    assert "Tulis pesan siaran" in asked and KK_QUESTION not in asked
    summary = await send(db, app, tono, channel, text="Rapat PSM hari Senin di kecamatan.")
    preview = await send(db, app, tono, channel, data=button(summary, "Kirim"))
    assert "Kirim sekarang?" in said(preview)
    return preview


async def training_at_its_final_go(db: Database, app: AppContext, tono: User, channel: str) -> Turn:
    """ "bimtek baru" typed amid the report, answered to its final "invite 1 person?"."""
    asked = said(await send(db, app, tono, channel, text="bimtek baru"))
    assert "Apa judul bimteknya?" in asked and KK_QUESTION not in asked
    answers = ["Bimtek Dasar PSM", "Aula Dinsos", "Jl. Siliwangi 88", "Lewati"]
    answers += ["lusa", "08.00", "12.00", "tidak", "besok", "30", "15", "kirim"]
    for text in answers:
        preview = await send(db, app, tono, channel, text=text)
    assert "Kirim sekarang?" in said(preview), said(preview)
    return preview


# The side trip's walk to its final go, its send button, what sending and going back say.
SIDE_FORMS = {
    "siaran": (
        broadcast_at_its_final_go,
        "📣 Kirim",
        "broadcast.queued",
        "broadcast.kept_for_edit",
    ),
    "bimtek baru": (
        training_at_its_final_go,
        "📨 Kirim undangan",
        "training.created",
        "training.kept_for_edit",
    ),
}


@pytest.mark.parametrize("word", list(SIDE_FORMS))
async def test_a_side_trip_sent_at_its_final_go_brings_the_form_back(world, channel, word):
    """ "siaran" and "bimtek baru" amid a report ask their own questions (the report paused),
    then a last send button of their own. Sent, the report comes back at once, its answers
    kept; before, it waited paused under /draf."""
    db, app = world
    tono, report = await _tksk_amid_a_report(db, app, channel)
    walk, go, sent_key, _ = SIDE_FORMS[word]
    preview = await walk(db, app, tono, channel)
    held = await active_session(db, tono)
    assert held is not None and held.id != report.id
    reply = said(await send(db, app, tono, channel, data=button(preview, go)))
    ending = app.catalog.text("id", sent_key, count=1)
    assert ending in reply, reply
    hint = _come_back(app, "Laporan kasus")
    assert hint in reply and reply.index(ending) < reply.index(hint)
    assert KK_QUESTION in reply[reply.index(hint) :]
    kept = await active_session(db, tono)
    assert kept is not None and kept.id == report.id
    assert kept.state["answers"] == {"head_name": "Slamet Riyadi"}


@pytest.mark.parametrize("word", list(SIDE_FORMS))
async def test_a_side_trip_gone_back_to_its_summary_keeps_the_form_waiting(world, channel, word):
    """ "✏️ Ubah dulu" beside Kirim (once "Batal", which dropped the whole broadcast or
    training with one tap) goes back to the side trip's summary, its answers kept: it is still
    open, so the report waits; it comes back once the side trip is cancelled (or sent)."""
    db, app = world
    tono, report = await _tksk_amid_a_report(db, app, channel)
    walk, _, _, back_key = SIDE_FORMS[word]
    preview = await walk(db, app, tono, channel)
    held = await active_session(db, tono)
    assert held is not None
    reply = said(await send(db, app, tono, channel, data=button(preview, "Ubah dulu")))
    assert app.catalog.text("id", back_key) in reply and "/batal" in reply
    assert "Periksa kembali jawaban" in reply and KK_QUESTION not in reply
    summary = await active_session(db, tono)
    assert summary is not None and summary.id == held.id
    assert summary.state["phase"] == "summary"
    assert summary.state["answers"] == held.state["answers"]
    await send(db, app, tono, channel, text="batal")
    reply = said(await send(db, app, tono, channel, text="ya"))
    assert CANCELLED in reply and KK_QUESTION in reply[reply.index(CANCELLED) :]
    kept = await active_session(db, tono)
    assert kept is not None and kept.id == report.id


async def _tksk_amid_a_report(
    db: Database, app: AppContext, channel: str
) -> tuple[User, FormSession]:
    """A TKSK (with a PSM of his kecamatan to reach) at the report's KK question."""
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await send(db, app, tono, channel, text="lapor")
    assert KK_QUESTION in said(await send(db, app, tono, channel, text="Slamet Riyadi"))
    report = await active_session(db, tono)
    assert report is not None
    return tono, report


@pytest.mark.parametrize("word", list(SIDE_FORMS))
async def test_a_side_trip_cancelled_at_its_first_question_brings_the_form_back(
    world, channel, word
):
    """ "batal" at the side trip's own first question, nothing typed there yet: it is dropped
    at once and the report comes back, as after its cancel button."""
    db, app = world
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    await send(db, app, tono, channel, text="lapor")
    await send(db, app, tono, channel, text="Slamet Riyadi")
    report = await active_session(db, tono)
    assert KK_QUESTION not in said(await send(db, app, tono, channel, text=word))
    reply = said(await send(db, app, tono, channel, text="batal"))
    assert DROPPED in reply and CANCELLED not in reply
    assert KK_QUESTION in reply[reply.index(DROPPED) :]
    kept = await active_session(db, tono)
    assert report is not None and kept is not None and kept.id == report.id


async def test_a_result_prepared_in_the_background_comes_before_the_question(world, channel):
    """QA walk 8: "statistik" amid a form ("⏳ Sedang disiapkan…") answered "continue below"
    and the question, then the statistics and chart below them. The question now follows
    the result, as it follows any command's answer."""
    db, app = world
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    await send(db, app, tono, channel, text="lapor")
    assert KK_QUESTION in said(await send(db, app, tono, channel, text="Slamet Riyadi"))
    turn = await send(db, app, tono, channel, text="statistik")
    hint = _come_back(app, "Laporan kasus")
    assert app.catalog.text("id", "background.preparing") in said(turn)
    assert hint not in said(turn) and KK_QUESTION not in said(turn), said(turn)
    texts = [reply.text or "" for reply in await run_background(db, turn)]
    result = next(i for i, text in enumerate(texts) if "Statistik kasus" in text)
    back = next(i for i, text in enumerate(texts) if hint in text)
    assert result < back and KK_QUESTION in texts[back], texts
    kept = await active_session(db, tono)
    assert kept is not None and kept.state["answers"] == {"head_name": "Slamet Riyadi"}


async def test_a_question_answered_while_the_result_is_prepared_is_not_asked_again(world, channel):
    """Review 11a: the question held for "statistik" was built in its turn and sent with the
    result, seconds later. Meanwhile the KK question still on screen was answered and the
    report moved on: the old question below the statistics took the next typed answer for
    the KK. The question is drawn when the result goes out, and only if nothing moved."""
    db, app = world
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    await send(db, app, tono, channel, text="lapor")
    await send(db, app, tono, channel, text="Slamet Riyadi")
    statistics = await send(db, app, tono, channel, text="statistik")
    answered = said(await send(db, app, tono, channel, text="3208011210190005"))
    assert KK_QUESTION not in answered and answered, answered
    texts = [reply.text or "" for reply in await run_background(db, statistics)]
    assert any("Statistik kasus" in text for text in texts), texts
    assert not any(KK_QUESTION in text for text in texts), texts
    assert not any(_come_back(app, "Laporan kasus") in text for text in texts), texts
    kept = await active_session(db, tono)
    assert kept is not None and kept.state["answers"]["no_kk"] == "3208011210190005"


async def test_a_question_that_cannot_be_drawn_costs_not_the_result(world, channel):
    """Drawing the question below a result runs in the transaction that queues the result
    (and, after a restart, in the bot's start): if it fails, the result still goes out and
    the form is left as it was, the failure logged."""
    db, app = world
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    await send(db, app, tono, channel, text="lapor")
    await send(db, app, tono, channel, text="Slamet Riyadi")
    statistics = await send(db, app, tono, channel, text="statistik")
    before = await active_session(db, tono)
    assert before is not None
    async with db.transaction() as repos:  # answers that are no answers: cannot be drawn
        await repos.conn.execute(
            """UPDATE form_sessions SET state = json_set(state, '$.answers', 5) WHERE id = ?""",
            (before.id,),
        )
    texts = [reply.text or "" for reply in await run_background(db, statistics)]
    assert any("Statistik kasus" in text for text in texts), texts
    assert not any(KK_QUESTION in text for text in texts), texts
    after = await active_session(db, tono)
    assert after is not None and after.rev == before.rev and after.state["answers"] == 5


async def test_the_draft_list_amid_a_form_says_it_is_still_open(world, channel):
    """QA walk 8: "draf" typed amid a report showed the drafts without a word of the report
    still open, as "bantuan" gives: the note and the question now follow the list."""
    db, app = world
    ani, session = await _report_at_the_kk_question(db, app, channel)
    turn = await send(db, app, ani, channel, text="draf")
    reply = said(turn)
    hint = _come_back(app, "Laporan kasus")
    assert "Laporan yang belum selesai" in reply and hint in reply, reply
    assert reply.index("Laporan yang belum selesai") < reply.index(hint)
    assert KK_QUESTION in reply[reply.index(hint) :]
    assert button(turn, "Slamet Riyadi")  # the list still opens the draft
    kept = await active_session(db, ani)
    assert kept is not None and kept.id == session.id

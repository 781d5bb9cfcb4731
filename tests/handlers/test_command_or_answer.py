"""A command word typed alone at a free-text question is asked about, not stored silently:
QA saw "✓ Kepala keluarga: cari" (Telegram) and "✓ Alasan tanpa KK: antrian" (WhatsApp).
"Jalankan cari" runs the command as a side trip, "Itu jawabannya" stores the text typed;
typed ya/tidak or the buttons' words answer too, anything else asks again. Words with more
("cari donatur", "jadwal posyandu") and an option named so stay the answer. Only words the
person may use are asked about (a TKSK's "cari"; a PSM's is the answer:
test_keywords_of_other_roles.py)."""

from __future__ import annotations

import pytest

from handlers.context import AppContext
from storage.db import Database
from storage.models import FormSession, Role, User
from tests.handlers.routed_turns import CHANNELS, button, labels, open_session, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
HEAD_QUESTION = "kepala keluarga"
KK_QUESTION = "Berapa nomor Kartu Keluarga"


async def _report(
    db: Database, app: AppContext, channel: str, role: Role = Role.PSM
) -> tuple[User, FormSession]:
    """A PSM (or `role`) at the report's first question, the head of household's name (free
    text)."""
    ani = await person(db, "Bu Ani", role, channel, kecamatan=KADUGEDE, desa=BABATAN)
    assert HEAD_QUESTION in said(await send(db, app, ani, channel, text="lapor"))
    return ani, await open_session(db, ani)


def _asked(app: AppContext, word: str) -> str:
    return app.catalog.text("id", "command_or_answer.ask", word=word)


async def test_a_command_word_alone_is_asked_about_and_kept_as_the_answer(world, channel):
    db, app = world
    ani, session = await _report(db, app, channel, Role.TKSK)  # a TKSK may search
    asked = await send(db, app, ani, channel, text="Cari")
    assert _asked(app, "cari") in said(asked)
    assert labels(asked) == ["Jalankan cari", "Itu jawabannya"]
    held = await open_session(db, ani)
    assert held.id == session.id and held.state["answers"] == {}  # nothing stored yet
    reply = said(await send(db, app, ani, channel, data=button(asked, "Itu jawabannya")))
    assert KK_QUESTION in reply
    kept = await open_session(db, ani)
    assert kept.state["answers"] == {"head_name": "Cari"} and "held" not in kept.state
    # The question has moved on: the old buttons say so and change nothing.
    old = said(await send(db, app, ani, channel, data=button(asked, "Jalankan")))
    assert app.catalog.text("id", "errors.old_button") in old
    assert (await open_session(db, ani)).state["answers"] == {"head_name": "Cari"}


async def test_the_command_chosen_runs_as_a_side_trip(world, channel):
    db, app = world
    ani, session = await _report(db, app, channel)
    asked = await send(db, app, ani, channel, text="jadwal")
    reply = said(await send(db, app, ani, channel, data=button(asked, "Jalankan jadwal")))
    schedule = app.catalog.text("id", "training.schedule_empty")
    hint = app.catalog.text("id", "form.come_back_hint", title="Laporan kasus")
    assert schedule in reply and reply.index(schedule) < reply.index(hint)
    assert HEAD_QUESTION in reply[reply.index(hint) :]
    kept = await open_session(db, ani)
    assert kept.id == session.id and kept.state["answers"] == {} and "held" not in kept.state


@pytest.mark.parametrize(
    ("typed", "runs"),
    [
        ("ya", True),
        ("Jalankan jadwal", True),
        ("jadwal", True),  # the word again: the command
        ("tidak", False),
        ("itu jawabannya", False),
    ],
)
async def test_a_typed_answer_to_command_or_answer(world, channel, typed, runs):
    db, app = world
    ani, _ = await _report(db, app, channel)
    await send(db, app, ani, channel, text="Jadwal")
    reply = said(await send(db, app, ani, channel, text=typed))
    kept = await open_session(db, ani)
    assert "held" not in kept.state
    if runs:
        assert app.catalog.text("id", "training.schedule_empty") in reply
        assert kept.state["answers"] == {}
    else:
        assert KK_QUESTION in reply
        assert kept.state["answers"] == {"head_name": "Jadwal"}


async def test_anything_else_asks_again(world, channel):
    db, app = world
    ani, _ = await _report(db, app, channel, Role.TKSK)  # a TKSK has a queue
    await send(db, app, ani, channel, text="antrian")
    again = await send(db, app, ani, channel, text="Slamet Riyadi")
    text = said(again)
    assert app.catalog.text("id", "command_or_answer.need_choice") in text
    assert _asked(app, "antrian") in text and "Itu jawabannya" in labels(again)
    held = await open_session(db, ani)
    assert held.state["answers"] == {} and held.state["held"] == "kw:antrian"


async def test_a_long_command_word_gets_a_short_button(world, channel):
    """ "Jalankan laporan saya" would not fit a WhatsApp button (20 units)."""
    db, app = world
    ani, _ = await _report(db, app, channel)
    asked = await send(db, app, ani, channel, text="Laporan saya")
    assert _asked(app, "laporan saya") in said(asked)
    assert labels(asked) == ["Jalankan perintah", "Itu jawabannya"]
    reply = said(await send(db, app, ani, channel, data=button(asked, "Jalankan perintah")))
    assert app.catalog.text("id", "case.none_yet") in reply


@pytest.mark.parametrize("typed", ["cari donatur", "Jadwal posyandu besok"])
async def test_words_with_more_stay_the_answer(world, channel, typed):
    db, app = world
    ani, _ = await _report(db, app, channel)
    reply = said(await send(db, app, ani, channel, text=typed))
    assert KK_QUESTION in reply and "Itu jawabannya" not in reply
    assert (await open_session(db, ani)).state["answers"] == {"head_name": typed}


async def test_a_command_typed_as_the_help_prints_it_runs_at_once(world, channel):
    """QA walk 4: "laporan_saya" (as WhatsApp's help shows it) ran at once at the KK question
    but was asked about at the member's name; written with "_" it is no name anywhere."""
    db, app = world
    ani, session = await _report(db, app, channel)
    reply = said(await send(db, app, ani, channel, text="laporan_saya"))
    assert "Itu jawabannya" not in reply, reply
    assert app.catalog.text("id", "case.none_yet") in reply and HEAD_QUESTION in reply
    kept = await open_session(db, ani)
    assert kept.id == session.id and kept.state["answers"] == {} and "held" not in kept.state

"""A command word the person may not use (their role or status) is no command for them inside
a form: the text is the answer to the question on screen, checked as any answer, on both
channels. QA saw a PSM's "statistik" at a name asked "Maksud Bapak/Ibu perintah statistik?"
with a "Jalankan statistik" that then said "tidak berwenang", "siaran" at the NIK refused
instead of asked again, and "cari" at the desa refused outright. A word they may use keeps
its rules (asked at free text, a side trip where it is no answer)."""

from __future__ import annotations

import copy

import pytest

from handlers.context import AppContext
from handlers.forms.state import prefilled_state
from storage.db import Database
from storage.models import Role, User, UserStatus
from tests.handlers.chat_turns import run_background
from tests.handlers.forms.report_answers import BEFORE_SIZE
from tests.handlers.routed_turns import CHANNELS, labels, open_session, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
HEAD_QUESTION = "kepala keluarga"
KK_QUESTION = "Berapa nomor Kartu Keluarga"
DESA_QUESTION = "Di desa/kelurahan mana"


async def _reporter(db: Database, app: AppContext, channel: str, role: Role) -> User:
    """Someone of `role` at a new report's first question, the head of household (free text)."""
    who = await person(db, "Bu Ani", role, channel, kecamatan=KADUGEDE, desa=BABATAN)
    assert HEAD_QUESTION in said(await send(db, app, who, channel, text="lapor"))
    return who


def _refused(app: AppContext) -> str:
    return app.catalog.text("id", "errors.not_allowed")


def _asked(app: AppContext, word: str) -> str:
    return app.catalog.text("id", "command_or_answer.ask", word=word)


@pytest.mark.parametrize("typed", ["statistik", "cari", "Antrian", "siaran", "Pengguna"])
async def test_another_roles_word_at_a_name_is_the_name(world, channel, typed):
    db, app = world
    ani = await _reporter(db, app, channel, Role.PSM)
    turn = await send(db, app, ani, channel, text=typed)
    reply = said(turn)
    assert KK_QUESTION in reply and _refused(app) not in reply, reply
    assert not any(label.startswith("Jalankan") for label in labels(turn))
    kept = await open_session(db, ani)
    assert kept.state["answers"] == {"head_name": typed} and "held" not in kept.state


async def test_another_roles_command_as_the_help_prints_it_is_checked_as_a_name(world, channel):
    """ "bimtek_baru" (a TKSK's help prints it so) is no name: asked again, not refused."""
    db, app = world
    ani = await _reporter(db, app, channel, Role.PSM)
    reply = said(await send(db, app, ani, channel, text="bimtek_baru"))
    assert "⚠️ Nama berisi huruf" in reply and HEAD_QUESTION in reply, reply
    assert _refused(app) not in reply
    assert (await open_session(db, ani)).state["answers"] == {}


async def test_another_roles_word_at_the_kk_is_checked_as_a_kk(world, channel):
    db, app = world
    ani = await _reporter(db, app, channel, Role.PSM)
    await send(db, app, ani, channel, text="Karta")
    reply = said(await send(db, app, ani, channel, text="siaran"))
    assert "⚠️" in reply and KK_QUESTION in reply and _refused(app) not in reply, reply
    assert app.catalog.text("id", "form.come_back_hint", title="Laporan kasus") not in reply
    assert (await open_session(db, ani)).state["answers"] == {"head_name": "Karta"}


async def test_another_roles_word_at_the_desa_is_no_desa(world, channel):
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=None)
    form = app.forms["case_report"]
    asked = ("kecamatan", "desa", "gps", "categories")
    answers = {k: copy.deepcopy(v) for k, v in BEFORE_SIZE.items() if k not in asked}
    state = {**prefilled_state(form, answers), "phase": "ask"}
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=ani.id, form_id=form.id, form_version=form.version, state=state, now=NOW
        )
    assert DESA_QUESTION in said(await send(db, app, ani, channel, command="start"))
    reply = said(await send(db, app, ani, channel, text="cari"))
    assert app.catalog.text("id", "answer.no_such_choice") in reply, reply
    assert DESA_QUESTION in reply and _refused(app) not in reply
    assert "desa" not in (await open_session(db, ani)).state["answers"]


async def test_another_roles_word_answers_the_choice_held_beside_the_form(world, channel):
    """ "statistik" while "cancel?" waits: that question again, the form and the choice kept."""
    db, app = world
    ani = await _reporter(db, app, channel, Role.PSM)
    await send(db, app, ani, channel, text="Slamet Riyadi")  # a draft: "cancel?" is asked
    await send(db, app, ani, channel, text="batal")
    reply = said(await send(db, app, ani, channel, text="statistik"))
    assert _refused(app) not in reply, reply
    assert app.catalog.text("id", "cancel.yes") in reply or "Yakin ingin membatalkan" in reply
    held = await open_session(db, ani)
    assert held.state["answers"] == {"head_name": "Slamet Riyadi"}
    assert held.state.get("held") is not None


async def test_a_registering_persons_word_of_the_active_is_their_name(world, channel):
    """Status counts as role does: someone registering may not use "statistik" yet."""
    db, app = world
    dedi = await person(db, "", None, channel, status=UserStatus.REGISTERING)
    assert "Siapa nama lengkap" in said(await send(db, app, dedi, channel, command="start"))
    turn = await send(db, app, dedi, channel, text="Statistik")
    assert _asked(app, "statistik") not in said(turn) and _refused(app) not in said(turn)
    assert (await open_session(db, dedi)).state["answers"]["full_name"] == "Statistik"


async def test_a_word_of_ones_own_role_keeps_its_rules(world, channel):
    """A TKSK may search and see statistics: "cari" at a name is asked about, "statistik" at
    the KK number is a side trip."""
    db, app = world
    tono = await _reporter(db, app, channel, Role.TKSK)
    asked = await send(db, app, tono, channel, text="cari")
    assert _asked(app, "cari") in said(asked) and "Jalankan cari" in labels(asked)
    await send(db, app, tono, channel, text="Itu jawabannya")
    # The question again below the statistics, once they are ready (QA walk 8).
    turn = await send(db, app, tono, channel, text="statistik")
    reply = "\n".join(reply.text or "" for reply in await run_background(db, turn))
    hint = app.catalog.text("id", "form.come_back_hint", title="Laporan kasus")
    assert hint in reply and KK_QUESTION in reply[reply.index(hint) :], reply
    assert reply.index("Statistik kasus") < reply.index(hint)
    assert (await open_session(db, tono)).state["answers"] == {"head_name": "cari"}

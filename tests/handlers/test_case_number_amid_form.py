"""A case number pasted amid a report (QA walk 6, from a WhatsApp group or the clipboard) is
no attempt at a NIK or KK: at the KK or NIK question, or while a choice waits beside the form
("cancel?", "which draft?", "command or answer?"), it was counted as one, so WhatsApp asked
"Mohon hapus sendiri pesan ... yang berisi NIK/nomor KK itu" and Telegram deleted it. At the
KK and NIK questions it is told to be a case number, with the question again; alone at a
free-text question (the address) it is no answer either ("✓ Alamat: KNG-2026-000103")."""

from __future__ import annotations

import copy

import pytest

from handlers.context import AppContext, Turn
from handlers.forms.state import prefilled_state
from storage.db import Database
from storage.models import Role, User
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.routed_turns import CHANNELS, button, open_session, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
NUMBER = "KNG-2026-000103"
REQUEST = "Mohon hapus sendiri pesan Bapak/Ibu yang berisi NIK/nomor KK"
KK_QUESTION = "Berapa nomor Kartu Keluarga"
NOT_YET = ("description", "photos", "urgency")  # a report at its description


def _left_alone(turn: Turn) -> None:
    """Neither deleted (Telegram) nor asked to be deleted (WhatsApp)."""
    assert [reply for reply in turn.replies if reply.type == "delete"] == []
    assert REQUEST not in said(turn), said(turn)


async def _at_the_kk_question(db: Database, app: AppContext, channel: str) -> User:
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await send(db, app, ani, channel, text="lapor")
    assert KK_QUESTION in said(await send(db, app, ani, channel, text="Slamet Riyadi"))
    return ani


async def test_a_case_number_at_the_kk_and_nik_questions_is_told_apart(world, channel) -> None:
    db, app = world
    ani = await _at_the_kk_question(db, app, channel)
    at_kk = await send(db, app, ani, channel, text=NUMBER)
    _left_alone(at_kk)
    text = said(at_kk)
    assert f"<b>{NUMBER}</b> adalah nomor laporan, bukan nomor KK" in text, text
    assert KK_QUESTION in text
    assert "no_kk" not in (await open_session(db, ani)).state["answers"]

    await send(db, app, ani, channel, text="3208011210190005")
    assert "NIK" in said(await send(db, app, ani, channel, text="Ayu Lestari"))
    at_nik = await send(db, app, ani, channel, text="*kng-2026-103*")  # bold, short form
    _left_alone(at_nik)
    text = said(at_nik)
    assert f"<b>{NUMBER}</b> adalah nomor laporan, bukan NIK" in text, text
    assert "Berapa NIK-nya" in text
    # A NIK mistyped there still leaves the chat (or is asked to), as before.
    mistyped = await send(db, app, ani, channel, text="320801450623000")
    deleted = [reply for reply in mistyped.replies if reply.type == "delete"]
    assert (len(deleted), REQUEST in said(mistyped)) == (
        (1, False) if channel == "telegram" else (0, True)
    )


async def test_a_case_number_while_a_choice_waits_is_no_nik(world, channel) -> None:
    db, app = world
    ani = await _at_the_kk_question(db, app, channel)
    # "cancel?"
    await send(db, app, ani, channel, text="batal")
    again = await send(db, app, ani, channel, text=NUMBER)
    _left_alone(again)
    assert app.catalog.text("id", "cancel.need_yes_no") in said(again)
    assert KK_QUESTION in said(await send(db, app, ani, channel, text="tidak"))
    # "which draft?"
    assert "1 laporan yang belum selesai" in said(await send(db, app, ani, channel, text="lapor"))
    again = await send(db, app, ani, channel, text=NUMBER)
    _left_alone(again)
    assert app.catalog.text("id", "case.pick_a_draft") in said(again)
    session = await open_session(db, ani)
    await send(db, app, ani, channel, data=f"dr:{session.id}")
    # "command or answer?", asked of a command word at a free-text question.
    await send(db, app, ani, channel, text="3208011210190005")
    asked = await send(db, app, ani, channel, text="jadwal")
    assert button(asked, "Itu jawabannya")
    again = await send(db, app, ani, channel, text=NUMBER)
    _left_alone(again)
    assert button(again, "Itu jawabannya")  # asked again, nothing stored
    assert "members" not in (await open_session(db, ani)).state["answers"]


async def test_a_case_number_alone_is_no_address(world, channel) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    form = app.forms["case_report"]
    asked = ("address", "kecamatan", "desa", "gps", "categories")
    answers = {k: copy.deepcopy(v) for k, v in BEFORE_SIZE.items() if k not in asked}
    state = {**prefilled_state(form, answers), "phase": "ask", "closed": ["members"]}
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=ani.id, form_id=form.id, form_version=form.version, state=state, now=NOW
        )
    assert "Alamat rumahnya" in said(await send(db, app, ani, channel, command="start"))
    refused = await send(db, app, ani, channel, text=NUMBER)
    text = said(refused)
    assert f"<b>{NUMBER}</b> adalah nomor laporan, bukan jawaban pertanyaan ini" in text, text
    assert "Alamat rumahnya" in text and "✓ Alamat" not in text
    _left_alone(refused)
    assert "address" not in (await open_session(db, ani)).state["answers"]
    # Within words too (QA walk 8: "✓ Alamat: tolong cek laporan KNG-2026-000101 ya"): a short
    # answer has no room to cite a report; told how to open it instead.
    refused = said(await send(db, app, ani, channel, text=f"tolong cek laporan {NUMBER} ya"))
    assert f"<b>{NUMBER}</b> adalah nomor laporan, bukan jawaban" in refused, refused
    assert "Untuk membuka laporan itu, selesaikan isian ini dulu" in refused
    assert "Alamat rumahnya" in refused and "✓ Alamat" not in refused
    assert "address" not in (await open_session(db, ani)).state["answers"]
    kept = said(await send(db, app, ani, channel, text="Dusun Manis RT 02 RW 05"))
    assert "✓ Alamat: Dusun Manis RT 02 RW 05" in kept, kept


async def test_a_long_answer_may_cite_a_case_number(world, channel) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    form = app.forms["case_report"]
    answered = {**BEFORE_SIZE, **REST}
    answers = {k: copy.deepcopy(v) for k, v in answered.items() if k not in NOT_YET}
    assert form.question("description").max_length > 200
    state = {**prefilled_state(form, answers), "phase": "ask", "closed": ["members"]}
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=ani.id, form_id=form.id, form_version=form.version, state=state, now=NOW
        )
    assert "Ceritakan singkat" in said(await send(db, app, ani, channel, command="start"))
    cited = f"Adiknya sudah dilaporkan di {NUMBER}, sekarang kakaknya juga kurus"
    await send(db, app, ani, channel, text=cited)
    assert (await open_session(db, ani)).state["answers"].get("description") == cited


async def test_a_case_number_within_a_name_is_refused(world, channel) -> None:
    """A name (`person_name`) has no place to cite a report, as an address has none."""
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    assert "Siapa nama kepala keluarga" in said(await send(db, app, ani, channel, text="lapor"))
    refused = said(await send(db, app, ani, channel, text=f"Slamet {NUMBER}"))
    assert f"<b>{NUMBER}</b> adalah nomor laporan, bukan jawaban" in refused, refused
    assert "Untuk membuka laporan itu" in refused and "Siapa nama kepala keluarga" in refused
    assert "head_name" not in (await open_session(db, ani)).state["answers"]


async def test_a_reason_may_cite_a_case_number(world, channel) -> None:
    """ "Mengapa nomor KK tidak bisa diisi?": "KK sudah ada di laporan KNG-..." is a reason, not
    a report's number meant for something else (code review 11a: any answer of up to 200
    characters refused it); alone it is still no reason."""
    db, app = world
    ani = await _at_the_kk_question(db, app, channel)
    asked = said(await send(db, app, ani, channel, text="tidak punya"))
    assert "Mengapa nomor KK tidak bisa diisi?" in asked, asked
    refused = said(await send(db, app, ani, channel, text=NUMBER))
    assert f"<b>{NUMBER}</b> adalah nomor laporan, bukan jawaban" in refused, refused
    cited = f"KK sudah ada di laporan {NUMBER}"
    taken = said(await send(db, app, ani, channel, text=cited))
    assert f"✓ Alasan tanpa KK: {cited}" in taken, taken
    assert (await open_session(db, ani)).state["answers"]["no_kk_reason"] == cited


async def test_a_case_number_alone_at_a_list_is_named(world, channel) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    form = app.forms["case_report"]
    asked = ("desa", "gps", "categories")
    answers = {k: copy.deepcopy(v) for k, v in BEFORE_SIZE.items() if k not in asked}
    state = {**prefilled_state(form, answers), "phase": "ask", "closed": ["members"]}
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=ani.id, form_id=form.id, form_version=form.version, state=state, now=NOW
        )
    assert "Di desa/kelurahan mana" in said(await send(db, app, ani, channel, command="start"))
    refused = said(await send(db, app, ani, channel, text=f"*{NUMBER}*"))
    assert f"<b>{NUMBER}</b> adalah nomor laporan, bukan jawaban" in refused, refused
    assert "tidak ada di daftar" not in refused and "Di desa/kelurahan mana" in refused
    assert "desa" not in (await open_session(db, ani)).state["answers"]

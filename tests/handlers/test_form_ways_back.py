"""QA walk 15, ways back in a form, on both channels.

A question opened from the summary offers "‹ Ke ringkasan" (a button; typed "kembali",
"ringkasan", "batal ubah" too), which returns to the summary with the answer unchanged,
whatever the question's type. Before, "kembali" at a NIK opened from the summary was
"⚠️ Nomor harus berisi angka saja", the only ways out retyping it or "Tidak tahu", which
overwrote the NIK recorded.

"kembali" while a form is filled the first time says earlier answers are changed at the
summary, then asks the question again (it was "Nomor HP itu tidak dikenali", "Jawaban itu
tidak ada di daftar"). And at "Maksud Bapak/Ibu: Kadugede?" another text typed ("babtan",
the desa typed ahead) keeps the offer with a one-line hint, where it dropped it for the
whole list of kecamatan.
"""

from __future__ import annotations

import copy
import re

import pytest

from handlers.forms.state import prefilled_state
from storage.models import Role, UserStatus
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.routed_turns import (
    CHANNELS,
    active_session,
    button,
    labels,
    person,
    said,
    send,
)
from tests.storage.seed_cases import KADUGEDE, NOW

SUMMARY = "Periksa kembali"
TO_SUMMARY = "‹ Ke ringkasan"
BACK_LATER = "ℹ️ Jawaban sebelumnya bisa diubah di ringkasan nanti, sebelum dikirim."
YES_OR_NO_FIRST = "Jawab dulu: <b>Ya</b> atau <b>Tidak</b>."
# Each type of question, by its line on the summary, and the words its question asks with.
QUESTIONS = {
    "text": ("Alamat", "alamat"),
    "number": ("Jumlah penghuni", "Berapa orang"),
    "age": ("Lahir/umur (1)", "Tanggal lahir atau umurnya"),
    "nik": ("NIK (1)", "Berapa NIK-nya"),
    "kk": ("Nomor KK", "Kartu Keluarga"),
    "choice": ("Hubungan (1)", "hubungannya"),
    "several": ("Bansos", "bantuan sosial"),
    "photo": ("Foto", "foto"),
    "location": ("Lokasi", "lokasi"),
    "region": ("Desa/Kelurahan", "Di desa/kelurahan mana"),
}
WAYS = ["button", "kembali", "ringkasan", "batal ubah"]


async def _at_the_summary(db, app, channel):
    """Ibu Sari, a coordinator, at her report's summary, every answer given."""
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    form = app.forms["case_report"]
    answers = copy.deepcopy({**BEFORE_SIZE, **REST})
    state = {**prefilled_state(form, answers), "phase": "summary", "closed": ["members"]}
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=sari.id, form_id=form.id, form_version=form.version, state=state, now=NOW
        )
    summary = said(await send(db, app, sari, channel, command="start"))
    assert SUMMARY in summary, summary
    return sari, summary


def _line(summary: str, label: str) -> str:
    """The number of the summary's line of the answer labelled so."""
    found = re.search(rf"^(\d+)\. {re.escape(label)}:", summary, re.MULTILINE)
    assert found, (label, summary)
    return found[1]


async def _answers(db, user):
    session = await active_session(db, user)
    assert session is not None
    return session.state["answers"]


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("kind", QUESTIONS)
async def test_a_question_opened_from_the_summary_goes_back_unchanged(world, channel, kind):
    """Every type of question edited from the summary: "‹ Ke ringkasan" under it, and
    tapped, the summary again with every answer as it was."""
    db, app = world
    sari, summary = await _at_the_summary(db, app, channel)
    before = await _answers(db, sari)
    label, asked_with = QUESTIONS[kind]
    opened = await send(db, app, sari, channel, text=_line(summary, label))
    assert asked_with.casefold() in said(opened).casefold(), said(opened)
    assert TO_SUMMARY in labels(opened), labels(opened)
    back = said(await send(db, app, sari, channel, data=button(opened, TO_SUMMARY)))
    assert SUMMARY in back and "⚠️" not in back, back
    assert await _answers(db, sari) == before


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("kind", ["nik", "age", "text", "photo", "location"])
async def test_typed_kembali_at_a_question_opened_from_the_summary(world, channel, way, kind):
    """QA walk 15: summary, "4" (NIK 1), then "kembali" or "ringkasan": the summary, the
    NIK as recorded (it was "numbers only" with [Tidak punya | Tidak tahu] the way out)."""
    db, app = world
    sari, summary = await _at_the_summary(db, app, channel)
    before = await _answers(db, sari)
    opened = await send(db, app, sari, channel, text=_line(summary, QUESTIONS[kind][0]))
    if way == "button":
        back = await send(db, app, sari, channel, data=button(opened, TO_SUMMARY))
    else:
        back = await send(db, app, sari, channel, text=way)
    text = said(back)
    assert SUMMARY in text and "⚠️" not in text, text
    assert f"{_line(summary, 'NIK (1)')}. NIK (1): 320801******0001" in text, text
    assert await _answers(db, sari) == before


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_number_typed_at_an_address_opened_from_the_summary_is_its_button(world, channel):
    """A bare number at a text question counts its buttons (`_number_as_button`): at the
    address opened from the summary, "1" is "‹ Ke ringkasan", the address kept."""
    db, app = world
    sari, summary = await _at_the_summary(db, app, channel)
    opened = await send(db, app, sari, channel, text=_line(summary, "Alamat"))
    assert labels(opened) == [TO_SUMMARY], labels(opened)
    back = said(await send(db, app, sari, channel, text="1"))
    assert SUMMARY in back and "Alamat: Dusun Manis RT 02 RW 05" in back, back


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_answer_changed_from_the_summary_is_still_taken(world, channel):
    """Typed at a question opened from the summary, an answer is taken as before, and the
    summary that follows has no way back of its own."""
    db, app = world
    sari, summary = await _at_the_summary(db, app, channel)
    opened = await send(db, app, sari, channel, text=_line(summary, "Alamat"))
    assert TO_SUMMARY in labels(opened)
    changed = await send(db, app, sari, channel, text="Dusun Pahing RT 01 RW 02")
    assert SUMMARY in said(changed) and "Dusun Pahing" in said(changed)
    assert (await _answers(db, sari))["address"] == "Dusun Pahing RT 01 RW 02"


async def _registering(db, app, channel):
    """Someone new at registration's phone question."""
    dedi = await person(db, "", None, channel, status=UserStatus.REGISTERING)
    assert "Siapa nama lengkap" in said(await send(db, app, dedi, channel, command="start"))
    asked = said(await send(db, app, dedi, channel, text="Dedi Sumarna"))
    assert "Berapa nomor HP" in asked, asked
    return dedi


@pytest.mark.parametrize("channel", CHANNELS)
async def test_kembali_while_filling_says_the_summary_comes(world, channel):
    """QA walk 15: "kembali" at the phone question was "Nomor HP itu tidak dikenali", at
    the kecamatan "Jawaban itu tidak ada di daftar": now that earlier answers are changed
    at the summary, before sending, and the same question again, nothing recorded."""
    db, app = world
    dedi = await _registering(db, app, channel)
    again = await send(db, app, dedi, channel, text="kembali")
    text = said(again)
    assert text.startswith(BACK_LATER) and "Berapa nomor HP" in text, text
    assert "tidak dikenali" not in text and TO_SUMMARY not in labels(again)
    assert "phone" not in await _answers(db, dedi)
    await send(db, app, dedi, channel, text="081234500001")
    await send(db, app, dedi, channel, text="psm")
    asked = said(await send(db, app, dedi, channel, text="Kuningan"))
    assert "Di kecamatan mana" in asked, asked
    again = said(await send(db, app, dedi, channel, text="Kembali"))
    assert again.startswith(BACK_LATER) and "Di kecamatan mana" in again, again
    assert "tidak ada di daftar" not in again
    assert "kecamatan" not in await _answers(db, dedi)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_kembali_at_the_age_while_filling_a_report(world, channel):
    """QA walk 15: "kembali" at a member's age was "Mohon ketik tanggal lahir…"."""
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE)
    form = app.forms["case_report"]
    answers = copy.deepcopy(BEFORE_SIZE)
    member = answers["members"] = answers["members"][:1]
    del member[0]["member_age"], member[0]["member_relation"]
    kept = {k: answers[k] for k in ("head_name", "no_kk", "members")}
    state = {**prefilled_state(form, kept), "phase": "ask"}
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=ani.id, form_id=form.id, form_version=form.version, state=state, now=NOW
        )
    asked = await send(db, app, ani, channel, command="start")
    assert "Tanggal lahir" in said(asked)
    assert TO_SUMMARY not in labels(asked)  # filled the first time: no summary to go back to
    again = said(await send(db, app, ani, channel, text="kembali"))
    assert again.startswith(BACK_LATER) and "Tanggal lahir" in again, again
    assert "member_age" not in (await _answers(db, ani))["members"][0]


async def _offered_kadugede(db, app, channel):
    dedi = await _registering(db, app, channel)
    await send(db, app, dedi, channel, text="081234500001")
    await send(db, app, dedi, channel, text="psm")
    await send(db, app, dedi, channel, text="Kuningan")
    offered = said(await send(db, app, dedi, channel, text="kadugde"))
    assert offered.startswith("Maksud Bapak/Ibu: <b>Kadugede</b>?"), offered
    return dedi


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_next_answer_typed_at_an_offer_keeps_it(world, channel):
    """QA walk 15: at "Maksud Bapak/Ibu: Kadugede?", "babtan" (the desa, typed ahead)
    dropped the offer for the whole kecamatan list; now the offer stays, a line above it
    says to answer yes or no, and "ya" takes Kadugede."""
    db, app = world
    dedi = await _offered_kadugede(db, app, channel)
    kept = await send(db, app, dedi, channel, text="babtan")
    text = said(kept)
    assert text.startswith("⚠️ " + YES_OR_NO_FIRST), text
    assert "Maksud Bapak/Ibu: <b>Kadugede</b>?" in text, text
    assert "Kadugede" in labels(kept), labels(kept)
    taken = said(await send(db, app, dedi, channel, text="ya"))
    assert "✓ Kecamatan: Kadugede" in taken, taken
    assert (await _answers(db, dedi))["kecamatan"]["label"] == "Kadugede"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_option_named_at_an_offer_is_the_answer(world, channel):
    """Another kecamatan named exactly at the offer is the answer, as before."""
    db, app = world
    dedi = await _offered_kadugede(db, app, channel)
    taken = said(await send(db, app, dedi, channel, text="Ciniru"))
    assert "✓ Kecamatan: Ciniru" in taken, taken


@pytest.mark.parametrize("channel", CHANNELS)
async def test_kembali_at_an_offer_while_editing_goes_back(world, channel):
    """At "Maksud Bapak/Ibu: Ciniru?" over the kecamatan opened from the summary, "kembali"
    is the way back, not "answer yes or no": the summary, the kecamatan as it was."""
    db, app = world
    sari, summary = await _at_the_summary(db, app, channel)
    before = await _answers(db, sari)
    await send(db, app, sari, channel, text=_line(summary, "Kecamatan"))
    offered = said(await send(db, app, sari, channel, text="cinir"))
    assert offered.startswith("Maksud Bapak/Ibu: <b>Ciniru</b>?"), offered
    back = said(await send(db, app, sari, channel, text="kembali"))
    assert SUMMARY in back and "Kecamatan: Kadugede" in back and "⚠️" not in back, back
    assert await _answers(db, sari) == before


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_way_back_never_hides_a_choices_buttons(world, channel):
    """Urgency's three options are WhatsApp reply buttons, a number typed counting them: a
    fourth button would make them a list behind "Pilih", numbers counting nothing seen. So
    there the way back is said in a line ("ketik kembali") and "2" is still Segera; on
    Telegram it is a button."""
    db, app = world
    sari, summary = await _at_the_summary(db, app, channel)
    opened = await send(db, app, sari, channel, text=_line(summary, "Urgensi"))
    if channel == "whatsapp":
        assert labels(opened) == ["Biasa", "Segera", "🚨 Darurat"], labels(opened)
        assert "Ketik <b>kembali</b> untuk ke ringkasan" in said(opened), said(opened)
    else:
        assert labels(opened)[-1] == TO_SUMMARY, labels(opened)
    taken = said(await send(db, app, sari, channel, text="2"))
    assert "✓ Urgensi: Segera" in taken and SUMMARY in taken, taken

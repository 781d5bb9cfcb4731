"""A number typed at a form's question of buttons picks the option button of that number on
the screen the person has, counted in the order shown: on Telegram (no numbers printed) as
on WhatsApp's buttons and lists. Before, a question with pages (registration's kecamatan
and desa) or choice groups answered "1" with "Nomor 1 tidak ada di daftar", though the
list was on screen. A number beyond the page is refused by its number, with the question
again; a question whose answer is a number keeps taking it as the answer."""

from __future__ import annotations

import re

import pytest

from handlers.context import Turn
from handlers.forms.state import prefilled_state
from handlers.i18n import Catalog
from storage.models import Role, UserStatus
from tests.handlers.forms.report_answers import BEFORE_SIZE
from tests.handlers.routed_turns import CHANNELS, button, person, said, send
from tests.handlers.training_turns import at, new_training
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
CATALOG = Catalog.load()
KECAMATAN_QUESTION = "Di kecamatan mana"
DESA_QUESTION = "Di desa/kelurahan mana"


def _options(turn: Turn) -> list[str]:
    """The option buttons of the question on screen, in the order shown."""
    return [
        b.label
        for reply in turn.replies
        for row in reply.buttons or []
        for b in row
        if re.search(r":o\d+$", b.data)
    ]


async def test_registration_pickers_take_the_number_of_a_button_on_the_page(world, channel):
    """On Telegram the page's buttons are in sight: a number counts them. On WhatsApp the
    same page (9 rows) is a list behind "Pilih", unnumbered: a number is refused, pick from
    the list or type the name (QA walk 10: "1" took a row the person could not see)."""
    db, app = world
    newcomer = await person(db, "Calon", None, channel, status=UserStatus.REGISTERING)
    await send(db, app, newcomer, channel, command="start")
    for text in ["Dedi Kurniawan", "081234567890", "PSM"]:
        await send(db, app, newcomer, channel, text=text)
    asked = await send(db, app, newcomer, channel, text="Kab. Kuningan")
    assert KECAMATAN_QUESTION in said(asked)
    kecamatan = _options(asked)
    assert len(kecamatan) == 8  # the first page of Kuningan's kecamatan
    if channel == "whatsapp":
        for typed in ("3", "9", "1, 3"):
            asked = await send(db, app, newcomer, channel, text=typed)
            hidden = CATALOG.text("id", "answer.number_hidden", number=typed, choose="Pilih")
            text = said(asked)
            assert text.startswith("⚠️ " + hidden) and KECAMATAN_QUESTION in text, text
        chosen = said(await send(db, app, newcomer, channel, data=button(asked, kecamatan[2])))
        assert f"✓ Kecamatan: {kecamatan[2]}" in chosen, chosen
        return

    refused = await send(db, app, newcomer, channel, text="12")  # beyond the page
    text = said(refused)
    not_listed = CATALOG.text("id", "answer.number_not_listed", number="12")
    assert text.startswith("⚠️ " + not_listed), text
    assert KECAMATAN_QUESTION in text and _options(refused) == kecamatan
    # The 9th button is the next page's: said so (QA walk 10: "not in the list").
    text = said(await send(db, app, newcomer, channel, text="9"))
    told = "⚠️ Nomor 9 bukan pilihan: pilih salah satu nomor 1–8, atau tekan Berikutnya."
    assert text.startswith(told) and KECAMATAN_QUESTION in text, text

    desa_asked = await send(db, app, newcomer, channel, text="3")
    assert f"✓ Kecamatan: {kecamatan[2]}" in said(desa_asked), said(desa_asked)
    assert DESA_QUESTION in said(desa_asked)
    second_page = await send(db, app, newcomer, channel, data=button(desa_asked, "Berikutnya"))
    desa = _options(second_page)
    assert desa and desa[0] not in _options(desa_asked)
    summary = said(await send(db, app, newcomer, channel, text="1."))
    assert f"Desa/Kelurahan: {desa[0]}" in summary, summary
    assert f"Kecamatan: {kecamatan[2]}" in summary


async def test_a_number_question_keeps_the_number_as_its_answer(world, channel):
    """The household size (a number) after the categories (choice groups): "2" is two people."""
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    form = app.forms["case_report"]
    answers = {k: v for k, v in BEFORE_SIZE.items() if k != "categories"}
    state = {**prefilled_state(form, answers), "phase": "ask", "closed": ["members"]}
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=ani.id, form_id=form.id, form_version=form.version, state=state, now=NOW
        )
    asked = await send(db, app, ani, channel, command="start")
    assert "Apa masalahnya?" in said(asked), said(asked)
    ticked = await send(db, app, ani, channel, text="5")  # the 5th local priority
    assert "Dipilih: Rumah tak layak huni" in said(ticked), said(ticked)
    size = await send(db, app, ani, channel, data=button(ticked, "Selesai memilih"))
    assert "✓ Kategori: Rumah tak layak huni" in said(size), said(size)
    answered = said(await send(db, app, ani, channel, text="2"))
    assert "✓ Jumlah penghuni: 2" in answered, answered
    async with db.reading() as repos:
        session = await repos.forms.active(ani.id)
    assert session is not None and session.state["answers"]["household_size"] == 2


# -- a number at "Maksud Bapak/Ibu: ...?" and "did you mean" counts those buttons ------------


async def _at_the_absence_reason(db, app, channel):
    """Bu Ani, invited to a training, has tapped "Berhalangan": [Izin] [Sakit]."""
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        training_id = await new_training(repos, sari, [(at(8, 8), at(8, 12))], deadline=at(7, 0))
        await repos.trainings.invite(training_id, [ani.id], NOW)
    asked = await send(db, app, ani, channel, data=f"tr:{training_id}:b")
    assert _options(asked) == ["Izin", "Sakit"]
    return ani


@pytest.mark.parametrize(("typed", "taken"), [("1", "Sakit"), ("2", None), ("3", None)])
async def test_a_number_at_a_confirmation_counts_ya_and_tidak(world, channel, typed, taken):
    """ "Maksud Bapak/Ibu: Sakit? [Ya] [Tidak]": "1" was read as the question's first option
    (Izin, stored silently); now 1 is Ya, 2 is Tidak (the question again), 3 is no button."""
    db, app = world
    ani = await _at_the_absence_reason(db, app, channel)
    confirm = await send(db, app, ani, channel, text="anak saya sakit")
    assert said(confirm).startswith("Maksud Bapak/Ibu: <b>Sakit</b>?"), said(confirm)
    answered = said(await send(db, app, ani, channel, text=typed))
    if taken:
        assert f"berhalangan ({taken})" in answered, answered
        return
    assert "Izin" not in answered.split("\n")[0], answered
    expected = (
        "⚠️ Baik. Silakan pilih"
        if typed == "2"
        else "⚠️ " + CATALOG.text("id", "answer.number_not_listed", number=typed)
    )
    assert answered.startswith(expected), answered
    assert "Berhalangan karena apa?" in answered
    async with db.reading() as repos:
        session = await repos.forms.active(ani.id)
    assert session is not None and session.state["answers"] == {}


async def test_a_number_at_did_you_mean_counts_the_spellings_offered(world, channel):
    """A near miss offers close spellings to tap: "2" is the second of them, not the
    question's second option."""
    db, app = world
    newcomer = await person(db, "Calon", None, channel, status=UserStatus.REGISTERING)
    await send(db, app, newcomer, channel, command="start")
    for text in ["Dedi Kurniawan", "081234567890", "PSM", "Kab. Kuningan"]:
        await send(db, app, newcomer, channel, text=text)
    offered = await send(db, app, newcomer, channel, text="Cimahu")
    spellings = _options(offered)
    assert len(spellings) >= 2 and "Maksud" in said(offered), said(offered)
    answered = said(await send(db, app, newcomer, channel, text="2"))
    assert f"✓ Kecamatan: {spellings[1]}" in answered, answered


async def test_the_number_of_bukan_at_did_you_mean_is_said_and_the_offer_kept(world, channel):
    """ "Cimahu" offers close spellings and "Bukan, lihat daftar": the number of that last
    button is said to be no answer, naming it, and the spellings are drawn again, so the
    next number still counts them (QA walk 10)."""
    db, app = world
    newcomer = await person(db, "Calon", None, channel, status=UserStatus.REGISTERING)
    await send(db, app, newcomer, channel, command="start")
    for text in ["Dedi Kurniawan", "081234567890", "PSM", "Kab. Kuningan"]:
        await send(db, app, newcomer, channel, text=text)
    spellings = _options(await send(db, app, newcomer, channel, text="Cimahu"))
    bukan = str(len(spellings) + 1)
    refused = await send(db, app, newcomer, channel, text=bukan)
    told = CATALOG.text(
        "id",
        "answer.number_is_a_button",
        number=bukan,
        numbers=f"1–{len(spellings)}",
        button="Bukan, lihat daftar",
    )
    assert said(refused).startswith("⚠️ " + told), said(refused)
    assert "Maksud" in said(refused) and _options(refused) == spellings
    answered = said(await send(db, app, newcomer, channel, text="2"))
    assert f"✓ Kecamatan: {spellings[1]}" in answered, answered


# -- a side trip draws the offer on screen again: "1" or "ya" answers what the person sees ----


@pytest.mark.parametrize("side_trip", [{"text": "bantuan"}, {"command": "menu"}])
async def test_a_number_after_a_side_trip_answers_the_offer_drawn_again(world, channel, side_trip):
    """ "anak saya sakit": "Maksud Bapak/Ibu: Sakit?"; a side trip draws that offer again
    with its note, [Ya] [Tidak]: "1" is Ya to Sakit, the screen the person has (QA walk 10;
    before, the whole question came back and "1" counted it)."""
    db, app = world
    ani = await _at_the_absence_reason(db, app, channel)
    confirm = await send(db, app, ani, channel, text="anak saya sakit")
    assert said(confirm).startswith("Maksud Bapak/Ibu: <b>Sakit</b>?"), said(confirm)
    again = said(await send(db, app, ani, channel, **side_trip))
    assert again.endswith("Maksud Bapak/Ibu: <b>Sakit</b>?\nKeterangan: <i>anak saya sakit</i>")
    answered = said(await send(db, app, ani, channel, text="1"))
    assert "berhalangan (Sakit)" in answered, answered


async def test_tidak_after_a_side_trip_shows_the_whole_question(world, channel):
    """ "tidak" to the offer drawn again after a side trip asks the question itself; another
    side trip then draws that question, not the offer answered: "1" is its first button,
    Izin (code review 11a: a number never counts a screen the person does not have)."""
    db, app = world
    ani = await _at_the_absence_reason(db, app, channel)
    await send(db, app, ani, channel, text="anak saya sakit")
    await send(db, app, ani, channel, text="bantuan")
    asked = await send(db, app, ani, channel, text="tidak")
    assert "Berhalangan karena apa?" in said(asked) and _options(asked) == ["Izin", "Sakit"]
    again = await send(db, app, ani, channel, text="bantuan")
    assert "Berhalangan karena apa?" in said(again) and "Maksud" not in said(again)
    answered = said(await send(db, app, ani, channel, text="1"))
    assert "berhalangan (Izin)" in answered, answered


async def test_a_number_after_a_side_trip_counts_the_spellings_drawn_again(world, channel):
    """ "Cimahu" offered close spellings; "bantuan" draws them again: "2" is the second
    spelling on screen. "Bukan, lihat daftar" then shows the kecamatan's first page, and "2"
    after another side trip is the second kecamatan of that page (on WhatsApp, a list behind
    "Pilih" with no numbers: refused, never a spelling no longer on screen)."""
    db, app = world
    newcomer = await person(db, "Calon", None, channel, status=UserStatus.REGISTERING)
    await send(db, app, newcomer, channel, command="start")
    for text in ["Dedi Kurniawan", "081234567890", "PSM", "Kab. Kuningan"]:
        await send(db, app, newcomer, channel, text=text)
    offered = await send(db, app, newcomer, channel, text="Cimahu")
    spellings = _options(offered)
    again = await send(db, app, newcomer, channel, text="bantuan")
    assert "Maksud" in said(again) and _options(again) == spellings, said(again)
    whole = await send(db, app, newcomer, channel, data=button(again, "Bukan, lihat daftar"))
    page = _options(whole)
    assert KECAMATAN_QUESTION in said(whole) and len(page) == 8, said(whole)
    again = await send(db, app, newcomer, channel, text="bantuan")
    assert KECAMATAN_QUESTION in said(again) and _options(again) == page, said(again)
    answered = said(await send(db, app, newcomer, channel, text="2"))
    if channel == "whatsapp":  # the page is a list behind "Pilih": no number counts there
        hidden = CATALOG.text("id", "answer.number_hidden", number="2", choose="Pilih")
        assert answered.startswith("⚠️ " + hidden) and KECAMATAN_QUESTION in answered, answered
        return
    assert f"✓ Kecamatan: {page[1]}" in answered and page[1] != spellings[1], answered


async def test_a_number_after_a_side_trip_answers_the_one_spelling_drawn_again(world, channel):
    """The QA walk: "Kadugde" at the kecamatan: "Maksud Bapak/Ibu: Kadugede?" [Kadugede]
    [Bukan, lihat daftar]; "bantuan" draws it again, and "1" is yes, Kadugede (before: the
    first kecamatan of the list the side trip drew instead, Ciawigebang)."""
    db, app = world
    newcomer = await person(db, "Calon", None, channel, status=UserStatus.REGISTERING)
    await send(db, app, newcomer, channel, command="start")
    for text in ["Dedi Kurniawan", "081234567890", "PSM", "Kab. Kuningan"]:
        await send(db, app, newcomer, channel, text=text)
    offered = await send(db, app, newcomer, channel, text="kadugde")
    assert said(offered).startswith("Maksud Bapak/Ibu: <b>Kadugede</b>?"), said(offered)
    again = said(await send(db, app, newcomer, channel, text="bantuan"))
    assert "Maksud Bapak/Ibu: <b>Kadugede</b>?" in again, again
    answered = said(await send(db, app, newcomer, channel, text="1"))
    assert "✓ Kecamatan: Kadugede" in answered, answered


@pytest.mark.parametrize("typed", ["3208014506900002", "3208 0145 0690 0002"])
async def test_a_nik_typed_at_a_choice_question_is_never_said_back(world, channel, typed):
    """Review 12: at a list behind WhatsApp's "Pilih" a pasted NIK was "nomor
    3208014506900002 belum dicatat", the full NIK in the bot's own message (which WhatsApp
    does not let the bot delete). A long number is no option's number: nothing of it is said
    back, on either channel, and the question is asked again."""
    db, app = world
    newcomer = await person(db, "Calon", None, channel, status=UserStatus.REGISTERING)
    await send(db, app, newcomer, channel, command="start")
    for text in ["Dedi Kurniawan", "081234567890", "PSM"]:
        await send(db, app, newcomer, channel, text=text)
    asked = await send(db, app, newcomer, channel, text="Kab. Kuningan")
    assert KECAMATAN_QUESTION in said(asked)
    refused = said(await send(db, app, newcomer, channel, text=typed))
    assert KECAMATAN_QUESTION in refused, refused
    digits = typed.replace(" ", "")
    assert digits not in refused.replace(" ", ""), refused
    assert "4506900002" not in refused.replace(" ", ""), refused

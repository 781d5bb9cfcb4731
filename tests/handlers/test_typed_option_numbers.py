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
    db, app = world
    newcomer = await person(db, "Calon", None, channel, status=UserStatus.REGISTERING)
    await send(db, app, newcomer, channel, command="start")
    for text in ["Dedi Kurniawan", "081234567890", "PSM"]:
        await send(db, app, newcomer, channel, text=text)
    asked = await send(db, app, newcomer, channel, text="Kab. Kuningan")
    assert KECAMATAN_QUESTION in said(asked)
    kecamatan = _options(asked)
    assert len(kecamatan) == 8  # the first page of Kuningan's kecamatan

    refused = await send(db, app, newcomer, channel, text="9")  # beyond the page
    text = said(refused)
    not_listed = CATALOG.text("id", "answer.number_not_listed", number="9")
    assert text.startswith("⚠️ " + not_listed), text
    assert KECAMATAN_QUESTION in text and _options(refused) == kecamatan

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

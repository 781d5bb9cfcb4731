"""How a multiple choice is picked is said by the person's channel, not by the form's label:
on Telegram the options stay as buttons to tap, then "Selesai memilih"; on WhatsApp they are
picked one at a time (a list) or typed as numbers. Before case_report 6 the labels said "lalu
tekan Selesai memilih" on every channel; a draft of version 5 still finishes on version 5."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from handlers.case_report import DRAFT_PREFIX
from handlers.forms.loading import load_form, load_forms
from handlers.forms.state import new_state
from storage.db import Database
from storage.models import Role, User
from tests.handlers.forms.report_answers import BEFORE_SIZE
from tests.handlers.routed_turns import CHANNELS, button, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"
V5 = load_form(FIXTURES / "case_report_v5.yaml")
CURRENT = load_forms()["case_report"].version
TAP = "Pilih satu atau lebih (tekan lagi untuk membatalkan), lalu tekan <b>✔️ Selesai memilih</b>."
PICK = "Pilih satu atau lebih, lalu pilih <b>✔️ Selesai memilih</b>."
NOTES = {"telegram": TAP, "whatsapp": PICK}
OLD_LABEL = "Pilih lalu tekan Selesai memilih"
BANSOS = "Bantuan sosial apa yang sudah diterima keluarga ini?"
# A report waiting at its assistance question (after the household size).
AT_BANSOS: dict[str, Any] = {
    **{key: value for key, value in BEFORE_SIZE.items() if key != "kecamatan"},
    "household_size": 5,
}


async def _draft_at_bansos(db: Database, channel: str, version: int) -> tuple[User, int]:
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        await repos.forms.save_definition(V5.id, V5.version, V5.model_dump(mode="json"))
        state = {**new_state(), "answers": AT_BANSOS, "closed": ["members"]}
        draft = await repos.forms.start(
            user_id=ani.id, form_id="case_report", form_version=version, state=state, now=NOW
        )
        await repos.forms.save(draft.id, state=state, status="paused", now=NOW)
    return ani, draft.id


async def test_the_categories_say_how_to_pick_on_the_channel(world, channel):
    db, app = world
    assert CURRENT > 5
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        answers = {
            key: value
            for key, value in BEFORE_SIZE.items()
            if key not in ("kecamatan", "categories")
        }
        state = {**new_state(), "answers": answers, "closed": ["members"]}
        await repos.forms.start(
            user_id=ani.id, form_id="case_report", form_version=CURRENT, state=state, now=NOW
        )
    asked = said(await send(db, app, ani, channel, command="start"))
    assert "<b>Apa masalahnya?</b>" in asked
    assert NOTES[channel] in asked
    assert "tekan Selesai memilih" not in asked.replace(TAP, "")


async def test_the_current_versions_assistance_question_says_it_once(world, channel):
    db, app = world
    ani, draft = await _draft_at_bansos(db, channel, CURRENT)
    await send(db, app, ani, channel, command="lapor")
    asked = said(await send(db, app, ani, channel, data=f"{DRAFT_PREFIX}:{draft}"))
    assert f"<b>{BANSOS}</b>\n<i>{NOTES[channel]}</i>" in asked
    assert OLD_LABEL not in asked


async def test_a_version_5_draft_finishes_on_version_5(world, channel):
    db, app = world
    ani, draft = await _draft_at_bansos(db, channel, 5)
    await send(db, app, ani, channel, command="lapor")
    resumed = await send(db, app, ani, channel, data=f"{DRAFT_PREFIX}:{draft}")
    assert OLD_LABEL in said(resumed)  # its own label, as published
    ticked = await send(db, app, ani, channel, data=button(resumed, "PKH"))
    done = await send(db, app, ani, channel, data=button(ticked, "Selesai memilih"))
    assert "✓ Bansos: PKH" in said(done)
    for typed in ("Kepala keluarga", "Lisan", "Atap bocor.", "Lewati", "Biasa"):
        last = await send(db, app, ani, channel, text=typed)
    sent = await send(db, app, ani, channel, data=button(last, "Kirim"))
    assert "KNG-" in said(sent)
    async with db.reading() as reader:
        session = await reader.forms.get(draft)
        cursor = await reader.conn.execute(
            "SELECT form_version FROM cases WHERE reporter_id = ?", (ani.id,)
        )
        versions = [row[0] for row in await cursor.fetchall()]
    assert session is not None and session.status == "completed"
    assert versions == [5]

"""What the NIK and KK questions say about the message holding the number is what the
person's channel does with it: on Telegram the bot deletes it; WhatsApp cannot delete a
message, so there the person is asked to delete it themselves (it promised the deletion)."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.forms.loading import load_form
from handlers.forms.state import new_state
from storage.models import Role
from tests.handlers.routed_turns import CHANNELS, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

PROMISE = "akan kami hapus"
YOURSELF = "hapus sendiri"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"


def _note(channel: str) -> str:
    return PROMISE if channel == "telegram" else YOURSELF


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_kk_and_nik_questions_say_what_the_channel_does(world, channel: str) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await send(db, app, ani, channel, text="lapor")
    kk_question = said(await send(db, app, ani, channel, text="Slamet"))
    assert "Kartu Keluarga" in kk_question and _note(channel) in kk_question
    await send(db, app, ani, channel, text="3208011210190005")
    nik_question = said(await send(db, app, ani, channel, text="Ayu Lestari"))
    assert "NIK" in nik_question and _note(channel) in nik_question
    if channel == "whatsapp":
        assert PROMISE not in kk_question + nik_question


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_draft_of_version_4_asks_with_the_channels_note(world, channel: str) -> None:
    """Version 4's KK question promised the deletion in its own hint, on every channel."""
    db, app = world
    v4 = load_form(FIXTURES / "case_report_v4.yaml")
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        await repos.forms.save_definition(v4.id, v4.version, v4.model_dump(mode="json"))
        state = {**new_state(), "answers": {"head_name": "Slamet"}}
        await repos.forms.start(
            user_id=ani.id, form_id="case_report", form_version=4, state=state, now=NOW
        )
    asked_again = said(await send(db, app, ani, channel, text="nomornya hilang"))
    assert "Kartu Keluarga" in asked_again and _note(channel) in asked_again
    if channel == "whatsapp":
        assert PROMISE not in asked_again

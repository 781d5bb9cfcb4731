"""A one-choice question answered with a sentence that names exactly one option ("anak saya
sakit" at "Berhalangan karena apa? [Izin] [Sakit]") is asked back, "Maksud Bapak/Ibu:
Sakit?" with Ya and Tidak, never refused as not in the list and never taken silently; a
sentence that denies the option ("tidak sakit") or names both is not. On Telegram and
WhatsApp alike."""

from __future__ import annotations

from typing import Any

import pytest

from storage.db import Database
from storage.models import Role, User
from tests.handlers.routed_turns import CHANNELS, button, labels, person, said, send
from tests.handlers.training_turns import at, new_training
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
REASON_QUESTION = "Berhalangan karena apa?"
DETAILS_QUESTION = "Mohon tulis keterangan singkat"
NOT_LISTED = "Jawaban itu tidak ada di daftar"


async def _at_the_reason(db: Database, app, channel: str) -> User:
    """Bu Ani, invited to a training, has tapped "Berhalangan"."""
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        training_id = await new_training(repos, sari, [(at(8, 8), at(8, 12))], deadline=at(7, 0))
        await repos.trainings.invite(training_id, [ani.id], NOW)
    asked = await send(db, app, ani, channel, data=f"tr:{training_id}:b")
    assert REASON_QUESTION in said(asked), said(asked)
    return ani


async def _answers(db: Database, user: User) -> dict[str, Any]:
    async with db.reading() as repos:
        session = await repos.forms.active(user.id)
    assert session is not None
    return session.state["answers"]


async def test_a_sentence_naming_one_option_is_asked_back_and_taken_on_ya(world, channel):
    db, app = world
    ani = await _at_the_reason(db, app, channel)
    asked = await send(db, app, ani, channel, text="anak saya sakit")
    assert said(asked).startswith("Maksud Bapak/Ibu: <b>Sakit</b>?"), said(asked)
    assert NOT_LISTED not in said(asked) and REASON_QUESTION not in said(asked)
    assert labels(asked) == ["Ya", "Tidak"]
    assert await _answers(db, ani) == {}  # nothing taken yet
    taken = await send(db, app, ani, channel, data=button(asked, "Ya"))
    # The sentence is the details too, asked no more (training_absence 2).
    assert "berhalangan (Sakit)" in said(taken) and DETAILS_QUESTION not in said(taken)


@pytest.mark.parametrize("reply", ["ya", "Iya"])
async def test_a_typed_yes_confirms_too(world, channel, reply):
    db, app = world
    ani = await _at_the_reason(db, app, channel)
    await send(db, app, ani, channel, text="Ibu saya sedang sakit keras")
    taken = await send(db, app, ani, channel, text=reply)
    assert "berhalangan (Sakit)" in said(taken), said(taken)


@pytest.mark.parametrize("tapped", [True, False])
async def test_tidak_asks_the_question_again(world, channel, tapped):
    db, app = world
    ani = await _at_the_reason(db, app, channel)
    asked = await send(db, app, ani, channel, text="anak saya sakit")
    if tapped:
        again = await send(db, app, ani, channel, data=button(asked, "Tidak"))
    else:
        again = await send(db, app, ani, channel, text="tidak")
    assert said(again).startswith("⚠️ Baik. Silakan pilih"), said(again)
    assert REASON_QUESTION in said(again) and labels(again) == ["Izin", "Sakit"]
    assert await _answers(db, ani) == {}
    # "ya" now is no confirmation of anything: the question stands.
    still = await send(db, app, ani, channel, text="ya")
    assert await _answers(db, ani) == {} and NOT_LISTED in said(still)


@pytest.mark.parametrize("typed", ["saya tidak sakit", "izin karena sakit", "ada acara"])
async def test_a_sentence_denying_or_naming_both_is_not_asked_back(world, channel, typed):
    # Not "Sakit?": the question's default (Izin) is asked instead, the sentence kept as the
    # details (training_absence 2, test_bimtek_reason_sentence.py).
    db, app = world
    ani = await _at_the_reason(db, app, channel)
    asked = await send(db, app, ani, channel, text=typed)
    assert said(asked).startswith("Maksud Bapak/Ibu: <b>Izin</b>?"), said(asked)
    assert NOT_LISTED not in said(asked)
    assert await _answers(db, ani) == {}

"""A sentence typed at "Berhalangan karena apa? [Izin] [Sakit]" is never lost (training_absence
2, `sentence_fills`): when it names an option that option is confirmed and the sentence is the
details, asked no more; when it names none, "Izin?" is asked with the sentence kept; "Tidak"
then a tap keeps it too. A draft on version 1 keeps version 1's way. Telegram and WhatsApp."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.forms.loading import load_form
from handlers.forms.state import new_state
from storage.db import Database
from storage.models import Role, User
from tests.handlers.routed_turns import CHANNELS, button, labels, person, said, send
from tests.handlers.training_turns import at, new_training
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
DETAILS_QUESTION = "Mohon tulis keterangan singkat"
V1 = load_form(
    Path(__file__).resolve().parents[1] / "fixtures" / "forms" / "training_absence_v1.yaml"
)


async def _at_the_reason(db: Database, app, channel: str) -> tuple[User, int]:
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        training_id = await new_training(repos, sari, [(at(8, 8), at(8, 12))], deadline=at(7, 0))
        await repos.trainings.invite(training_id, [ani.id], NOW)
    asked = await send(db, app, ani, channel, data=f"tr:{training_id}:b")
    assert "Berhalangan karena apa?" in said(asked), said(asked)
    return ani, training_id


async def _reason(db: Database, training_id: int, user: User) -> tuple[str | None, str | None]:
    async with db.reading() as repos:
        invitation = await repos.trainings.invitation(training_id, user.id)
        assert await repos.forms.active(user.id) is None  # the form is over
    return invitation.reason_kind, invitation.reason_text


async def test_a_sentence_naming_sick_keeps_its_words_as_the_details(world, channel):
    db, app = world
    ani, training_id = await _at_the_reason(db, app, channel)
    asked = await send(db, app, ani, channel, text="sakit demam dari kemarin")
    assert said(asked).startswith("Maksud Bapak/Ibu: <b>Sakit</b>?"), said(asked)
    assert "sakit demam dari kemarin" in said(asked) and labels(asked) == ["Ya", "Tidak"]
    done = await send(db, app, ani, channel, data=button(asked, "Ya"))
    assert DETAILS_QUESTION not in said(done), said(done)
    assert "berhalangan (Sakit)" in said(done) and "sakit demam dari kemarin" in said(done)
    assert await _reason(db, training_id, ani) == ("sakit", "sakit demam dari kemarin")


async def test_a_sentence_naming_no_option_is_izin_with_its_words(world, channel):
    db, app = world
    ani, training_id = await _at_the_reason(db, app, channel)
    typed = "Ada acara keluarga di desa, mohon maaf"
    asked = await send(db, app, ani, channel, text=typed)
    assert said(asked).startswith("Maksud Bapak/Ibu: <b>Izin</b>?"), said(asked)
    assert "tidak ada di daftar" not in said(asked) and typed in said(asked)
    done = await send(db, app, ani, channel, text="ya")
    assert DETAILS_QUESTION not in said(done) and typed in said(done), said(done)
    assert await _reason(db, training_id, ani) == ("izin", typed)


async def test_tidak_then_a_tap_keeps_the_sentence(world, channel):
    db, app = world
    ani, training_id = await _at_the_reason(db, app, channel)
    typed = "anak saya demam tinggi"
    asked = await send(db, app, ani, channel, text=typed)
    again = await send(db, app, ani, channel, data=button(asked, "Tidak"))
    done = await send(db, app, ani, channel, data=button(again, "Sakit"))
    assert DETAILS_QUESTION not in said(done), said(done)
    assert await _reason(db, training_id, ani) == ("sakit", typed)


async def test_a_version_1_draft_keeps_asking_the_details(world, channel):
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        training_id = await new_training(repos, sari, [(at(8, 8), at(8, 12))], deadline=at(7, 0))
        await repos.trainings.invite(training_id, [ani.id], NOW)
        await repos.trainings.set_rsvp(training_id, ani.id, "berhalangan", NOW)
        await repos.forms.save_definition(V1.id, V1.version, V1.model_dump(mode="json"))
        state = {**new_state(), "context": {"training_id": training_id}}
        await repos.forms.start(
            user_id=ani.id, form_id=V1.id, form_version=V1.version, state=state, now=NOW
        )
    asked = await send(db, app, ani, channel, text="sakit demam dari kemarin")
    assert said(asked).startswith("Maksud Bapak/Ibu: <b>Sakit</b>?"), said(asked)
    taken = await send(db, app, ani, channel, text="ya")
    assert DETAILS_QUESTION in said(taken), said(taken)


async def test_a_sentence_not_kept_drops_the_one_kept_before(world, channel):
    """A second sentence that cannot be kept (it holds a NIK) drops the first one: the tap
    after it does not fill the details with the first sentence (code review)."""
    db, app = world
    ani, _ = await _at_the_reason(db, app, channel)
    await send(db, app, ani, channel, text="anak saya demam tinggi")
    again = await send(db, app, ani, channel, text="anak NIK 3208014506230001 sakit")
    asked = await send(db, app, ani, channel, data=button(again, "Tidak"))
    done = await send(db, app, ani, channel, data=button(asked, "Sakit"))
    assert DETAILS_QUESTION in said(done), said(done)


async def test_the_confirmation_is_one_question(world, channel):
    """ "anak sakit": "Maksud Bapak/Ibu: Sakit? / Keterangan: anak sakit" over Ya/Tidak, not
    "Berhalangan karena apa?" again above those buttons (QA walk 7)."""
    db, app = world
    ani, _ = await _at_the_reason(db, app, channel)
    asked = await send(db, app, ani, channel, text="anak sakit")
    assert said(asked) == "Maksud Bapak/Ibu: <b>Sakit</b>?\nKeterangan: <i>anak sakit</i>"
    assert labels(asked) == ["Ya", "Tidak"]

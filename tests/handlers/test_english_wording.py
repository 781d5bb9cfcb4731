"""English for people who chose it (QA walk 5), on Telegram and WhatsApp alike: /bahasa asks
in both languages; the choice is followed by the main menu in the new language; the age
question's hint gives English units, which are taken as typed; a reviewer is named in
grammatical English ("News from the social office coordinator")."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.forms.loading import load_form, load_forms
from storage.db import Database
from storage.models import Role, User, UserStatus
from tests.handlers.review_turns import (
    QUICK_CHECK_EN,
    case_version,
    review_world,
    say,
    tap,
    verify,
)
from tests.handlers.routed_turns import CHANNELS, active_session, labels, person, queued, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"
AGE_HINT_EN = "Birth date or age? (e.g. 17-08-2015, 5 years, 2 yrs 3 months)"


async def _english(db: Database, user: User) -> User:
    async with db.transaction() as repos:
        return await repos.users.update(user.id, now=NOW, language="en")


async def _psm(db: Database, channel: str) -> User:
    return await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("language", ["id", "en"])
async def test_the_language_question_is_asked_in_both_languages(
    world, channel: str, language: str
) -> None:
    db, app = world
    ani = await _psm(db, channel)
    if language == "en":
        ani = await _english(db, ani)
    asked = said(await send(db, app, ani, channel, command="bahasa"))
    assert "Pilih bahasa yang Bapak/Ibu inginkan." in asked
    assert "Choose your language." in asked


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_main_menu_follows_a_language_chosen(world, channel: str) -> None:
    db, app = world
    ani = await _psm(db, channel)
    english = await send(db, app, ani, channel, data="lang:en")
    assert said(english) == "Language changed to English.\n\nWhat would you like to do?"
    assert "📝 New report" in labels(english) and "📁 My reports" in labels(english)
    back = await send(db, app, ani, channel, data="lang:id")
    assert said(back).endswith("Apa yang ingin Bapak/Ibu lakukan?")
    assert "📝 Buat laporan baru" in labels(back)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_no_menu_over_an_open_form_nor_for_someone_registering(world, channel) -> None:
    db, app = world
    ani = await _psm(db, channel)
    await send(db, app, ani, channel, command="lapor")
    changed = await send(db, app, ani, channel, data="lang:en")
    assert said(changed) == "Language changed to English." and labels(changed) == []
    assert await active_session(db, ani) is not None  # the report waits

    newcomer = await person(db, "Dewi", None, channel, status=UserStatus.REGISTERING)
    registering = await send(db, app, newcomer, channel, data="lang:en")
    assert said(registering) == "Language changed to English." and labels(registering) == []


async def _at_the_age_question(db: Database, app, ani: User, channel: str) -> str:
    for typed in ("Slamet Riyadi", "3208011210190005", "Ayu Lestari", "3208014506230001"):
        last = await send(db, app, ani, channel, text=typed)
    return said(last)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("typed", ["3 years", "3 yrs 5 months", "41 months", "3 years and 5 mo"])
async def test_the_age_hint_in_english_and_english_units_taken(
    world, channel: str, typed: str
) -> None:
    db, app = world
    ani = await _english(db, await _psm(db, channel))
    await send(db, app, ani, channel, command="lapor")
    asked = await _at_the_age_question(db, app, ani, channel)
    assert AGE_HINT_EN in asked and "tahun" not in asked
    taken = said(await send(db, app, ani, channel, text=typed))
    assert "What is their relation to the head of the family?" in taken
    assert "Please type a birth date" not in taken


async def test_a_version_10_draft_keeps_its_own_definition() -> None:
    """The published version 10 is kept as it was: the label only changed in version 11."""
    v10 = load_form(FIXTURES / "case_report_v10.yaml")
    current = load_forms()["case_report"]
    assert v10.version == 10 and current.version > 10

    def age_labels(form) -> dict[str, str]:
        return form.question("member_age").label

    assert age_labels(v10)["en"] == "Birth date or age? (e.g. 17-08-2015, 5 tahun, 2 th 3 bln)"
    assert age_labels(current)["en"] == AGE_HINT_EN
    assert age_labels(v10)["id"] == age_labels(current)["id"]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_reviewer_is_named_in_grammatical_english(world, channel: str) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW)
    people.psm = await _english(db, people.psm)
    people.tksk = await _english(db, people.tksk)
    people.coordinator = await _english(db, people.coordinator)
    _, version = await case_version(db, people.case_id)
    data = f"ca:v:{people.case_id}:{version}"
    await verify(db, app, people.tksk, channel, data, answers=QUICK_CHECK_EN)
    told = [m.text or "" for m in await queued(db, people.psm)]
    assert told[-1].startswith("News from the TKSK about your report"), told
    to_coordinator = [m.text or "" for m in await queued(db, people.coordinator)]
    assert any("was verified by the TKSK and waits" in text for text in to_coordinator)
    _, version = await case_version(db, people.case_id)
    await tap(db, app, people.coordinator, channel, f"ca:b:{people.case_id}:{version}")
    await say(db, app, people.coordinator, channel, "Alamat kurang lengkap")
    told = [m.text or "" for m in await queued(db, people.psm)]
    assert told[-1].startswith("News from the social office coordinator about your report")
    to_tksk = [m.text or "" for m in await queued(db, people.tksk)]
    assert any(
        "↩️ Note from the social office coordinator (29 Nov 2026): Alamat kurang lengkap" in text
        for text in to_tksk
    )
